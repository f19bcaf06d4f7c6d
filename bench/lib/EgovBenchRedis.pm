package EgovBenchRedis;

# What the fleet scenarios share: one redis-server for the run, and the
# Redis round trip as nginx measures it (egov_redis_health's rtt_ms).

use strict;
use warnings;

use EgovTest::Redis;
use EgovTest::Fleet;

my $redis;

sub setup {
    my ($n) = @_;
    $redis ||= EgovTest::Redis->new->start;
    $n->set_var(TEST_NGINX_REDIS_PORT => $redis->port);
}

sub rtts {
    my ($n, $count) = @_;
    my @ms;
    for (1 .. $count) {
        my (undef, $json) = health($n, '/health');
        push @ms, $json->{rtt_ms} if $json && defined $json->{rtt_ms};
    }
    @ms = sort { $a <=> $b } @ms;
    return 'no answer' unless @ms;
    return sprintf 'median %.3fms, p90 %.3fms (%d PINGs)', $ms[$#ms / 2],
        $ms[int($#ms * 0.9)], scalar @ms;
}

sub report {
    my ($module) = @_;
    return [ '# Redis round trip seen by nginx: ' . rtts($module, 200),
             '# redis-server unpinned; on this 2-CPU machine it shares a '
             . 'CPU with nginx or wrk' ];
}

1;

package EgovBenchRedis;

# What the fleet scenarios share: one redis-server for the run, and the
# Redis round trip as nginx measures it (egov_redis_health's rtt_ms).

use strict;
use warnings;

use EgovTest::Redis;
use EgovTest::Fleet;

my $redis;

# On a machine of two CPUs or more, nginx has CPU 0 to itself (bench.pl
# pins it there and wrk on CPU 1): redis-server goes on CPU 1 too, as a
# fleet's Redis runs on its own server and takes no CPU from nginx.
my $pinned = `nproc` + 0 >= 2;

sub setup {
    my ($n) = @_;
    if (!$redis) {
        $redis = EgovTest::Redis->new->start;
        system('taskset', '-pc', '1', $redis->{pid}) == 0 or $pinned = 0
            if $pinned;
    }
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
             $pinned ? '# redis-server on CPU 1 with wrk, nginx alone on CPU 0'
                     : '# redis-server unpinned: it shares the CPUs with nginx '
                       . 'and wrk' ];
}

1;

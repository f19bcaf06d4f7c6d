# Issue 7: the fleet layer's own cost, as a baseline for the fleet limiter
# targets.  egov_redis_health answers each request after one Redis PING on
# the worker's pipelined connection: the shape of "sync=strict" (one round
# trip per request, the request waits), hence the same 0.7 target.  Plain
# nginx answers the same JSON with "return".  The report prints Redis's
# round trip as nginx measures it, idle and right after the load.
use EgovTest::Redis;
use EgovTest::Fleet;
use List::Util qw(sum);

my $redis;

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

{
    title    => 'egov_redis_health (one Redis PING per request) vs return 200',
    target   => 0.7,
    path     => '/health',
    setup    => sub {
        my ($n) = @_;
        $redis ||= EgovTest::Redis->new->start;
        $n->set_var(TEST_NGINX_REDIS_PORT => $redis->port);
    },
    http_module => 'egov_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;',
    baseline => 'location /health { default_type application/json;
                     return 200 \'{"redis":"up","rtt_ms":0.100,"master":"127.0.0.1:6379"}\';
                 }',
    module   => 'location /health { egov_redis_health; }',
    report   => sub {
        my ($plain, $module) = @_;
        return [ '# Redis round trip seen by nginx: ' . rtts($module, 200),
                 '# redis-server unpinned; on this 2-CPU machine it shares a '
                 . 'CPU with nginx or wrk' ];
    },
};

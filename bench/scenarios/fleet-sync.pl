# Issue 7: a fleet-wide limit in approximate mode (scope=fleet sync=250ms)
# vs plain nginx; target 0.9.  Each request is decided from shared memory;
# worker 0 sends the key's count to Redis every 250ms.  The rate is high
# enough that nothing is refused: this measures the cost, not refusals.
use lib "$FindBin::Bin/lib";
use EgovBenchRedis;
{
    title    => 'fleet limit, sync=250ms (counts to Redis every 250ms)',
    target   => 0.9,
    path     => '/',
    setup    => sub { EgovBenchRedis::setup($_[0]) },
    baseline => 'location / { return 200 "ok\n"; }',
    http_module => 'egov_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
                    egov_limit_zone name=bench key=$binary_remote_addr
                                    rate=1000000r/s size=1m scope=fleet;',
    module   => 'location / {
                     egov_limit zone=bench burst=1000000 nodelay;
                     return 200 "ok\n";
                 }
                 location /health { egov_redis_health; }',
    report   => sub { EgovBenchRedis::report($_[1], $_[2]) },
    helpers  => \&EgovBenchRedis::pids,
};

# Issue 7: a fleet-wide limit in strict mode (a GCRA script in Redis decides
# every request, the questions of a turn of the event loop in one call, the
# request waiting for its answer) vs plain nginx; target 0.7.  All requests
# come from one address (fleet-strict-keys.pl: 1000 keys).  The rate is
# high enough that nothing is refused: this measures the round trip.
use lib "$FindBin::Bin/lib";
use EgovBenchRedis;
{
    title    => 'fleet limit, sync=strict (Redis decides every request)',
    target   => 0.7,
    path     => '/',
    setup    => sub { EgovBenchRedis::setup($_[0]) },
    baseline => 'location / { return 200 "ok\n"; }',
    http_module => 'egov_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
                    egov_limit_zone name=bench key=$binary_remote_addr
                                    rate=1000000r/s size=1m scope=fleet
                                    sync=strict;',
    module   => 'location / {
                     egov_limit zone=bench burst=1000000;
                     return 200 "ok\n";
                 }
                 location /health { egov_redis_health; }',
    report   => sub { EgovBenchRedis::report($_[1], $_[2]) },
    helpers  => \&EgovBenchRedis::pids,
};

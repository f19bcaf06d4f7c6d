# Issue 7: the fleet layer's own cost, as a baseline for the fleet limiter
# targets.  egov_redis_health answers each request after one Redis PING on
# the worker's pipelined connection: the shape of "sync=strict" (one round
# trip per request, the request waits), hence the same 0.7 target.  Plain
# nginx answers the same JSON with "return".  The report prints Redis's
# round trip as nginx measures it, idle and right after the load.
use lib "$FindBin::Bin/lib";
use EgovBenchRedis;

{
    title    => 'egov_redis_health (one Redis PING per request) vs return 200',
    target   => 0.7,
    path     => '/health',
    setup    => sub { EgovBenchRedis::setup($_[0]) },
    http_module => 'egov_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;',
    baseline => 'location /health { default_type application/json;
                     return 200 \'{"redis":"up","rtt_ms":0.100,"master":"127.0.0.1:6379"}\';
                 }',
    module   => 'location /health { egov_redis_health; }',
    report   => sub { EgovBenchRedis::report($_[1]) },
    helpers  => \&EgovBenchRedis::pids,
};

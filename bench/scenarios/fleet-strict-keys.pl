# Issue 7, for information next to fleet-strict.pl (whose requests all
# come from one address, as a flood or many visitors behind one address
# do): the same strict limit keyed by a header that takes 1000 values in
# turn, so each request of a batch has a key of its own.
use lib "$FindBin::Bin/lib";
use EgovBenchRedis;
{
    title    => 'fleet limit, sync=strict, 1000 keys in turn',
    target   => 0.7,
    path     => '/',
    script   => 'many-clients.lua',
    setup    => sub { EgovBenchRedis::setup($_[0]) },
    baseline => 'location / { return 200 "ok\n"; }',
    http_module => 'egov_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
                    egov_limit_zone name=bench key=$http_x_client
                                    rate=1000000r/s size=1m scope=fleet
                                    sync=strict;',
    module   => 'location / {
                     egov_limit zone=bench burst=1000000;
                     return 200 "ok\n";
                 }
                 location /health { egov_redis_health; }',
    report   => sub { EgovBenchRedis::report($_[1]) },
};

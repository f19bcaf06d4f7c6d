#!/usr/bin/perl
# The fleet agrees on the anonymization key of each period through Redis:
# two servers with their own secrets map the same address to the same
# $egov_anon_addr (hash and prefix); the key lives in Redis two periods;
# without Redis each server keeps its own mapping.

use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Time::HiRes qw(sleep time);
use EgovTest;
use EgovTest::Fleet;
use EgovTest::Nginx;
use EgovTest::Redis;

my $redis = EgovTest::Redis->new;
$redis->start;
my $port = $redis->port;

my $http = <<"END";
    egov_redis 127.0.0.1:$port timeout=300ms prefix=t79:;
    egov_anon_key_rotation 1h;
END
my $config = <<'END';
    location /health { egov_redis_health; }
    location /hash { egov_anon_addr hash; return 200 "$egov_anon_addr"; }
    location /prefix { egov_anon_addr prefix; return 200 "$egov_anon_addr"; }
END

my @servers = start_fleet($http, $config);
my ($a, $b) = @servers;

sub anon {
    my ($n, $uri, $addr) = @_;
    return $n->request(uri => $uri, client_addr => $addr)->body;
}

my $period = int(time / 3600);
ok(wait_until(sub {
       defined $redis->command('GET', "t79:anon:key:$period")
       && defined $redis->command('GET', 't79:anon:key:' . ($period + 1)) }, 3),
   'Redis holds the keys of this period and the next');
like($redis->command('GET', "t79:anon:key:$period"), qr/^[0-9a-f]{64}$/,
     'a 256-bit key');
my $ttl = $redis->command('PTTL', "t79:anon:key:$period");
ok($ttl > 7_000_000 && $ttl <= 7_260_000, "kept two periods and a minute ($ttl ms)");

my $h = anon($a, '/hash', '127.0.0.31');
like($h, qr/^[0-9a-f]{16}$/, 'a hash');
ok(wait_until(sub { anon($b, '/hash', '127.0.0.31') eq $h }, 2),
   'the same address, the same hash on both servers');
isnt(anon($b, '/hash', '127.0.0.32'), $h, 'another address, another hash');
is(anon($a, '/prefix', '127.0.0.31'), anon($b, '/prefix', '127.0.0.31'),
   'prefix: the same on both servers');

for my $n (@servers) {
    $n->stop;
    check_log_clean($n);
}

# without Redis: each server its own secret, its own mapping
$redis->stop;
my @alone = start_fleet($http, $config, without_redis => 1);
isnt(anon($alone[0], '/hash', '127.0.0.31'), anon($alone[1], '/hash', '127.0.0.31'),
     'without Redis, two servers map the address differently');
isnt(anon($alone[0], '/hash', '127.0.0.31'), $h, 'and not as the fleet key did');
for my $n (@alone) {
    $n->stop;
    check_log_clean($n);
}

done_testing();

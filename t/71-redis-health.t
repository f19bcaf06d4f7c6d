#!/usr/bin/perl
# egov_redis_health against a real redis-server with a password, a
# database, a unix socket: the answers, the write probe (scripts loaded,
# called by SHA, loaded again after NOSCRIPT; a replica refuses writes),
# the connections as Redis sees them, the control channel.

use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Time::HiRes qw(sleep);
use Sys::Hostname;
use EgovTest;
use EgovTest::Fleet;
use EgovTest::Nginx;
use EgovTest::Redis;

my $redis = EgovTest::Redis->new(password => 'pa ss', unix => 1);
$redis->start;

my $n = EgovTest::Nginx->new;
$n->write_file('conf/redis.pw', "pa ss\n");
$n->write_file('conf/wrong.pw', "not it\n");

my $port = $redis->port;
my $locations = <<'END';
        location /health { egov_redis_health; }
        location /write { egov_redis_health write; }
        location / { return 200 "plain\n"; }
END

$n->start(http_config => "egov_redis 127.0.0.1:$port password=redis.pw db=3"
                         . " prefix=portal: timeout=1s;",
          config => $locations);

ok(wait_until(sub { (health($n))[0] == 200 }), 'health answers 200')
    or diag explain [health($n)];

my ($status, $json, $res) = health($n);
is($status, 200, 'status 200 when Redis answers');
is_deeply([sort keys %$json], [qw(master redis rtt_ms)], 'three keys');
is($json->{redis}, 'up', 'redis: up');
like($json->{rtt_ms}, qr/^\d+\.\d+$/, 'rtt_ms is a number of milliseconds');
ok($json->{rtt_ms} > 0 && $json->{rtt_ms} < 1000, 'a plausible round trip');
is($json->{master}, "127.0.0.1:$port", 'master as host:port');
is($res->header('Content-Type'), 'application/json', 'JSON');
is($res->header('Cache-Control'), 'no-store', 'never cached');

$res = $n->request(uri => '/health', method => 'HEAD');
is($res->status, 200, 'HEAD: 200');
is($res->body, '', 'HEAD: no body');

$res = $n->request(uri => '/health', method => 'POST', body => 'x');
is($res->status, 405, 'POST: 405');

# Redis's side: two connections per worker, named, in db 3

my @clients = grep { /name=egov-/ } split /\n/, $redis->command('CLIENT', 'LIST');
is(scalar @clients, 2, 'one command and one pub/sub connection per worker');
ok((grep { /db=3/ && /flags=N/ } @clients), 'the command connection uses db 3')
    or diag join "\n", @clients;
ok((grep { /flags=P/ && /sub=1/ } @clients),
   'the pub/sub connection is subscribed') or diag join "\n", @clients;

# the write probe: a script, by SHA, writing a key with an expiry

my $key = 'portal:health:' . hostname();
my $pttl = sub {
    $redis->command('EVAL', "redis.call('SELECT', 3) "
                    . "return redis.call('PTTL', KEYS[1])", 1, $key);
};

# other features (the fleet's anonymization keys) use scripts too
my $evalsha = sub {
    ($redis->command('INFO', 'commandstats') =~ /cmdstat_evalsha:calls=(\d+),/)[0] || 0;
};
sleep 0.5;
my $calls = $evalsha->();

($status, $json) = health($n, '/write');
is($status, 200, 'write probe: 200');
is($json->{redis}, 'up', 'write probe: up');
my $ttl = $pttl->();
ok($ttl > 55000 && $ttl <= 60000, "write probe: $key written with a 60s expiry")
    or diag "PTTL $ttl";
is($redis->command('EVAL', "return redis.call('DBSIZE')", 0), 0,
   'nothing written in db 0');

is($evalsha->() - $calls, 1, 'the script was called by its SHA');

# Redis forgot its scripts (a restart, SCRIPT FLUSH): loaded again

my $before = length $n->error_log;
$redis->command('SCRIPT', 'FLUSH');
($status, $json) = health($n, '/write');
is($status, 200, 'after SCRIPT FLUSH: the probe still answers 200');
my $log = substr($n->error_log, $before);
is(count_lines($log, qr/\[info\] .*egov redis: script \w{12} was not loaded, loading it again/), 1,
   'NOSCRIPT: one info line, the script loaded and called again');
is(scalar(egov_lines($log, 'error')), 0, 'no error line');

# a replica answers PING, but refuses the writes fleet features need

$redis->command('REPLICAOF', '127.0.0.1', EgovTest::Nginx::free_port());
($status, $json) = health($n, '/write');
is($status, 503, 'write probe on a replica: 503');
is($json->{redis}, 'up', 'the connection itself is up');
like($json->{error}, qr/^READONLY /, 'the error Redis gave');
is($json->{rtt_ms}, undef, 'no round trip reported when not up');
($status) = health($n);
is($status, 200, 'PING still answers 200 on a replica');
$redis->command('REPLICAOF', 'NO', 'ONE');
($status) = health($n, '/write');
is($status, 200, 'a master again: 200');

# the control channel: an operator asks every worker to resync

$before = length $n->error_log;
is($redis->command('PUBLISH', 'portal:control', 'resync'), 1,
   'one subscriber on portal:control');
ok(wait_until(sub { $n->error_log =~ /\[notice\] .*egov redis: resync requested on "portal:control"/ }),
   'resync: one notice line');
$redis->command('PUBLISH', 'portal:control', 'hello');
ok(wait_until(sub { $n->error_log =~ /\[info\] .*egov redis: unknown message of 5 bytes on "portal:control" ignored/ }),
   'an unknown message is ignored with an info line');
unlike(substr($n->error_log, $before), qr/hello/, 'its content is not logged');

$n->stop;
check_log_clean($n);

# a wrong password: one error line, 503, and no more errors while it
# keeps trying

$n->start(http_config => "egov_redis 127.0.0.1:$port password=wrong.pw"
                         . " timeout=1s;",
          config => $locations);

ok(wait_until(sub { $n->error_log =~ /egov redis: cannot connect/ }),
   'wrong password: the error is logged');
($status, $json) = health($n);
is($status, 503, 'wrong password: 503');
is($json->{redis}, 'down', 'wrong password: down');
like($json->{error}, qr/^AUTH: WRONGPASS /, 'wrong password: the reason');
sleep 1;
for (1 .. 5) { health($n) }
$log = $n->error_log;
is(scalar(egov_lines($log, 'error')), 1, 'one error line for the state change')
    or diag join "\n", egov_lines($log, 'error');
like($log, qr/\[error\] .*egov redis: cannot connect to 127\.0\.0\.1:$port: AUTH: WRONGPASS invalid username-password pair or user is disabled\.; fleet features use their fallback until it is reached/,
     'the error line says why');
like($log, qr/\[info\] .*egov redis: 127\.0\.0\.1:$port: AUTH: WRONGPASS/,
     'the retries are info lines');
unlike($log, qr/not it|pa ss/, 'no password in the log');

$n->stop;
check_log_clean($n);

# the unix socket

$n->start(http_config => "egov_redis unix:" . $redis->socket_path
                         . " password=redis.pw;",
          config => $locations);

ok(wait_until(sub { (health($n))[0] == 200 }), 'unix socket: 200');
($status, $json) = health($n);
is($json->{master}, 'unix:' . $redis->socket_path, 'unix socket: master');
($status) = health($n, '/write');
is($status, 200, 'unix socket: the write probe');

$n->stop;
check_log_clean($n);
$redis->stop;

done_testing();

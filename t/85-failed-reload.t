#!/usr/bin/perl
# A reload that fails after the module's postconfiguration (here: a server
# name too long for server_names_hash_bucket_size, checked by nginx after
# every module's postconfiguration) frees that cycle's pool.  A worker
# respawned afterwards must still work from the running cycle: the fleet
# limits' "over" channel and the removals zone were once globals pointing
# into the freed cycle (a publish on a channel named by freed bytes, an
# unban during a Redis outage locking a freed zone's mutex; AddressSanitizer
# names both).

use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Time::HiRes qw(sleep time);
use EgovTest;
use EgovTest::Fleet;
use EgovTest::Nginx;
use EgovTest::Redis;
use IO::Socket::IP;

my $redis = EgovTest::Redis->new;
$redis->start;
my $port = $redis->port;

my %conf = (
    workers => 1,
    http_config => <<"END",
    egov_redis 127.0.0.1:$port timeout=300ms prefix=t85:;
    egov_ban_zone size=1m;
    egov_admin_token admin.tokens;
    egov_limit_zone name=fleet key=\$binary_remote_addr rate=1r/m
                    size=1m scope=fleet sync=50ms;
END
    config => <<'END',
    location /health { egov_redis_health; }
    location /admin/ { egov_admin; }
    location /fleet { egov_limit zone=fleet nodelay; return 200 "ok\n"; }
    location / { return 200 "ok\n"; }
END
);

my $n = EgovTest::Nginx->new(workers => 1);
$n->write_file('conf/admin.tokens', "soc:soc-token-0123456789abcdef\n");
$n->start(%conf);
ok(wait_until(sub { (health($n))[0] == 200 }), 'up with Redis');

# the reload that fails after postconfiguration

my $mark = length $n->error_log;
my $long = 'x' x 60 . '.example';
$n->write_config(%conf, http_config => $conf{http_config}
    . "    server_names_hash_bucket_size 32;\n"
    . "    server { listen 127.0.0.1:" . $n->port . "; server_name $long; }\n");
# a signal, as "nginx -s reload" would refuse the configuration itself
ok(kill('HUP', $n->pid), 'reload signalled');
ok(wait_until(sub {
    substr($n->error_log, $mark) =~ /could not build server_names_hash/ }),
   'the reload failed after postconfiguration');
$n->write_config(%conf);

# a worker respawned from the master that kept the running cycle

my ($old) = $n->worker_pids;
kill 'TERM', $old;
ok(wait_until(sub { my @w = $n->worker_pids; @w == 1 && $w[0] != $old }),
   'the worker respawned');
ok(wait_until(sub { (health($n))[0] == 200 }, 5), 'up with Redis again');

# the "over" channel: a key over the fleet limit is published on it

my $sub = $redis->client;
print $sub EgovTest::Redis::encode('SUBSCRIBE', 't85:lim:over');
EgovTest::Redis::read_reply($sub);
is($n->request(uri => '/fleet', client_addr => '127.0.0.20')->status, 200,
   'the first request passes');
is($n->request(uri => '/fleet', client_addr => '127.0.0.20')->status, 429,
   'the second is over the limit');
my $msg;
{
    local $SIG{ALRM} = sub { die "timeout\n" };
    alarm 3;
    $msg = eval { EgovTest::Redis::read_reply($sub) };
    alarm 0;
}
is(ref $msg ? $msg->[1] : undef, 't85:lim:over',
   'the over mark is published on the running cycle\'s channel');
like(ref $msg ? $msg->[2] : '', qr/^fleet [0-9a-f]+ \d+$/, '... as "ZONE KEY AHEAD"');
close $sub;

# an unban while Redis is away is remembered in the running cycle's zone

sub admin {
    my ($method, $path, $body) = @_;
    return $n->request(method => $method, uri => "/admin/$path",
                       body => $body,
                       headers => [['Authorization',
                                    'Bearer soc-token-0123456789abcdef'],
                                   ['Content-Type', 'application/json']]);
}

is(admin('POST', 'entries', '{"address":"127.0.0.30","kind":"block"}')->status,
   201, 'a block');
$redis->stop;
ok(wait_until(sub { (health($n))[0] == 503 }, 3), 'Redis stopped');
is(admin('DELETE', 'entries?address=127.0.0.30')->status, 200,
   'removed while Redis is away');
ok(wait_until(sub { $n->error_log =~ /an entry removed while Redis is away/ }, 2),
   'the removal is remembered for Redis');
is($n->request(uri => '/', client_addr => '127.0.0.30')->status, 200,
   'served again');

$n->stop;
$n->expect_log(qr/could not build server_names_hash/);
check_log_clean($n);

# the anonymization secret from a file: a reload that fails after the
# shared zones are set up (a port another program holds) must not change
# what running workers hash with (it once rewrote the secret in the live
# zone, without a lock)

my $busy = IO::Socket::IP->new(LocalHost => '127.0.0.1', LocalPort => 0,
                               Listen => 1) or die "listen: $!";
my $a = EgovTest::Nginx->new(workers => 1);
$a->write_file('conf/anon.secret', "first secret, 0123456789abcdef\n");
my %anon = (
    http_config => "    egov_anon_secret anon.secret;\n",
    config => <<'END',
    egov_anon_addr hash;
    location /h { return 200 "$egov_anon_addr"; }
END
);
$a->start(%anon);
my $before = $a->request(uri => '/h')->body;
like($before, qr/^[0-9a-f]{16}$/, 'the address, hashed');
$a->write_file('conf/anon.secret', "second secret, 0123456789abcdef\n");
$mark = length $a->error_log;
$a->write_config(%anon, http_config => $anon{http_config}
    . "    server { listen 127.0.0.1:" . $busy->sockport . "; }\n");
ok(kill('HUP', $a->pid), 'a reload with another secret, on a port in use');
ok(wait_until(sub { substr($a->error_log, $mark) =~ /bind\(\) to 127\.0\.0\.1:\d+ failed/ }, 10),
   'the reload failed after the zones were set up');
($old) = $a->worker_pids;
kill 'TERM', $old;
ok(wait_until(sub { my @w = $a->worker_pids; @w == 1 && $w[0] != $old }),
   'a worker respawned (no key of its own cached)');
ok(wait_until(sub { $a->request(uri => '/h')->status == 200 }), 'it answers');
is($a->request(uri => '/h')->body, $before,
   'it hashes as before: the running configuration\'s secret');
$a->stop;
$a->expect_log(qr/bind\(\) to 127\.0\.0\.1:\d+ failed|still could not bind/);
check_log_clean($a);

done_testing();

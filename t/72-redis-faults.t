#!/usr/bin/perl
# Redis stopped, restarted, slowed down (DEBUG SLEEP), frozen (SIGSTOP),
# unreachable at start, a client that leaves while its request waits:
# answers within the timeout, no worker stall, one log line per state
# change at the right level, full recovery.

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

my $n = EgovTest::Nginx->new;
$n->start(http_config => "egov_redis 127.0.0.1:$port timeout=500ms"
                         . " connect_timeout=1s;",
          config => <<'END');
        location /health { egov_redis_health; }
        location /slow { egov_redis_health timeout=3s; }
        location /fast { egov_redis_health timeout=100ms; }
        location / { return 200 "plain\n"; }
END

ok(wait_until(sub { (health($n))[0] == 200 }), 'up at start');

my ($took, $status, $json, $res, $s, $mark, $log);

# stopped: answers at once, one error line, the rest at once too

$mark = length $n->error_log;
$redis->stop;

($took, $status, $json) = timed(sub { health($n) });
is($status, 503, 'Redis stopped: 503');
ok($took < 0.5, sprintf('answered within the timeout (%.3fs)', $took));
ok(wait_until(sub { $n->error_log =~ /\[error\] .*egov redis: lost the connection/ }),
   'the loss is logged');
is($json->{redis}, 'down', 'down') or diag explain $json;

my $slowest = 0;
for (1 .. 20) {
    ($took, $status) = timed(sub { health($n) });
    $slowest = $took if $took > $slowest;
}
is($status, 503, 'still 503');
ok($slowest < 0.25, sprintf('each answered at once: the circuit is open '
                            . '(slowest %.3fs)', $slowest));
$res = $n->request(uri => '/');
is($res->body, "plain\n", 'requests that do not use Redis are served');

sleep 0.5;    # a few reconnect attempts
$log = substr($n->error_log, $mark);
is(scalar(egov_lines($log, 'error')), 1, 'one error line, not one per request')
    or diag join "\n", egov_lines($log, 'error');
like($log, qr/\[error\] .*egov redis: lost the connection to 127\.0\.0\.1:$port: .+; fleet features use their fallback until it is back/,
     'it says what and why');
like($log, qr/\[info\] .*egov redis: 127\.0\.0\.1:$port: Connection refused/,
     'reconnect attempts are info lines');

# restarted: recovery, one notice

$mark = length $n->error_log;
$redis->start;
ok(wait_until(sub { (health($n))[0] == 200 }, 6), 'Redis restarted: up again');
$log = substr($n->error_log, $mark);
is(scalar(egov_lines($log, 'notice')), 1, 'one notice line')
    or diag join "\n", egov_lines($log, 'notice');
like($log, qr/\[notice\] .*egov redis: connected to 127\.0\.0\.1:$port again after \d+ s, fleet features use it again/,
     'it says it is back');
is(scalar(egov_lines($log, 'error')), 0, 'no error while coming back');
ok(wait_until(sub { $redis->command('PUBSUB', 'NUMSUB', 'egov:control')->[1] == 1 }),
   'subscribed again');

# slowed down past the timeout: the waiting request gets 503 in time,
# others are served meanwhile, the circuit opens, then closes

$mark = length $n->error_log;
$redis->send_command('DEBUG', 'SLEEP', '2');
sleep 0.1;

my $t0 = time;
$s = send_request($n, '/health');
sleep 0.1;
($took, $res) = timed(sub { $n->request(uri => '/') });
is($res->body, "plain\n", 'a request not using Redis, while one waits');
ok($took < 0.2, sprintf('served at once (%.3fs): the worker is not blocked',
                        $took));
$res = read_response($s);
my $waited = time - $t0;
is($res->status, 503, 'DEBUG SLEEP: 503');
ok($waited >= 0.45 && $waited < 1.2,
   sprintf('after the timeout of 500ms (%.3fs)', $waited));
like($res->body, qr/"redis":"down".*"error":"no answer within \d+ms"/,
     'down: no answer');

($took, $status) = timed(sub { health($n) });
is($status, 503, 'while it sleeps: 503');
ok($took < 0.25, sprintf('at once, the circuit is open (%.3fs)', $took));

ok(wait_until(sub { (health($n))[0] == 200 }, 5), 'after the sleep: up');
$log = substr($n->error_log, $mark);
is(scalar(egov_lines($log, 'error')), 1, 'one error line') or diag $log;
like($log, qr/\[error\] .*egov redis: 127\.0\.0\.1:$port did not answer within \d+ms; fleet features use their fallback until it answers/,
     'it says Redis did not answer');
is(scalar(egov_lines($log, 'notice')), 1, 'one notice line') or diag $log;
like($log, qr/\[notice\] .*egov redis: (127\.0\.0\.1:$port answers again|connected to 127\.0\.0\.1:$port again)/,
     'it says it answers again');

# a location's own, shorter timeout

$mark = length $n->error_log;
$redis->send_command('DEBUG', 'SLEEP', '0.5');
sleep 0.05;
($took, $status, $json) = timed(sub { health($n, '/fast') });
is($status, 503, 'timeout=100ms: 503');
ok($took < 0.4, sprintf('after 100ms, not 500ms (%.3fs)', $took));
ok(wait_until(sub { (health($n))[0] == 200 }, 5), 'up again');
$log = substr($n->error_log, $mark);
like($log, qr/did not answer within 100ms/, 'the location timeout decided');

# frozen (no answer, no close): the same, and the link is dropped and made
# again when it stays silent

$mark = length $n->error_log;
$redis->freeze;
($took, $status) = timed(sub { health($n) });
is($status, 503, 'frozen: 503');
ok($took >= 0.45 && $took < 1.2, sprintf('after the timeout (%.3fs)', $took));
sleep 2;
$redis->thaw;
ok(wait_until(sub { (health($n))[0] == 200 }, 6), 'thawed: up again');
$log = substr($n->error_log, $mark);
is(scalar(egov_lines($log, 'error')), 1, 'one error line') or diag $log;
is(scalar(egov_lines($log, 'notice')), 1, 'one notice line') or diag $log;
like($log, qr/\[info\] .*egov redis: 127\.0\.0\.1:$port: still no answer after 1000ms, reconnecting/,
     'a silent link is dropped (info)');

# a client that leaves while its request waits: nothing breaks

$mark = length $n->access_log;
$redis->send_command('DEBUG', 'SLEEP', '1');
sleep 0.05;
$s = send_request($n, '/slow');
sleep 0.2;
close $s;
sleep 1.2;
ok(wait_until(sub { (health($n))[0] == 200 }), 'after a client left: up');
ok(wait_until(sub { substr($n->access_log, $mark) =~ m{"GET /slow HTTP/1.0" 499 } }),
   'the request that lost its client is logged as 499');

$n->stop;
check_log_clean($n);

# unreachable at start: the first connection fails, then succeeds

my $later = EgovTest::Redis->new;
my $lport = $later->port;
$mark = length $n->error_log;

$n->start(http_config => "egov_redis 127.0.0.1:$lport timeout=500ms;",
          config => "location /health { egov_redis_health; }");

ok(wait_until(sub { $n->error_log =~ /egov redis: cannot connect/ }),
   'unreachable at start: logged');
($took, $status, $json) = timed(sub { health($n) });
is($status, 503, 'unreachable: 503');
is($json->{redis}, 'down', 'unreachable: down');
ok($took < 0.25, sprintf('at once (%.3fs)', $took));
like($n->error_log, qr/\[error\] .*egov redis: cannot connect to 127\.0\.0\.1:$lport: Connection refused; fleet features use their fallback until it is reached/,
     'the error line');

$later->start;
ok(wait_until(sub { (health($n))[0] == 200 }, 6), 'reachable: up');
like($n->error_log, qr/\[notice\] .*egov redis: connected to 127\.0\.0\.1:$lport again/,
     'the notice line');
is(scalar(egov_lines(substr($n->error_log, $mark), 'error')), 1,
   'one error line in all');

$n->stop;
check_log_clean($n);
$later->stop;

# a Redis that accepts the connection but answers nothing yet: requests
# wait for the first connection (within their timeout), and are answered
# when it is ready

$redis->freeze;
$mark = length $n->error_log;
$n->start(http_config => "egov_redis 127.0.0.1:$port timeout=2s"
                         . " connect_timeout=3s;",
          config => <<'END');
        location /health { egov_redis_health; }
        location /fast { egov_redis_health timeout=100ms; }
END

($status, $json) = health($n, '/fast');
is($status, 503, 'first connection under way: 503 after 100ms');
is($json->{redis}, 'connecting', 'connecting');
$s = send_request($n, '/health');
sleep 0.3;
$redis->thaw;
$res = read_response($s);
is($res->status, 200, 'a request that waited for the first connection: 200');
like($res->body, qr/"redis":"up"/, 'up');
$log = substr($n->error_log, $mark);
is(scalar(egov_lines($log, 'error')), 0, 'no error line: it was slow, not down')
    or diag join "\n", egov_lines($log, 'error');

$n->stop;
check_log_clean($n);
$redis->stop;

done_testing();

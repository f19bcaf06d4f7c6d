#!/usr/bin/perl
# Replies a real Redis never sends, from whatever answers in its place
# (found by a helper's review, with a proxy of its own): hiredis 0.14 gives
# a reply no command waits for to its pub/sub callbacks and asserts its
# shape there, so each of these aborted the worker (signal 6, or 11 for an
# unsubscribe without its count).  Each must close the link it came on,
# counted and said, and the link is made again; no worker dies.

use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Time::HiRes qw(sleep time);
use EgovTest;
use EgovTest::Fleet;
use EgovTest::Nginx;
use EgovTest::Redis;
use EgovTest::RedisProxy;

my $redis = EgovTest::Redis->new;
$redis->start;
my $proxy = EgovTest::RedisProxy->new(upstream => $redis->port);
$proxy->start;
my $port = $proxy->port;

my $n = EgovTest::Nginx->new(workers => 1);
$n->start(http_config => <<"END", config => <<'END');
    egov_redis 127.0.0.1:$port timeout=300ms prefix=t72h:;
    egov_ban_zone size=1m;
END
    location /health { egov_redis_health; }
    location /status { egov_status; }
    location / { return 200 "ok\n"; }
END

sub counter {
    my ($name) = @_;
    my ($v) = $n->request(uri => '/status?format=prometheus')->body
        =~ /^egov_${name}_total (\d+)/m;
    return $v // 0;
}

sub subscribed {
    my $r = $redis->command('PUBSUB', 'NUMSUB', 't72h:entries');
    return ref $r && $r->[1] == 1;
}

ok(wait_until(sub { (health($n))[0] == 200 && subscribed() }, 10),
   'up with Redis, through the proxy, subscribed');
my ($worker) = $n->worker_pids;

my @cases = (
    [cmd => "+OK\r\n", 'a status on the command link that no command asked for'],
    [cmd => "*2\r\n\$7\r\nmessage\r\n\$1\r\nx\r\n", '... an array'],
    [sub => "*1\r\n\$7\r\nmessage\r\n", 'a pub/sub array of one element'],
    [sub => "*3\r\n:1\r\n\$1\r\nx\r\n\$1\r\ny\r\n", 'a pub/sub array whose type is a number'],
    [sub => "*3\r\n\$7\r\nmessage\r\n*1\r\n:1\r\n\$1\r\ny\r\n", 'a pub/sub array whose channel is an array'],
    [sub => "*2\r\n\$11\r\nunsubscribe\r\n\$12\r\nt72h:control\r\n", 'an unsubscribe without its count (read past the array)'],
    [sub => "*3\r\n\$12\r\nPUNSUBSCRIBE\r\n\$12\r\nt72h:control\r\n\$1\r\n0\r\n", 'a punsubscribe whose count is a string'],
    [sub => ":5\r\n", 'a number on the pub/sub link'],
);

my $said = 0;
for my $case (@cases) {
    my ($kind, $bytes, $name) = @$case;
    my $before = counter('redis_replies_unexpected');
    my $mark = length $n->error_log;
    $proxy->inject($kind, $bytes);
    if ($bytes eq ":5\r\n") {
        # not an array: hiredis takes it for a command's sent while
        # subscribed, and drops it; the link stays
        sleep 0.3;
        is(counter('redis_replies_unexpected'), $before, "$name: dropped, the link kept");
        next;
    }
    ok(wait_until(sub { counter('redis_replies_unexpected') == $before + 1 }, 5),
       "$name: the link is closed, counted");
    $said++ if substr($n->error_log, $mark)
               =~ /a reply no command waits for, or a pub\/sub reply not shaped as Redis sends them/;
    ok(wait_until(sub { (health($n))[0] == 200 && subscribed() }, 10),
       '... made again');
    is(($n->worker_pids)[0], $worker, '... by the same worker');
}
ok($said >= 1, "the reason is said ($said times; the first of a run is logged)");

# an error no command asked for closes the link (hiredis does), and its
# text goes into the log: a line end in it forged a line there
my $mark = length $n->error_log;
$proxy->inject(cmd => "-ERR x\n2026/12/05 00:00:00 [warn] 1#1: injected by redis\r\n");
ok(wait_until(sub { substr($n->error_log, $mark) =~ /ERR x\?2026/ }, 5),
   'an error with a line end in it: said, its line end replaced')
    or diag substr($n->error_log, $mark);
unlike($n->error_log, qr/^\S+ \S+ \[warn\] 1#1: injected/m, '... no line forged');
ok(wait_until(sub { (health($n))[0] == 200 && subscribed() }, 10),
   '... the link made again');

# a Redis that kills the links again and again (CLIENT KILL every 50 ms,
# found by a helper's review): each new connection read and reconciled the
# whole hash at once, 35 reads in 5 s; at most one a second now
my $reads = () = $n->error_log =~ /egov fleet: \d+ shared entries/g;
for (1 .. 40) {
    $redis->command('CLIENT', 'KILL', 'TYPE', 'pubsub');
    sleep 0.05;
}
my $storm = (() = $n->error_log =~ /egov fleet: \d+ shared entries/g) - $reads;
ok($storm >= 1 && $storm <= 4, "links killed 40 times in 2 s: the hash read $storm times");
ok(wait_until(sub { (health($n))[0] == 200 && subscribed() }, 10), '... the links made again');

# the real thing still works through the same links
$redis->command('PUBLISH', 't72h:control', 'resync');
ok(wait_until(sub { $n->error_log =~ /egov fleet: \d+ shared entries/ }, 5),
   'a resync published reaches the module');
is($n->request(uri => '/')->status, 200, 'requests are served');

$n->stop;
unlike($n->error_log, qr/exited on signal|Assertion/, 'no worker died');
check_log_clean($n);
$proxy->stop;
$redis->stop;
done_testing();

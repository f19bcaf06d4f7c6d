#!/usr/bin/perl
# The workers of a server share their Redis state: egov_redis_health says
# "up" for the server only when every worker has Redis (a worker that
# cannot reconnect makes it 503, saying how many have it), and a worker
# waiting out its backoff reconnects as soon as another worker of its
# server is back, instead of limiting alone for up to 3 s more.

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

my $n = EgovTest::Nginx->new(workers => 4);
$n->start(http_config => "egov_redis 127.0.0.1:$port timeout=300ms prefix=t88:;",
          config => 'location /health { egov_redis_health; }');
ok(fleet_up($n), 'the server is up: every worker has Redis');

# one connection of our own, kept: Redis will refuse new ones
my $s = $redis->client;
sub cmd { print $s EgovTest::Redis::encode(@_); return EgovTest::Redis::read_reply($s) }

# worker 2's links cut, and no room to make them again
my @pids = $n->worker_pids;
is(scalar @pids, 4, 'four workers');
my $victim = $pids[1];
my @ids = map { /^id=(\d+) .*name=egov-\S+-$victim / ? $1 : () } split /\n/, cmd('CLIENT', 'LIST');
is(scalar @ids, 2, "worker $victim has two links (commands, pub/sub)");
my $clients = () = cmd('CLIENT', 'LIST') =~ /^id=/mg;
is(cmd('CONFIG', 'SET', 'maxclients', $clients - 2), 'OK', 'Redis takes no more clients');
cmd('CLIENT', 'KILL', 'ID', $_) for @ids;

# the worker sees its links closed at its next event: from then on
sub partial {
    my ($code, $json) = health($n);
    return $code == 503 && $json && $json->{redis} eq 'connecting'
           && ($json->{error} // '') eq '3 of 4 workers have Redis, the others reconnect';
}
ok(wait_until(\&partial, 2), 'the others say 3 of 4 workers have Redis');
my ($partial, $ok200) = (0, 0);
my $deadline = time + 2;
while (time < $deadline) {
    my ($code) = health($n);
    $ok200++ if $code == 200;
    $partial++ if $code == 503;
    sleep 0.05;
}
is($ok200, 0, "while one worker has no Redis, the server is never \"up\" ($partial answers 503)");

cmd('CONFIG', 'SET', 'maxclients', 10000);
ok(wait_until(sub { (health($n))[0] == 200 }, 5), 'room again: the worker is back, the server up');

# Redis away long enough for every worker's backoff to reach its longest
# (3 s, with jitter): when it is back, the first worker to reconnect wakes
# the others.  (4 s was too short on a loaded machine under ASan: backoffs
# still near 1.6 s could all come due together, waking none.)
# On a loaded machine the first worker's handshake can take so long that
# the others' own retries come due before they see it back: the outage is
# played up to three times, once with a wake-up is enough.
close $s;
my ($woken, $up, $tries) = (0, 1, 0);
for my $try (1 .. 3) {
    $tries = $try;
    my $mark = length $n->error_log;
    $redis->stop;
    sleep 7;
    $redis->start;
    $up = wait_until(sub { (health($n))[0] == 200 }, 6);
    $woken = () = substr($n->error_log, $mark)
        =~ /\[info\] .*egov redis: another worker has Redis again: reconnecting now/g;
    last if $woken || !$up;
}
ok($up, 'Redis back: the server is up');
ok($woken >= 1, "workers waiting out their backoff reconnected at once "
                . "($woken links woken, outage played $tries times)");

$n->stop;
check_log_clean($n);
done_testing();

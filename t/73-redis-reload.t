#!/usr/bin/perl
# The fleet layer across reloads and exits: connections are closed with
# their worker (no "open socket left"), a graceful exit waits at most the
# timeout for a request that waits on Redis, worker_shutdown_timeout
# closes the links, and a reload keeps two connections per worker.

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

sub egov_clients {
    return scalar grep { /name=egov-/ } split /\n/,
        $redis->command('CLIENT', 'LIST');
}

sub worker_pids {
    my ($n) = @_;
    my $master = $n->pid;
    return sort grep { /^\d+$/ }
        map { (split ' ', $_)[0] }
        grep { /^\s*\d+\s+$master$/ }
        split /\n/, `ps -e -o pid=,ppid=`;
}

my %conf = (
    workers => 2,
    http_config => "egov_redis 127.0.0.1:$port timeout=1s;",
    config => <<'END',
        location /health { egov_redis_health; }
        location / { return 200 "plain\n"; }
END
);

my $n = EgovTest::Nginx->new;
$n->start(%conf);

ok(wait_until(sub { egov_clients() == 4 }), 'two workers, two connections each');
ok(wait_until(sub { (health($n))[0] == 200 }), 'up');

# reload: the old workers close theirs, the new ones connect

my @old = worker_pids($n);
is(scalar @old, 2, 'two workers');
$n->reload(%conf, http_config => $conf{http_config} . "\n    # reloaded\n");
ok(wait_until(sub { my @w = worker_pids($n); @w == 2 && !grep { my $o = $_; grep { $_ == $o } @w } @old }),
   'new workers after the reload');
ok(wait_until(sub { egov_clients() == 4 }), 'still four connections, not eight')
    or diag $redis->command('CLIENT', 'LIST');
ok(wait_until(sub { (health($n))[0] == 200 }), 'up after the reload');
my @problems = $n->log_problems;
ok(!@problems, 'no alert after the reload (no open socket left)')
    or diag join "\n", @problems;

# several reloads in a row, with requests in between

for my $i (1 .. 3) {
    $n->reload(%conf, http_config => $conf{http_config} . "\n    # reload $i\n");
    health($n);
}
ok(wait_until(sub { egov_clients() == 4 }), 'four connections after three more reloads');

# a graceful exit while a request waits on a slow Redis: the request gets
# its answer within the timeout, and the worker exits right after

$redis->send_command('DEBUG', 'SLEEP', '3');
sleep 0.1;
my $s = send_request($n, '/health');
sleep 0.1;
my ($took) = timed(sub { $n->stop });
my $res = read_response($s);
is($res->status, 503, 'the waiting request was answered');
ok($took < 2.5, sprintf('nginx exited within the timeout (%.2fs)', $took));
check_log_clean($n);
ok(wait_until(sub { egov_clients() == 0 }, 5), 'no connection left');

# worker_shutdown_timeout: the links are closed by it, cleanly

ok(wait_until(sub { (health_of_redis())  }, 5), 'Redis awake again');

my $mark = length $n->error_log;
$n->start(%conf, main_config => 'worker_shutdown_timeout 300ms;',
          workers => 1,
          config => <<'END');
        location /health { egov_redis_health timeout=5s; }
END
ok(wait_until(sub { (health($n))[0] == 200 }), 'up');
$redis->send_command('DEBUG', 'SLEEP', '3');
sleep 0.1;
$s = send_request($n, '/health');
sleep 0.1;
($took) = timed(sub { $n->stop });
ok($took < 2, sprintf('worker_shutdown_timeout ended the wait (%.2fs)', $took));
read_response($s, 2);
check_log_clean($n);
is(scalar(egov_lines(substr($n->error_log, $mark), 'error')), 0,
   'closing the links at shutdown is not an error');

$redis->stop;

sub health_of_redis {
    return eval { $redis->command('PING') eq 'PONG' };
}

done_testing();

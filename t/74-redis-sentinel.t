#!/usr/bin/perl
# egov_redis_sentinel: a master, a replica and a pair of sentinels.  The
# master is found through the sentinels, a failover is followed (ordered
# with SENTINEL FAILOVER, then forced by killing the master while requests
# flow through strict and synced fleet limits: every one answered 200, in
# time, the fallback counted), and a sentinel that is down is skipped.

use strict;
use warnings;
use lib 't/lib';
use Test::More;
use POSIX ();
use Time::HiRes qw(sleep time);
use EgovTest;
use EgovTest::Fleet;
use EgovTest::Nginx;
use EgovTest::Redis;

my $m = EgovTest::Redis->new;
$m->start;
my $r = EgovTest::Redis->new(args => ['--replicaof', '127.0.0.1', $m->port]);
$r->start;

my @sentinels = map {
    EgovTest::Redis->new(sentinel => { name => 'egov', master => $m,
                                       down_after => 1000,
                                       failover_timeout => 4000 })
} 1 .. 2;
$_->start for @sentinels;

my ($mp, $rp) = ($m->port, $r->port);
my ($s1, $s2) = map { $_->port } @sentinels;

ok(wait_until(sub {
       my $reps = eval { $sentinels[0]->command('SENTINEL', 'REPLICAS', 'egov') };
       $reps && @$reps && grep { $_ eq 'slave' } @{ $reps->[0] }
   }, 15), 'the sentinels know the replica');

my %conf = (
    http_config => "egov_redis sentinel timeout=500ms connect_timeout=1s;\n"
                 . "    egov_redis_sentinel 127.0.0.1:$s1 127.0.0.1:$s2"
                 . " master=egov;\n" . <<'END',
    egov_limit_zone name=strict key=$binary_remote_addr rate=10000r/s
                    size=1m scope=fleet sync=strict;
    egov_limit_zone name=synced key=$binary_remote_addr rate=10000r/s
                    size=1m scope=fleet sync=100ms;
END
    config => <<'END',
        location /health { egov_redis_health; }
        location /write { egov_redis_health write; }
        location /strict { egov_limit zone=strict burst=100; return 200 "s\n"; }
        location /synced { egov_limit zone=synced burst=100; return 200 "y\n"; }
        location = /status { egov_status; egov_allowlist 127.0.0.1; }
END
);

# requests flowing until told to stop: "URI STATUS SECONDS" lines in a file
sub load {
    my ($n, $file, $stop) = @_;
    my $pid = fork // die "fork: $!";
    return $pid if $pid;
    open my $out, '>', $file or POSIX::_exit(1);
    $out->autoflush(1);
    my $i = 0;
    until (-e $stop) {
        my $uri = $i++ % 2 ? '/strict' : '/synced';
        my $t = time;
        my $res = eval { $n->request(uri => $uri, timeout => 5) };
        printf $out "%s %s %.3f\n", $uri, $res ? $res->status : 0, time - $t;
        sleep 0.01;
    }
    close $out;
    POSIX::_exit(0);
}

sub fallbacks {
    my ($n) = @_;
    my ($v) = $n->request(uri => '/status?format=prometheus')->body
        =~ /^egov_fleet_limit_fallbacks_total (\d+)/m;
    return $v // -1;
}

my $n = EgovTest::Nginx->new;
$n->start(%conf);

ok(wait_until(sub { (health($n))[0] == 200 }), 'the master is found');
my ($status, $json) = health($n);
is($json->{master}, "127.0.0.1:$mp", 'the master the sentinels name');
is((health($n, '/write'))[0], 200, 'writes go to the master');
like($m->command('CLIENT', 'LIST'), qr/name=egov-.*flags=N/,
     'connected to the master');

# an ordered failover: the replica becomes the master

my $mark = length $n->error_log;
ok(wait_until(sub {
       ($sentinels[0]->command('SENTINEL', 'FAILOVER', 'egov') || '') eq 'OK'
   }, 20), 'SENTINEL FAILOVER accepted');

ok(wait_until(sub { my ($st, $j) = health($n);
                    $st == 200 && $j->{master} eq "127.0.0.1:$rp" }, 15),
   'nginx follows the failover')
    or diag explain [health($n)];
is((health($n, '/write'))[0], 200, 'writes go to the new master');
my $log = substr($n->error_log, $mark);
like($log, qr/\[notice\] .*egov redis: master "egov" is now 127\.0\.0\.1:$rp \(was 127\.0\.0\.1:$mp\), following it/,
     'the move is a notice line');
is(scalar(egov_lines($log, 'error')), 0, 'no error line for an ordered failover')
    or diag join "\n", egov_lines($log, 'error');
ok(wait_until(sub { $m->command('CLIENT', 'LIST') !~ /name=egov-/ }),
   'nothing left connected to the old master');

# the new master dies, under load: the sentinels elect the old one again

my ($loadlog, $stop) = map { $n->prefix . "/$_" } 'load.txt', 'load.stop';
my $before = fallbacks($n);
my @loaders = map { load($n, "$loadlog.$_", $stop) } 1 .. 4;
sleep 0.5;
$mark = length $n->error_log;
$r->stop;
ok(wait_until(sub { (health($n))[0] == 503 }, 3), 'master dead: 503');
ok(wait_until(sub { my ($st, $j) = health($n);
                    $st == 200 && $j->{master} eq "127.0.0.1:$mp" }, 30),
   'nginx follows the forced failover')
    or diag explain [health($n)];
sleep 1;
open my $fh, '>', $stop or die;
close $fh;
waitpid $_, 0 for @loaders;
my @load = map { [split] } map { split /\n/, $n->read_file("load.txt.$_") } 1 .. 4;
my @bad = grep { $_->[1] != 200 } @load;
my $slowest = (sort { $b <=> $a } map { $_->[2] } @load)[0] // 99;
ok(@load > 400, scalar(@load) . ' requests from 4 clients during the failover');
is(scalar(@bad), 0, 'every one answered 200 (strict: the local fallback)')
    or diag explain [@bad[0 .. ($#bad < 4 ? $#bad : 4)]];
ok($slowest < 1.2, "none waited much past the 500ms timeout ($slowest s)");
my $after = fallbacks($n);
ok($after > $before, 'the fallbacks are counted (' . ($after - $before) . ')');
is($n->request(uri => '/strict')->status, 200, 'strict limits answer after it');
$n->request(uri => '/strict') for 1 .. 5;
is(fallbacks($n), $after, 'from Redis again, not the fallback');
$log = substr($n->error_log, $mark);
is(scalar(egov_lines($log, 'error')), 1, 'one error line when the master died')
    or diag join "\n", egov_lines($log, 'error');
like($log, qr/\[notice\] .*egov redis: master "egov" is now 127\.0\.0\.1:$mp \(was 127\.0\.0\.1:$rp\)/,
     'the move is logged');
like($log, qr/\[notice\] .*egov redis: connected to 127\.0\.0\.1:$mp again/,
     'and the recovery');
is((health($n, '/write'))[0], 200, 'writes work again');

$n->stop;
check_log_clean($n);

# the first sentinel is down: the second one answers

$sentinels[0]->stop;
$mark = length $n->error_log;
$n->start(%conf);
ok(wait_until(sub { (health($n))[0] == 200 }), 'found through the second sentinel');
is((health($n))[1]{master}, "127.0.0.1:$mp", 'the same master');
like(substr($n->error_log, $mark),
     qr/\[info\] .*egov redis: sentinel 127\.0\.0\.1:$s1: Connection refused/,
     'the dead sentinel is an info line');
is(scalar(egov_lines(substr($n->error_log, $mark), 'error')), 0, 'no error');

$n->stop;
check_log_clean($n);

$_->stop for @sentinels;
$m->stop;

done_testing();

#!/usr/bin/perl
# A change to the ban zone is recorded for Redis just after it is made,
# once the zone's lock is released.  A reconciliation (worker 0, reading
# the fleet's hash) that runs between the two, in another worker, sees an
# entry that Redis lacks and that no record explains: without a fleet
# secret it took it for one removed elsewhere and removed it.  gdb holds
# worker 1 right there (the fleet layer's observer, called after the zone's
# write), a resync is asked for meanwhile, and worker 0 must keep the entry.

use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Time::HiRes qw(sleep time);
use File::Temp ();
use IO::Socket::IP;
use EgovTest;
use EgovTest::Fleet;
use EgovTest::Nginx;
use EgovTest::Redis;
use EgovTest::Gdb;

EgovTest::Gdb::require_gdb();

my $redis = EgovTest::Redis->new;
$redis->start;
my $port = $redis->port;

my $tokens_dir = File::Temp::tempdir('egov-t89-XXXXXX', TMPDIR => 1,
                                     CLEANUP => 1);
open my $tf, '>', "$tokens_dir/tokens" or die $!;
print $tf "soc:soc-token-0123456789abcdef\n";
close $tf;

my $n = EgovTest::Nginx->new(workers => 2);
$n->start(http_config => <<"END", config => <<"END");
    egov_redis 127.0.0.1:$port timeout=300ms prefix=t89:;
    egov_ban_zone size=1m;
END
    location /health { egov_allowlist 127.0.0.1; egov_redis_health; }
    location /admin/ {
        egov_allowlist 127.0.0.1;
        egov_admin;
        egov_admin_token $tokens_dir/tokens;
    }
    location / { return 200 "ok\\n"; }
END

ok(wait_until(sub { (health($n))[0] == 200 }), 'up with Redis');
my $reconciled = qr/\[info\] (\d+)#\d+: egov fleet: \d+ shared entries: (\d+) applied, (\d+) removed here/;
ok(wait_until(sub { $n->error_log =~ $reconciled }, 10), 'worker 0 reconciled once');
my ($worker0) = $n->error_log =~ $reconciled;
my ($worker1) = grep { $_ != $worker0 } $n->worker_pids;
ok($worker1, "worker 0 is $worker0, the other one is found")
    or BAIL_OUT('no second worker');

# held in the observer, the gdb shell asks for a resync and waits for
# worker 0's reconciliation before it lets worker 1 go on
my $p = $n->prefix;
my $log = "$p/logs/error.log";
$n->write_file('resync.pl', <<"END");
use IO::Socket::IP;
open my \$l, '<', '$log' or die \$!;
my \$before = () = do { local \$/; <\$l> } =~ /egov fleet: \\d+ shared entries/g;
close \$l;
my \$s = IO::Socket::IP->new(PeerAddr => '127.0.0.1', PeerPort => $port) or die \$!;
print \$s "*3\\r\\n\\\$7\\r\\nPUBLISH\\r\\n\\\$11\\r\\nt89:control\\r\\n\\\$6\\r\\nresync\\r\\n";
my \$until = time + 10;
while (time < \$until) {
    open \$l, '<', '$log' or die \$!;
    my \$now = () = do { local \$/; <\$l> } =~ /egov fleet: \\d+ shared entries/g;
    close \$l;
    last if \$now > \$before;
    select undef, undef, undef, 0.05;
}
# the address held, as the server answers it now (worker 0)
open my \$f, '<', '$p/held' or die \$!;
chomp(my \$addr = <\$f>);
my \$h = IO::Socket::IP->new(PeerAddr => '127.0.0.1', PeerPort => @{[ $n->port ]},
                             LocalAddr => \$addr) or die \$!;
print \$h "GET / HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n";
my (\$status) = (scalar(<\$h>) // '') =~ m{^HTTP/1\\.\\d (\\d+)};
open \$f, '>', '$p/during' or die \$!;
print \$f \$status // 'none';
close \$f;
END
my $hold_script = <<"END";
break ngx_http_egov_fleet_observe
commands 1
  shell perl $p/resync.pl
  delete
  detach
  quit
end
END

# sends the admin request for each address in turn until worker 1 takes
# one (worker 0 answers the others at once, with $others' status): gdb
# holds worker 1 in the observer while worker 0 reconciles; returns the
# address held and the held request's answer
sub hold_worker1 {
    my ($method, $uri, $body, $others, @addrs) = @_;
    unlink "$p/during";
    my $pid = EgovTest::Gdb::attach($n, $worker1, $hold_script,
                                    name => 'gdb holds worker 1');

    my ($held, $socket);
    for my $addr (@addrs) {
        $n->write_file('held', "$addr\n");
        my $b = $body->($addr);
        my $s = IO::Socket::IP->new(PeerAddr => '127.0.0.1',
                                    PeerPort => $n->port)
            or die "connect: $!";
        print $s "$method " . $uri->($addr) . " HTTP/1.0\r\n"
               . "Host: localhost\r\n"
               . "Authorization: Bearer soc-token-0123456789abcdef\r\n"
               . "Content-Type: application/json\r\n"
               . "Content-Length: " . length($b) . "\r\n\r\n$b";
        my $t = time + 1;
        sleep 0.02 while time < $t
                         && $n->read_file('gdb.out') !~ /Breakpoint 1,/;
        if ($n->read_file('gdb.out') =~ /Breakpoint 1,/) {
            ($held, $socket) = ($addr, $s);
            last;
        }
        local $/;
        my $answer = <$s>;
        like($answer, qr{^HTTP/1\.\d $others}, "$addr: $method by worker 0");
    }
    ok($held, "worker 1 held after its zone change, before its record ("
              . ($held // 'none') . ')')
        or BAIL_OUT('gdb never stopped worker 1: ' . $n->read_file('gdb.out'));
    waitpid $pid, 0;
    local $/;
    my $answer = <$socket>;
    return ($held, $answer);
}

sub last_reconciliation {
    my ($since) = @_;
    my @lines = substr($n->error_log, $since)
                =~ /(egov fleet: (?:\d+ shared entries: .*|entries are being changed here.*))/g;
    return @lines;
}

# an operator's ban: made by worker 1, not recorded yet
my $mark = length $n->error_log;
my ($held, $answer) = hold_worker1(
    'POST', sub { '/admin/entries' },
    sub { qq({"address":"$_[0]","kind":"ban","ttl":600}) }, 201,
    map { "127.0.0.$_" } 41 .. 80);
like($answer, qr{^HTTP/1\.\d 201}, '... its answer once it went on');
my @lines = last_reconciliation($mark);
like($lines[0], qr/entries are being changed here: the shared entries are read again/,
     'the reconciliation during the hold saw a change being told, and read again')
    or diag join "\n", @lines;
like($lines[-1], qr/shared entries: .* 0 removed here/, '... and removed nothing')
    or diag join "\n", @lines;
is($n->read_file('during'), '403',
   'the ban holds while its record waits (worker 0 answers)');
is($n->request(uri => '/', client_addr => $held)->status, 403,
   '... and after');
ok(wait_until(sub { defined $redis->command('HGET', 't89:entries', $held) }, 2),
   '... and reaches Redis');

# the next reconciliation, with nothing being told, trusts Redis again
$mark = length $n->error_log;
$redis->command('PUBLISH', 't89:control', 'resync');
ok(wait_until(sub { substr($n->error_log, $mark) =~ /egov fleet: \d+ shared entries/ }, 5),
   'a resync with no change being told');
unlike(substr($n->error_log, $mark), qr/are being changed here/,
       '... reads once');
is($n->request(uri => '/', client_addr => $held)->status, 403,
   '... and the ban still holds');

# the other way: an operator's removal, made by worker 1, not recorded yet,
# while Redis still holds the ban: it must not be applied back
for my $i (200 .. 219) {
    $n->request(uri => '/admin/entries', method => 'POST',
                headers => [['Authorization', 'Bearer soc-token-0123456789abcdef']],
                body => qq({"address":"127.0.0.$i","kind":"ban","ttl":600}));
}
my @banned;
wait_until(sub {
    @banned = grep { defined $redis->command('HGET', 't89:entries', $_) }
              map { "127.0.0.$_" } 200 .. 219;
    @banned == 20 }, 3);
ok(@banned >= 2, scalar(@banned) . ' bans in Redis to remove');
$mark = length $n->error_log;
($held, $answer) = hold_worker1(
    'DELETE', sub { "/admin/entries?address=$_[0]" }, sub { '' }, 200,
    @banned);
like($answer, qr{^HTTP/1\.\d 200}, '... the removal\'s answer once it went on');
@lines = last_reconciliation($mark);
like($lines[-1], qr/shared entries: 0 applied/, 'the reconciliation during the hold applied nothing')
    or diag join "\n", @lines;
is($n->read_file('during'), '200',
   'the removal holds while its record waits (worker 0 answers)');
is($n->request(uri => '/', client_addr => $held)->status, 200, '... and after');
ok(wait_until(sub { !defined $redis->command('HGET', 't89:entries', $held) }, 2),
   '... and Redis no longer holds the ban');

# a worker that dies between its zone change and its record (found by a
# helper's review): its change was counted as being told for good, and
# every reconciliation read twice and trusted nothing until a restart.  One
# told for over 5 seconds is forgotten, and said.
($worker1) = grep { $_ != $worker0 } $n->worker_pids;
my $gpid = EgovTest::Gdb::attach($n, $worker1, <<"END", name => 'gdb holds worker 1');
break ngx_http_egov_fleet_observe
commands 1
  kill
  quit
end
END
my $killed;
for my $i (81 .. 120) {
    my $addr = "127.0.0.$i";
    my $body = qq({"address":"$addr","kind":"ban","ttl":600});
    my $s = IO::Socket::IP->new(PeerAddr => '127.0.0.1', PeerPort => $n->port)
        or die "connect: $!";
    print $s "POST /admin/entries HTTP/1.0\r\nHost: localhost\r\n"
           . "Authorization: Bearer soc-token-0123456789abcdef\r\n"
           . "Content-Type: application/json\r\n"
           . "Content-Length: " . length($body) . "\r\n\r\n$body";
    local $/;
    my $answer = <$s>;
    if (!defined $answer || $answer eq '') {
        $killed = $addr;
        last;
    }
}
waitpid $gpid, 0;
ok($killed, "worker 1 killed between its zone change and its record ($killed)")
    or diag $n->read_file('gdb.out');
ok(wait_until(sub { my @w = $n->worker_pids; @w == 2 && !grep { $_ == $worker1 } @w }, 10),
   '... and made again by the master');
sleep 5.2;
$mark = length $n->error_log;
$redis->command('PUBLISH', 't89:control', 'resync');
ok(wait_until(sub { substr($n->error_log, $mark) =~ /egov fleet: \d+ shared entries/ }, 5),
   'a resync 5 seconds later');
like(substr($n->error_log, $mark),
     qr/\[warn\] .*egov: a change to the ban zone was not told to the fleet within 5 seconds \(its worker died while making it\?\): forgotten/,
     '... forgets the change never told, and says so');
$mark = length $n->error_log;
$redis->command('PUBLISH', 't89:control', 'resync');
ok(wait_until(sub { substr($n->error_log, $mark) =~ /egov fleet: \d+ shared entries/ }, 5),
   'the next resync');
unlike(substr($n->error_log, $mark), qr/are being changed here|not told to the fleet/,
       '... reads once, as before the worker died');

$n->stop;
$n->expect_log(qr/worker process \d+ exited on signal 9/);
check_log_clean($n);
$redis->stop;
done_testing();

#!/usr/bin/perl
# Protection state is shared by all workers and kept across reloads; a
# changed key refuses the reload; concurrent requests beyond the burst are
# refused even in delay mode; a client leaving while delayed is handled.

use strict;
use warnings;
use lib 't/lib';
use Test::More;
use IO::Socket::IP;
use Time::HiRes qw(sleep time);
use EgovTest;
use EgovTest::Nginx;

my $http = <<'END';
    egov_limit_zone name=one key=$binary_remote_addr rate=10r/m size=1m;
    egov_limit_zone name=slow key=$binary_remote_addr rate=2r/s size=1m;
END
my $server = <<'END';
    location / { egov_limit zone=one burst=9 nodelay; return 200 "ok"; }
    location /slow { egov_limit zone=slow burst=2; return 200 "slow $egov_limit_status"; }
END

my $n = EgovTest::Nginx->new;
$n->start(workers => 2, http_config => $http, config => $server);

# 10 allowed (1 + burst 9), whichever worker serves each request
my %codes;
for (1 .. 14) {
    # a fresh connection each time, spread over both workers
    $codes{ $n->request(uri => '/')->status }++;
}
is($codes{200}, 10, 'two workers share one limit: 10 of 14 pass');
is($codes{429}, 4, '... and 4 are refused');

# the master's children, not its log lines (a CI run under the sanitizer
# once read one "start worker process" line of two)
my @pids = $n->worker_pids;
for (1 .. 20) {
    last if @pids == 2;
    sleep 0.1;
    @pids = $n->worker_pids;
}
is(scalar @pids, 2, 'two workers');

# kept across a reload
$n->reload(workers => 2, http_config => $http, config => $server . "\n# reloaded\n");
is($n->request(uri => '/')->status, 429, 'the limit state survives a reload');

# a changed key refuses the reload, the old configuration keeps running
$n->expect_log(qr/\[emerg\] .*egov_limit_zone "one" uses the "\$uri" key/);
(my $changed = $http) =~ s/name=one key=\$binary_remote_addr/name=one key=\$uri/;
$n->write_config(workers => 2, http_config => $changed, config => $server);
my ($rc, $out) = $n->run_nginx('-s', 'reload');
my $deadline = time + 5;
sleep 0.1 while time < $deadline
    && $n->error_log !~ /egov_limit_zone "one" uses the "\$uri" key while previously it used the "\$binary_remote_addr" key/;
like($n->error_log, qr/\[emerg\] .*egov_limit_zone "one" uses the "\$uri" key while previously it used the "\$binary_remote_addr" key/,
     'a changed key is refused at reload');
is($n->request(uri => '/')->status, 429, 'the running configuration stays');

# concurrent requests: the burst queues 2, the rest are refused at once
my @socks;
for (1 .. 5) {
    my $s = IO::Socket::IP->new(PeerHost => '127.0.0.1', PeerPort => $n->port)
        or die "connect: $!";
    print $s "GET /slow HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    push @socks, $s;
}
my @results;
for my $s (@socks) {
    local $/;
    my $resp = <$s>;
    my ($code) = $resp =~ m{^HTTP/1\.1 (\d+)};
    my ($body) = $resp =~ /\r\n\r\n(.*)\z/s;
    push @results, "$code " . ($code == 200 ? $body : '');
    close $s;
}
is(scalar(grep { /^200 slow PASSED/ } @results), 1, 'one passes at once');
is(scalar(grep { /^200 slow DELAYED/ } @results), 2, 'two are delayed (burst=2)');
is(scalar(grep { /^429/ } @results), 2, 'two are refused at once')
    or diag join "\n", @results;

# a client that leaves while its request is delayed
sleep 1.6;
my $s = IO::Socket::IP->new(PeerHost => '127.0.0.1', PeerPort => $n->port) or die;
print $s "GET /slow HTTP/1.1\r\nHost: localhost\r\n\r\n";
my $s2 = IO::Socket::IP->new(PeerHost => '127.0.0.1', PeerPort => $n->port) or die;
print $s2 "GET /slow HTTP/1.1\r\nHost: localhost\r\n\r\n";
sleep 0.1;
close $s2;    # delayed, then gone
close $s;
sleep 0.8;
is($n->request(uri => '/x')->status, 429, 'nginx still answers after a delayed client left');

$n->stop;
check_log_clean($n);

# a request through several locations (try_files, a named location that
# rewrites back to the first) is checked once in each: one dry run said
# and counted once (found by a helper's review: three lines, counted
# three times, A checked again after B)
my $m = EgovTest::Nginx->new;
$m->write_file('html/index.php', "php\n");
$m->start(http_config => 'egov_limit_zone name=dry key=$binary_remote_addr rate=1r/m size=1m;',
          config => <<'END');
    egov_signatures dry_run;
    location = /status { egov_status; egov_allowlist 127.0.0.1; }
    location ~ \.php$ { try_files $uri @rw; }
    location @rw { rewrite ^ /index.php last; }
    location /fc/ {
        egov_limit zone=dry dry_run;
        try_files $uri /index.php?$args;
    }
END
my $before = () = $m->error_log =~ /dry run, would have refused/g;
my $r = $m->request(uri => '/x.php', headers => [['User-Agent', 'sqlmap/1.7']]);
is($r->status, 200, 'a dry run through three locations: served');
my $said = () = $m->error_log =~ /dry run, would have refused \(dry_run:signature:scanner-ua\)/g;
is($said - $before, 1, '... said once');
like($m->request(uri => '/status?format=prometheus')->body, qr/^egov_dry_run_total 1$/m,
     '... counted once');
# two dry runs in the first location (a signature's, a limit's), the
# front controller says the signature's again: each said once
$m->request(uri => '/fc/a') for 1 .. 2;
$before = () = $m->error_log =~ /dry run, would have refused/g;
$m->request(uri => '/fc/b', headers => [['User-Agent', 'sqlmap/1.7']]);
my $now = () = $m->error_log =~ /dry run, would have refused/g;
is($now - $before, 2, 'two dry runs, then one of them again after a redirect: said twice, not three times');
$m->stop;
check_log_clean($m);

done_testing();

#!/usr/bin/perl
# Bans: repeated violations ban an address everywhere, each repeat ban
# lasts longer, bans expire on their own, the allowlist is never banned, a
# full ban zone is reported (never a silently dropped ban), and the
# invalid forms fail nginx -t.

use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Time::HiRes qw(sleep time);
use EgovTest;
use EgovTest::Nginx;

my $n = EgovTest::Nginx->new;
$n->start(http_config => <<'END', config => <<'END2');
    egov_ban_zone size=1m;
    egov_ban after=2 within=10s for=1s factor=2 max=4s;
    egov_limit_zone name=one key=$binary_remote_addr rate=1r/m size=1m;
END
    egov_signatures on;
    add_header X-Reason $egov_block_reason always;
    location / { return 200 "ok"; }
    location /limited { egov_limit zone=one; return 200 "limited ok"; }
    location /partners { egov_allowlist 127.0.0.9; return 200 "partner"; }
END2

sub get {
    my ($uri, $addr, %h) = @_;
    my $r = $n->request(uri => $uri, client_addr => $addr,
                        headers => [map { [$_, $h{$_}] } keys %h]);
    return $r;
}

# two signature hits within the window: the second bans
my $a = '127.0.0.5';
is(get('/.env', $a)->status, 403, 'first probe refused');
is(get('/', $a)->status, 200, 'one violation is not a ban');
my $start = time;
my $r = get('/.git/config', $a);
is($r->status, 403, 'second probe refused');
$r = get('/', $a);
is($r->status, 403, 'banned: an ordinary request is refused too');
is($r->header('X-Reason'), 'ban', '$egov_block_reason says ban');
is(get('/limited', $a)->status, 403, 'the ban holds in every location');
is(get('/', '127.0.0.6')->status, 200, 'another address is not banned');

my $log = $n->error_log;
like($log, qr/\[notice\] .*egov: a client was banned for 1 s \(ban number 1 of that address\) after repeated violations/,
     'the ban is logged');
unlike($log, qr/banned.*127\.0\.0\.5/, 'without the address');

# the first ban lasts 1 s
sleep(1.3 - (time - $start)) if time - $start < 1.3;
is(get('/', $a)->status, 200, 'the first ban expired after 1 s');

# the second lasts 2 s
get('/.env', $a);
get('/.env', $a);
$start = time;
is(get('/', $a)->status, 403, 'banned again');
sleep(1.3 - (time - $start)) if time - $start < 1.3;
is(get('/', $a)->status, 403, 'the second ban still holds after 1.3 s');
sleep(2.3 - (time - $start)) if time - $start < 2.3;
is(get('/', $a)->status, 200, 'the second ban expired after 2 s');
like($n->error_log, qr/banned for 2 s \(ban number 2 of that address\)/, 'second ban: twice as long');

# rate limit refusals are violations too
my $b = '127.0.0.7';
is(get('/limited', $b)->status, 200, 'first request passes');
is(get('/limited', $b)->status, 429, 'over the limit');
is(get('/limited', $b)->status, 429, 'over the limit again: second violation');
$r = get('/', $b);
is($r->status, 403, 'limit violations ban too');

# the allowlist is never banned
for (1 .. 4) {
    get('/partners/.env', '127.0.0.9');
}
is(get('/partners', '127.0.0.9')->status, 200, 'an allowlisted address is never banned');

# IPv6 clients are banned by /64
$r = $n->request(uri => '/.env', ipv6 => 1);
$r = $n->request(uri => '/.env', ipv6 => 1);
is($n->request(uri => '/', ipv6 => 1)->status, 403, '::1 banned');

# bans are kept across a reload
$n->reload;
is(get('/', $b)->status, 403, 'a ban survives a reload');

$n->stop;
check_log_clean($n);

# a full ban zone: an [error] line and a counter, the bans made so far hold
{
    my $f = EgovTest::Nginx->new;
    $f->start(http_config => <<'END', config => <<'END2');
    egov_ban_zone size=32k;
    egov_ban after=1 within=10s for=60s;
END
    egov_signatures on;
    location / { return 200 "ok"; }
END2
    my ($first, $refused) = (undef, 0);
    for my $i (1 .. 400) {
        my $addr = sprintf '127.0.%d.%d', 1 + int($i / 250), 1 + $i % 250;
        $f->request(uri => '/.env', client_addr => $addr);
        $first //= $addr;
    }
    like($f->error_log, qr/\[error\] .*egov_ban_zone is full of active bans and entries: a new one was not recorded/,
         'a full zone is an [error] line');
    is(scalar(() = $f->error_log =~ /egov_ban_zone is full/g), 1,
       'reported once, not once per refused ban');
    is($f->request(uri => '/', client_addr => $first)->status, 403,
       'the first ban still holds: bans are never evicted');
    $f->stop;
    check_log_clean($f);
}

# invalid forms
my @invalid = (
    ['egov_ban_zone size=1m; egov_ban_zone size=2m;', '',
     qr/"egov_ban_zone" directive is duplicate in \S+nginx\.conf:\d+/],
    ['egov_ban_zone size=4k;', '',
     qr/egov_ban_zone: size size=4k is too small, the least is 32k in \S+nginx\.conf:\d+/],
    ['egov_ban_zone 1m;', '',
     qr/egov_ban_zone: invalid parameter "1m" in \S+nginx\.conf:\d+/],
    ['egov_ban_zone size=lots;', '',
     qr/egov_ban_zone: invalid size "size=lots"/],
    ['egov_ban_zone size=1m;', 'egov_ban after=3 within=1m;',
     qr/egov_ban: "after=", "within=" and "for=" are required in \S+nginx\.conf:\d+/],
    ['egov_ban_zone size=1m;', 'egov_ban after=0 within=1m for=1h;',
     qr/egov_ban: invalid parameter "after=0"/],
    ['egov_ban_zone size=1m;', 'egov_ban after=3 within=1m for=1h factor=0.5;',
     qr/egov_ban: factor must be between 1 and 100, not "factor=0.5"/],
    ['egov_ban_zone size=1m;', 'egov_ban after=3 within=1m for=1h max=10m;',
     qr/egov_ban: "max=" is shorter than "for="/],
    ['egov_ban_zone size=1m;', 'egov_ban after=3 within=soon for=1h;',
     qr/egov_ban: invalid parameter "within=soon"/],
    ['', 'egov_ban after=3 within=1m for=1h;',
     qr/"egov_ban" needs "egov_ban_zone" at the http level/],
    ['egov_ban_zone size=1m;', 'egov_ban after=3 within=1m for=1h; egov_ban after=5 within=1m for=1h;',
     qr/"egov_ban" directive is duplicate/],
);

for my $case (@invalid) {
    my ($http, $server, $re) = @$case;
    my $t = EgovTest::Nginx->new;
    my ($ok, $out) = $t->test_config(http_config => $http, config => $server);
    ok(!$ok, "nginx -t refuses: $http $server");
    like($out, $re, "... saying $re");
}

done_testing();

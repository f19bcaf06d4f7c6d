#!/usr/bin/perl
# Bans: repeated violations ban an address everywhere, each repeat ban
# lasts longer, bans expire on their own, the allowlist is never banned, a
# full ban zone evicts automatic bans and never an operator's entry, many
# IPv6 /64 bans in a /48 ban it, and the invalid forms fail nginx -t.

use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Time::HiRes qw(sleep time);
use JSON::PP;
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
    location = /status { egov_status; egov_allowlist 127.0.0.1; }
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

# what a browser fetched without its visitor asking is refused, but bans
# nobody (found by helpers' reviews: <img src=".../.env"> on any page, a
# speculation-rules prefetch, a page another site opened by script banned
# its visitors); a page the visitor went to, from anywhere, counts
my %embedded = ('Sec-Fetch-Site' => 'cross-site', 'Sec-Fetch-Mode' => 'no-cors',
                'Sec-Fetch-Dest' => 'image', 'Referer' => 'https://attacker.example/');
is(get('/.env', '127.0.0.20', %embedded)->status, 403, 'an image another site embeds: refused') for 1 .. 5;
is(get('/', '127.0.0.20')->status, 200, '... but it bans nobody');
is(get('/.env', '127.0.0.21', %embedded, 'Sec-Fetch-Site' => 'same-origin',
       'Sec-Fetch-Dest' => 'iframe')->status, 403, 'a frame, even of this site\'s own page: refused') for 1 .. 3;
is(get('/', '127.0.0.21')->status, 200, '... bans nobody either');
my %navigate = ('Sec-Fetch-Site' => 'cross-site', 'Sec-Fetch-Mode' => 'navigate',
                'Sec-Fetch-Dest' => 'document');
is(get('/.env', '127.0.0.23', %navigate)->status, 403,
   'a page another site opened by script (no Sec-Fetch-User): refused') for 1 .. 3;
is(get('/', '127.0.0.23')->status, 200, '... bans nobody');
is(get('/.env', '127.0.0.24', %navigate, 'Sec-Fetch-Site' => 'none',
       'Sec-Purpose' => 'prefetch')->status, 403, 'a prefetch (speculation rules): refused') for 1 .. 3;
is(get('/', '127.0.0.24')->status, 200, '... bans nobody');
is(get('/.env', '127.0.0.22', %navigate, 'Sec-Fetch-User' => '?1')->status, 403,
   'a link the visitor clicked on another site: refused') for 1 .. 2;
is(get('/', '127.0.0.22')->status, 403, '... counts: banned');
like($n->error_log, qr/\[info\] .*egov: what a browser fetched without its visitor asking/,
     'not counting is said at info');

# the status page counts the bans in force (.5's and .22's), from the
# bans alone, not the zone's counts and history
my $bans = JSON::PP::decode_json($n->request(uri => '/status')->body)->{bans};
is_deeply($bans, { active => 2, blocked => 0 }, 'the status page: two bans in force, no block')
    or diag explain $bans;

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

# a full ban zone: an attacker's bans (many addresses) evict the oldest
# automatic bans, never an operator's entry, and never make one fail; no
# walk of the zone: each new ban frees one old node
{
    my $f = EgovTest::Nginx->new;
    $f->write_file('conf/admin.tokens', "soc:soc-token-0123456789abcdef\n");
    $f->start(http_config => <<'END', config => <<'END2');
    egov_ban_zone size=32k;
    egov_ban after=1 within=10s for=60s;
    egov_admin_token admin.tokens;
END
    egov_signatures on;
    location / { return 200 "ok"; }
    location /admin/ { egov_admin; }
    location = /status { egov_status; }
END2
    my $admin = sub {
        my ($method, $path, $body) = @_;
        return $f->request(method => $method, uri => "/admin/$path", body => $body,
                           headers => [['Authorization', 'Bearer soc-token-0123456789abcdef'],
                                       ['Content-Type', 'application/json']]);
    };
    is($admin->('POST', 'entries', '{"address":"127.1.0.1","kind":"block"}')->status,
       201, 'an operator\'s block before the flood');
    is($admin->('POST', 'entries', '{"address":"127.1.0.2","kind":"ban","ttl":600}')->status,
       201, 'an operator\'s ban before the flood');
    my @addrs = map { sprintf '127.0.%d.%d', 1 + int($_ / 250), 1 + $_ % 250 } 1 .. 400;
    $f->request(uri => '/.env', client_addr => $_) for @addrs;
    is($f->request(uri => '/', client_addr => $addrs[-1])->status, 403,
       'the newest automatic ban holds');
    is($f->request(uri => '/', client_addr => $addrs[0])->status, 200,
       'the oldest automatic ban made room');
    is($f->request(uri => '/', client_addr => '127.1.0.1')->status, 403,
       'the operator\'s block holds');
    is($f->request(uri => '/', client_addr => '127.1.0.2')->status, 403,
       'the operator\'s ban holds');
    is($admin->('POST', 'entries', '{"address":"127.1.0.3","kind":"block"}')->status,
       201, 'an operator\'s block during the flood is recorded');
    is($f->request(uri => '/', client_addr => '127.1.0.3')->status, 403, '... and refuses');
    my $c = decode_json($f->request(uri => '/status')->body)->{counters};
    ok($c->{bans_evicted_total} > 300, "automatic bans evicted ($c->{bans_evicted_total})");
    is(scalar(() = $f->error_log =~ /\[warn\] .*egov_ban_zone: the oldest ban in force made room for a new entry/g), 1,
       '... a [warn] line says so, once a minute at most');
    is($c->{bans_total}, 400, 'every violation banned');
    is($c->{ban_zone_full_total}, 0, 'nothing refused for want of room');

    # only operators' entries left: a new one is refused, reported once
    my @codes = map {
        $admin->('POST', 'entries', sprintf('{"address":"127.2.%d.%d","kind":"block"}',
                                            int($_ / 250), 1 + $_ % 250))->status
    } 1 .. 300;
    ok((grep { $_ == 503 } @codes), 'a zone full of operators\' entries refuses a new one');
    like($f->error_log, qr/\[error\] .*egov_ban_zone is full of operators' entries: a new one was not recorded/,
         'an [error] line says so');
    is(scalar(() = $f->error_log =~ /egov_ban_zone is full/g), 1,
       'reported once, not once per refused entry');
    is($f->request(uri => '/', client_addr => '127.1.0.1')->status, 403,
       'the first block still holds: operators\' entries are never evicted');
    $f->stop;
    check_log_clean($f);
}

# IPv6: bans are per /64; eight /64 bans in one /48 ban the /48
{
    my $v = EgovTest::Nginx->new;
    $v->start(http_config => <<'END', config => <<'END2');
    egov_ban_zone size=1m;
    egov_ban after=1 within=10s for=60s;
    set_real_ip_from 127.0.0.1;
    real_ip_header X-Forwarded-For;
END
    egov_signatures on;
    location / { return 200 "ok"; }
    location = /status { egov_status; egov_allowlist 127.0.0.1; }
END2
    my $from = sub {
        my ($uri, $addr) = @_;
        return $v->request(uri => $uri, headers => [['X-Forwarded-For', $addr]])->status;
    };
    for my $i (1 .. 7) {
        $from->('/.env', "2001:db8:1:$i\::1");
    }
    is($from->('/', '2001:db8:1:1::99'), 403, 'a /64 is banned as a whole');
    is($from->('/', '2001:db8:1:99::1'), 200, 'seven /64 bans: the /48 is not');
    $from->('/.env', '2001:db8:1:8::1');
    is($from->('/', '2001:db8:1:99::1'), 403, 'the eighth bans the /48');
    is($from->('/', '2001:db8:2::1'), 200, 'the next /48 is not');
    like($v->error_log, qr/\[warn\] .*egov: 8 IPv6 \/64 bans in one \/48: the \/48 is banned for as long/,
         'logged, without an address');
    my $c = decode_json($v->request(uri => '/status')->body)->{counters};
    is($c->{bans_aggregated_total}, 1, 'counted');
    $v->stop;
    check_log_clean($v);
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

# egov_ban without a zone is reported where egov_ban is written
{
    my $t = EgovTest::Nginx->new;
    my ($ok, $out) = $t->test_config(config => "location /x {\n    egov_ban after=3 within=1m for=1h;\n}\n");
    my ($line) = $out =~ /"egov_ban" needs "egov_ban_zone" at the http level in \S+nginx\.conf:(\d+)/;
    my @conf = split /\n/, $t->read_file('conf/nginx.conf');
    my ($want) = grep { $conf[$_ - 1] =~ /egov_ban after=3/ } 1 .. @conf;
    is($line, $want, "... at egov_ban's own line ($want), not the http block's end");
}

done_testing();

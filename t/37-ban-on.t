#!/usr/bin/perl
# egov_ban_on: responses with the statuses named (from nginx or the
# upstream) are violations of the client's address and feed egov_ban's
# escalator with their own after= and within=; the module's own refusals
# are not counted twice; allowlisted clients and the admin API never are;
# with key= they count for the key (an account) too: once it has had
# after= within=, each further one bans the address that made it; keys are
# one however written, never crowd out a ban, never reach a log; nginx -t
# refuses what makes no sense.

use strict;
use warnings;
use lib 't/lib';
use Test::More;
use EgovTest;
use EgovTest::Nginx;

my $n = EgovTest::Nginx->new;
$n->start(http_config => <<'END', config => <<'END2');
    egov_ban_zone size=1m;
    egov_ban after=100 within=1m for=60s;
    egov_allowlist 127.0.0.33;
    egov_limit_zone name=account key=$arg_user rate=1r/m size=1m;
    upstream app { server 127.0.0.1:$TEST_NGINX_BACKEND_PORT; }
    server {
        listen 127.0.0.1:$TEST_NGINX_BACKEND_PORT;
        location / { return 401 "no\n"; }
        location /sso {
            add_header X-Account $arg_user always;
            return 401 "no\n";
        }
    }
END
    add_header X-Reason $egov_block_reason always;
    location = /login {
        egov_ban_on status=401 after=3 within=1m;
        return 401 "wrong password\n";
    }
    location = /app/login {
        egov_ban_on status=401,403 after=2 within=1m;
        proxy_pass http://app;
    }
    location = /missing {
        egov_ban_on status=404 after=5 within=1m;
        return 404;
    }
    location = /form {
        egov_ban_on status=401 after=2 within=1m methods=POST,put;
        return 401 "no\n";
    }
    location = /account {
        egov_ban_on status=401 after=3 within=1m key=$arg_user;
        return 401 "wrong password\n";
    }
    location = /account-limited {
        egov_limit zone=account nodelay burst=1;
        egov_ban_on status=401 after=3 within=1m key=$arg_user;
        return 401 "wrong password\n";
    }
    location = /sso {
        egov_ban_on status=401 after=3 within=1m
                    key=$upstream_http_x_account;
        proxy_hide_header X-Account;
        proxy_pass http://app;
    }
    location /probe/ {
        egov_signatures on;
        egov_ban_on status=403 after=2 within=1m;
        return 200 "ok\n";
    }
    location / { return 200 "ok\n"; }
END2

sub get {
    my ($addr, $uri) = @_;
    return $n->request(uri => $uri || '/', client_addr => $addr);
}

is(get('127.0.0.31', '/login')->status, 401, 'a failed login') for 1 .. 2;
is(get('127.0.0.31')->status, 200, 'two failures: still served');
is(get('127.0.0.31', '/login')->status, 401, 'a third failed login');
my $r = get('127.0.0.31');
is($r->status, 403, 'three failures within the minute: banned');
is($r->header('X-Reason'), 'ban', '... as a ban');

is(get('127.0.0.32', '/login')->status, 401, 'another address fails twice') for 1 .. 2;
is(get('127.0.0.32')->status, 200, '... and is served');

is(get('127.0.0.33', '/login')->status, 401, 'an allowlisted address fails') for 1 .. 5;
is(get('127.0.0.33')->status, 200, '... and is never banned');

is(get('127.0.0.34', '/app/login')->status, 401, 'the upstream\'s 401') for 1 .. 2;
is(get('127.0.0.34')->status, 403, 'counts the same: banned after two');

is(get('127.0.0.35', '/missing')->status, 404, 'probing for missing pages') for 1 .. 4;
is(get('127.0.0.35')->status, 200, 'four 404s: served');
is(get('127.0.0.35', '/missing')->status, 404, 'a fifth');
is(get('127.0.0.35')->status, 403, '... banned');

# methods=: only those methods' answers count
is(get('127.0.0.37', '/form')->status, 401, 'a GET answered 401') for 1 .. 3;
is(get('127.0.0.37')->status, 200, '... not counted (methods=POST,put)');
is($n->request(uri => '/form', method => 'POST', client_addr => '127.0.0.37')->status,
   401, 'a POST answered 401');
is($n->request(uri => '/form', method => 'PUT', client_addr => '127.0.0.37')->status,
   401, 'a PUT answered 401');
is(get('127.0.0.37')->status, 403, '... two counted: banned');

# key=: three failures on one account, each from another address: the
# third address is banned, and every address failing on that account after
is(get("127.0.0.4$_", '/account?user=amina')->status, 401,
   "a failure on the account from address $_") for 1 .. 2;
is(get("127.0.0.4$_")->status, 200, "... address $_ is served") for 1 .. 2;
is(get('127.0.0.43', '/account?user=amina')->status, 401, 'the third failure on the account');
is(get('127.0.0.43')->status, 403, '... bans the address that made it');
is(get('127.0.0.44', '/account?user=amina')->status, 401, 'a fourth address fails on it');
is(get('127.0.0.44')->status, 403, '... banned at its first failure: the account is under attack');
is(get('127.0.0.41')->status, 200, 'the first two addresses are not banned');
is(get('127.0.0.45', '/account?user=omar')->status, 401, 'another account fails') for 1 .. 2;
is(get('127.0.0.45')->status, 200, '... its own count: two, served');
is(get('127.0.0.46', '/account')->status, 401, 'no user named') for 1 .. 3;
is(get('127.0.0.46')->status, 403, '... a request without the key counts for its address');
is(get("127.0.0.5$_", '/account')->status, 401, "no user named, from address $_") for 7 .. 9;
is(get('127.0.0.59')->status, 200, '... requests without the key share no count');
is(get('127.0.0.47', "/account?user=u$_")->status, 401, 'one address, many accounts') for 1 .. 3;
is(get('127.0.0.47')->status, 403, '... its own count bans it: key= adds a count, it takes none away');
is(get('127.0.0.51', '/account?user=salma')->status, 401, 'an account written "salma"');
is(get('127.0.0.52', '/account?user=SALMA')->status, 401, '... "SALMA"');
is(get('127.0.0.52')->status, 200, '... two failures on it');
is(get('127.0.0.53', '/account?user=%73alma')->status, 401, '... "%73alma"');
is(get('127.0.0.53')->status, 403, '... one account: the third failure bans');

$r = get('127.0.0.54', '/sso?user=layla');
is($r->status, 401, 'a failure the application names the account of (a header)');
ok(!defined $r->header('X-Account'), '... hidden from the client');
is(get("127.0.0.5$_", '/sso?user=layla')->status, 401, "... again from address $_") for 5 .. 6;
is(get('127.0.0.56')->status, 403, '... the header is the key: the third failure bans');
is(get('127.0.0.55')->status, 200, '... the second address is served');
like($n->error_log, qr/a client was banned for 60 s \(ban number 1 of that address\) after failures on one key/,
     'a ban made by a key says so');
my @named = grep { m{^\d{4}/\d\d/\d\d } && !/\[debug\]/ && /amina|omar|salma|layla/i } split /^/, $n->error_log;
is(scalar @named, 0, 'no account name in the error log (but in nginx\'s own debug lines)')
    or diag @named;

# the module's own 403 counts once, as egov_ban says (after=100), not again
is(get('127.0.0.36', '/probe/.env')->status, 403, 'a probe refused by a signature') for 1 .. 3;
is(get('127.0.0.36')->status, 200, 'its own refusals are not counted again by egov_ban_on');

like($n->error_log, qr/\[notice\] .*egov: a client was banned for 60 s \(ban number 1 of that address\)/,
     'each ban said, without the address');
my @bans = grep { /egov: a client was banned/ } split /\n/, $n->error_log;
is(scalar @bans, 10, 'ten bans made (.31, .34, .35, .37, .43, .44, .46, .47, .53, .56): none of the allowlisted address, whose requests pass anyway');
unlike(join("\n", @bans), qr/127\.0\.0\.3/, '... never the address');

# what a browser fetched without its visitor asking counts towards no
# ban, the application's answers neither (found by a helper's review: 70
# images of missing files, or a form another site posts into frames, on
# any page banned its visitors): a login's brute force sending such
# headers is left to egov_limit, which refuses whatever they say
is($n->request(uri => '/login', client_addr => '127.0.1.9',
               headers => [['Sec-Fetch-Site', 'cross-site'], ['Sec-Fetch-Dest', 'iframe']])->status,
   401, 'a failed login a form on another site posted into a frame') for 1 .. 3;
is(get('127.0.1.9')->status, 200, '... counts towards no ban');
is($n->request(uri => '/login', client_addr => '127.0.1.8',
               headers => [['Sec-Fetch-Site', 'same-origin'], ['Sec-Fetch-Dest', 'document'],
                           ['Sec-Fetch-User', '?1']])->status,
   401, 'a failed login the visitor sent from the portal\'s own page') for 1 .. 3;
is(get('127.0.1.8')->status, 403, '... counts: banned');

# an account's failures (key=) that a browser sent without its visitor
# asking count for nothing either: a page elsewhere posting for one
# account made it "under attack" and then banned each visitor it framed
# (a fifth review), or with a fresh account each time banned them by
# their address's count; a brute force spread over one account is left
# to an egov_limit keyed by the account (below), which refuses whatever
# the headers say
is($n->request(uri => '/account?user=admin', client_addr => '127.0.2.9',
               headers => [['Sec-Fetch-Site', 'cross-site'], ['Sec-Fetch-Dest', 'iframe']])->status,
   401, "a form another site posted into a frame for one account, $_") for 1 .. 4;
is(get('127.0.2.9')->status, 200, '... the framed visitor is not banned');
is($n->request(uri => '/account?user=admin', client_addr => '127.0.2.10',
               headers => [['Sec-Fetch-Site', 'cross-site'], ['Sec-Fetch-Dest', 'iframe']])->status,
   401, '... another visitor framed once more');
is(get('127.0.2.10')->status, 200, '... not banned: the account counted none of them');
is(get('127.0.2.11', '/account?user=admin')->status, 401, "the account's real owner mistypes");
is(get('127.0.2.11')->status, 200, '... and is served');
is($n->request(uri => "/account?user=fresh$_", client_addr => '127.0.2.12',
               headers => [['Sec-Fetch-Site', 'cross-site'], ['Sec-Fetch-Dest', 'iframe']])->status,
   401, "a form posted into a frame from another site, a fresh account, $_") for 1 .. 4;
is(get('127.0.2.12')->status, 200, '... not banned by the address\'s count either');
is(get("127.0.2.2$_", '/account?user=noor')->status, 401,
   "failures on one account, asked, from address 2.2$_") for 1 .. 3;
is(get('127.0.2.23')->status, 403, '... the third bans: the lockout works for asked requests');
# ... but a form on another site the visitor clicked posts for that account
# too: an account's login is never sent from another site (a sixth review:
# one click on another site's button banned the visitor of a hot account)
is($n->request(uri => '/account?user=noor', client_addr => '127.0.2.24',
               headers => [['Sec-Fetch-Site', 'cross-site'], ['Sec-Fetch-Mode', 'navigate'],
                           ['Sec-Fetch-Dest', 'document'], ['Sec-Fetch-User', '?1']])->status,
   401, 'a visitor clicks a button on another site that posts for the hot account');
is(get('127.0.2.24')->status, 200, '... and is not banned');
is($n->request(uri => '/account?user=noor', client_addr => '127.0.2.25',
               headers => [['Sec-Fetch-Site', 'same-site'], ['Sec-Fetch-Mode', 'navigate'],
                           ['Sec-Fetch-Dest', 'document'], ['Sec-Fetch-User', '?1']])->status,
   401, 'a sibling\'s form the visitor sent (a single sign-on on www. posting here) fails on the hot account');
is(get('127.0.2.25')->status, 403, '... counts: banned');
is($n->request(uri => '/account-limited?user=noor2', client_addr => "127.0.2.4$_",
               headers => [['Sec-Fetch-Site', 'cross-site'], ['Sec-Fetch-Mode', 'navigate'],
                           ['Sec-Fetch-Dest', 'document'], ['Sec-Fetch-User', '?1']])->status,
   $_ <= 2 ? 401 : 429, "a botnet sending another site's click headers, address 2.4$_, meets the account's limit")
    for 1 .. 4;
is($n->request(uri => '/account-limited?user=noor', client_addr => "127.0.2.3$_",
               headers => [['Sec-Fetch-Dest', 'x']])->status,
   $_ <= 2 ? 401 : 429, "a botnet sending an unasked request's header, address 2.3$_, meets the account's limit")
    for 1 .. 4;

# a key's count is found again after a reload: its node id is an HMAC
# with the zone's secret, which the zone keeps
is(get("127.0.1.$_", '/account?user=huda')->status, 401,
   "a failure on an account from address 1.$_") for 1 .. 2;
$n->reload;
is(get('127.0.1.3', '/account?user=huda')->status, 401, 'after a reload, the third failure');
is(get('127.0.1.3')->status, 403, '... bans: the count before the reload is the same one');

# keys never crowd out a ban: one address makes up 600 accounts (its own
# after= is high) in the smallest zone; the ban made before stays
my $k = EgovTest::Nginx->new;
$k->start(http_config => <<'END', config => <<'END2');
    egov_ban_zone size=32k;
    egov_ban after=3 within=1m for=60s;
END
    location = /login {
        egov_ban_on status=401 after=1000 within=1m key=$arg_user;
        return 401 "no\n";
    }
    location = /probe { egov_ban_on status=404 within=1m; return 404; }
    location / { return 200 "ok\n"; }
END2
$k->request(uri => '/probe', client_addr => '127.0.0.61') for 1 .. 3;
is($k->request(uri => '/', client_addr => '127.0.0.61')->status, 403, 'an address banned');
my %seen;
$seen{ $k->request(uri => "/login?user=made-up-$_", client_addr => '127.0.0.62')->status }++
    for 1 .. 600;
is_deeply(\%seen, { 401 => 600 }, '600 made-up accounts from one address, each failing once');
is($k->request(uri => '/', client_addr => '127.0.0.61')->status, 403,
   '... the ban stays: keys make room among keys only');
is($k->request(uri => '/', client_addr => '127.0.0.62')->status, 200, '... the address is not banned (after=1000)');
$k->stop;
check_log_clean($k);

my $t = EgovTest::Nginx->new;
for my $c (['egov_ban_on status=401;', qr/egov_ban_on needs egov_ban where it applies .* in \S+nginx\.conf:\d+/, 'egov_ban_zone size=1m;'],
           ['egov_ban_on status=99;', qr/egov_ban_on: invalid status "99" in "status=99", a code from 100 to 599 is expected/, ''],
           ['egov_ban_on status=401,abc;', qr/egov_ban_on: invalid status "abc"/, ''],
           ['egov_ban_on after=3;', qr/egov_ban_on: "status=" is required/, ''],
           ['egov_ban_on status=401 within=soon;', qr/egov_ban_on: invalid parameter "within=soon"/, ''],
           ['egov_ban_on status=401 methods=GET,FETCH;', qr/egov_ban_on: unknown method "FETCH" in \S+nginx\.conf:\d+/, ''],
           ['egov_ban_on status=401 key=;', qr/egov_ban_on: "key=" names no key \(such as "key=\$arg_user"\)/, ''],
           ['egov_ban_on status=401 key=$no_such_variable;', qr/unknown "no_such_variable" variable/, 'egov_ban_zone size=1m; egov_ban after=3 within=1m for=60s;'],
           ['egov_ban_on status=401 methods=;', qr/egov_ban_on: "methods=" names no method in \S+nginx\.conf:\d+/, '']) {
    my ($ok, $out) = $t->test_config(http_config => $c->[2], config => "location / { $c->[0] }");
    ok(!$ok && $out =~ $c->[1], "nginx -t refuses $c->[0]") or diag $out;
}

$n->stop;
check_log_clean($n);
done_testing();

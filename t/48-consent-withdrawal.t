#!/usr/bin/perl
# Withdrawal that removes cookies: whenever the visitor's consent does not
# grant a category (no choice yet, a refusal, a withdrawal, GPC), each
# cookie of it the request carries is expired host-only and for every
# parent domain of the host (scripts set _ga on the registrable domain),
# on "/" and on the path and domain its mapping names; bounded per
# response; nothing for granted, necessary or allowed unknown cookies.

use strict;
use warnings;
use lib 't/lib';
use Test::More;
use EgovTest;
use EgovTest::Nginx;
use EgovTest::Consent qw(consent_cookie $KEY);

my $n = EgovTest::Nginx->new;
$n->write_file('html/consent.key', $KEY);
$n->start(http_config => <<'END', config => <<'END2');
    egov_consent on;
    egov_consent_categories analytics marketing;
    egov_consent_key ../html/consent.key;
    egov_consent_cookie analytics ^_custom_ domain=.portal.example.om path=/app;
    egov_consent_cookie analytics ^__Secure-trk$ ^__Host-trk$ ^__host-trk2$;
END
    location / { return 200 "page"; }
    location = /set { add_header Set-Cookie "_gid=GA1.2.3; Path=/"; return 200 "page"; }
    location = /inventory { egov_consent_inventory; }
END2

my $cats = 'analytics marketing';
my $refused = consent_cookie(granted => 0, categories => $cats);
my $analytics = consent_cookie(granted => 1, categories => $cats);

sub expiries {
    my ($host, $cookie, @h) = @_;
    my $res = $n->request(uri => '/', headers => [['Host', $host], ['Cookie', $cookie], @h]);
    return [ sort grep { /Max-Age=0/ } $res->headers_all('Set-Cookie') ];
}

sub lines {
    my ($name, @domains) = @_;
    my $end = 'Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT';
    return ("$name=; Path=/; $end", map { "$name=; Domain=$_; Path=/; $end" } @domains);
}

my @parents = ('www.portal.example.om', 'portal.example.om', 'example.om');

is_deeply(expiries('www.portal.example.om', "egov_consent=$refused; _ga=GA1.1.1; sid=abc"),
          [ sort(lines('_ga', @parents)) ],
          'refused: _ga expired host-only and for each parent domain, sid left alone');

is_deeply(expiries('www.portal.example.om', "_ga=GA1.1.1; _fbp=fb.1"),
          [ sort(lines('_ga', @parents), lines('_fbp', @parents)) ],
          'no choice yet: analytics and marketing cookies expired');

is_deeply(expiries('www.portal.example.om', "egov_consent=$analytics; _ga=GA1.1.1; _fbp=fb.1"),
          [ sort(lines('_fbp', @parents)) ],
          'analytics granted: _ga kept, _fbp (marketing) expired');

is_deeply(expiries('www.portal.example.om', "_ga=GA1.1.1", ['Sec-GPC', '1']),
          [ sort(lines('_ga', @parents)) ], 'GPC: expired');

my $end = 'Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT';
is_deeply(expiries('portal.example.om', "egov_consent=$refused; _custom_x=1"),
          [ sort("_custom_x=; Path=/app; $end",
                 "_custom_x=; Domain=portal.example.om; Path=/app; $end",
                 "_custom_x=; Domain=example.om; Path=/app; $end",
                 "_custom_x=; Domain=.portal.example.om; Path=/app; $end") ],
          'a mapping\'s path and domain are used too');

is_deeply(expiries('127.0.0.1', "egov_consent=$refused; _ga=1"),
          [ lines('_ga') ], 'an address: host-only only');
is_deeply(expiries('localhost', "egov_consent=$refused; _ga=1"),
          [ lines('_ga') ], 'a single label: host-only only');

# a prefixed name is deleted as browsers take it: __Secure- with Secure,
# __Host- host-only on "/" with Secure (a fifth review: Chromium rejected
# the lines without Secure, and kept both cookies)
is_deeply(expiries('www.portal.example.om', "egov_consent=$refused; __Secure-trk=1; __Host-trk=2"),
          [ sort((map { "$_; Secure" } lines('__Secure-trk', @parents)),
                 "__Host-trk=; Path=/; $end; Secure") ],
          'prefixed names: __Secure- with Secure everywhere, __Host- host-only with Secure');
is_deeply(expiries('www.portal.example.om', "egov_consent=$refused; __host-trk2=2"),
          [ "__host-trk2=; Path=/; $end; Secure" ], '... the prefix read without case');

my $many = join '; ', map { "_ga_$_=1" } 1 .. 100;
my $mark = length $n->error_log;
my $e = expiries('www.portal.example.om', "egov_consent=$refused; $many");
is(scalar @$e, 48, 'a hundred cookies: 48 lines at most (12 cookies of 4 each)');
like(substr($n->error_log, $mark), qr/\[info\] .*egov consent: more refused cookies than 48 Set-Cookie lines can expire/,
     '... and said');

# withdrawing through the endpoint: each expiry once, not twice
my $res = $n->request(method => 'POST', uri => '/.egov/consent',
                      body => 'action=reject',
                      headers => [['Host', 'www.portal.example.om'],
                                  ['Origin', 'http://www.portal.example.om'],
                                  ['Cookie', "egov_consent=$analytics; _ga=GA1.1.1"]]);
is($res->status, 303, 'withdrawn');
is_deeply([ sort grep { /^_ga=/ } $res->headers_all('Set-Cookie') ],
          [ sort(lines('_ga', @parents)) ], '_ga expired everywhere, once');

# an "accept" sent under GPC: the choice is recorded, but nothing optional
# is in force, so the carried cookies are expired at once (a seventh review)
$res = $n->request(method => 'POST', uri => '/.egov/consent',
                   body => 'action=accept',
                   headers => [['Host', 'www.portal.example.om'],
                               ['Origin', 'http://www.portal.example.om'],
                               ['Sec-GPC', '1'],
                               ['Cookie', "_ga=GA1.1.1"]]);
is($res->status, 303, 'accepted under GPC');
is_deeply([ sort grep { /^_ga=/ } $res->headers_all('Set-Cookie') ],
          [ sort(lines('_ga', @parents)) ], '... _ga expired all the same');

# the inventory lists the cookies the portal sets, not the names a visitor
# sends: the module's own expiry lines (names from the request's Cookie
# header, on any page and at the consent endpoint) are not recorded, so
# made-up names cannot fill it and crowd out what the portal really sets
for my $j (0 .. 24) {
    my $made_up = join '; ', map { sprintf '_ga_X%02d%02d=1', $j, $_ } 0 .. 47;
    $n->request(uri => '/', headers => [['Cookie', $made_up]]);
    $n->request(uri => '/.egov/consent', method => 'POST', body => 'action=reject',
                headers => [['Host', 'www.portal.example.om'],
                            ['Origin', 'http://www.portal.example.om'],
                            ['Cookie', $made_up]]);
}
$n->request(uri => '/set');
my $inventory = $n->request(uri => '/inventory')->body;
unlike($inventory, qr/_ga_X/, 'the inventory: no name only visitors sent');
like($inventory, qr/"name":"_gid","category":"analytics","set":1,/,
     '... the cookie the portal sets is there');
like($inventory, qr/"names":2,"dropped":0\}$/,
     '... with the consent cookie, the only names in it');

my $t = EgovTest::Nginx->new;
for my $c (['domain=Example.om', qr/egov_consent_cookie: invalid domain "domain=Example\.om"/],
           ['domain=om', qr/egov_consent_cookie: invalid domain "domain=om"/],
           ['path=app', qr/egov_consent_cookie: invalid path "path=app"/]) {
    my ($ok, $out) = $t->test_config(
        http_config => "egov_consent on; egov_consent_categories analytics;\n"
                       . "egov_consent_cookie analytics ^_x_ $c->[0];",
        config => 'location / { }');
    ok(!$ok && $out =~ $c->[1], "nginx -t refuses $c->[0]") or diag $out;
}

$n->stop;
check_log_clean($n);
done_testing();

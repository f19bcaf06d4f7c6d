#!/usr/bin/perl
# Cookie tossing: another site of the portal's domain (a compromised or
# user-content subdomain) can set a valid consent cookie of its own for
# the whole domain, or for a longer path, which the browser sends first.
# When a request carries several valid consent cookies, the narrowest
# choice holds, so a tossed "accept all" never overrules a visitor's
# refusal.  A __Host- cookie name (egov_consent_cookie_name) keeps other
# sites from setting it at all: the cookie then always goes with Secure
# and never with a Domain; nginx -t refuses a __Host- name with
# egov_consent_cookie_domain and a prefixed one with egov_consent_secure
# off.

use strict;
use warnings;
use lib 't/lib';
use Test::More;
use EgovTest;
use EgovTest::Nginx;
use EgovTest::Consent qw(consent_cookie $KEY);

my $n = EgovTest::Nginx->new;
$n->write_file('html/consent.key', $KEY);
$n->write_file('html/index.html', "<!doctype html><html><body><p>x</p></body></html>\n");
my $conf = <<'END';
    egov_consent on;
    egov_consent_categories analytics marketing;
    egov_consent_key ../html/consent.key;
END
$n->start(http_config => $conf, config => <<'END2');
    location / {
        add_header Set-Cookie "_ga=GA1.2.3; Path=/; Max-Age=3600";
        add_header Set-Cookie "_fbp=fb.1.2; Path=/; Max-Age=3600";
    }
END2

my $cats = 'analytics marketing';
my %c = (
    none      => consent_cookie(granted => 0, categories => $cats, receipt => 'AAAAAAAAAAAA'),
    analytics => consent_cookie(granted => 1, categories => $cats, receipt => 'BBBBBBBBBBBB'),
    marketing => consent_cookie(granted => 2, categories => $cats, receipt => 'CCCCCCCCCCCC'),
    all       => consent_cookie(granted => 3, categories => $cats, receipt => 'DDDDDDDDDDDD'),
);
(my $forged = $c{all}) =~ s/.$/ $& eq 'A' ? 'B' : 'A' /e;

sub passed {
    my ($cookie) = @_;
    my $r = $n->request(uri => '/index.html', headers => [['Cookie', $cookie]]);
    return join ' ', sort map { /^(\w+)=/ ? $1 : () }
        grep { !/^egov/ } $r->headers_all('Set-Cookie');
}

is(passed("egov_consent=$c{all}"), '_fbp _ga', 'one cookie, all granted: both pass');
is(passed("egov_consent=$c{none}"), '', 'one cookie, none granted: both held back');
is(passed("egov_consent=$c{all}; egov_consent=$c{none}"), '',
   'a tossed "all" sent first, the visitor\'s refusal second: held back');
is(passed("egov_consent=$c{none}; egov_consent=$c{all}"), '',
   '... in either order');
is(passed("egov_consent=$c{all}; egov_consent=$c{analytics}"), '_ga',
   '"all" and "analytics": analytics only');
is(passed("egov_consent=$c{analytics}; egov_consent=$c{marketing}"), '',
   '"analytics" and "marketing": neither');
is(passed("egov_consent=$forged; egov_consent=$c{analytics}"), '_ga',
   'a forged cookie counts for nothing, the valid one holds');
is(passed("egov_consent=$c{all}; egov_consent=$c{all}"), '_fbp _ga',
   'the same choice twice: it holds');

# each consent cookie costs an HMAC: at most 8 are read (tossing needs no
# more).  More than that is no choice one can read: none is read, nothing
# optional is granted, and the banner asks again (t/49: not even implied)
my $eight = join '; ', ("egov_consent=$c{all}") x 8;
is(passed($eight), '_fbp _ga', 'eight cookies of one choice: read, it holds');
is(passed("$eight; egov_consent=$c{all}"), '',
   'nine: none read, both held back');
like($n->request(uri => '/index.html',
                 headers => [['Cookie', "$eight; egov_consent=$c{all}"]])->body,
     qr/id="egov-consent"/, '... and the banner asks');
my $many = join '; ', ("egov_consent=$forged") x 400;
is(passed($many), '', '400 forged ones: nothing granted');

my $r = $n->request(uri => '/.egov/consent', headers => [
    ['Cookie', "egov_consent=$c{all}; egov_consent=$c{analytics}"],
    ['Accept', 'application/json']]);
like($r->body, qr/"consent":"analytics".*"receipt":"DDDDDDDDDDDD"/,
     'the consent endpoint says the same (the first cookie\'s receipt)');

# a __Host- name: only this host can set it

my $h = EgovTest::Nginx->new;
$h->write_file('html/consent.key', $KEY);
$h->start(http_config => $conf . "    egov_consent_cookie_name __Host-egov_consent;\n",
          config => "    location / { }\n");
$r = $h->request(method => 'POST', uri => '/.egov/consent',
                 body => 'action=save&c=analytics',
                 headers => [['Origin', 'http://localhost']]);
my ($set) = grep { /^__Host-egov_consent=/ } $r->headers_all('Set-Cookie');
like($set // '', qr/^__Host-egov_consent=[^;]+; Path=\/; Max-Age=\d+; SameSite=Lax; HttpOnly; Secure$/,
     '__Host-egov_consent: set with Secure, Path=/ and no Domain, even over http');
$h->stop;

my ($ok, $out) = $h->test_config(http_config => $conf
    . "egov_consent_cookie_name __Host-egov_consent;\negov_consent_cookie_domain portal.example.om;\n");
ok(!$ok, 'a __Host- name with egov_consent_cookie_domain: refused');
like($out, qr/egov_consent_cookie_name "__Host-egov_consent": a __Host- cookie cannot be shared by subdomains \(egov_consent_cookie_domain "portal\.example\.om"\)/,
     '... saying why');
($ok, $out) = $h->test_config(http_config => $conf
    . "egov_consent_cookie_name __Secure-egov_consent;\negov_consent_secure off;\n");
ok(!$ok, 'a __Secure- name with egov_consent_secure off: refused');
like($out, qr/egov_consent_cookie_name "__Secure-egov_consent": browsers keep such a cookie only with Secure/,
     '... saying why');

# a name that is no cookie name, or the module's other cookie, fails
# nginx -t (a fifth review: "a; Domain=evil.example; x" went into the
# Set-Cookie line as attributes; an empty name, a line break and
# egov_pass were taken)
for my $c (['"a; Domain=evil.example; x"', 'a; Domain=evil.example; x'],
           ['""', ''], ['"a b"', 'a b'], ['"a=b"', 'a=b'], ['egov_pass', 'egov_pass'],
           ['' . ('c' x 65), 'c' x 65]) {
    ($ok, $out) = $h->test_config(http_config => $conf
        . "egov_consent_cookie_name $c->[0];\n");
    ok(!$ok, "egov_consent_cookie_name $c->[0]: refused");
    like($out, qr/egov_consent_cookie_name "\Q$c->[1]\E": (?:a cookie name is 1 to 64 letters, digits and !#\$%&'\*\+\-\.\^_`\|~|the challenge's pass is named so)/,
         '... saying why');
}
for my $v ('0', '4294967296') {
    ($ok, $out) = $h->test_config(http_config => $conf . "egov_consent_version $v;\n");
    ok(!$ok, "egov_consent_version $v: refused") or diag $out;
    like($out, qr/must be between 1 and 4294967295/,
         '... saying why');
}
($ok, $out) = $h->test_config(http_config => $conf . "egov_consent_version 4294967295;\n");
ok($ok, 'egov_consent_version 4294967295: taken') or diag $out;

$n->stop;
is_deeply([$n->log_problems], [], 'no alerts, no sanitizer reports');

done_testing();

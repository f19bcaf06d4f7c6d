#!/usr/bin/perl
# Consent-aware CSP (egov_consent_source): a category's sources are in the
# CSP only for a visitor whose consent grants it, never under GPC; merged
# into the policy's own directive (the module's or an egov_header value,
# report-only too), a missing directive made from default-src; responses
# whose CSP depends on consent are not shared by caches; nginx -t refuses
# unknown categories, directives and malformed sources.

use strict;
use warnings;
use lib 't/lib';
use Test::More;
use EgovTest;
use EgovTest::Nginx;
use EgovTest::Consent qw(consent_cookie $KEY);

my $n = EgovTest::Nginx->new;
$n->write_file('html/index.html', "<!doctype html><html><body><p>x</p></body></html>\n");
$n->write_file('html/consent.key', $KEY);
$n->start(http_config => <<'END', config => <<'END2');
    egov_security_headers on;
    egov_consent on;
    egov_consent_categories analytics marketing;
    egov_consent_key ../html/consent.key;
    egov_consent_source analytics script-src https://www.googletagmanager.com;
    egov_consent_source analytics connect-src https://www.google-analytics.com
                                              https://*.analytics.google.com;
    egov_consent_source marketing frame-src https://www.youtube-nocookie.com;
    egov_consent_source marketing script-src https://connect.facebook.net;
END
    location / { }
    location /ro/ { alias html/; egov_csp_report_only on; }
    location /own/ {
        alias html/;
        egov_header Content-Security-Policy "default-src 'self'; script-src 'self'";
    }
    location /open/ {
        alias html/;
        egov_header Content-Security-Policy "script-src 'self'";
    }
    location /api/ { default_type application/json; return 200 "{}"; }
    location = /status { egov_status; }
END2

my $analytics = consent_cookie(granted => 1, categories => 'analytics marketing');
my $marketing = consent_cookie(granted => 2, categories => 'analytics marketing');
my $both = consent_cookie(granted => 3, categories => 'analytics marketing');
my $none = consent_cookie(granted => 0, categories => 'analytics marketing');

sub csp {
    my ($uri, $cookie, %h) = @_;
    my @h = ($cookie ? (['Cookie', "egov_consent=$cookie"]) : (), map { [$_, $h{$_}] } keys %h);
    my $res = $n->request(uri => $uri, headers => \@h);
    my $v = $res->header('Content-Security-Policy') // $res->header('Content-Security-Policy-Report-Only');
    $v =~ s/'nonce-[^']+'/'nonce-N'/g if defined $v;
    return ($v, $res);
}

my $default = "default-src 'none'; script-src 'self' 'nonce-N'; style-src 'self' 'nonce-N'; img-src 'self' data:; font-src 'self'; connect-src 'self'; manifest-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

my ($v, $res) = csp('/index.html');
is($v, $default, 'no consent yet: the policy as configured, nothing added');
is($res->header('Cache-Control'), 'private, no-cache', '... not shared by caches');
like($res->header('Vary') // '', qr/Cookie/, '... Vary: Cookie');

($v) = csp('/index.html', $none);
is($v, $default, 'optional categories refused: nothing added');

($v) = csp('/index.html', $analytics);
is($v, "default-src 'none'; script-src 'self' 'nonce-N' https://www.googletagmanager.com; style-src 'self' 'nonce-N'; img-src 'self' data:; font-src 'self'; connect-src 'self' https://www.google-analytics.com https://*.analytics.google.com; manifest-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
   'analytics granted: its sources in script-src and connect-src, nothing of marketing');

($v) = csp('/index.html', $marketing);
is($v, "default-src 'none'; script-src 'self' 'nonce-N' https://connect.facebook.net; style-src 'self' 'nonce-N'; img-src 'self' data:; font-src 'self'; connect-src 'self'; manifest-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'; frame-src https://www.youtube-nocookie.com",
   'marketing granted: a frame-src made for it (default-src is \'none\')');

($v) = csp('/index.html', $both);
like($v, qr/script-src 'self' 'nonce-N' https:\/\/www\.googletagmanager\.com https:\/\/connect\.facebook\.net;/,
     'both granted: the sources of each, in their order');

($v) = csp('/index.html', $both, 'Sec-GPC' => '1');
is($v, $default, 'Global Privacy Control: nothing added, whatever the cookie says');

($v, $res) = csp('/ro/index.html', $analytics);
ok(defined $res->header('Content-Security-Policy-Report-Only')
   && !defined $res->header('Content-Security-Policy'), 'report-only: one header, report-only');
like($v, qr/script-src 'self' 'nonce-N' https:\/\/www\.googletagmanager\.com;/, '... with the granted sources');

($v) = csp('/own/index.html', $analytics);
is($v, "default-src 'self'; script-src 'self' https://www.googletagmanager.com; connect-src 'self' https://www.google-analytics.com https://*.analytics.google.com",
   'an operator\'s CSP: merged into its script-src; connect-src made from its default-src');
my @csp = $n->request(uri => '/own/index.html', headers => [['Cookie', "egov_consent=$analytics"]])
    ->headers_all('Content-Security-Policy');
is(scalar @csp, 1, 'one CSP header, not a second appended');

($v) = csp('/open/index.html', $analytics);
is($v, "script-src 'self' https://www.googletagmanager.com",
   'no default-src: connect-src is unrestricted, nothing made for it');

($v, $res) = csp('/api/', $analytics);
ok(!defined $v, 'not HTML: no CSP at all');
ok(!defined $res->header('Cache-Control'), '... and nothing said about caching');

# the module's own pages get no banner (nothing to write for it)
my $before = $n->request(uri => '/status?format=prometheus')->body =~ /^egov_consent_banners_total (\d+)/m ? $1 : -1;
like($n->request(uri => '/status?format=prometheus')->body, qr/^egov_consent_key_from_file 1$/m,
     'the consent key read from egov_consent_key: 1 in the metrics');
$res = $n->request(uri => '/status?format=html');
is($res->status, 200, 'the status page in HTML');
like($res->header('Content-Type'), qr{^text/html}, '... as HTML');
unlike($res->body, qr/egov-consent/, '... without a banner or its link');
my $after = $n->request(uri => '/status?format=prometheus')->body =~ /^egov_consent_banners_total (\d+)/m ? $1 : -2;
is($after, $before, '... and none counted');
like($n->request(uri => '/index.html')->body, qr/id="egov-consent"/, 'a page of the portal still gets it');

# nginx -t: what is refused, with file and line
my $t = EgovTest::Nginx->new;
for my $c (
    ['egov_consent_source ads script-src https://a.example;',
     qr/egov_consent_source: the category "ads" is not declared by egov_consent_categories where it applies, in \S+nginx\.conf:\d+/],
    ['egov_consent_source analytics script https://a.example;',
     qr/egov_consent_source: "script" is not a CSP fetch directive .* in \S+nginx\.conf:\d+/],
    ['egov_consent_source analytics script-src https://a.example,https://b.example;',
     qr/egov_consent_source: invalid source "https:\/\/a\.example,https:\/\/b\.example"/],
    [q{egov_consent_source analytics script-src "'unsafe-inline'";},
     qr/egov_consent_source: invalid source "'unsafe-inline'"/],
    [q{egov_consent_source analytics script-src "https://a.example 'self'";},
     qr/egov_consent_source: invalid source "https:\/\/a\.example 'self'"/],
    ['egov_consent_source analytics script-src;',
     qr/egov_consent_source: a category, a CSP directive and at least one source are needed/],
) {
    my ($ok, $out) = $t->test_config(
        http_config => "egov_consent on; egov_consent_categories analytics;\n$c->[0]",
        config => 'location / { }');
    ok(!$ok, "nginx -t refuses: $c->[0]");
    like($out, $c->[1], '... saying why and where');
}

$n->stop;
check_log_clean($n);

# a directive the policy lacks is made from the one CSP 3 falls back to,
# not from default-src (found by a helper's review: script-src-elem from
# default-src blocked the page's own nonce'd scripts; worker-src was
# widened to default-src's 'self' though script-src governed workers)
my $f = EgovTest::Nginx->new;
$f->write_file('html/index.html', "<!doctype html><p>x</p>\n");
$f->write_file('html/consent.key', $KEY);
$f->start(http_config => <<'END', config => <<'END2');
    egov_security_headers on;
    egov_consent on;
    egov_consent_categories analytics;
    egov_consent_key ../html/consent.key;
END
    location /elem/ { alias html/;
        egov_consent_source analytics script-src-elem https://www.googletagmanager.com; }
    location /worker/ { alias html/;
        egov_header Content-Security-Policy "default-src 'self'; script-src 'nonce-$egov_csp_nonce'";
        egov_consent_source analytics worker-src https://w.example; }
    location /frame/ { alias html/;
        egov_header Content-Security-Policy "default-src 'self'; child-src https://maps.example";
        egov_consent_source analytics frame-src https://video.example; }
END2
my $fc = consent_cookie(granted => 1, categories => 'analytics');
sub csp_of {
    my ($uri) = @_;
    return $f->request(uri => $uri, headers => [['Cookie', "egov_consent=$fc"]])
             ->header('Content-Security-Policy') // '';
}
my ($script_src) = csp_of('/elem/index.html') =~ /(?:^|; )script-src ([^;]*)/;
$script_src =~ s/'nonce-[^']+'/'nonce-N'/;
(my $elem = csp_of('/elem/index.html')) =~ s/'nonce-[^']+'/'nonce-N'/g;
like($elem, qr/script-src-elem \Q$script_src\E https:\/\/www\.googletagmanager\.com/,
     'script-src-elem: script-src\'s sources (the nonce, \'self\') and the granted one');
like(csp_of('/worker/index.html'), qr/worker-src 'nonce-[^']+' https:\/\/w\.example(?:;|$)/,
     'worker-src: from script-src (no child-src), not default-src');
like(csp_of('/frame/index.html'), qr/frame-src https:\/\/maps\.example https:\/\/video\.example(?:;|$)/,
     'frame-src: from child-src');
$f->stop;
check_log_clean($f);

done_testing();

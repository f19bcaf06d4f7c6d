#!/usr/bin/perl
# Consent beyond single requests: gzip after the banner, the proof-of-
# consent log, a generated key shared by workers and kept across reloads,
# the banner's size, and every invalid form of the directives.

use strict;
use warnings;
use lib 't/lib';
use Test::More;
use IO::Uncompress::Gunzip qw(gunzip $GunzipError);
use IO::Compress::Gzip qw(gzip $GzipError);
use EgovTest;
use EgovTest::Nginx;

my $page = "<!doctype html><html lang=\"en\"><head><title>p</title></head>"
         . "<body><main><h1>Page</h1>" . ("<p>text</p>\n" x 200)
         . "</main></body></html>\n";

my $n = EgovTest::Nginx->new;
$n->write_file('html/page.html', $page);
$n->start(workers => 2, http_config => <<'END', config => <<'END2');
    egov_consent on;
    egov_consent_categories analytics marketing;
    egov_consent_log $TEST_NGINX_PREFIX/logs/consent-proof.log;
    gzip on;
    gzip_min_length 1;
    gzip_types text/html;
END
    location / { }
END2

# gzip compresses what the banner filter produced
my $r = $n->request(uri => '/page.html', headers => [['Accept-Encoding', 'gzip']]);
is($r->header('Content-Encoding'), 'gzip', 'the page is gzip-compressed');
my $plain;
gunzip(\$r->body => \$plain) or diag $GunzipError;
like($plain, qr{</main><div id="egov-consent".*</div>\n</body></html>\n$}s,
     'the banner is in the compressed page');

# the banner, its style and its script: under 10 KB compressed
my ($banner) = $plain =~ m{(<div id="egov-consent".*?</script>\n</div>\n)}s;
my $gz;
gzip(\$banner => \$gz) or diag $GzipError;
cmp_ok(length $gz, '<', 10 * 1024, sprintf('the banner is %d bytes, %d gzipped (under 10 KB)',
                                           length $banner, length $gz));
like($banner, qr/data-nosnippet/, 'search engines do not index it');

# a generated key: both workers accept a cookie either of them set
my %cookies;
for (1 .. 6) {
    my $d = $n->request(method => 'POST', uri => '/.egov/consent',
                        body => 'action=save&c=analytics',
                        headers => [['Origin', 'http://localhost']]);
    my ($c) = ($d->header('Set-Cookie') || '') =~ /^(egov_consent=[^;]+)/;
    $cookies{$c}++ if $c;
}
is(scalar keys %cookies, 6, 'six decisions, six receipts');
my $bad = 0;
for my $c (keys %cookies) {
    for (1 .. 4) {
        my $p = $n->request(uri => '/.egov/consent', headers => [['Cookie', $c], ['Accept', 'application/json']]);
        $bad++ unless $p->body =~ /"consent":"analytics"/;
    }
}
is($bad, 0, 'every cookie is valid in both workers');

# the proof log: one line per decision, nothing about the visitor
my $log = $n->read_file('logs/consent-proof.log');
my @lines = split /\n/, $log;
is(scalar @lines, 6, 'six proof lines');
like($lines[0], qr/^\{"time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d","version":1,"choice":"choose","receipt":"[0-9A-Z]{12}","granted":\["analytics"\],"refused":\["marketing"\]\}$/,
     'time, version, choice, receipt, categories');
unlike($log, qr/127\.0\.0\.1|localhost|Mozilla|Cookie/i, 'no address, no browser, nothing identifying');
my ($receipt) = $lines[-1] =~ /"receipt":"([0-9A-Z]{12})"/;
ok((grep { /\.\Q$receipt\E\./ } keys %cookies), 'the receipt is also in the visitor\'s cookie');

# the generated key survives a reload
my ($one) = keys %cookies;
$n->reload(workers => 2, http_config => $n->{config}{http_config},
           config => $n->{config}{config} . "\n");
$r = $n->request(uri => '/.egov/consent', headers => [['Cookie', $one], ['Accept', 'application/json']]);
like($r->body, qr/"consent":"analytics"/, 'a cookie stays valid after a reload');

$n->stop;
check_log_clean($n);

# invalid forms
my @invalid = (
    ['egov_consent maybe;', qr/invalid value "maybe" in "egov_consent" directive, it must be "on" or "off"/],
    ['egov_consent_categories necessary;', qr/egov_consent_categories: "necessary" cannot be an optional category/],
    ['egov_consent_categories Analytics;', qr/egov_consent_categories: "Analytics": a name has lower-case letters, digits and "_" only/],
    ['egov_consent_categories a b a;', qr/egov_consent_categories: "a" is given twice/],
    ['egov_consent_categories a b c d e f g h i j k l m n o p q;', qr/egov_consent_categories: at most 16 categories/],
    ['egov_consent_categories a; egov_consent_categories b;', qr/"egov_consent_categories" directive is duplicate/],
    ['egov_consent_version two;', qr/"egov_consent_version" directive invalid number/],
    ['egov_consent_max_age forever;', qr/"egov_consent_max_age" directive invalid value/],
    ['egov_consent_max_age 0;', qr/"egov_consent_max_age" directive must be at least 1s/],
    ['egov_consent_secure sometimes;', qr/invalid value "sometimes" in "egov_consent_secure" directive, it must be "on", "off" or "auto"/],
    ['egov_consent_unknown maybe;', qr/invalid value "maybe" in "egov_consent_unknown" directive, it must be "allow" or "deny"/],
    ['egov_consent_lang fr;', qr/invalid value "fr" in "egov_consent_lang" directive, it must be "auto", "ar" or "en"/],
    ['egov_consent_path consent;', qr/egov_consent_path: "consent" is not a plain path starting with "\/"/],
    ['egov_consent_path //x;', qr/egov_consent_path: "\/\/x" is not a plain path/],
    ['egov_consent_categories analytics; egov_consent_cookie social ^x$;',
     qr/egov_consent_cookie: unknown category "social" \("necessary" or one of egov_consent_categories, given before at this level\)/],
    ['egov_consent_categories analytics; egov_consent_cookie analytics "^(x";',
     qr/egov_consent_cookie: pcre2_compile\(\) failed: missing closing parenthesis in "\^\(x"/],
    ['egov_consent_banner /nonexistent.html;', qr{open\(\) "/nonexistent\.html" failed}],
    ['egov_consent_dnt perhaps;', qr/invalid value "perhaps" in "egov_consent_dnt" directive/],
    ['egov_csp_nonce_inject yes;', qr/invalid value "yes" in "egov_csp_nonce_inject" directive/],
    ['egov_consent_policy_url;', qr/invalid number of arguments in "egov_consent_policy_url" directive/],
    ['egov_consent_cookie_name;', qr/invalid number of arguments in "egov_consent_cookie_name" directive/],
    ['egov_consent_log;', qr/invalid number of arguments in "egov_consent_log" directive/],
);

for my $case (@invalid) {
    my ($conf, $re) = @$case;
    my $t = EgovTest::Nginx->new;
    my ($ok, $out) = $t->test_config(config => $conf);
    ok(!$ok, "nginx -t refuses: $conf");
    like($out, qr/$re.* in \S+nginx\.conf:\d+/, "... saying why, where");
}

# the key file: too short, and at http level only
{
    my $t = EgovTest::Nginx->new;
    $t->write_file('html/short.key', "short\n");
    my ($ok, $out) = $t->test_config(http_config => 'egov_consent_key ../html/short.key;');
    ok(!$ok, 'a short key is refused');
    like($out, qr/egov_consent_key "\S+short\.key": the file must hold 32 to 4096 bytes/, '... saying so');
    $t->write_file('html/nl.key', ("k" x 31) . "\n\n");
    ($ok, $out) = $t->test_config(http_config => 'egov_consent_key ../html/nl.key;');
    like($out, qr/it must have at least 32 bytes besides its final newline/, 'line ends do not count');
    ($ok, $out) = $t->test_config(config => 'egov_consent_key ../html/nl.key;');
    like($out, qr/"egov_consent_key" directive is not allowed here/, 'http level only');
    ($ok, $out) = $t->test_config(http_config => 'egov_consent on;',
                                  config => 'location /x { egov_consent_inventory on; }');
    like($out, qr/invalid number of arguments in "egov_consent_inventory" directive/, 'inventory takes no argument');
}

# an operator's banner template: placeholders checked when read
{
    my $t = EgovTest::Nginx->new;
    $t->write_file('html/banner.html', '<div>{{t:title}} {{nonsense}}</div>');
    my ($ok, $out) = $t->test_config(http_config => 'egov_consent on; egov_consent_banner ../html/banner.html;');
    ok(!$ok, 'an unknown placeholder is refused');
    like($out, qr/the consent banner: unknown placeholder "\{\{nonsense\}\}"/, '... naming it');
    $t->write_file('html/banner.html', '<div>{{t:no.such.text}}</div>');
    ($ok, $out) = $t->test_config(http_config => 'egov_consent on; egov_consent_banner ../html/banner.html;');
    like($out, qr/the consent banner: no text "t:no\.such\.text"/, 'an unknown text is refused');

    $t->write_file('html/banner.html', qq{<aside id="mine" lang="{{lang}}"><form method="post" action="{{action}}"><input type="hidden" name="return" value="{{return}}"><button name="action" value="accept">{{t:accept}}</button><button name="action" value="reject">{{t:reject}}</button></form><style nonce="{{nonce}}">#mine{}</style></aside>\n});
    $t->write_file('html/p.html', "<html><body>x</body></html>\n");
    $t->start(http_config => "egov_consent on;\negov_consent_categories analytics;\negov_consent_banner ../html/banner.html;",
              config => 'location / { }');
    my $r = $t->request(uri => '/p.html?a=1&b="x"', headers => [['Accept-Language', 'en']]);
    like($r->body, qr{<html><body>x<aside id="mine" lang="en"><form method="post" action="/\.egov/consent"><input type="hidden" name="return" value="/p\.html\?a=1&amp;b=&quot;x&quot;"><button name="action" value="accept">Accept all</button><button name="action" value="reject">Reject optional</button></form><style nonce="[^"]+">#mine\{\}</style></aside>\n</body></html>},
         'the operator\'s template, with the return path escaped');
    $t->stop;
    check_log_clean($t);
}

done_testing();

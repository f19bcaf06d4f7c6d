#!/usr/bin/perl
# The refusal pages: bilingual by Accept-Language, nothing about the rule,
# an incident reference, security headers, the operator's own pages with
# placeholders; and in Chromium, axe-core finds no serious or critical
# WCAG 2.1 AA problem in either language.

use strict;
use warnings;
use lib 't/lib';
use Test::More;
use EgovTest;
use EgovTest::Axe;
use EgovTest::Browser;
use EgovTest::Nginx;

my $n = EgovTest::Nginx->new;
$n->write_file('html/blocked.html', <<'END');
<!doctype html><html lang="en"><head><title>Blocked</title>
<style nonce="{{nonce}}">p{color:#000}</style></head>
<body><main><h1>Blocked ({{status}})</h1><p>Reference {{incident}}.</p>
<p>{{unknown}} stays as it is.</p></main></body></html>
END
$n->write_file('html/slow.html', <<'END');
<!doctype html><html lang="en"><head><title>Slow down</title></head>
<body><main><h1>Slow down</h1><p>Retry in {{retry_after}} s ({{incident}}).</p></main></body></html>
END
$n->write_file('html/block.netset', "127.0.0.0/8\n::1\n");

$n->start(http_config => <<'END', config => <<'END2');
    egov_limit_zone name=one key=$binary_remote_addr$uri rate=1r/m size=1m;
END
    egov_security_headers on;
    add_header X-Incident $egov_incident always;

    location /blocked {
        egov_blocklist ../html/block.netset;
        return 200 "not reached";
    }
    location /custom {
        egov_blocklist ../html/block.netset;
        egov_block_page ../html/blocked.html;
        return 200 "not reached";
    }
    location /limited {
        egov_limit zone=one;
        return 200 "ok";
    }
    location /custom-limited {
        egov_limit zone=one;
        egov_limit_page ../html/slow.html;
        return 200 "ok";
    }
END2

my $r = $n->request(uri => '/blocked');
is($r->status, 403, 'blocked: status 403');
is($r->header('Content-Type'), 'text/html; charset=utf-8', 'HTML');
is($r->header('Cache-Control'), 'no-store', 'never cached');
is($r->header('X-Frame-Options'), 'DENY', 'security headers on the module\'s own page');
my ($nonce) = ($r->header('Content-Security-Policy') || '') =~ /'nonce-([^']+)'/;
like($r->body, qr/<style nonce="\Q$nonce\E">/, 'the inline style carries the request\'s nonce');
like($r->body, qr{^<!doctype html>\n<html lang="ar" dir="rtl">}, 'Arabic first by default');
like($r->body, qr{<h1>تم رفض الوصول</h1>.*<section lang="en" dir="ltr">\n<h2>Access refused</h2>}s,
     'both languages');
my $incident = $r->header('X-Incident');
like($incident, qr/^[0-9A-Z]{10}$/, 'an incident reference');
is(scalar(() = $r->body =~ /<strong class="ref">\Q$incident\E<\/strong>/g), 2,
   'shown in both languages, the same as $egov_incident');
unlike($r->body, qr/block\.netset|blocklist|127\.0\.0/, 'nothing about the rule or the address');
like($n->error_log, qr/egov: refused \(blocklist:block\), incident \Q$incident\E/,
     'the same reference in the error log');

$r = $n->request(uri => '/blocked', headers => [['Accept-Language', 'en-US,en;q=0.9,ar;q=0.5']]);
like($r->body, qr{<html lang="en" dir="ltr">.*<h1>Access refused</h1>.*<section lang="ar" dir="rtl">}s,
     'English first when preferred');

$r = $n->request(uri => '/blocked', headers => [['Accept', 'application/json']]);
like($r->body, qr/^\{"status":403,"error":"forbidden","message":"Access refused","incident":"[0-9A-Z]{10}"\}$/,
     'JSON when preferred');

$r = $n->request(uri => '/blocked', headers => [['Accept', 'text/html,application/json;q=0.9']]);
like($r->header('Content-Type'), qr/^text\/html/, 'HTML when both are acceptable');

$r = $n->request(method => 'HEAD', uri => '/blocked');
is($r->status, 403, 'HEAD: 403');
is($r->body, '', 'HEAD: no body');

$r = $n->request(uri => '/custom');
is($r->status, 403, 'custom page: 403');
($nonce) = ($r->header('Content-Security-Policy') || '') =~ /'nonce-([^']+)'/;
$incident = $r->header('X-Incident');
is($r->body, <<"END", 'custom page with its placeholders filled');
<!doctype html><html lang="en"><head><title>Blocked</title>
<style nonce="$nonce">p{color:#000}</style></head>
<body><main><h1>Blocked (403)</h1><p>Reference $incident.</p>
<p>{{unknown}} stays as it is.</p></main></body></html>
END

$n->request(uri => '/custom-limited');
$r = $n->request(uri => '/custom-limited');
is($r->status, 429, 'custom limit page: 429');
like($r->body, qr{<p>Retry in 60 s \([0-9A-Z]{10}\)\.</p>}, 'custom limit page filled');

# in a browser: accessible in both languages
SKIP: {
    skip EgovTest::Browser::why_not(), 8 unless EgovTest::Browser::available();
    my $base = 'http://127.0.0.1:' . $n->port;
    EgovTest::Axe::check_page("$base/blocked", 'ar', '403 in Arabic',
                              status => 403, lang => 'ar', dir => 'rtl');
    EgovTest::Axe::check_page("$base/blocked", 'en', '403 in English',
                              status => 403, lang => 'en', dir => 'ltr');
    $n->request(uri => '/limited', client_addr => '127.0.0.1');
    EgovTest::Axe::check_page("$base/limited", 'en', '429 in English',
                              status => 429, lang => 'en');
}

$n->stop;
check_log_clean($n);

my $t = EgovTest::Nginx->new;
my ($ok, $out) = $t->test_config(config => 'egov_block_page /nonexistent.html;');
ok(!$ok, 'a missing page fails nginx -t');
like($out, qr{open\(\) "/nonexistent\.html" failed .* in \S+nginx\.conf:\d+}, '... naming the file');
$t->write_file('html/empty.html', '');
($ok, $out) = $t->test_config(config => 'egov_limit_page ../html/empty.html;');
ok(!$ok, 'an empty page fails nginx -t');
like($out, qr{egov_limit_page "\S+empty\.html": the file must hold 1 to 1048576 bytes in \S+nginx\.conf:\d+}, '... saying why');
$t->write_file('html/a.html', 'a');
($ok, $out) = $t->test_config(config => "egov_block_page ../html/a.html;\negov_block_page ../html/a.html;");
like($out, qr/"egov_block_page" directive is duplicate/, 'twice at one level');

done_testing();

#!/usr/bin/perl
# A page the consent filter changes is one representation, whatever the
# request's validators and ranges: a Range header gets the whole changed
# page as a 200 (never the file's own bytes, with its marked scripts live
# and its strong ETag, nor a range of them to splice with the changed
# page); a browser's If-None-Match or If-Modified-Since of the unchanged
# file gets the changed page, not a 304 that would keep a copy without
# the banner and the gating; an SSI include that is no HTML (a script's
# JavaScript) goes as it is.

use strict;
use warnings;
use lib 't/lib';
use Test::More;
use EgovTest;
use EgovTest::Nginx;
use POSIX ();

my $page = "<!doctype html><html lang=\"en\"><head><title>p</title>\n"
         . "<script data-egov-consent=\"marketing\" src=\"/m.js\"></script>\n"
         . "<script>var a=1;</script></head><body><main>"
         . ("<p>Services online, in Arabic and English.</p>\n" x 2000)
         . "</main></body></html>\n";

my $n = EgovTest::Nginx->new;
$n->write_file('html/page.html', $page);
$n->write_file('html/cfg.js', "var a = \"<style>b{}</style>\";\n");
$n->write_file('html/js.html', "<html><head><script><!--# include virtual=\"/inc/cfg.js\" --></script></head><body><p>x</p></body></html>\n");
$n->start(http_config => <<'END', config => <<'END2');
    egov_consent on;
    egov_consent_categories analytics marketing;
    egov_consent_markup on;
    types { text/html html; application/javascript js; }
END
    location / { }
    location /nonce/ { alias html/; egov_csp_nonce_inject on; }
    location /ssi/ { alias html/; ssi on; egov_csp_nonce_inject on; }
    location /inc/ { alias html/; }
END2

# the page as everybody gets it
my $full = $n->request(uri => '/page.html');
is($full->status, 200, 'GET: 200');
like($full->body, qr/<div id="egov-consent"/, 'GET: the banner');
unlike($full->body, qr/<script data-egov-consent="marketing" src/, 'GET: the marked script is inert');
ok(!defined $full->header('ETag'), 'GET: no ETag');

for my $range ('bytes=0-', 'bytes=0-99,100-', 'garbage') {
    my $r = $n->request(uri => '/page.html', headers => [['Range', $range]]);
    is($r->status, 200, "Range: $range: 200, the whole changed page");
    like($r->header('Cache-Control') // '', qr/private/, "Range: $range: private, as the GET");
    unlike($r->body, qr/<script data-egov-consent="marketing" src/,
           "Range: $range: the marked script is not live");
    ok(!defined $r->header('ETag'), "Range: $range: no strong ETag of the unchanged file");
}

my $r = $n->request(uri => '/page.html',
                    headers => [['Range', 'bytes=0-9'], ['If-Range', '"x"']]);
is($r->status, 200, 'If-Range that does not match: 200');
like($r->body, qr/<div id="egov-consent"/, 'If-Range that does not match: the 200 has the banner');

# a resumed download of a page with nonces
my $whole = $n->request(uri => '/nonce/page.html')->body;
my $tail = $n->request(uri => '/nonce/page.html',
                       headers => [['Range', 'bytes=50000-']]);
my $spliced = $tail->status == 206 ? substr($whole, 0, 50000) . $tail->body : $tail->body;
(my $a = $spliced) =~ s/ nonce="[^"]+"//g;
(my $b = $whole) =~ s/ nonce="[^"]+"//g;
is($a, $b, 'a download resumed at 50000 is the page');

# an SSI include of JavaScript inside <script>
my $js = $n->request(uri => '/ssi/js.html')->body;
like($js, qr{var a = "<style>b\{\}</style>";}, 'the included script is as written');

# a browser that cached the page before the module was on revalidates it
my @st = stat($n->prefix . '/html/page.html');
my $etag = sprintf('"%x-%x"', $st[9], $st[7]);
for my $h (['If-None-Match', $etag], ['If-Modified-Since', POSIX::strftime('%a, %d %b %Y %H:%M:%S GMT', gmtime $st[9])]) {
    my $c = $n->request(uri => '/page.html', headers => [$h]);
    is($c->status, 200, "$h->[0] of the unchanged file: the changed page, not a 304");
}

$n->stop;
check_log_clean($n);
done_testing();

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
use EgovTest::Backend;
use POSIX ();

my $page = "<!doctype html><html lang=\"en\"><head><title>p</title>\n"
         . "<script data-egov-consent=\"marketing\" src=\"/m.js\"></script>\n"
         . "<script>var a=1;</script></head><body><main>"
         . ("<p>Services online, in Arabic and English.</p>\n" x 2000)
         . "</main></body></html>\n";

my $n = EgovTest::Nginx->new;
$n->write_file('html/page.html', $page);
$n->write_file('html/cfg.js', "var a = \"<style>b{}</style>\";\n");
# a marked script across the first 16 KiB slice's end
my $head = "<!doctype html><html lang=\"en\"><head><title>p</title></head><body>";
my $straddle = $head . ('y' x (16384 - length($head) - 20))
             . "<script data-egov-consent=\"marketing\" src=\"/m.js\"></script>\n<script>var a=1;</script>"
             . ("<p>Services online.</p>\n" x 1000) . "</body></html>\n";
$n->write_file('html/straddle.html', $straddle);
$n->write_file('html/header.inc', "<script data-egov-consent=\"marketing\" src=\"/m.js\"></script>\n<script>track();</script>\n");
$n->write_file('html/inc.html', "<!doctype html><html><head><title>t</title><!--# include virtual=\"/inc/header.inc\" --></head><body><p>x</p></body></html>\n");
$n->write_file('html/add.html', "<!doctype html><html><head><title>t</title></head><body><p>x</p></body></html>\n");
$n->write_file('html/js.html', "<html><head><script><!--# include virtual=\"/inc/cfg.js\" --></script></head><body><p>x</p></body></html>\n");
my $port2 = $n->port2;
my $html = $n->prefix . '/html';

# a sliced page that comes in two reads, an SSI include and an
# add_before_body part before a long inline script
$SIG{PIPE} = 'IGNORE';
my $bport = EgovTest::Nginx::free_port();
my $rest = ('b' x 2000) . "';</script><p>x</p></body></html>\n";
sub r206 {
    my ($first) = @_;
    my $len = length($first . $rest);
    return ["HTTP/1.1 206 Partial Content\r\nContent-Type: text/html\r\n"
            . "Content-Range: bytes 0-" . ($len - 1) . "/$len\r\n"
            . "Content-Length: $len\r\nConnection: close\r\n\r\n$first", 0.3, $rest];
}
my $backend = EgovTest::Backend->new(port => $bport, routes => {
    '/ssi.html' => r206("<!doctype html><html><head><title>t</title></head><body>"
                        . "<!--# include virtual=\"/inc/header.inc\" --><script>var a='" . ('a' x 2000)),
    '/add.html' => r206("<!doctype html><html><head><title>t</title><script>var a='" . ('a' x 2000)),
});
$backend->start;
my $http = <<"END";
    egov_consent on;
    egov_consent_categories analytics marketing;
    egov_consent_markup on;
    types { text/html html; application/javascript js; }
    server { listen 127.0.0.1:$port2; root $html; egov_consent off; }
END
my $config = <<'END2';
    location / { }
    location /nonce/ { alias html/; egov_csp_nonce_inject on; }
    location /banner/ { alias html/; egov_consent_markup off; }
    location /ssi/ { alias html/; ssi on; egov_csp_nonce_inject on; }
    location /inc/ { alias html/; }
    location /add/ { alias html/; add_before_body /inc/header.inc; egov_csp_nonce_inject on; }
    location /slice/ {
        slice 16k;
        proxy_set_header Range $slice_range;
        proxy_pass http://127.0.0.1:%%PORT2%%/;
    }
    location /slice-banner/ {
        slice 16k;
        egov_consent_markup off;
        proxy_set_header Range $slice_range;
        proxy_pass http://127.0.0.1:%%PORT2%%/;
    }
    location /slice-nonce/ {
        slice 16k;
        egov_csp_nonce_inject on;
        proxy_set_header Range $slice_range;
        proxy_pass http://127.0.0.1:%%PORT2%%/;
    }
    location /ssi-sliced/ {
        ssi on;
        slice 16k;
        proxy_set_header Range $slice_range;
        proxy_buffering off;
        proxy_pass http://127.0.0.1:%%BPORT%%/;
    }
    location /add-sliced/ {
        add_before_body /inc/header.inc;
        slice 16k;
        proxy_set_header Range $slice_range;
        proxy_buffering off;
        proxy_pass http://127.0.0.1:%%BPORT%%/;
    }
    location /proxy-nonce/ {
        egov_csp_nonce_inject on;
        proxy_pass http://127.0.0.1:%%PORT2%%/;
    }
END2
$config =~ s/%%PORT2%%/$port2/g;
$config =~ s/%%BPORT%%/$bport/g;
$n->start(http_config => $http, config => $config);

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

# the banner alone: the page keeps a Content-Length (the file's and the
# banner's), which the range filter would cut a range of
my $banner_full = $n->request(uri => '/banner/page.html');
is($banner_full->header('Content-Length'), length($banner_full->body),
   'the banner alone: a Content-Length, the changed page\'s');
my $banner_range = $n->request(uri => '/banner/page.html',
                               headers => [['Range', 'bytes=0-99']]);
is($banner_range->status, 200, 'the banner alone, a Range: 200');
is(length($banner_range->body), length($banner_full->body), '... the whole changed page');
like($banner_range->body, qr{<div id="egov-consent".*</body></html>\n$}s, '... with its banner');
ok(!defined $banner_range->header('Content-Range'), '... no Content-Range');

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

# the slice module has fetched only the slices a range needs before any
# filter sees the response: the range filter must cut it (a 206 of the
# page as its upstream has it, as without the module), never a 200 of a
# page cut at a slice's edge
my $sliced = $n->request(uri => '/slice/page.html', headers => [['Range', 'bytes=50000-']]);
is($sliced->status, 206, 'slice, a Range: 206');
is($sliced->header('Content-Range'), 'bytes 50000-' . (length($page) - 1) . '/' . length($page),
   '... of the page as its upstream has it');
is($sliced->body, substr($page, 50000), '... its bytes');
my $whole_sliced = $n->request(uri => '/slice/page.html');
is($whole_sliced->status, 200, 'slice, no Range: 200');
like($whole_sliced->body, qr/^<!doctype html>.*<div id="egov-consent"/s, '... the whole page, with the banner');

# the banner alone (no nonce, no markup): the slices' last bytes are
# searched for </body> as the page's are (found by a helper's differential
# test: the slices were not read, and the banner went after </html>)
my $banner_sliced = $n->request(uri => '/slice-banner/page.html')->body;
like($banner_sliced, qr{</main><div id="egov-consent".*</div>\n</body></html>\n$}s,
     'slice, the banner alone: before </body>, as without slices');
(my $unbannered = $banner_sliced) =~ s{<div id="egov-consent".*</div>\n(?=</body>)}{}s;
is($unbannered, $page, '... the page\'s own bytes around it, each once');

# the slices of one response are one page, read in order as one: a marked
# script across a slice's end is gated, every script gets the nonce, as
# from the same upstream without slices
my @as = map {
    (my $b = $n->request(uri => "/$_/straddle.html")->body) =~ s/nonce="[^"]+"/nonce="N"/g;
    $b =~ s{/(?:proxy|slice)-nonce/}{/P/}g;
    $b
} 'proxy-nonce', 'slice-nonce';
like($as[0], qr{<script type="text/plain" data-egov-consent="marketing" src="/m.js" nonce="N"></script>},
     'proxied: the marked script inert');
like($as[1], qr{<script type="text/plain" data-egov-consent="marketing" src="/m.js" nonce="N"></script>},
     'in slices too, across the first slice\'s end');
is($as[1], $as[0], 'in 16 KiB slices: the same page');

# the slice module's subrequests are the page's own bytes; an SSI include or
# an addition's part of a sliced page is an include as any other, read from
# between tags, wherever the page's reading has got to meanwhile
for my $u ('/ssi-sliced/ssi.html', '/add-sliced/add.html') {
    my $r = $n->request(uri => $u);
    is($r->status, 200, "$u: 200");
    like($r->body, qr{<script type="text/plain" data-egov-consent="marketing" src="/m.js"></script>},
         "$u: the include's marked script is inert");
}

# an include of HTML, whatever type its location gives it (default_type:
# text/plain here, application/octet-stream in Debian's nginx.conf), is the
# page's: its marked scripts are gated, its inline scripts get the nonce
for my $u ('/ssi/inc.html', '/add/add.html') {
    my $r = $n->request(uri => $u);
    unlike($r->body, qr/<script data-egov-consent="marketing" src=/, "$u: the included marked script is inert");
    like($r->body, qr/<script nonce="[^"]+">track/, "$u: the included inline script has the nonce");
}

# a browser that cached the page before the module was on revalidates it
my @st = stat($n->prefix . '/html/page.html');
my $etag = sprintf('"%x-%x"', $st[9], $st[7]);
for my $h (['If-None-Match', $etag], ['If-Modified-Since', POSIX::strftime('%a, %d %b %Y %H:%M:%S GMT', gmtime $st[9])]) {
    my $c = $n->request(uri => '/page.html', headers => [$h]);
    is($c->status, 200, "$h->[0] of the unchanged file: the changed page, not a 304");
}

$n->stop;
$backend->stop;
check_log_clean($n);
done_testing();

#!/usr/bin/perl
# Cookies held back until consent (an upstream setting several), and the
# banner's streaming insertion: split buffers, chunked upstreams, pages
# without </body>, what is left alone, caching headers, gzip after
# insertion, nonces added to the page's own tags; the inventory.

use strict;
use warnings;
no warnings 'once';    # $main::* are read by the blocks' eval sections
use lib 't/lib';
use EgovTest;
use EgovTest::Consent qw(consent_cookie);

$main::analytics = consent_cookie(granted => 1);
$main::all = consent_cookie(granted => 7);
$main::marketing = consent_cookie(granted => 4);
$main::only = consent_cookie(granted => 1, categories => 'analytics');

sub main::resp {
    my ($head, @body) = @_;
    return ["HTTP/1.1 200 OK\r\n$head\r\nConnection: close\r\n\r\n", @body];
}

run_tests();

__DATA__

=== TEST 1: without consent only necessary and unknown cookies pass
--- user_files
>>> consent.key
test-key-0123456789abcdef-0123456
--- http_config
    upstream app { server 127.0.0.1:$TEST_NGINX_BACKEND_PORT; }
    egov_consent on;
    egov_consent_categories analytics preferences marketing;
    egov_consent_key ../html/consent.key;
    egov_consent_cookie preferences ^ui_(lang|size)$;
    egov_consent_cookie necessary ^csrf_token$;
--- config
    location / { proxy_pass http://app; }
    location = /inventory { egov_consent_inventory; }
--- backend eval
{ '/app' => main::resp("Content-Type: text/plain\r\n"
    . "Set-Cookie: _ga=GA1.2.1; Path=/; Max-Age=63072000\r\n"
    . "Set-Cookie: _ga_ABC123=GS1.1; Path=/\r\n"
    . "Set-Cookie: _gid=GA1.2.2; Path=/\r\n"
    . "Set-Cookie: _pk_id.1.1fff=abc; Path=/\r\n"
    . "Set-Cookie: _hjSessionUser_123=x; Path=/\r\n"
    . "Set-Cookie: _fbp=fb.1.2; Path=/\r\n"
    . "Set-Cookie: _clck=x; Path=/\r\n"
    . "Set-Cookie: ui_lang=ar; Path=/\r\n"
    . "Set-Cookie: csrf_token=t; Path=/; HttpOnly\r\n"
    . "Set-Cookie: JSESSIONID=s; Path=/; HttpOnly\r\n"
    . "Content-Length: 2", "ok") }
--- request eval
["GET /app", "GET /app", "GET /app"]
--- more_headers eval
["", "Cookie: egov_consent=$main::analytics", "Cookie: egov_consent=$main::all"]
--- response_headers eval
["Set-Cookie: csrf_token=t; Path=/; HttpOnly\nSet-Cookie: JSESSIONID=s; Path=/; HttpOnly",
 "Set-Cookie: _ga=GA1.2.1; Path=/; Max-Age=63072000\nSet-Cookie: _ga_ABC123=GS1.1; Path=/\nSet-Cookie: _gid=GA1.2.2; Path=/\nSet-Cookie: _pk_id.1.1fff=abc; Path=/\nSet-Cookie: _hjSessionUser_123=x; Path=/\nSet-Cookie: _clck=x; Path=/\nSet-Cookie: csrf_token=t; Path=/; HttpOnly\nSet-Cookie: JSESSIONID=s; Path=/; HttpOnly",
 "Set-Cookie: _ga=GA1.2.1; Path=/; Max-Age=63072000\nSet-Cookie: _ga_ABC123=GS1.1; Path=/\nSet-Cookie: _gid=GA1.2.2; Path=/\nSet-Cookie: _pk_id.1.1fff=abc; Path=/\nSet-Cookie: _hjSessionUser_123=x; Path=/\nSet-Cookie: _fbp=fb.1.2; Path=/\nSet-Cookie: _clck=x; Path=/\nSet-Cookie: ui_lang=ar; Path=/\nSet-Cookie: csrf_token=t; Path=/; HttpOnly\nSet-Cookie: JSESSIONID=s; Path=/; HttpOnly"]
--- response_body eval
["ok", "ok", "ok"]
--- error_log
egov consent: held back cookie "_fbp"
--- no_error_log eval
[qr/held back cookie[^\n]*GA1\.2\.1/]

=== TEST 2: the inventory shows what the portal really sets
--- http_config
    upstream app { server 127.0.0.1:$TEST_NGINX_BACKEND_PORT; }
    egov_consent on;
    egov_consent_categories analytics preferences marketing;
    egov_consent_key ../html/consent.key;
    egov_consent_cookie preferences ^ui_(lang|size)$;
    egov_consent_cookie necessary ^csrf_token$;
--- config
    location / { proxy_pass http://app; }
    location = /inventory { egov_consent_inventory; }
--- request
GET /inventory
--- error_code: 200
--- response_headers
Content-Type: application/json
--- response_body_like: ^\{"cookies":\[\{"name":"JSESSIONID","category":"unclassified","set":3,"held_back":0\},\{"name":"_clck","category":"analytics","set":3,"held_back":1\},.*\{"name":"_fbp","category":"marketing","set":3,"held_back":2\},.*\{"name":"csrf_token","category":"necessary","set":3,"held_back":0\},\{"name":"ui_lang","category":"preferences","set":3,"held_back":2\}\],"names":10,"dropped":0\}$

=== TEST 2b: a deletion is what every browser reads as one (RFC 6265 5.2, and Chromium's ways), nothing else
--- http_config
    egov_consent on;
    egov_consent_categories analytics preferences marketing;
    egov_consent_key ../html/consent.key;
    egov_consent_cookie necessary ^sid$;
--- config
    location / {
        add_header Set-Cookie "_ga=GA1.2.3; Max-Age=0; Max-Age=63072000";
        add_header Set-Cookie "_gid=v; Max-Age=3600; Comment=max-age=0";
        add_header Set-Cookie "_gat=max-age=0; Path=/";
        add_header Set-Cookie "_fbp=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT";
        add_header Set-Cookie "_clck=; path=/; MAX-AGE = -1";
        add_header Set-Cookie "_pk_id.1=x; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=60";
        add_header Set-Cookie "_ga_B=B; Max-Age=0; Max-Age=abc";
        add_header Set-Cookie "_gat_D=D; Max-Age=0; Max-Age=";
        add_header Set-Cookie "_pk_ses.1=C; Max-Age=+63072000; Expires=Thu, 01 Jan 1970 00:00:00 GMT";
        add_header Set-Cookie "_pk_ref.1=X; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Expires=soon";
        add_header Set-Cookie "_ga_H=G; Expires=Thu, 01 Jan 20990 1970 00:00:00 GMT";
        add_header Set-Cookie "_ga_W=; Max-Age=0; Expires=Fri, 01 Jan 2038 00:00:00 GMT; Path=/";
        return 200 "ok";
    }
--- request eval
["GET /", "GET /"]
--- more_headers eval
["", "Cookie: egov_consent=$main::marketing"]
--- response_headers eval
["Set-Cookie: _fbp=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT\nSet-Cookie: _clck=; path=/; MAX-AGE = -1\nSet-Cookie: _ga_W=; Max-Age=0; Expires=Fri, 01 Jan 2038 00:00:00 GMT; Path=/",
 "Set-Cookie: _fbp=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT\nSet-Cookie: _clck=; path=/; MAX-AGE = -1\nSet-Cookie: _ga_W=; Max-Age=0; Expires=Fri, 01 Jan 2038 00:00:00 GMT; Path=/"]
--- error_log eval
[qr/held back cookie "_ga"/, qr/held back cookie "_gid"/, qr/held back cookie "_gat"/,
 qr/held back cookie "_pk_id.1"/, qr/held back cookie "_ga_B"/, qr/held back cookie "_gat_D"/,
 qr/held back cookie "_pk_ses.1"/, qr/held back cookie "_pk_ref.1"/, qr/held back cookie "_ga_H"/]

=== TEST 2c: a visitor who granted only marketing gets marketing's cookies, not analytics'
--- http_config
    egov_consent on;
    egov_consent_categories analytics preferences marketing;
    egov_consent_key ../html/consent.key;
    egov_consent_cookie preferences ^ui_lang$;
--- config
    location / {
        add_header Set-Cookie "_ga=GA1.2.3; Path=/; Max-Age=63072000";
        add_header Set-Cookie "ui_lang=ar; Path=/";
        add_header Set-Cookie "_fbp=fb.1.2; Path=/";
        return 200 "ok";
    }
--- request
GET /
--- more_headers eval
"Cookie: egov_consent=$main::marketing"
--- response_headers
Set-Cookie: _fbp=fb.1.2; Path=/

=== TEST 2d: categories reordered without a new policy version: a cookie of the old order is no consent (bits are positions)
--- http_config
    egov_consent on;
    egov_consent_categories marketing preferences analytics;
    egov_consent_key ../html/consent.key;
--- config
    location / {
        add_header Set-Cookie "_ga=GA1.2.3; Path=/";
        add_header Set-Cookie "_fbp=fb.1.2; Path=/";
        add_header X-Granted $egov_consent;
        return 200 "ok";
    }
--- request eval
["GET /", "GET /"]
--- more_headers eval
["Cookie: egov_consent=$main::analytics",
 "Cookie: egov_consent=" . EgovTest::Consent::consent_cookie(granted => 1, categories => 'marketing preferences analytics')]
--- response_headers eval
["!Set-Cookie\nX-Granted: unset", "Set-Cookie: _fbp=fb.1.2; Path=/\nX-Granted: marketing"]

=== TEST 3: egov_consent_unknown deny holds back unmapped cookies too
--- http_config
    egov_consent on;
    egov_consent_categories analytics;
    egov_consent_unknown deny;
--- config
    location / {
        add_header Set-Cookie "session=1; Path=/";
        add_header Set-Cookie "egov_consent=old; Path=/";
        add_header Set-Cookie "_ga=; Path=/; Max-Age=0";
        return 200 "ok";
    }
--- request
GET /
--- response_headers
Set-Cookie: egov_consent=old; Path=/
Set-Cookie: _ga=; Path=/; Max-Age=0

=== TEST 3b: a cookie nginx's userid module sets is held back as any other (a fifth review: its filter ran after ours)
--- user_files
>>> consent.key
test-key-0123456789abcdef-0123456
--- http_config
    egov_consent on;
    egov_consent_categories analytics;
    egov_consent_key ../html/consent.key;
    egov_consent_cookie analytics ^uid$;
--- config
    location / {
        userid on;
        userid_name uid;
        userid_expires 365d;
        return 200 "ok";
    }
    location /missing { userid on; userid_name uid; }
--- request eval
["GET /", "GET /missing", "GET /"]
--- more_headers eval
["", "", "Cookie: egov_consent=$main::only"]
--- error_code eval
[200, 404, 200]
--- response_headers eval
["!Set-Cookie", "!Set-Cookie", ""]
--- response_headers_like eval
["", "", "Set-Cookie: uid=\\S+; expires="]

=== TEST 4: the banner goes before </body>, once, in a static page
--- user_files
>>> page.html
<!doctype html><html lang="en"><head><title>p</title></head><body><main><h1>Page</h1><p>x</p></main></body></html>
--- http_config
    egov_consent on;
    egov_consent_categories analytics;
    egov_security_headers on;
--- request
GET /page.html
--- error_code: 200
--- response_headers
!ETag
!Last-Modified
!Accept-Ranges
!Transfer-Encoding
Cache-Control: private, no-cache
Vary: Cookie
--- response_headers_like
Content-Length: [1-9][0-9]+
--- response_body_like: ^<!doctype html><html lang="en"><head><title>p</title></head><body><main><h1>Page</h1><p>x</p></main><div id="egov-consent" class="egov-consent" role="region" aria-labelledby="egov-consent-title" lang="ar" dir="rtl" data-nosnippet[^>]*>\n<style nonce="[^"]+">\.egov-consent\{display:none\}</style>\n<form .*</form>\n<link rel="stylesheet" href="/\.egov/consent/banner\.css\?v=[0-9a-f]{8}" nonce="[^"]+">\n<script src="/\.egov/consent/banner\.js\?v=[0-9a-f]{8}" nonce="[^"]+" defer></script>\n</div>\n</body></html>\n$

=== TEST 4b: a buffer in memory and in a file at once (charset asks for memory, sendfile sends the file): cut on both views
--- user_files
>>> page.html
<!doctype html><html lang="en"><head><title>p</title></head><body><main><h1>Page</h1><p>x</p></main></body></html>
--- http_config
    egov_consent on;
    egov_consent_categories analytics;
    charset_map koi8-r windows-1251 {
        C1 E1;
    }
--- config
    sendfile on;
    location / {
        charset koi8-r;
        source_charset windows-1251;
    }
--- request
GET /page.html
--- error_code: 200
--- response_body_like: ^<!doctype html><html lang="en"><head><title>p</title></head><body><main><h1>Page</h1><p>x</p></main><div id="egov-consent" class="egov-consent" [^\n]*>\n.*</div>\n</body></html>\n$

=== TEST 5: the banner's nonce is the CSP's
--- http_config
    egov_consent on;
    egov_consent_categories analytics;
    egov_security_headers on;
--- request
GET /page.html
--- response_headers_like
Content-Security-Policy: script-src 'self' 'nonce-
--- response_body_like eval
qr/<style nonce="([^"]+)">.*<link rel="stylesheet" href="[^"]+" nonce="\1">.*<script src="[^"]+" nonce="\1" defer>/s

=== TEST 5a: the banner's style (with the settings link's) is served, cacheable for good
--- http_config
    egov_consent on;
    egov_consent_categories analytics;
--- request
GET /.egov/consent/banner.css?v=12345678
--- error_code: 200
--- response_headers
Content-Type: text/css; charset=utf-8
Cache-Control: public, max-age=31536000, immutable
!Set-Cookie
--- response_body_like: ^\.egov-consent\{display:block;position:fixed.*\n\.egov-consent-link\{position:fixed

=== TEST 5b: the script
--- http_config
    egov_consent on;
    egov_consent_categories analytics;
--- request
HEAD /.egov/consent/banner.js
--- error_code: 200
--- response_headers
Content-Type: application/javascript; charset=utf-8
Cache-Control: public, max-age=31536000, immutable

=== TEST 5c: nothing else under the endpoint's path, and GET/HEAD only
--- http_config
    egov_consent on;
    egov_consent_categories analytics;
--- config
    location / { return 200 "app"; }
--- request eval
["GET /.egov/consent/other.js", "POST /.egov/consent/banner.js"]
--- error_code eval
[200, 405]
--- response_body_like eval
["^app\$", ""]

=== TEST 6: the upstream sends </body> cut across buffers, chunked
--- http_config
    upstream app { server 127.0.0.1:$TEST_NGINX_BACKEND_PORT; }
    egov_consent on;
    egov_consent_categories analytics;
--- config
    location / { proxy_pass http://app; proxy_buffering off; }
--- backend eval
{ '/split' => ["HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
  "1a\r\n<html><body><p>one</p></bo\r\n", 0.15,
  "3\r\ndy>\r\n", 0.15, "7\r\n</html>\r\n", "0\r\n\r\n"],
  '/split2' => ["HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
  "d\r\n<html><body><\r\n", 0.15, "1\r\n/\r\n", 0.15, "2\r\nBO\r\n", 0.15, "d\r\nDY></html>xyz\r\n", "0\r\n\r\n"],
  '/noend' => ["HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 19\r\nConnection: close\r\n\r\n",
  "<p>a fragment</p>\n<", 0.1] }
--- request eval
["GET /split", "GET /split2", "GET /noend"]
--- response_body_like eval
[qr{^<html><body><p>one</p><div id="egov-consent"[^>]*>.*</div>\n</body></html>$}s,
 qr{^<html><body><div id="egov-consent"[^>]*>.*</div>\n</BODY></html>xyz$}s,
 qr{^<p>a fragment</p>\n<<div id="egov-consent"[^>]*>.*</div>\n$}s]
--- response_body_unlike eval
[qr/id="egov-consent".*id="egov-consent"/s, qr/id="egov-consent".*id="egov-consent"/s, undef]

=== TEST 6b: </body> cut at each of its places, at a buffer's start, after false starts
--- http_config
    upstream app { server 127.0.0.1:$TEST_NGINX_BACKEND_PORT; }
    egov_consent on;
    egov_consent_categories analytics;
--- config
    location / { proxy_pass http://app; proxy_buffering off; }
--- backend eval
my $h = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n";
my $fill = "<p>a</p></b></B> </br></bo> </BOD" . ("<p>filler text</p>" x 3);
my %b = map { my $k = $_;
              ("/cut$k" => [$h, "<html><body>$fill" . substr("</body>", 0, $k), 0.15,
                            substr("</body>", $k) . "</html>"]) } 1 .. 6;
$b{'/start'} = [$h, "<html><body>$fill", 0.15, "</body></html>"];
$b{'/one'} = [$h, "<html><body>$fill</body></html>"];
\%b
--- request eval
[map { "GET $_" } (map { "/cut$_" } 1 .. 6), '/start', '/one']
--- response_body_like eval
my $fill = "<p>a</p></b></B> </br></bo> </BOD" . ("<p>filler text</p>" x 3);
[(qr{^<html><body>\Q$fill\E<div id="egov-consent"[^>]*>.*</div>\n</body></html>$}s) x 8]
--- response_body_unlike eval
[(qr/id="egov-consent".*id="egov-consent"/s) x 8]

=== TEST 6c: a 100 KB proxied page through small buffers, in memory and not streamed
--- http_config
    upstream app { server 127.0.0.1:$TEST_NGINX_BACKEND_PORT; }
    egov_consent on;
    egov_consent_categories analytics;
--- config
    location /mem {
        proxy_pass http://app;
        proxy_buffer_size 4k;
        proxy_buffers 64 4k;
        proxy_max_temp_file_size 0;
    }
    location /stream {
        proxy_pass http://app;
        proxy_buffering off;
        proxy_buffer_size 1k;
    }
--- backend eval
my $page = "<html><body>" . join('', map { "<p>line $_ </b></p>\n" } 1 .. 5000)
         . "</body></html>\n";
my $h = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: "
      . length($page) . "\r\nConnection: close\r\n\r\n";
{ '/mem' => [$h, substr($page, 0, 50000), 0.1, substr($page, 50000)],
  '/stream' => [$h, substr($page, 0, 50000), 0.1, substr($page, 50000)] }
--- request eval
["GET /mem", "GET /stream"]
--- response_body_like eval
my $body = join('', map { "<p>line $_ </b></p>\n" } 1 .. 5000);
[(qr{^<html><body>\Q$body\E<div id="egov-consent"[^>]*>.*</div>\n</body></html>\n$}s) x 2]
--- response_body_unlike eval
[(qr/id="egov-consent".*id="egov-consent"/s) x 2]

=== TEST 6d: a page of known length: </body> is looked for in its last 4 KiB only
--- user_files eval
">>> trailing.html\n<html><body>x</body></html>\n<!--" . ("c" x 9000) . "-->\n"
--- http_config
    upstream app { server 127.0.0.1:$TEST_NGINX_BACKEND_PORT; }
    egov_consent on;
    egov_consent_categories analytics;
--- config
    location /app/ { proxy_pass http://app; }
    location /mem/ { alias html/; sendfile off; output_buffers 2 4k; }
--- backend eval
my $h = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n";
my $early = "<html><body><script>var s = '</body>';</script>"
          . ("<p>filler</p>\n" x 1500) . "</body></html>\n";
my $trailing = "<html><body>x</body></html>\n<!--" . ("c" x 9000) . "-->\n";
{ '/app/early' => [$h . "Content-Length: " . length($early) . "\r\n\r\n", $early],
  '/app/early-chunked' => [$h . "Transfer-Encoding: chunked\r\n\r\n",
                           sprintf("%x\r\n%s\r\n0\r\n\r\n", length $early, $early)],
  '/app/trailing' => [$h . "Content-Length: " . length($trailing) . "\r\n\r\n", $trailing] }
--- request eval
["GET /app/early", "GET /app/early-chunked", "GET /app/trailing",
 "GET /trailing.html", "GET /mem/trailing.html"]
--- response_body_like eval
my $fill = "<p>filler</p>\n" x 1500;
my $c = "c" x 9000;
[qr{^<html><body><script>var s = '</body>';</script>\Q$fill\E<div id="egov-consent".*</div>\n</body></html>\n$}s,
 qr{^<html><body><script>var s = '<div id="egov-consent".*</div>\n</body>';</script>\Q$fill\E</body></html>\n$}s,
 (qr{^<html><body>x</body></html>\n<!--$c-->\n<div id="egov-consent".*</div>\n$}s) x 3]
--- response_body_unlike eval
[(qr/id="egov-consent".*id="egov-consent"/s) x 5]
--- response_headers_like eval
["Content-Length: [0-9]+", "Transfer-Encoding: chunked", ("Content-Length: [0-9]+") x 3]

=== TEST 7: left alone: not HTML, 204, compressed bodies, errors (a HEAD: t/43; validators and ranges of a page it changes: t/59)
--- http_config
    upstream app { server 127.0.0.1:$TEST_NGINX_BACKEND_PORT; }
    egov_consent on;
    egov_consent_categories analytics;
    if_modified_since before;
--- config
    location /app { proxy_pass http://app; }
    location /empty { return 204; }
    location /text { return 200 "<body></body>"; }
--- backend eval
{ '/app/gz' => ["HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: gzip\r\nContent-Length: 12\r\nConnection: close\r\n\r\n</body>GZIP!"] }
--- request eval
["GET /text", "GET /empty", "GET /app/gz", "GET /nothing"]
--- error_code eval
[200, 204, 200, 404]
--- response_body_unlike eval
[qr/egov-consent/, undef, qr/egov-consent/, qr/egov-consent/]
--- response_headers eval
["", "", "Content-Length: 12", ""]

=== TEST 8: a visitor who has decided gets the small settings link instead
--- http_config
    egov_consent on;
    egov_consent_categories analytics;
    egov_consent_key ../html/consent.key;
--- request eval
["GET /page.html", "GET /page.html"]
--- more_headers eval
["Cookie: egov_consent=$main::only\nAccept-Language: en", "Sec-GPC: 1\nAccept-Language: en"]
--- response_body_like eval
[qr{<div class="egov-consent-link" lang="en" dir="ltr" data-nosnippet>\n<style nonce="[^"]+">.*<a href="/\.egov/consent\?return=/page\.html">Cookie settings</a>\n</div>\n</body>}s,
 qr{<a href="/\.egov/consent\?return=/page\.html">Cookie settings</a>}]
--- response_body_unlike eval
[qr/id="egov-consent"/, qr/id="egov-consent"/]

=== TEST 10: egov_csp_nonce_inject gives the page's own tags the nonce (before their ">"), not those with one, not in comments or attribute values
--- http_config
    upstream app { server 127.0.0.1:$TEST_NGINX_BACKEND_PORT; }
    egov_consent on;
    egov_consent_categories analytics;
    egov_security_headers on;
--- config
    location / { egov_csp_nonce_inject on; proxy_pass http://app; proxy_buffering off; }
--- backend eval
{ '/page' => ["HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n",
  "<html><head><script>a()</script><SCRIPT type=\"module\" src=x></SCRIPT><style>p{}</style><scripts>x</scripts><scr", 0.15,
  "ipt defer>b()</script><style\n>q{}</style><script/></script><script nonce=\"own\">c()</script><!-- <script> --><a title=\"<style>\">x</a></head><body></body></html>"] }
--- request
GET /page
--- response_body_like eval
qr{^<html><head><script nonce="([^"]+)">a\(\)</script><SCRIPT type="module" src=x nonce="\1"></SCRIPT><style nonce="\1">p\{\}</style><scripts>x</scripts><script defer nonce="\1">b\(\)</script><style\n nonce="\1">q\{\}</style><script/ nonce="\1"></script><script nonce="own">c\(\)</script><!-- <script> --><a title="<style>">x</a></head><body><div id="egov-consent"}s
--- response_headers_like
Content-Security-Policy: 'nonce-

=== TEST 11: consent off at a location: nothing happens there
--- http_config
    egov_consent on;
    egov_consent_categories analytics;
--- config
    location /plain { egov_consent off; alias $TEST_NGINX_HTML_DIR/page.html; add_header Set-Cookie "_ga=1"; }
--- request
GET /plain
--- response_body_unlike: egov-consent
--- response_headers
Set-Cookie: _ga=1
Content-Length: 115

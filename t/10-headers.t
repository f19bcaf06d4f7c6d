#!/usr/bin/perl
# Security headers: the recommended set, where each header applies, how
# levels merge, what replaces what, and every invalid form.

use strict;
use warnings;
use lib 't/lib';
use EgovTest;

run_tests();

__DATA__

=== TEST 1: off by default
--- config
    location / { return 200 "ok\n"; }
--- request
GET /
--- error_code: 200
--- response_headers
!X-Content-Type-Options
!Referrer-Policy
!Content-Security-Policy
--- response_body
ok

=== TEST 2: the set on a non-HTML response over plain HTTP
--- config
    egov_security_headers on;
    location / { return 200 "ok\n"; }
--- request
GET /
--- error_code: 200
--- response_headers
X-Content-Type-Options: nosniff
Referrer-Policy: strict-origin-when-cross-origin
Cross-Origin-Resource-Policy: same-origin
X-Permitted-Cross-Domain-Policies: none
X-XSS-Protection: 0
Server: nginx
!Strict-Transport-Security
!Content-Security-Policy
!X-Frame-Options
!Cross-Origin-Opener-Policy
!Permissions-Policy
--- response_body
ok

=== TEST 3: HTML responses also get CSP, frame and opener policies
--- config
    egov_security_headers on;
--- user_files
>>> index.html
<!doctype html><title>t</title><p>hello</p>
--- request
GET /
--- error_code: 200
--- response_headers
X-Frame-Options: DENY
Cross-Origin-Opener-Policy: same-origin
X-Content-Type-Options: nosniff
!Strict-Transport-Security
--- response_headers_like
Content-Security-Policy: ^default-src 'none'; script-src 'self' 'nonce-[A-Za-z0-9+/]{22}=='; style-src 'self' 'nonce-[A-Za-z0-9+/]{22}=='; img-src 'self' data:; font-src 'self'; connect-src 'self'; manifest-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'$
Permissions-Policy: ^accelerometer=\(\), autoplay=\(\), browsing-topics=\(\), camera=\(\),.* geolocation=\(\),.* microphone=\(\),.* payment=\(\),

=== TEST 4: HTTPS adds HSTS and upgrade-insecure-requests
--- ssl: 1
--- use_ssl: 1
--- config
    egov_security_headers on;
--- user_files
>>> index.html
<!doctype html><title>t</title>
--- request
GET /
--- error_code: 200
--- response_headers
Strict-Transport-Security: max-age=63072000; includeSubDomains
X-Frame-Options: DENY
--- response_headers_like
Content-Security-Policy: object-src 'none'; upgrade-insecure-requests$

=== TEST 4b: behind a TLS-terminating proxy: an operator's HSTS is sent as written
--- config
    egov_security_headers on;
    egov_header Strict-Transport-Security "max-age=31536000; includeSubDomains; preload";
    location / { return 200 "ok"; }
--- request
GET /
--- response_headers
Strict-Transport-Security: max-age=31536000; includeSubDomains; preload

=== TEST 4c: the default HSTS when a trusted proxy says "X-Forwarded-Proto: https", error pages included; not when anyone else says it
--- config
    egov_security_headers on;
    set_real_ip_from 127.0.0.1;
    real_ip_header X-Forwarded-For;
    error_page 404 /errors/404.html;
    location /errors/ { internal; }
--- user_files
>>> index.html
<!doctype html><title>t</title>
>>> errors/404.html
<!doctype html><title>not found</title>
--- request eval
["GET /", "GET /missing", "GET /", "GET /", "GET /", "GET /"]
--- client_addr eval
["127.0.0.1", "127.0.0.1", "127.0.0.1", "127.0.0.1", "127.0.0.2", "127.0.0.1"]
--- more_headers eval
["X-Forwarded-For: 203.0.113.7\nX-Forwarded-Proto: https",
 "X-Forwarded-For: 203.0.113.7\nX-Forwarded-Proto: HTTPS",
 "X-Forwarded-For: 203.0.113.7\nX-Forwarded-Proto: http",
 "X-Forwarded-Proto: https",
 "X-Forwarded-For: 203.0.113.7\nX-Forwarded-Proto: https",
 "X-Forwarded-For: 203.0.113.7\nX-Forwarded-Proto: https, http"]
--- error_code eval
[200, 404, 200, 200, 200, 200]
--- response_headers eval
["Strict-Transport-Security: max-age=63072000; includeSubDomains",
 "Strict-Transport-Security: max-age=63072000; includeSubDomains",
 "!Strict-Transport-Security", "!Strict-Transport-Security",
 "!Strict-Transport-Security", "!Strict-Transport-Security"]
--- response_headers_like eval
["Content-Security-Policy: object-src 'none'; upgrade-insecure-requests\$",
 "Content-Security-Policy: object-src 'none'; upgrade-insecure-requests\$",
 "Content-Security-Policy: object-src 'none'\$", "", "", ""]

=== TEST 5: xhtml counts as HTML, text/htmlx does not
--- config
    egov_security_headers on;
    location /x { default_type "application/xhtml+xml; charset=utf-8"; return 200 "x"; }
    location /y { default_type text/htmlx; return 200 "y"; }
--- request eval
["GET /x", "GET /y"]
--- response_headers eval
["X-Frame-Options: DENY", "!X-Frame-Options"]

=== TEST 6: errors, redirects, error_page and HEAD get the set too
--- config
    egov_security_headers on;
    error_page 404 /errors/404.html;
    location /errors/ { internal; }
    location /r { return 301 /elsewhere; }
    location /fail { return 500; }
    location /forbidden { deny all; }
--- user_files
>>> errors/404.html
<!doctype html><title>not found</title>
--- request eval
["GET /missing", "GET /r", "GET /fail", "GET /forbidden", "HEAD /missing",
 "GET /nothing/../../x"]
--- error_code eval
[404, 301, 500, 403, 404, 400]
--- response_headers eval
["X-Content-Type-Options: nosniff\nX-Frame-Options: DENY",
 "X-Content-Type-Options: nosniff\nLocation: http://localhost:$TEST_NGINX_PORT/elsewhere",
 "X-Content-Type-Options: nosniff\nX-Frame-Options: DENY",
 "X-Content-Type-Options: nosniff\nX-Frame-Options: DENY",
 "X-Content-Type-Options: nosniff\nX-Frame-Options: DENY",
 "X-Content-Type-Options: nosniff\nX-Frame-Options: DENY"]

=== TEST 7: a 304 keeps the headers but not the HTML ones (a new nonce would not match the cached page)
--- config
    egov_security_headers on;
    if_modified_since before;
--- user_files
>>> page.html
<!doctype html><title>t</title>
--- request
GET /page.html
--- more_headers
If-Modified-Since: Fri, 01 Jan 2100 00:00:00 GMT
--- error_code: 304
--- response_headers
X-Content-Type-Options: nosniff
!X-Frame-Options
!Content-Security-Policy

=== TEST 8: proxied responses: ours replace the upstream's, leaks removed
--- http_config
    upstream app { server 127.0.0.1:$TEST_NGINX_BACKEND_PORT; }
--- config
    egov_security_headers on;
    location / {
        proxy_pass http://app;
        proxy_pass_header Server;
    }
--- backend eval
{ '/app' => ["HTTP/1.1 200 OK\r\n"
  . "Content-Type: text/html; charset=utf-8\r\n"
  . "Server: Apache/2.4.41 (Ubuntu)\r\n"
  . "X-Powered-By: PHP/7.4.3\r\n"
  . "X-AspNet-Version: 4.0.30319\r\n"
  . "X-AspNetMvc-Version: 5.2\r\n"
  . "X-Generator: Drupal 9\r\n"
  . "SourceMap: /app.js.map\r\n"
  . "X-SourceMap: /app.js.map\r\n"
  . "X-Frame-Options: SAMEORIGIN\r\n"
  . "x-frame-options: ALLOW-FROM https://example.com\r\n"
  . "Referrer-Policy: unsafe-url\r\n"
  . "X-App: kept\r\n"
  . "Content-Length: 5\r\nConnection: close\r\n\r\nhello"] }
--- request
GET /app
--- error_code: 200
--- response_headers
Server: Apache
X-Frame-Options: DENY
Referrer-Policy: strict-origin-when-cross-origin
X-App: kept
!X-Powered-By
!X-AspNet-Version
!X-AspNetMvc-Version
!X-Generator
!SourceMap
!X-SourceMap
--- response_body: hello

=== TEST 9: add_header is left alone where ours does not apply
--- config
    egov_security_headers on;
    location / {
        add_header X-Frame-Options SAMEORIGIN always;
        add_header X-Other yes;
        return 200 "ok";
    }
--- request
GET /
--- response_headers
X-Other: yes
X-Frame-Options: SAMEORIGIN
X-Content-Type-Options: nosniff
--- error_code: 200

=== TEST 10: add_header of the same name is replaced on HTML
--- config
    egov_security_headers on;
    location / {
        default_type text/html;
        add_header X-Frame-Options SAMEORIGIN always;
        return 200 "ok";
    }
--- request
GET /
--- response_headers
X-Frame-Options: DENY

=== TEST 11: levels merge per header name
--- http_config
    egov_security_headers on;
    egov_header Referrer-Policy no-referrer;
--- config
    egov_header X-Custom server-level;
    location /a {
        default_type text/html;
        egov_header X-Frame-Options SAMEORIGIN;
        return 200 "a";
    }
    location /b {
        default_type text/html;
        egov_header X-Custom location-level;
        return 200 "b";
    }
--- request eval
["GET /a", "GET /b", "GET /c"]
--- error_code eval
[200, 200, 404]
--- response_headers eval
["Referrer-Policy: no-referrer\nX-Custom: server-level\nX-Frame-Options: SAMEORIGIN\nX-Content-Type-Options: nosniff\nCross-Origin-Opener-Policy: same-origin",
 "Referrer-Policy: no-referrer\nX-Custom: location-level\nX-Frame-Options: DENY\nX-Content-Type-Options: nosniff",
 "Referrer-Policy: no-referrer\nX-Custom: server-level\nX-Content-Type-Options: nosniff"]

=== TEST 12: "off" drops one header of the set and lets the upstream's through
--- http_config
    upstream app { server 127.0.0.1:$TEST_NGINX_BACKEND_PORT; }
--- config
    egov_security_headers on;
    location / {
        egov_header X-Frame-Options off;
        egov_header Cross-Origin-Resource-Policy off;
        proxy_pass http://app;
    }
--- backend eval
{ '/' => ["HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
  . "X-Frame-Options: SAMEORIGIN\r\n"
  . "Content-Length: 2\r\nConnection: close\r\n\r\nok"] }
--- request
GET /
--- response_headers
X-Frame-Options: SAMEORIGIN
X-Content-Type-Options: nosniff
!Cross-Origin-Resource-Policy

=== TEST 13: egov_header works without the recommended set
--- config
    location / {
        egov_header X-Portal "Oman eGov";
        egov_header Cache-Control no-store;
        return 200 "ok";
    }
--- request
GET /
--- response_headers
X-Portal: Oman eGov
Cache-Control: no-store
!X-Content-Type-Options

=== TEST 14: "egov_security_headers off" in a location keeps explicit headers
--- config
    egov_security_headers on;
    egov_header X-Portal yes;
    location /legacy {
        egov_security_headers off;
        return 200 "ok";
    }
--- request
GET /legacy
--- response_headers
X-Portal: yes
!X-Content-Type-Options

=== TEST 15: values with variables, and the nonce is one per request
--- config
    egov_security_headers on;
    location / {
        default_type text/html;
        egov_header X-Nonce-Copy "$egov_csp_nonce";
        egov_header X-Method "m=$request_method";
        return 200 "nonce=$egov_csp_nonce";
    }
--- request
GET /
--- response_headers_like
X-Nonce-Copy: ^[A-Za-z0-9+/]{22}==$
X-Method: ^m=GET$
--- response_body_like: ^nonce=[A-Za-z0-9+/]{22}==$

=== TEST 16: report-only CSP for a safe roll-out
--- config
    egov_security_headers on;
    egov_csp_report_only on;
    location / { default_type text/html; return 200 "ok"; }
    location /own {
        default_type text/html;
        egov_header Content-Security-Policy "default-src 'self'";
        return 200 "ok";
    }
    location /enforced {
        default_type text/html;
        egov_csp_report_only off;
        return 200 "ok";
    }
--- request eval
["GET /", "GET /own", "GET /enforced"]
--- response_headers_like eval
["Content-Security-Policy-Report-Only: ^default-src 'none';",
 "Content-Security-Policy-Report-Only: ^default-src 'self'\$",
 "Content-Security-Policy: ^default-src 'none';"]
--- response_headers eval
["!Content-Security-Policy", "!Content-Security-Policy",
 "!Content-Security-Policy-Report-Only"]

=== TEST 17: server_tokens off: nginx's own product-only Server stays
--- config
    egov_security_headers on;
    server_tokens off;
    location / { return 200 "ok"; }
--- request
GET /
--- response_headers
Server: nginx

=== TEST 18: an explicit Server replaces nginx's
--- config
    egov_security_headers on;
    egov_header Server "Portal (eGov)";
    location / { return 200 "ok"; }
--- request
GET /
--- response_headers
Server: Portal (eGov)

=== TEST 19: a run-time value with a line break is refused, not sent
--- config
    location / {
        set $v "a
b";
        egov_header X-Bad $v;
        egov_header X-Good ok;
        return 200 "ok";
    }
--- request
GET /
--- error_code: 200
--- response_headers
!X-Bad
X-Good: ok
--- error_log
egov_header "X-Bad": value has a control character, header not sent

=== TEST 20: inside "if", and HTTP/1.0
--- config
    egov_security_headers on;
    location / {
        if ($arg_mode = strict) {
            egov_header Referrer-Policy no-referrer;
        }
        return 200 "ok";
    }
--- request eval
["GET /?mode=strict HTTP/1.0", "GET /"]
--- response_headers eval
["Referrer-Policy: no-referrer", "Referrer-Policy: strict-origin-when-cross-origin"]

=== TEST 21: the nonce travels upstream and matches the CSP
--- http_config
    upstream app { server 127.0.0.1:$TEST_NGINX_BACKEND_PORT; }
--- config
    egov_security_headers on;
    location / {
        proxy_set_header X-CSP-Nonce $egov_csp_nonce;
        proxy_pass http://app;
    }
--- backend eval
{ '/' => 'echo' }
--- request
GET /
--- error_code: 200
--- response_body_like: X-CSP-Nonce: [A-Za-z0-9+/]{22}==

=== TEST 22: invalid header name
--- config
    egov_header "X-Bad:Name" value;
--- must_die
--- error_log eval
[qr/egov_header: invalid character in header name "X-Bad:Name" in \S+nginx.conf:\d+/]

=== TEST 23: value with a line break
--- config
    egov_header X-Bad "line1
line2";
--- must_die
--- error_log eval
[qr/egov_header "X-Bad": the value has a control character \(line breaks included\) in \S+nginx.conf:\d+/]

=== TEST 24: headers nginx manages itself are refused
--- config
    egov_header Content-Length 5;
--- must_die
--- error_log eval
[qr/egov_header: "Content-Length" is managed by nginx itself and cannot be set here in \S+nginx.conf:\d+/]

=== TEST 25: the same header twice at one level
--- config
    egov_header X-A 1;
    egov_header x-a 2;
--- must_die
--- error_log eval
[qr/duplicate egov_header "x-a" in \S+nginx.conf:\d+/]

=== TEST 25b: documents a browser runs scripts in, not only text/html, get the page's headers (a helper's review)
An SVG, XML and a Content-Type with a tab before its parameters get the
CSP and the frame options; a proxied 304 that keeps its Content-Type gets
none of the page's headers (no fresh nonce merged into a cached page).
A list is read by its last valid type, as Fetch reads it: a quoted
string's backslash escapes its quote, a part that is no type (empty
subtype, quoted, a second "/", a space within) is skipped (a fifth
review: Chromium ran "text/html;a=\"\\\",text/plain\"" as HTML).
--- http_config
    upstream app { server 127.0.0.1:$TEST_NGINX_BACKEND_PORT; }
--- config
    egov_security_headers on;
    location /svg { default_type image/svg+xml; return 200 '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'; }
    location /xml { default_type text/xml; return 200 '<html xmlns="http://www.w3.org/1999/xhtml"/>'; }
    location /atom { default_type application/atom+xml; return 200 '<feed/>'; }
    location /png { default_type image/png; return 200 'x'; }
    location / { proxy_pass http://app; }
--- backend eval
{ '/tab' => ["HTTP/1.1 200 OK\r\nContent-Type: text/html\t;charset=utf-8\r\nConnection: close\r\n\r\n<p>x</p>"],
  '/list' => ["HTTP/1.1 200 OK\r\nContent-Type: text/plain, text/html\r\nConnection: close\r\n\r\n<p>x</p>"],
  '/xsl' => ["HTTP/1.1 200 OK\r\nContent-Type: text/xsl\r\nConnection: close\r\n\r\n<x/>"],
  '/anylist' => ["HTTP/1.1 200 OK\r\nContent-Type: text/html, */*\r\nConnection: close\r\n\r\n<p>x</p>"],
  '/quoted' => ["HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=\"utf-8,x\"\r\nConnection: close\r\n\r\n<p>x</p>"],
  '/plainq' => ["HTTP/1.1 200 OK\r\nContent-Type: text/plain;x=\",text/html;\"\r\nConnection: close\r\n\r\n<p>x</p>"],
  '/escaped' => ["HTTP/1.1 200 OK\r\nContent-Type: text/html;a=\"\\\",text/plain;b=\"\r\nConnection: close\r\n\r\n<p>x</p>"],
  '/notype1' => ["HTTP/1.1 200 OK\r\nContent-Type: text/html, text/\r\nConnection: close\r\n\r\n<p>x</p>"],
  '/notype2' => ["HTTP/1.1 200 OK\r\nContent-Type: text/html, \"text/plain\"\r\nConnection: close\r\n\r\n<p>x</p>"],
  '/notype3' => ["HTTP/1.1 200 OK\r\nContent-Type: text/html, text/plain/x\r\nConnection: close\r\n\r\n<p>x</p>"],
  '/notype4' => ["HTTP/1.1 200 OK\r\nContent-Type: text/html, te xt/plain\r\nConnection: close\r\n\r\n<p>x</p>"],
  '/plainok' => ["HTTP/1.1 200 OK\r\nContent-Type: text/html, text/plain ; x=1\r\nConnection: close\r\n\r\n<p>x</p>"],
  '/304' => ["HTTP/1.1 304 Not Modified\r\nContent-Type: text/html; charset=utf-8\r\nETag: \"v1\"\r\nConnection: close\r\n\r\n"] }
--- request eval
["GET /svg", "GET /xml", "GET /atom", "GET /tab", "GET /png", "GET /304", "GET /list", "GET /xsl",
 "GET /anylist", "GET /quoted", "GET /plainq", "GET /escaped", "GET /notype1", "GET /notype2",
 "GET /notype3", "GET /notype4", "GET /plainok"]
--- more_headers eval
["", "", "", "", "", "If-None-Match: \"v1\"", "", "", "", "", "", "", "", "", "", "", ""]
--- error_code eval
[200, 200, 200, 200, 200, 304, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]
--- response_headers_like eval
["Content-Security-Policy: default-src 'none'.*\nX-Frame-Options: DENY",
 "Content-Security-Policy: default-src 'none'.*\nX-Frame-Options: DENY",
 "Content-Security-Policy: default-src 'none'.*\nX-Frame-Options: DENY",
 "Content-Security-Policy: default-src 'none'.*\nX-Frame-Options: DENY",
 "X-Content-Type-Options: nosniff", "X-Content-Type-Options: nosniff",
 "Content-Security-Policy: default-src 'none'.*\nX-Frame-Options: DENY",
 "Content-Security-Policy: default-src 'none'.*\nX-Frame-Options: DENY",
 "Content-Security-Policy: default-src 'none'.*\nX-Frame-Options: DENY",
 "Content-Security-Policy: default-src 'none'.*\nX-Frame-Options: DENY",
 "X-Content-Type-Options: nosniff",
 "Content-Security-Policy: default-src 'none'.*\nX-Frame-Options: DENY",
 "Content-Security-Policy: default-src 'none'.*\nX-Frame-Options: DENY",
 "Content-Security-Policy: default-src 'none'.*\nX-Frame-Options: DENY",
 "Content-Security-Policy: default-src 'none'.*\nX-Frame-Options: DENY",
 "Content-Security-Policy: default-src 'none'.*\nX-Frame-Options: DENY",
 "X-Content-Type-Options: nosniff"]
--- response_headers eval
["", "", "", "", "!Content-Security-Policy", "!Content-Security-Policy\n!X-Frame-Options", "", "", "", "",
 "!Content-Security-Policy", "", "", "", "", "", "!Content-Security-Policy"]

=== TEST 25c: the operator's own report-only policy with egov_csp_report_only: sent once; an empty value is no header
--- config
    egov_security_headers on;
    egov_csp_report_only on;
    location / { default_type text/html;
        egov_header Content-Security-Policy-Report-Only "default-src 'self'; report-uri /r";
        egov_header X-Frame-Options "";
        return 200 "ok"; }
--- request
GET /
--- response_headers
Content-Security-Policy-Report-Only: default-src 'self'; report-uri /r
!X-Frame-Options

=== TEST 26: wrong number of arguments
--- config
    egov_header X-A;
--- must_die
--- error_log eval
[qr/invalid number of arguments in "egov_header" directive in \S+nginx.conf:\d+/]

=== TEST 27: egov_security_headers takes on or off
--- config
    egov_security_headers yes;
--- must_die
--- error_log eval
[qr/invalid value "yes" in "egov_security_headers" directive, it must be "on" or "off" in \S+nginx.conf:\d+/]

=== TEST 28: egov_csp_report_only takes on or off
--- config
    egov_csp_report_only maybe;
--- must_die
--- error_log eval
[qr/invalid value "maybe" in "egov_csp_report_only" directive/]

=== TEST 29: empty header name
--- config
    egov_header "" value;
--- must_die
--- error_log eval
[qr/egov_header: empty header name in \S+nginx.conf:\d+/]

=== TEST 30: duplicates from the upstream collapse into one
--- http_config
    upstream app { server 127.0.0.1:$TEST_NGINX_BACKEND_PORT; }
--- config
    egov_security_headers on;
    location / { proxy_pass http://app; }
--- backend eval
{ '/' => ["HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
  . "X-Content-Type-Options: nosniff\r\n"
  . "X-Content-Type-Options: nosniff\r\n"
  . "Content-Length: 2\r\nConnection: close\r\n\r\nok"] }
--- request
GET /
--- response_headers
X-Content-Type-Options: nosniff

#!/usr/bin/perl
# Consent state: the signed cookie (valid, tampered, expired, outdated),
# Global Privacy Control and DNT, the endpoint (form and JSON, origin
# check, never an open redirect, withdrawal expiring refused cookies), the
# settings page, gpc.json, the variables and the proof-of-consent log.

use strict;
use warnings;
no warnings 'once';    # $main::* are read by the blocks' eval sections
use lib 't/lib';
use EgovTest;
use EgovTest::Consent qw(consent_cookie $KEY);
use EgovTest::Murmur ();

$main::good = consent_cookie(granted => 1);          # analytics
$main::only = consent_cookie(granted => 1, categories => 'analytics');
$main::all = consent_cookie(granted => 7);           # all three
$main::none = consent_cookie(granted => 0);
$main::old = consent_cookie(granted => 1, version => 1);
$main::v2 = consent_cookie(granted => 1, version => 2);
$main::stale = consent_cookie(granted => 1, time => time - 200 * 86400);
$main::future = consent_cookie(granted => 1, time => time + 7 * 86400);
($main::tampered = $main::good) =~ s/^1\.1\.(\d+)\.1\./1.1.$1.7./;
$main::forged = consent_cookie(granted => 7, key => 'not the key, but 32 bytes long!!');
$main::key = $KEY;
($main::good_mac_changed = $main::good) =~ s/(.)$/$1 eq 'A' ? 'B' : 'A'/e;
# the same value with its last two MAC characters changed so that it falls
# in the remembered one's slot (the slot is ngx_murmur_hash2's low 8 bits,
# XORed with the location key's address: the same for both)
{
    my @c = ('A' .. 'Z', 'a' .. 'z', '0' .. '9', '-', '_');
    my $slot = EgovTest::Murmur::murmur2($main::good) & 0xff;
    SEARCH: for my $x (@c) {
        for my $y (@c) {
            (my $v = $main::good) =~ s/..$/$x$y/;
            next if $v eq $main::good;
            if ((EgovTest::Murmur::murmur2($v) & 0xff) == $slot) {
                $main::good_same_slot = $v;
                last SEARCH;
            }
        }
    }
    die 'no variant in the same slot' unless $main::good_same_slot;
}

run_tests();

__DATA__

=== TEST 1: no decision: $egov_consent is "unset", the category variables 0
--- user_files
>>> consent.key
test-key-0123456789abcdef-0123456
--- http_config
    egov_consent on;
    egov_consent_categories analytics preferences marketing;
    egov_consent_key ../html/consent.key;
--- config
    location / {
        return 200 "$egov_consent a=$egov_consent_analytics p=$egov_consent_preferences m=$egov_consent_marketing x=$egov_consent_unknowncat";
    }
--- request
GET /
--- response_body: unset a=0 p=0 m=0 x=0

=== TEST 2: a valid cookie grants its categories
--- http_config
    egov_consent on;
    egov_consent_categories analytics preferences marketing;
    egov_consent_key ../html/consent.key;
--- config
    location / { return 200 "$egov_consent a=$egov_consent_analytics m=$egov_consent_marketing"; }
--- request eval
["GET /", "GET /", "GET /"]
--- more_headers eval
["Cookie: other=1; egov_consent=$main::good; x=2", "Cookie: egov_consent=$main::all",
 "Cookie: egov_consent=\"$main::none\""]
--- response_body eval
["analytics a=1 m=0", "analytics,preferences,marketing a=1 m=1", "none a=0 m=0"]

=== TEST 2b: a cookie checked once is remembered for its exact bytes and its location's key only
The worker remembers the cookies whose MAC was right (a returning
visitor's HMAC is checked once): the same value with one MAC character
changed, or in a location whose categories bind another key, is checked
again and refused.
--- http_config
    egov_consent on;
    egov_consent_categories analytics preferences marketing;
    egov_consent_key ../html/consent.key;
--- config
    location / { return 200 "$egov_consent"; }
    location /other { egov_consent_categories analytics; return 200 "$egov_consent"; }
--- request eval
["GET /", "GET /", "GET /", "GET /other", "GET /", "GET /other"]
--- more_headers eval
["Cookie: egov_consent=$main::good", "Cookie: egov_consent=$main::good_mac_changed",
 "Cookie: egov_consent=$main::good_same_slot",
 "Cookie: egov_consent=$main::good", "Cookie: egov_consent=$main::good",
 "Cookie: egov_consent=$main::only"]
--- response_body eval
["analytics", "unset", "unset", "unset", "analytics", "analytics"]

=== TEST 3: tampered, forged, outdated, expired or future cookies are no decision
--- http_config
    egov_consent on;
    egov_consent_categories analytics preferences marketing;
    egov_consent_key ../html/consent.key;
    egov_consent_version 2;
--- config
    location / { return 200 "$egov_consent"; }
--- request eval
["GET /", "GET /", "GET /", "GET /", "GET /", "GET /", "GET /"]
--- more_headers eval
["Cookie: egov_consent=$main::tampered", "Cookie: egov_consent=$main::forged",
 "Cookie: egov_consent=$main::old", "Cookie: egov_consent=$main::v2",
 "Cookie: egov_consent=garbage", "Cookie: egov_consent=", "Cookie: egov_consent=$main::v2; egov_consent=junk"]
--- response_body eval
["unset", "unset", "unset", "analytics", "unset", "unset", "analytics"]

=== TEST 4: a consent older than its lifetime is no decision
--- http_config
    egov_consent on;
    egov_consent_categories analytics;
    egov_consent_key ../html/consent.key;
--- config
    location / { return 200 "$egov_consent"; }
--- request eval
["GET /", "GET /"]
--- more_headers eval
["Cookie: egov_consent=$main::stale", "Cookie: egov_consent=$main::future"]
--- response_body eval
["unset", "unset"]

=== TEST 5: Global Privacy Control refuses, whatever the visitor chose before (as the CSP and the markup gating do: a fifth review found the server's cookies let through where the scripts were blocked); DNT only when asked
--- http_config
    egov_consent on;
    egov_consent_categories analytics;
    egov_consent_key ../html/consent.key;
--- config
    location / { return 200 "$egov_consent"; }
    location /dnt { egov_consent_dnt on; return 200 "$egov_consent"; }
--- request eval
["GET /", "GET /", "GET /", "GET /dnt", "GET /", "GET /"]
--- more_headers eval
["Sec-GPC: 1", "Sec-GPC: 1\nCookie: egov_consent=$main::only", "DNT: 1", "DNT: 1", "Sec-GPC: 0", "Sec-GPC: yes"]
--- response_body eval
["none", "none", "unset", "none", "unset", "unset"]

=== TEST 5b: under GPC, a visitor who had accepted gets no optional Set-Cookie, and carried cookies are expired
--- http_config
    egov_consent on;
    egov_consent_categories analytics;
    egov_consent_key ../html/consent.key;
--- config
    location / {
        add_header Set-Cookie "_ga=GA1.2.3; Max-Age=3600; Path=/";
        return 200 "$egov_consent_analytics";
    }
--- request eval
["GET /", "GET /"]
--- more_headers eval
["Cookie: egov_consent=$main::only; _ga=1", "Sec-GPC: 1\nCookie: egov_consent=$main::only; _ga=1"]
--- response_body eval
["1", "0"]
--- response_headers eval
["Set-Cookie: _ga=GA1.2.3; Max-Age=3600; Path=/",
 "Set-Cookie: _ga=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT"]

=== TEST 6: /.well-known/gpc.json says GPC is supported
--- http_config
    egov_consent on;
--- config
    location / { return 404; }
--- request
GET /.well-known/gpc.json
--- error_code: 200
--- response_headers
Content-Type: application/json
--- response_body_like: ^\{"gpc":true,"lastUpdate":"\d{4}-\d{2}-\d{2}"\}$

=== TEST 7: accepting, without JavaScript: the cookie, then 303 back to the page
--- http_config
    egov_consent on;
    egov_consent_categories analytics preferences marketing;
    egov_consent_key ../html/consent.key;
--- config
    location / { return 200 "page"; }
--- request
POST /.egov/consent
action=accept&return=%2Fservices%2Frenew%3Fstep%3D2
--- more_headers
Origin: http://localhost
Content-Type: application/x-www-form-urlencoded
--- error_code: 303
--- response_headers
Location: http://localhost:$TEST_NGINX_PORT/services/renew?step=2
Cache-Control: no-store
--- response_headers_like
Set-Cookie: ^egov_consent=1\.1\.\d+\.7\.[0-9A-Z]{12}\.[A-Za-z0-9_-]{22}; Path=/; Max-Age=15724800; SameSite=Lax; HttpOnly$

=== TEST 8: rejecting, and choosing, with JavaScript: JSON
--- http_config
    egov_consent on;
    egov_consent_categories analytics preferences marketing;
    egov_consent_key ../html/consent.key;
--- config
    location / { return 200 "page"; }
--- request eval
["POST /.egov/consent\naction=reject", "POST /.egov/consent\naction=save&c=marketing&c=analytics&c=bogus"]
--- more_headers
Origin: http://localhost
Accept: application/json
--- error_code eval
[200, 200]
--- response_body_like eval
[qr/^\{"consent":"none","version":1,"receipt":"[0-9A-Z]{12}","gpc":false\}$/,
 qr/^\{"consent":"analytics,marketing","version":1,"receipt":"[0-9A-Z]{12}","gpc":false\}$/]
--- response_headers_like eval
["Set-Cookie: ^egov_consent=1\\.1\\.\\d+\\.0\\.", "Set-Cookie: ^egov_consent=1\\.1\\.\\d+\\.5\\."]

=== TEST 9: never an open redirect
--- http_config
    egov_consent on;
    egov_consent_categories analytics;
    egov_consent_key ../html/consent.key;
--- config
    location / { return 200 "page"; }
--- request eval
["POST /.egov/consent\naction=reject&return=%2F%2Fevil.example%2F",
 "POST /.egov/consent\naction=reject&return=https%3A%2F%2Fevil.example%2F",
 "POST /.egov/consent\naction=reject&return=%2F%5Cevil.example",
 "POST /.egov/consent\naction=reject&return=%2Fa%0D%0ASet-Cookie%3A%20x%3D1",
 "POST /.egov/consent\naction=reject"]
--- more_headers
Origin: http://localhost
--- error_code eval
[303, 303, 303, 303, 303]
--- response_headers eval
["Location: http://localhost:$TEST_NGINX_PORT/", "Location: http://localhost:$TEST_NGINX_PORT/",
 "Location: http://localhost:$TEST_NGINX_PORT/", "Location: http://localhost:$TEST_NGINX_PORT/",
 "Location: http://localhost:$TEST_NGINX_PORT/"]

=== TEST 9b: a decision is read from memory only: larger than the body buffer or 4 KiB, refused
--- http_config
    egov_consent on;
    egov_consent_categories analytics;
    egov_consent_key ../html/consent.key;
--- config
    client_body_buffer_size 128;
    location / { return 200 "page"; }
--- request eval
["POST /.egov/consent\naction=reject",
 "POST /.egov/consent\naction=reject&x=" . ('y' x 3000),
 "POST /.egov/consent\naction=reject&x=" . ('y' x 5000)]
--- more_headers
Origin: http://localhost
--- error_code eval
[303, 413, 413]
--- error_log
egov consent: a decision larger than client_body_buffer_size was refused

=== TEST 10: another site cannot consent for the visitor
--- http_config
    egov_consent on;
    egov_consent_categories analytics;
--- config
    location / { return 200 "page"; }
--- request eval
["POST /.egov/consent\naction=accept", "POST /.egov/consent\naction=accept",
 "POST /.egov/consent\naction=accept", "POST /.egov/consent\naction=accept"]
--- more_headers eval
["Origin: https://evil.example", "Origin: http://localhost.evil.example",
 "", "Referer: http://localhost/page"]
--- error_code eval
[403, 403, 403, 303]
--- response_headers eval
["!Set-Cookie", "!Set-Cookie", "!Set-Cookie", undef]
--- error_log
a decision posted from another site was refused
--- no_error_log eval
[qr/posted from another site was refused,? client:/, qr/refused.*evil\.example/]

=== TEST 11: a decision without a valid action is refused; other methods too
--- http_config
    egov_consent on;
    egov_consent_categories analytics;
--- config
    location / { return 200 "page"; }
--- request eval
["POST /.egov/consent\naction=maybe", "POST /.egov/consent\n", "PUT /.egov/consent\naction=accept", "DELETE /.egov/consent"]
--- more_headers
Origin: http://localhost
--- error_code eval
[400, 400, 405, 405]
--- response_headers eval
["!Set-Cookie", "!Set-Cookie", "Allow: GET, HEAD, POST", undef]

=== TEST 12: withdrawing expires the optional cookies the browser still has
--- http_config
    egov_consent on;
    egov_consent_categories analytics preferences marketing;
    egov_consent_key ../html/consent.key;
    egov_consent_cookie preferences ^lang_pref$;
--- config
    location / { return 200 "page"; }
--- request
POST /.egov/consent
action=save&c=preferences
--- more_headers eval
"Origin: http://localhost\nCookie: egov_consent=$main::all; _ga=GA1.2.3; _gid=GA1.2.4; _fbp=fb.1; lang_pref=ar; sid=abc"
--- error_code: 303
--- response_headers_like
Set-Cookie: ^egov_consent=1\.1\.\d+\.2\.
Set-Cookie: ^_ga=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT$
Set-Cookie: ^_gid=; Path=/; Max-Age=0;
Set-Cookie: ^_fbp=; Path=/; Max-Age=0;
--- response_headers_unlike
Set-Cookie: ^lang_pref=
Set-Cookie: ^sid=

=== TEST 13: the settings page, with the current choice ticked (under GPC, what is in force: nothing optional, a sixth review)
--- http_config
    egov_consent on;
    egov_consent_categories analytics preferences marketing;
    egov_consent_key ../html/consent.key;
    egov_consent_policy_url /privacy.html;
--- config
    location / { return 404; }
--- request eval
["GET /.egov/consent?return=%2Fservices", "GET /.egov/consent?lang=ar", "GET /.egov/consent"]
--- more_headers eval
["Cookie: egov_consent=$main::good\nAccept-Language: en", "",
 "Cookie: egov_consent=$main::good\nAccept-Language: en\nSec-GPC: 1"]
--- error_code eval
[200, 200, 200]
--- response_body_like eval
[qr{<html lang="en" dir="ltr">.*<title>Cookie settings</title>.*Your current choice: <strong>Analytics</strong>.*<input type="hidden" name="return" value="/services">.*<input type="checkbox" name="c" value="analytics" id="egov-c-analytics" checked>.*<input type="checkbox" name="c" value="marketing" id="egov-c-marketing">.*<a href="/privacy.html">Read the privacy policy</a>.*<a href="/services">Back(?!.*egov-consent-link)}s,
 qr{<html lang="ar" dir="rtl">.*<title>إعدادات ملفات تعريف الارتباط</title>.*اختيارك الحالي: <strong>لم تختر بعد</strong>}s,
 qr{Your current choice: <strong>(?!Analytics)[^<]+</strong>.*<input type="checkbox" name="c" value="analytics" id="egov-c-analytics">}s]

=== TEST 14: the endpoint in JSON tells the state
--- http_config
    egov_consent on;
    egov_consent_categories analytics;
    egov_consent_key ../html/consent.key;
--- config
    location / { return 404; }
--- request eval
["GET /.egov/consent", "GET /.egov/consent", "GET /.egov/consent"]
--- more_headers eval
["Accept: application/json", "Accept: application/json\nSec-GPC: 1",
 "Accept: application/json\nSec-GPC: 1\nCookie: egov_consent=$main::only"]
--- response_body_like eval
[qr/^\{"consent":"unset","version":1,"gpc":false\}$/, qr/^\{"consent":"none","version":1,"gpc":true\}$/,
 qr/^\{"consent":"none","version":1,"receipt":"[0-9A-Z]{12}","gpc":true\}$/]

=== TEST 15: egov_consent_path moves the endpoint; the consent cookie's name is configurable
--- http_config
    egov_consent on;
    egov_consent_categories analytics;
    egov_consent_key ../html/consent.key;
    egov_consent_path /cookies/choice;
    egov_consent_cookie_name portal_consent;
--- config
    location / { return 200 "page $egov_consent"; }
--- request eval
["POST /cookies/choice\naction=accept", "POST /.egov/consent\naction=accept", "GET /"]
--- more_headers eval
["Origin: http://localhost", "Origin: http://localhost", "Cookie: portal_consent=$main::only"]
--- error_code eval
[303, 200, 200]
--- response_headers_like eval
["Set-Cookie: ^portal_consent=1\\.", undef, undef]
--- response_body eval
[undef, "page unset", "page analytics"]

=== TEST 16: Secure on HTTPS, or when told
--- ssl: 1
--- http_config
    egov_consent on;
    egov_consent_categories analytics;
--- config
    location / { return 200 "page"; }
    location /behind-proxy { egov_consent_secure on; return 200 "x"; }
--- use_ssl: 1
--- request
POST /.egov/consent
action=accept
--- more_headers
Origin: https://localhost
--- error_code: 303
--- response_headers_like
Set-Cookie: ; SameSite=Lax; HttpOnly; Secure$

=== TEST 17: proof of consent: when, version, choice, receipt; nothing about who
--- http_config
    egov_consent on;
    egov_consent_categories analytics preferences;
    egov_consent_version 4;
    egov_consent_log $TEST_NGINX_PREFIX/logs/consent.log;
--- config
    location / { return 200 "page"; }
--- request
POST /.egov/consent
action=save&c=preferences
--- more_headers
Origin: http://localhost
User-Agent: Mozilla/5.0 test
--- error_code: 303

#!/usr/bin/perl
# Block lists and allowlists: file formats (FireHOL, Spamhaus DROP), IPv4
# and IPv6, bad lines reported and skipped, one read per file, dry run,
# inheritance, realip, "return" locations, and every invalid form.

use strict;
use warnings;
use lib 't/lib';
use EgovTest;

run_tests();

__DATA__

=== TEST 1: a FireHOL netset file: listed addresses and networks get 403
--- user_files
>>> lists/level1.netset
#
# firehol_level1
#
# ipv4 hash:net ipset
#
127.0.0.2
127.1.0.0/16
10.0.0.0/8
--- config
    egov_blocklist ../html/lists/level1.netset;
    location / { return 200 "ok"; }
--- request eval
["GET /", "GET /", "GET /", "GET /"]
--- client_addr eval
["127.0.0.2", "127.0.0.3", "127.1.200.9", "127.2.0.1"]
--- error_code eval
[403, 200, 403, 200]
--- error_log eval
[qr/\[warn\] .*egov: refused \(blocklist:level1\), incident [0-9A-Z]{10}, host: localhost$/m]
--- no_error_log eval
[qr/egov: refused.*127\.0\.0\.2/, qr/egov: refused.*client:/]

=== TEST 2: a Spamhaus DROP file with "; SBL" comments, and IPv6
--- user_files
>>> drop.txt
; Spamhaus DROP List 2026/11/24 - (c) 2026 The Spamhaus Project
; Last-Modified: Tue, 24 Nov 2026 10:00:00 GMT
127.0.0.9/32 ; SBL123456
::1/128 ; SBL654321
2001:db8::/32 ; SBL000001
--- config
    egov_blocklist ../html/drop.txt name=spamhaus;
    location / {
        add_header X-Reason $egov_block_reason always;
        return 200 "ok";
    }
--- request eval
["GET /", "GET /"]
--- client_addr eval
["127.0.0.9", "127.0.0.10"]
--- error_code eval
[403, 200]
--- response_headers eval
["X-Reason: blocklist:spamhaus", "!X-Reason"]

=== TEST 3: ... and over IPv6
--- user_files
>>> drop6.txt
::1/128 ; SBL654321
--- config
    egov_blocklist ../html/drop6.txt;
    location / { return 200 "ok"; }
--- ipv6: 1
--- request
GET /
--- error_code: 403

=== TEST 4: bad lines are reported with file, line and text, and skipped
--- user_files
>>> mixed.netset
# comment
127.0.0.2
not-an-address
127.0.0.0/33
  ; indented comment
1.2.3.4 5.6.7.8
127.0.0.3/32 # trailing comment
--- config
    egov_blocklist ../html/mixed.netset;
    location / { return 200 "ok"; }
--- config_ok
--- error_log eval
[qr{\[warn\] .*html/mixed\.netset:3: not an address or prefix: "not-an-address", line skipped in \S+nginx\.conf:\d+},
 qr{\[warn\] .*html/mixed\.netset:4: not an address or prefix: "127\.0\.0\.0/33", line skipped},
 qr{\[warn\] .*html/mixed\.netset:6: not an address or prefix: "1\.2\.3\.4 5\.6\.7\.8", line skipped},
 qr{\[warn\] .*html/mixed\.netset: 3 invalid lines skipped},
 qr{egov: list "\S+html/mixed\.netset": 2 entries, 1 ranges}]

=== TEST 4b: a line cut short (bits beyond its prefix) and a /0 are skipped, said (found by a helper's review: a truncated download's "100.64.10.0/2" refused a quarter of IPv4, a /0 everyone); bytes that are not printable are not written to the log
--- user_files eval
">>> cut.netset\n1.10.16.0/20 ; SBL256894\n100.64.10.0/2\n1.2.3.4/0\n::/0\n2a06:e480::/2\n\e]0;x\a1.2.3.4\n127.0.0.2\n"
--- config
    egov_blocklist ../html/cut.netset;
    location / { return 200 "ok"; }
--- config_ok
--- error_log eval
[qr{\[warn\] .*html/cut\.netset:2: bits set beyond the prefix's length \(a line cut short\?\): "100\.64\.10\.0/2", line skipped},
 qr{\[warn\] .*html/cut\.netset:3: a /0 is every address \("deny all" and "allow all" say so\): "1\.2\.3\.4/0", line skipped},
 qr{\[warn\] .*html/cut\.netset:4: a /0 is every address},
 qr{\[warn\] .*html/cut\.netset:5: bits set beyond the prefix's length},
 qr{\[warn\] .*html/cut\.netset:6: not an address or prefix: "\?\]0;x\?1\.2\.3\.4", line skipped},
 qr{egov: list "\S+html/cut\.netset": 2 entries}]
--- no_error_log eval
[qr/\e/]

=== TEST 4c: ... and the list's other lines still work, nobody else refused
--- user_files eval
">>> cut.netset\n100.64.10.0/2\n1.2.3.4/0\n::/0\n127.0.0.2\n"
--- config
    egov_blocklist ../html/cut.netset;
    location / { return 200 "ok"; }
--- request eval
["GET /", "GET /", "GET /"]
--- client_addr eval
["127.0.0.1", "127.0.0.9", "127.0.0.2"]
--- error_code eval
[200, 200, 403]

=== TEST 5: ... and the good lines still work
--- user_files
>>> mixed.netset
127.0.0.2
not-an-address
127.0.0.3/32 # trailing comment
--- config
    egov_blocklist ../html/mixed.netset;
    location / { return 200 "ok"; }
--- request eval
["GET /", "GET /", "GET /"]
--- client_addr eval
["127.0.0.2", "127.0.0.3", "127.0.0.4"]
--- error_code eval
[403, 403, 200]

=== TEST 6: a file used in several places is read once
--- user_files
>>> shared.netset
127.0.0.2
--- config
    egov_blocklist ../html/shared.netset;
    location /a { egov_blocklist ../html/shared.netset name=a; return 200 "a"; }
    location /b { egov_allowlist ../html/shared.netset; return 200 "b"; }
--- config_ok
--- error_log eval
[qr/egov: list "\S+shared\.netset": 1 entries/]
--- no_error_log eval
[qr/egov: list "\S+shared\.netset".*\n(?:.*\n)*.*egov: list "\S+shared\.netset"/]

=== TEST 7: a dry-run list logs and lets through
--- user_files
>>> watch.netset
127.0.0.2
--- config
    egov_blocklist ../html/watch.netset name=watch dry_run;
    location / {
        add_header X-Reason $egov_block_reason always;
        add_header X-Incident $egov_incident always;
        return 200 "ok";
    }
--- request
GET /
--- client_addr: 127.0.0.2
--- error_code: 200
--- response_headers
X-Reason: dry_run:blocklist:watch
--- response_headers_like
X-Incident: ^[0-9A-Z]{10}$
--- error_log eval
[qr/\[warn\] .*egov: dry run, would have refused \(dry_run:blocklist:watch\), incident [0-9A-Z]{10}/]

=== TEST 8: the allowlist wins over a block list; CIDRs and files
--- user_files
>>> block.netset
127.0.0.0/8
>>> allow.txt
# partners
127.0.0.5
--- config
    egov_blocklist ../html/block.netset;
    egov_allowlist 127.0.0.4/32 ../html/allow.txt;
    location / { return 200 "ok $egov_block_reason"; }
--- request eval
["GET /", "GET /", "GET /"]
--- client_addr eval
["127.0.0.4", "127.0.0.5", "127.0.0.6"]
--- error_code eval
[200, 200, 403]

=== TEST 9: the allowlist wins over limits and signatures too
--- http_config
    egov_limit_zone name=one key=$binary_remote_addr rate=1r/m size=1m;
--- config
    egov_allowlist 127.0.0.7;
    egov_signatures on;
    location / { egov_limit zone=one; return 200 "ok"; }
--- request eval
["GET /", "GET /", "GET /.env", "GET /", "GET /"]
--- client_addr eval
["127.0.0.7", "127.0.0.7", "127.0.0.7", "127.0.0.8", "127.0.0.8"]
--- error_code eval
[200, 200, 200, 200, 429]

=== TEST 10: a location's own allowlist wins over the server's list
--- user_files
>>> block.netset
127.0.0.0/8
--- config
    egov_blocklist ../html/block.netset;
    location /partners {
        egov_blocklist ../html/block.netset;
        egov_allowlist 127.0.0.11;
        return 200 "partner";
    }
    location / { return 200 "ok"; }
--- request eval
["GET /partners", "GET /"]
--- client_addr: 127.0.0.11
--- error_code eval
[200, 403]

=== TEST 11: inheritance: a level with lists of its own replaces the outer ones
--- user_files
>>> one.netset
127.0.0.12
>>> two.netset
127.0.0.13
--- config
    egov_blocklist ../html/one.netset;
    location /own { egov_blocklist ../html/two.netset; return 200 "own"; }
    location /inherited { return 200 "inherited"; }
--- request eval
["GET /own", "GET /own", "GET /inherited", "GET /inherited"]
--- client_addr eval
["127.0.0.12", "127.0.0.13", "127.0.0.12", "127.0.0.13"]
--- error_code eval
[200, 403, 403, 200]

=== TEST 12: with realip, the address checked is the real client's
--- user_files
>>> block.netset
203.0.113.0/24
2001:db8:bad::/48
--- http_config
    set_real_ip_from 127.0.0.1;
    real_ip_header X-Forwarded-For;
--- config
    egov_blocklist ../html/block.netset;
    location / { return 200 "ok"; }
--- request eval
["GET /", "GET /", "GET /", "GET /"]
--- more_headers eval
["X-Forwarded-For: 203.0.113.77", "X-Forwarded-For: 198.51.100.1",
 "X-Forwarded-For: 2001:db8:bad::1", "X-Forwarded-For: 2001:db8:900d::1"]
--- error_code eval
[403, 200, 403, 200]

=== TEST 13: an untrusted proxy's X-Forwarded-For changes nothing
--- user_files
>>> block.netset
127.0.0.14
--- http_config
    set_real_ip_from 10.0.0.0/8;
    real_ip_header X-Forwarded-For;
--- config
    egov_blocklist ../html/block.netset;
    location / { return 200 "ok"; }
--- request
GET /
--- client_addr: 127.0.0.14
--- more_headers
X-Forwarded-For: 198.51.100.1
--- error_code: 403

=== TEST 14: IPv4-mapped IPv6 entries match IPv4 clients
--- user_files
>>> mapped.netset
::ffff:127.0.0.15
--- config
    egov_blocklist ../html/mapped.netset;
    location / { return 200 "ok"; }
--- request
GET /
--- client_addr: 127.0.0.15
--- error_code: 403

=== TEST 15: a unix-socket client has no address to block
--- user_files
>>> all.netset
0.0.0.0/1
128.0.0.0/1
::/1
8000::/1
--- config
    listen unix:$TEST_NGINX_PREFIX/tmp/egov.sock;
    egov_blocklist ../html/all.netset;
    location / { return 200 "unix ok"; }
--- unix: $TEST_NGINX_PREFIX/tmp/egov.sock
--- request
GET /
--- error_code: 200
--- response_body: unix ok

=== TEST 16: a missing file
--- config
    egov_blocklist /nonexistent/list.netset;
--- must_die
--- error_log eval
[qr{open\(\) "/nonexistent/list\.netset" failed \(2: No such file or directory\) in \S+nginx\.conf:\d+}]

=== TEST 17: an unknown parameter
--- user_files
>>> l.netset
127.0.0.2
--- config
    egov_blocklist ../html/l.netset block_all;
--- must_die
--- error_log eval
[qr/egov_blocklist: invalid parameter "block_all" in \S+nginx\.conf:\d+/]

=== TEST 18: an empty name
--- user_files
>>> l.netset
127.0.0.2
--- config
    egov_blocklist ../html/l.netset name=;
--- must_die
--- error_log eval
[qr/egov_blocklist: name must have 1 to 32 characters, not "name=" in \S+nginx\.conf:\d+/]

=== TEST 19: an allowlist argument that is neither address nor file
--- config
    egov_allowlist 127.0.0.1 localhost;
--- must_die
--- error_log eval
[qr/egov_allowlist: "localhost" is neither an address, a prefix nor a file path in \S+nginx\.conf:\d+/]

=== TEST 19b: a mistyped address is reported as one, not as a missing file
--- config
    egov_allowlist 127.0.0.1 10.0.0.300;
--- must_die
--- error_log eval
[qr/egov_allowlist: "10\.0\.0\.300" is not a valid address or prefix in \S+nginx\.conf:\d+/]

=== TEST 19c: so is a prefix too long, IPv4 or IPv6
--- config
    egov_allowlist 10.0.0.0/8 2001:db8::/200;
--- must_die
--- error_log eval
[qr/egov_allowlist: "2001:db8::\/200" is not a valid address or prefix in \S+nginx\.conf:\d+/]

=== TEST 19c2: an inline /0, IPv4 or IPv6 or IPv4-mapped, is every address: refused as in a list file (a fifth review: it switched every check off without a word)
--- config
    egov_allowlist 127.0.0.1 0.0.0.0/0;
--- must_die
--- error_log eval
[qr/egov_allowlist: "0\.0\.0\.0\/0" is every address \(a \/0\) in \S+nginx\.conf:\d+/]

=== TEST 19c3: ... IPv6
--- config
    egov_allowlist ::/0;
--- must_die
--- error_log eval
[qr/egov_allowlist: "::\/0" is every address \(a \/0\) in \S+nginx\.conf:\d+/]

=== TEST 19c4: ... every IPv4 address written as IPv4-mapped IPv6
--- config
    egov_allowlist ::ffff:0:0/96;
--- must_die
--- error_log eval
[qr/egov_allowlist: "::ffff:0:0\/96" is every address \(a \/0\) in \S+nginx\.conf:\d+/]

=== TEST 19c5: an inline prefix with bits set beyond its length is refused, not widened
--- config
    egov_allowlist 10.0.0.1/8;
--- must_die
--- error_log eval
[qr/egov_allowlist: "10\.0\.0\.1\/8" has bits set beyond the prefix's length \(10\.0\.0\.1\/32, or 10\.0\.0\.0\/8\?\) in \S+nginx\.conf:\d+/]

=== TEST 19c6: /dev/null stands for an empty list where empty=ok says so (a sixth review: refused as no regular file)
--- config
    egov_blocklist /dev/null empty=ok;
    location / { return 200 "ok"; }
--- request
GET /
--- error_code: 200

=== TEST 19d: an empty list file is refused (a failed download would take the protection away)
--- user_files
>>> empty.netset
# firehol_level1
--- config
    egov_blocklist ../html/empty.netset;
--- must_die
--- error_log eval
[qr{egov_blocklist: the list "\S+html/empty\.netset" holds no address or prefix \(an empty file or a failed download\?\); add "empty=ok" if it may be empty in \S+nginx\.conf:\d+}]

=== TEST 19e: so is an HTML error page saved as the list
--- user_files
>>> level1.netset
<!DOCTYPE html>
<html><head><title>502 Bad Gateway</title></head>
<body><h1>502 Bad Gateway</h1><p>upstream 203.0.113.9 failed</p></body></html>
--- config
    egov_blocklist ../html/level1.netset;
--- must_die
--- error_log eval
[qr{not an address or prefix: "<!DOCTYPE html>", line skipped},
 qr{egov_blocklist: the list "\S+html/level1\.netset" holds no address or prefix}]

=== TEST 19f: a list said to be allowed empty loads, and blocks nothing
--- user_files
>>> empty.netset
--- config
    egov_blocklist ../html/empty.netset empty=ok;
    egov_allowlist ../html/empty.netset empty=ok;
    location / { return 200 "ok"; }
--- request
GET /
--- error_code: 200

=== TEST 19g: an allowlist file that holds nothing is refused too
--- user_files
>>> allow.txt
--- config
    egov_allowlist 127.0.0.1 ../html/allow.txt;
--- must_die
--- error_log eval
[qr{egov_allowlist: the list "\S+html/allow\.txt" holds no address or prefix}]

=== TEST 20: egov_blocklist needs a file
--- config
    egov_blocklist;
--- must_die
--- error_log eval
[qr/invalid number of arguments in "egov_blocklist" directive/]

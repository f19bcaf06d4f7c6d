#!/usr/bin/perl
# Scanner and probe signatures: the built-in set, ordinary traffic left
# alone, dry run, off, site-specific signatures, and invalid forms.

use strict;
use warnings;
use lib 't/lib';
use EgovTest;

run_tests();

__DATA__

=== TEST 1: scanner user agents are refused
--- config
    egov_signatures on;
    location / {
        add_header X-Reason $egov_block_reason always;
        return 200 "ok";
    }
--- request eval
["GET /", "GET /", "GET /", "GET /", "GET /", "GET /", "GET /", "GET /"]
--- more_headers eval
["User-Agent: sqlmap/1.7.2#stable (https://sqlmap.org)",
 "User-Agent: Mozilla/5.00 (Nikto/2.1.6) (Evasions:None) (Test:000001)",
 "User-Agent: Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)",
 "User-Agent: Nuclei - Open-source project (github.com/projectdiscovery/nuclei)",
 "User-Agent: Fuzz Faster U Fool v2.1.0",
 "User-Agent: gobuster/3.6",
 "User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
 "User-Agent: Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"]
--- error_code eval
[403, 403, 403, 403, 403, 403, 200, 200]
--- response_headers eval
["X-Reason: signature:scanner-ua", undef, undef, undef, undef, undef, "!X-Reason", "!X-Reason"]
--- error_log eval
[qr/\[warn\] .*egov: refused \(signature:scanner-ua\), incident [0-9A-Z]{10}/]

=== TEST 1b: a User-Agent's verdict is remembered per worker, but per set of signatures: two locations with different sets decide apart, in any order, and a User-Agent too long to remember is matched each time
--- config
    egov_signatures on;
    location /a/ {
        egov_signature custom-ua ua "curlish";
        egov_signature other-ua ua "wgetish";
        add_header X-Reason $egov_block_reason always;
        return 200 "ok";
    }
    location /b/ {
        egov_signature b-ua ua "^never$";
        egov_signature b-ua2 ua "^never either$";
        add_header X-Reason $egov_block_reason always;
        return 200 "ok";
    }
--- request eval
["GET /a/", "GET /b/", "GET /a/", "GET /b/", "GET /a/", "GET /a/", "GET /b/", "GET /a/", "GET /a/", "GET /b/", "GET /b/"]
--- more_headers eval
["User-Agent: curlish/1.0", "User-Agent: curlish/1.0", "User-Agent: curlish/1.0",
 "User-Agent: curlish/1.0", "User-Agent: wgetish/1.0", "User-Agent: wgetish/1.0",
 "User-Agent: sqlmap/1.7", "User-Agent: sqlmap/1.7",
 "User-Agent: Mozilla/5.0 (compatible; x) (compatible; x) (compatible; x) (compatible; x) (compatible; x) (compatible; x) (compatible; x) (compatible; x) (compatible; x) (compatible; x) (compatible; x) (compatible; x) (compatible; x) (compatible; x) (compatible; x) (compatible; x) (compatible; x) (compatible; x) (compatible; x) (compatible; x) curlish/2", "User-Agent: Mozilla/5.0 (compatible; x) (compatible; x) (compatible; x) (compatible; x) (compatible; x) (compatible; x) (compatible; x) (compatible; x) (compatible; x) (compatible; x) (compatible; x) (compatible; x) (compatible; x) (compatible; x) (compatible; x) (compatible; x) (compatible; x) (compatible; x) (compatible; x) (compatible; x) curlish/2", "User-Agent: Mozilla/5.0 (compatible; x) (compatible; x) (compatible; x) (compatible; x) (compatible; x) (compatible; x) (compatible; x) (compatible; x) (compatible; x) (compatible; x) (compatible; x) (compatible; x) (compatible; x) (compatible; x) (compatible; x) (compatible; x) (compatible; x) (compatible; x) (compatible; x) (compatible; x) curlish/2"]
--- error_code eval
[403, 200, 403, 200, 403, 403, 403, 403, 403, 200, 200]
--- response_headers eval
["X-Reason: signature:custom-ua", "!X-Reason", "X-Reason: signature:custom-ua",
 "!X-Reason", "X-Reason: signature:other-ua", "X-Reason: signature:other-ua",
 "X-Reason: signature:scanner-ua", "X-Reason: signature:scanner-ua",
 "X-Reason: signature:custom-ua", "!X-Reason", "!X-Reason"]

=== TEST 1c: two User-Agents of one length and one hash (ngx_murmur_hash2 0x51f85cc0, found by search): the scanner's is matched, not given the remembered verdict of the browser's
--- config
    egov_signatures on;
    location / {
        add_header X-Reason $egov_block_reason always;
        return 200 "ok";
    }
--- request eval
["GET /", "GET /", "GET /"]
--- more_headers eval
["User-Agent: Mozilla/5.0 (X11; Linux x86_64) Gecko/0002f5f6",
 "User-Agent: sqlmap/1.7.2#stable (https://sqlmap.or00013c00",
 "User-Agent: Mozilla/5.0 (X11; Linux x86_64) Gecko/0002f5f6"]
--- error_code eval
[200, 403, 200]

=== TEST 2: probe paths are refused, ordinary ones are not
--- config
    egov_signatures on;
    location / {
        add_header X-Reason $egov_block_reason always;
        return 200 "ok";
    }
--- request eval
["GET /.env", "GET /.env.local", "GET /app/.git/config", "GET /wp-login.php",
 "GET /phpmyadmin/index.php", "GET /vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php",
 "GET /.aws/credentials", "GET /HNAP1/",
 "GET /.htaccess", "GET /.idea/workspace.xml", "GET /home/id_rsa", "GET /web.config",
 "GET /config.php~", "GET /index.php.bak", "GET /Default.aspx.old", "GET /backup.zip",
 "GET /db.sql", "GET /dump.sql.gz", "GET /phpinfo.php", "GET /_ignition/execute-solution",
 "GET /remote/fgt_lang", "GET /sftp-config.json",
 "GET /.well-known/security.txt", "GET /environment", "GET /git/", "GET /services/env",
 "GET /search?q=wp-login", "GET /ideas/", "GET /docs/web.config.html",
 "GET /reports/backup-2024.zip", "GET /guide/id_rsa.html", "GET /data/open-data.sql",
 "GET /index.php", "GET /about.aspx", "GET /index.php?x=.bak"]
--- error_code eval
[(403) x 22, (200) x 13]
--- response_headers eval
["X-Reason: signature:probe-path", (undef) x 21, ("!X-Reason") x 13]

=== TEST 3: path traversal in any encoding, and system files in the query
--- config
    egov_signatures on;
    location / {
        add_header X-Reason $egov_block_reason always;
        return 200 "ok";
    }
--- request eval
["GET /download?file=../../etc/passwd", "GET /a/b/..%2f..%2fetc/hosts",
 "GET /a/b/%2e%2e/%2e%2e/secret", "GET /a/%252e%252e%252fb", "GET /view?f=..\\\\..\\\\win.ini",
 "GET /read?path=%2Fetc%2Fpasswd", "GET /download?file=report..pdf", "GET /a/b/c"]
--- error_code eval
[403, 403, 403, 403, 403, 403, 200, 200]
--- response_headers eval
["X-Reason: signature:path-traversal", undef, undef, undef, undef,
 "X-Reason: signature:sensitive-file", "!X-Reason", "!X-Reason"]

=== TEST 3b: what servers behind nginx read as a probe, in the forms that got past (a helper's review)
Tomcat's and Spring's ";" parameters, PATH_INFO, NTFS streams and trailing
dots, and traversal encoded twice, mixed, overlong or as %u; and archives
of open data below the root are no probe.
--- config
    egov_signatures on;
    location / {
        add_header X-Reason $egov_block_reason always;
        return 200 "ok";
    }
--- request eval
["GET /public/..;/manager/html", "GET /actuator;/env", "GET /actuator/;/env",
 "GET /.git;/config", "GET /phpinfo.php/x", "GET /web.config.", "GET /web.config::\$DATA",
 "GET /backup.sql.", "GET /home/id_rsa.", "GET /a/%252e%252e%255cwin",
 "GET /a/.%252e/b", "GET /a/%252e./b", "GET /a/%c0%ae%c0%ae/b", "GET /a/..%c0%afb",
 "GET /a?x=%u002e%u002e/", "GET /r?f=/etc/pass%77d", "GET /r?f=/etc//passwd",
 "GET /r?f=/etc/./passwd", "GET /r?f=/etc%252fpasswd", "GET /r?f=win%2eini",
 "GET /open-data/database.zip", "GET /downloads/db.zip", "GET /files/dump.tar.gz",
 "GET /docs/pma/guide", "GET /docs/web.config.html", "GET /guide/id_rsa.html",
 "GET /files/report.v1..final.pdf",
 "GET /.env%20", "GET /web.config%20", "GET /web.config.%20", "GET /index.php.bak%20",
 "GET /home/id_rsa%20", "GET /.git%5Cconfig", "GET /actuator/;a/;b/env",
 "GET /a/..%e0%80%afb", "GET /a/%25252e%25252e%25252fb",
 "GET /search?q=hmm...;)", "GET /s?q=edwin.initiative", "GET /s?q=Loading.../more",
 "GET /s?f=c:/windows/win.ini",
 "GET /download?file=..././..././app/config/database.yml",
 "GET /download?file=....//....//app/config/database.yml",
 "GET /download?file=...\\.\\...\\.\\web.config",
 "GET /docs/web.config%20transforms.pdf",
 "GET /.git%20/config", "GET /web.config%20/x", "GET /?q=Wait!.../more",
 "GET /?q=%D9%83%D9%84%D9%85%D8%A9.../x", "GET /dl?..././secret", "GET /dl?....//secret",
 "GET /?q=Why?.../more", "GET /a/...?x=1"]
--- error_code eval
[(403) x 20, (200) x 7, (403) x 9, (200) x 3, 403, 403, 403, 403, 200, 403, 403, 200, 200,
 403, 403, 200, 200]

=== TEST 3c: a header sent twice is checked in each copy
--- config
    egov_signatures on;
    egov_signature api-traversal header:X-Api-Version "\.\./";
    location / {
        add_header X-Reason $egov_block_reason always;
        return 200 "ok";
    }
--- request eval
["GET /", "GET /"]
--- more_headers eval
["X-Api-Version: 1", "X-Api-Version: 1\nX-Api-Version: ../../etc"]
--- error_code eval
[200, 403]
--- response_headers eval
["!X-Reason", "X-Reason: signature:api-traversal"]

=== TEST 4: dry run logs and lets through
--- config
    egov_signatures dry_run;
    location / {
        add_header X-Reason $egov_block_reason always;
        return 200 "ok";
    }
--- request
GET /.git/HEAD
--- error_code: 200
--- response_headers
X-Reason: dry_run:signature:probe-path
--- error_log eval
[qr/\[warn\] .*egov: dry run, would have refused \(dry_run:signature:probe-path\)/]

=== TEST 5: off, and off in one location
--- config
    egov_signatures on;
    location /wp-admin/ { egov_signatures off; return 200 "a real WordPress"; }
    location / { return 200 "ok"; }
--- request eval
["GET /wp-admin/", "GET /wp-login.php"]
--- error_code eval
[200, 403]

=== TEST 6: site-specific signatures, on their own and with the built-in set
--- config
    egov_signature old-api uri "^/api/v0/";
    egov_signature spam-bot header:X-Campaign "^bulk-";
    egov_signature dump args "(^|&)export=all(&|$)";
    location /with-builtin {
        egov_signatures on;
        egov_signature old-api uri "^/with-builtin/v0";
        return 200 "ok";
    }
    location / {
        add_header X-Reason $egov_block_reason always;
        return 200 "ok";
    }
--- request eval
["GET /api/v0/users", "GET /api/v1/users", "POST /contact", "POST /contact",
 "GET /report?export=all", "GET /report?export=allx", "GET /.env",
 "GET /with-builtin/.env", "GET /with-builtin/v0"]
--- more_headers eval
["", "", "X-Campaign: bulk-2026", "X-Campaign: newsletter", "", "", "", "", ""]
--- error_code eval
[403, 200, 403, 200, 403, 200, 200, 403, 403]
--- response_headers eval
["X-Reason: signature:old-api", undef, "X-Reason: signature:spam-bot", undef,
 "X-Reason: signature:dump", undef, undef, undef, undef]

=== TEST 6a: an args signature sees the query decoded once, a malformed "%" kept as sent, as backends decode it (a fifth review: nginx's own decoder drops it, and "%%3Cscript" hid "<script")
--- config
    egov_signature xss args "<script";
    location / { return 200 "ok"; }
--- request eval
["GET /?q=%3Cscript%3E", "GET /?q=%%3Cscript%3E", "GET /?q=%4%3Cscript%3E",
 "GET /?q=%4G%3Cscript", "GET /?q=%%3", "GET /?q=%", "GET /?q=%253Cscript",
 "GET /?q=<scr%69pt"]
--- error_code eval
[403, 403, 403, 403, 200, 200, 200, 403]

=== TEST 7: off switches the site-specific ones off too
--- config
    egov_signatures off;
    egov_signature old-api uri "^/api/v0/";
    location / { return 200 "ok"; }
--- request
GET /api/v0/x
--- error_code: 200

=== TEST 7b: a pattern that backtracks badly gives up within its limits, once logged, counted, taken as a hit
--- config
    egov_signature nested header:X-Probe "^(a+)+$";
    location / {
        add_header X-Reason $egov_block_reason always;
        return 200 "ok";
    }
    location = /status { egov_status; egov_allowlist 127.0.0.1; }
--- request eval
["GET /", "GET /", "GET /", "GET /status?format=prometheus"]
--- client_addr eval
["127.0.0.2", "127.0.0.2", "127.0.0.2", "127.0.0.1"]
--- more_headers eval
["X-Probe: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab",
 "X-Probe: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab",
 "X-Probe: aaaa", ""]
--- error_code eval
[403, 403, 403, 200]
--- response_headers eval
["X-Reason: signature:nested", "X-Reason: signature:nested", "X-Reason: signature:nested", ""]
--- response_body_like eval
["", "", "", qr/^egov_regex_limits_total 2$/m]
--- error_log eval
[qr/\[warn\] .*egov: "nested" gave up on a 41-byte input: match limit exceeded \(logged once; counted in regex_limits_total\)/]
--- no_error_log eval
[qr/(?s)gave up on a .*gave up on a /]

=== TEST 7b2: a User-Agent a pattern gives up on is counted each time, though its verdict is remembered
--- config
    egov_signature nested-ua ua "^(a+)+$";
    location / { return 200 "ok"; }
    location = /status { egov_status; egov_allowlist 127.0.0.1; }
--- request eval
["GET /", "GET /", "GET /", "GET /status?format=prometheus"]
--- client_addr eval
["127.0.0.2", "127.0.0.2", "127.0.0.2", "127.0.0.1"]
--- more_headers eval
["User-Agent: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab",
 "User-Agent: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab",
 "User-Agent: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", ""]
--- error_code eval
[403, 403, 403, 200]
--- response_body_like eval
["", "", "", qr/^egov_regex_limits_total 3$/m]

=== TEST 7c: every module pattern runs with PCRE2's JIT, whatever pcre_jit says
--- config
    egov_signatures on;
    egov_signature sqli args "union\s+select";
    location / { return 200 "ok"; }
--- config_ok
--- no_error_log
runs without PCRE2's JIT

=== TEST 8: a bad regular expression fails with PCRE2's message...
--- config
    egov_signature broken ua "(sqlmap|nikto";
--- must_die
--- error_log eval
[qr/egov_signature "broken": pcre2_compile\(\) failed: missing closing parenthesis in "\(sqlmap\|nikto" in \S+nginx\.conf:\d+/]

=== TEST 8a: ... and where in the expression it is
--- config
    egov_signature broken uri "^/a{2,1}/admin";
--- must_die
--- error_log eval
[qr/egov_signature "broken": pcre2_compile\(\) failed: numbers out of order in \{\} quantifier in "\^\/a\{2,1\}\/admin" at "\}\/admin" in \S+nginx\.conf:\d+/]

=== TEST 8b: a User-Agent or path signature that matches every value fails: it would refuse the whole site (a fifth review)
--- config
    egov_signature oops ua ".*";
--- must_die
--- error_log eval
[qr/egov_signature "oops": "\.\*" matches every value, so every request in \S+nginx\.conf:\d+/]

=== TEST 8c: ... a path's "." (a sixth review: it passed, and refused every request)
--- config
    egov_signature oops uri ".";
--- must_die
--- error_log eval
[qr/egov_signature "oops": "\." matches every value/]

=== TEST 8c2: ... a path's "/" (a seventh review: it passed, as the samples held no path)
--- config
    egov_signature oops uri "^/";
--- must_die
--- error_log eval
[qr/egov_signature "oops": "\^\/" matches every value/]

=== TEST 8c3: ... a User-Agent's "\w"
--- config
    egov_signature oops ua "\w";
--- must_die
--- error_log eval
[qr/egov_signature "oops": "\\w" matches every value/]

=== TEST 8c4: ... while these are signatures
--- config
    egov_signature a uri "^/$";
    egov_signature b uri "^/admin";
    egov_signature c ua "(?i)curl";
    egov_signature d ua "Mozilla";
--- config_ok

=== TEST 8d: ... but a header's or a query's that matches any value refuses those that send one (an httpoxy block: "Proxy" sent at all)
--- config
    egov_signature debug header:X-Debug "";
    egov_signature httpoxy header:Proxy ".*";
    egov_signature noquery args ".*";
    location / { return 200 "ok"; }
--- request eval
["GET /", "GET /", "GET /", "GET /?a=1"]
--- more_headers eval
["User-Agent: Mozilla/5.0", "User-Agent: Mozilla/5.0\nX-Debug: 1", "Proxy: http://evil", ""]
--- error_code eval
[200, 403, 403, 403]

=== TEST 9: an unknown field
--- config
    egov_signature odd body "x";
--- must_die
--- error_log eval
[qr/egov_signature "odd": the field must be "ua", "uri", "args" or "header:NAME", not "body" in \S+nginx\.conf:\d+/]

=== TEST 10: the same name twice
--- config
    egov_signature a ua "x";
    egov_signature a uri "y";
--- must_die
--- error_log eval
[qr/duplicate signature "a" at this level in \S+nginx\.conf:\d+/]

=== TEST 11: egov_signatures takes on, off or dry_run
--- config
    egov_signatures yes;
--- must_die
--- error_log eval
[qr/invalid value "yes" in "egov_signatures" directive, it must be "on", "off" or "dry_run" in \S+nginx\.conf:\d+/]

=== TEST 12: egov_signatures twice at one level
--- config
    egov_signatures on;
    egov_signatures off;
--- must_die
--- error_log eval
[qr/"egov_signatures" directive is duplicate in \S+nginx\.conf:\d+/]

#!/usr/bin/perl
# egov_signatures_data: the OWASP CRS data files, read at configuration
# time (small files of our own here, for exact answers; Debian's
# modsecurity-crs package's in the last tests), matched as CRS's
# @pmFromFile matches them: any phrase, ignoring case.

use strict;
use warnings;
use lib 't/lib';
use EgovTest;

run_tests();

__DATA__

=== TEST 1: a User-Agent naming a scanner of the data file is refused; the others are not
--- user_files
>>> crs1/scanners-user-agents.data
# scanners, one per line
nikto

Fuzz Faster U Fool
  masscan  
>>> crs1/restricted-files.data
.htpasswd
/.git/
--- config
    egov_signatures_data $TEST_NGINX_HTML_DIR/crs1;
    location / {
        add_header X-Reason $egov_block_reason always;
        return 200 "ok";
    }
--- request eval
["GET /", "GET /", "GET /", "GET /", "GET /", "GET /"]
--- more_headers eval
["User-Agent: Mozilla/5.00 (NIKTO/2.1.6)",
 "User-Agent: fuzz faster u fool v2",
 "User-Agent: MASSCAN/1.3",
 "User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
 "User-Agent: Fuzz Faster U Foo",
 ""]
--- error_code eval
[403, 403, 403, 200, 200, 200]
--- response_headers eval
["X-Reason: signature:crs-scanner-ua", "X-Reason: signature:crs-scanner-ua",
 "X-Reason: signature:crs-scanner-ua", "!X-Reason", "!X-Reason", "!X-Reason"]

=== TEST 2: restricted files, on the decoded, normalized path
--- user_files
>>> crs2/restricted-files.data
.htpasswd
/.git/
wp-config.php
--- config
    egov_signatures_data $TEST_NGINX_HTML_DIR/crs2;
    location / {
        add_header X-Reason $egov_block_reason always;
        return 200 "ok";
    }
--- request eval
["GET /site/.HTPASSWD", "GET /app/.git/config", "GET /a/%2egit/HEAD",
 "GET /x/../.git/config", "GET /blog/wp-config.php.bak",
 "GET /git/", "GET /docs/htpasswd-guide.html", "GET /search?q=.htpasswd"]
--- error_code eval
[403, 403, 403, 403, 403, 200, 200, 200]
--- response_headers eval
["X-Reason: signature:crs-restricted-file", undef, undef, undef, undef,
 "!X-Reason", "!X-Reason", "!X-Reason"]

=== TEST 3: dry run logs and serves; off turns the data off too
--- user_files
>>> crs3/scanners-user-agents.data
onlyincrs
--- config
    egov_signatures_data $TEST_NGINX_HTML_DIR/crs3;
    location /dry { egov_signatures dry_run; return 200 "ok"; }
    location /off { egov_signatures off; return 200 "ok"; }
    location / { return 200 "ok"; }
--- request eval
["GET /dry", "GET /off", "GET /"]
--- more_headers eval
["User-Agent: OnlyInCRS/1", "User-Agent: OnlyInCRS/1", "User-Agent: OnlyInCRS/1"]
--- error_code eval
[200, 200, 403]
--- error_log eval
[qr/\[warn\] .*egov: dry run, would have refused \(dry_run:signature:crs-scanner-ua\)/]

=== TEST 4: with the built-in set and a site's own signature, each names itself
--- user_files
>>> crs4/scanners-user-agents.data
onlyincrs
--- config
    egov_signatures on;
    egov_signatures_data $TEST_NGINX_HTML_DIR/crs4;
    egov_signature old-api uri "^/api/v0/";
    location / {
        add_header X-Reason $egov_block_reason always;
        return 200 "ok";
    }
--- request eval
["GET /", "GET /", "GET /api/v0/x", "GET /.env"]
--- more_headers eval
["User-Agent: sqlmap/1.7", "User-Agent: OnlyInCRS/1.0", "", ""]
--- error_code eval
[403, 403, 403, 403]
--- response_headers eval
["X-Reason: signature:scanner-ua", "X-Reason: signature:crs-scanner-ua",
 "X-Reason: signature:old-api", "X-Reason: signature:probe-path"]

=== TEST 5: nginx -t says what each file gave
--- user_files
>>> crs5/scanners-user-agents.data
a
b
>>> crs5/scanners-urls.data
/nessustest
--- config
    egov_signatures_data $TEST_NGINX_HTML_DIR/crs5;
    location / { return 200 "ok"; }
--- config_ok
--- error_log eval
[qr/egov: signatures "crs-scanner-ua": 2 phrases from "\S+\/crs5\/scanners-user-agents\.data"/,
 qr/egov: signatures "crs-scanner-url": 1 phrases from "\S+\/crs5\/scanners-urls\.data"/]

=== TEST 6: a directory without any of the files
--- user_files
>>> crs6/other.data
x
--- config
    egov_signatures_data $TEST_NGINX_HTML_DIR/crs6;
--- must_die
--- error_log eval
[qr/egov_signatures_data: "\S+\/crs6" has none of scanners-user-agents\.data, scanners-urls\.data, restricted-files\.data \(Debian's modsecurity-crs installs them in \/usr\/share\/modsecurity-crs\/rules\) in \S+nginx\.conf:\d+/]

=== TEST 7: a control byte in a phrase, with its file and line
--- user_files eval
">>> crs7/scanners-user-agents.data\nnikto\n# fine\nbad\x01one\n"
--- config
    egov_signatures_data $TEST_NGINX_HTML_DIR/crs7;
--- must_die
--- error_log eval
[qr/egov_signatures_data "\S+\/crs7\/scanners-user-agents\.data", line 3: a control byte in a phrase in \S+nginx\.conf:\d+/]

=== TEST 8: a file of comments only
--- user_files
>>> crs8/restricted-files.data
# nothing yet
--- config
    egov_signatures_data $TEST_NGINX_HTML_DIR/crs8;
--- must_die
--- error_log eval
[qr/egov_signatures_data "\S+\/restricted-files\.data": no phrase in it in \S+nginx\.conf:\d+/]

=== TEST 9: twice at one level
--- user_files
>>> crs9/restricted-files.data
.htpasswd
--- config
    egov_signatures_data $TEST_NGINX_HTML_DIR/crs9;
    egov_signatures_data $TEST_NGINX_HTML_DIR/crs9;
--- must_die
--- error_log eval
[qr/duplicate signature "crs-restricted-file" at this level in \S+nginx\.conf:\d+/]

=== TEST 10: Debian's modsecurity-crs, as installed: its scanners and restricted files, and browsers pass
--- config
    egov_signatures_data /usr/share/modsecurity-crs/rules;
    location / {
        add_header X-Reason $egov_block_reason always;
        return 200 "ok";
    }
--- request eval
["GET /", "GET /", "GET /", "GET /.htaccess", "GET /app/.env",
 "GET /nessustest", "GET /", "GET /services/renew?id=7"]
--- more_headers eval
["User-Agent: Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)",
 "User-Agent: WPScan v3.8.22 (https://wpscan.com/wordpress-security-scanner)",
 "User-Agent: Mozilla/5.0 zgrab/0.x", "", "", "",
 "User-Agent: Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1",
 "User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"]
--- error_code eval
[403, 403, 403, 403, 403, 403, 200, 200]
--- response_headers eval
["X-Reason: signature:crs-scanner-ua", "X-Reason: signature:crs-scanner-ua",
 "X-Reason: signature:crs-scanner-ua", "X-Reason: signature:crs-restricted-file",
 "X-Reason: signature:crs-restricted-file", "X-Reason: signature:crs-scanner-url",
 "!X-Reason", "!X-Reason"]

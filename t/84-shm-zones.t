#!/usr/bin/perl
# The module's own shared memory zones have fixed names (docs/operations.md):
# egov_stats, egov_history, egov_labels, egov_bans, egov_anon, egov_fleet.  Another zone of the same
# name (limit_req_zone here) is refused by "nginx -t", naming the zone,
# rather than two features sharing one memory.

use strict;
use warnings;
use lib 't/lib';
use EgovTest;

run_tests();

__DATA__

=== TEST 1: egov_stats, the counters (always there)
--- http_config
    limit_req_zone $binary_remote_addr zone=egov_stats:1m rate=1r/s;
--- config
    location / { return 200 "ok\n"; }
--- must_die
--- error_log eval
[qr/the shared memory zone "egov_stats" is already declared for a different use/]

=== TEST 1b: egov_history, the status page's last hour (always there)
--- http_config
    limit_req_zone $binary_remote_addr zone=egov_history:1m rate=1r/s;
--- config
    location / { return 200 "ok\n"; }
--- must_die
--- error_log eval
[qr/the shared memory zone "egov_history" is already declared for a different use/]

=== TEST 1c: egov_labels, refusals by list and signature (always there)
--- http_config
    limit_req_zone $binary_remote_addr zone=egov_labels:1m rate=1r/s;
--- config
    location / { return 200 "ok\n"; }
--- must_die
--- error_log eval
[qr/the shared memory zone "egov_labels" is already declared for a different use/]

=== TEST 2: egov_bans, with egov_ban_zone
--- http_config
    egov_ban_zone size=1m;
    limit_req_zone $binary_remote_addr zone=egov_bans:1m rate=1r/s;
--- config
    location / { return 200 "ok\n"; }
--- must_die
--- error_log eval
[qr/the shared memory zone "egov_bans" is already declared for a different use/]

=== TEST 3: egov_anon, with the anonymization variables
--- http_config
    egov_anon_addr hash;
    log_format anon '$egov_anon_addr';
    access_log logs/anon.log anon;
    limit_req_zone $binary_remote_addr zone=egov_anon:1m rate=1r/s;
--- config
    location / { return 200 "ok\n"; }
--- must_die
--- error_log eval
[qr/the shared memory zone "egov_anon" is already declared for a different use/]

=== TEST 4: egov_fleet, with egov_redis and a ban zone
--- http_config
    egov_redis 127.0.0.1:6390;
    egov_ban_zone size=1m;
    limit_req_zone $binary_remote_addr zone=egov_fleet:1m rate=1r/s;
--- config
    location / { return 200 "ok\n"; }
--- must_die
--- error_log eval
[qr/the shared memory zone "egov_fleet" is already declared for a different use/]

=== TEST 5: a zone of another name is no conflict
--- http_config
    egov_ban_zone size=1m;
    limit_req_zone $binary_remote_addr zone=portal:1m rate=1r/s;
--- config
    location / { limit_req zone=portal burst=5; return 200 "ok\n"; }
--- request
GET /
--- response_body
ok

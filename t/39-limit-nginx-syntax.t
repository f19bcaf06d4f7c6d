#!/usr/bin/perl
# egov_limit_zone and egov_limit as nginx users write limit_req_zone and
# limit_req: "egov_limit_zone $binary_remote_addr zone=NAME:10m
# rate=10r/s;" is the same zone as name= key= size=, and an egov_limit may
# come before its zone in the http block (Debian's sites-enabled/ and
# conf.d/ are read in name order), the zone found once the block is read;
# a zone declared nowhere is named with the egov_limit's file and line.

use strict;
use warnings;
use lib 't/lib';
use Test::More;
use EgovTest;
use EgovTest::Nginx;

my $n = EgovTest::Nginx->new;
$n->start(http_config => <<'END', config => <<'END2');
    # a server read before the zone it uses
    server {
        listen 127.0.0.1:$TEST_NGINX_BACKEND_PORT;
        location / { egov_limit zone=late; return 200 "late\n"; }
    }

    egov_limit_zone $binary_remote_addr zone=nginxish:1m rate=1r/m;
    egov_limit_zone name=late key=$binary_remote_addr rate=1r/m size=1m;
END
    location /n { egov_limit zone=nginxish burst=1 nodelay; return 200 "n\n"; }
END2

is($n->request(uri => '/n')->status, 200, 'limit_req_zone syntax: the first request passes');
is($n->request(uri => '/n')->status, 200, '... the burst of 1');
is($n->request(uri => '/n')->status, 429, '... then 429: rate=1r/m, as written');

my $late = sub { $n->request(uri => '/', port => $n->port2)->status };
is($late->(), 200, 'a limit before its zone in the http block: passes');
is($late->(), 429, '... and limits, with the zone declared after it');

$n->stop;
is_deeply([$n->log_problems], [], 'no alerts, no sanitizer reports');

# nginx -t

my $t = EgovTest::Nginx->new;
my ($ok, $out) = $t->test_config(config => "location / { egov_limit zone=nowhere; }\n");
ok(!$ok, 'a zone declared nowhere: refused');
like($out, qr/egov_limit: unknown zone "nowhere" \(declare it with egov_limit_zone in the http block\) in \S+nginx\.conf:\d+/,
     '... at the egov_limit\'s file and line');

($ok, $out) = $t->test_config(http_config => "egov_limit_zone \$binary_remote_addr zone=z rate=1r/s;\n");
ok(!$ok, 'zone= without a size: refused');
like($out, qr/egov_limit_zone: invalid "zone=z", expected zone=NAME:SIZE in \S+nginx\.conf:\d+/, '... saying the form');

($ok, $out) = $t->test_config(http_config => "egov_limit_zone \$binary_remote_addr zone=z:1m rate=1r/s burst=5;\n");
ok(!$ok, 'an unknown parameter: refused');
like($out, qr/invalid parameter "burst=5", expected name=NAME key=KEY rate=RATE size=SIZE \(or KEY zone=NAME:SIZE rate=RATE, as limit_req_zone\)/,
     '... saying the forms it takes');

done_testing();

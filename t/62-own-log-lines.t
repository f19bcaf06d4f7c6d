#!/usr/bin/perl
# The module's own error lines go without what nginx adds to a request's
# lines (the client's address, the request line with its query, the
# host): a signature that gave up, /64 bans gathered into a /48, a limit
# zone that is full, each made by a visitor's request with personal data
# in its query (found by a helper's review: these went through the
# request's log and carried "client:" and "request:").

use strict;
use warnings;
use lib 't/lib';
use Test::More;
use EgovTest;
use EgovTest::Nginx;

my $n = EgovTest::Nginx->new(log_level => 'notice');
$n->start(http_config => <<'END', config => <<'END2');
    egov_limit_zone name=z key=$arg_k rate=100r/s size=32k;
    egov_ban_zone size=1m;
    egov_ban after=1 within=10s for=60s;
    set_real_ip_from 127.0.0.1;
    real_ip_header X-Forwarded-For;
END
    egov_signatures on;
    egov_signature nested header:X-Probe "^(a+)+$";
    location /lim { egov_limit zone=z burst=5 nodelay; return 200 "ok\n"; }
    location / { return 200 "ok\n"; }
END2

$n->request(uri => '/?email=someone%40example.om&civil=12345678',
            headers => [['X-Probe', 'a' x 40 . 'b'],
                        ['X-Forwarded-For', '198.51.100.23']]);
like($n->error_log, qr/\[warn\] .*egov: "nested" gave up/, 'a signature gave up: said');

$n->request(uri => '/.env?phone=96891234567',
            headers => [['X-Forwarded-For', "2001:db8:1:$_\::1"]]) for 1 .. 8;
like($n->error_log, qr/\[warn\] .*egov: 8 IPv6 \/64 bans in one \/48/, 'bans gathered into a /48: said');

for my $i (1 .. 3000) {
    $n->request(uri => "/lim?k=$i" . ('x' x 200) . '&email=someone%40example.om',
                headers => [['X-Forwarded-For', '203.0.113.77']]);
    last if $i % 100 == 0 && $n->error_log =~ /is full/;
}
like($n->error_log, qr/egov_limit_zone "z" is full/, 'a limit zone full: said');

# a refusal's own line names the host, and the client's Host is its text
# (a second review: "host: me@x.om")
$n->request(uri => '/.env', headers => [['Host', 'someone@example.om'],
                                        ['X-Forwarded-For', '198.51.100.24']]);
like($n->error_log, qr/egov: refused \(signature:probe-path\), incident \w+, host: \[redacted\]/,
     'a refusal for a Host that is no host name: [redacted]');

my @own = grep { /egov/ && !/\[debug\]/ } split /\n/, $n->error_log;
ok(@own >= 3, scalar(@own) . ' lines of the module');
for my $line (@own) {
    unlike($line, qr/client: |request: |198\.51\.100\.2[34]|2001:db8|203\.0\.113\.77|someone|12345678|96891234567/,
           'no address, request or query: ' . substr($line, 0, 90));
}

$n->stop;
check_log_clean($n);
done_testing();

#!/usr/bin/perl
# The promise made checkable: traffic from many addresses (127.x.y.z, ::1,
# and clients behind a trusted proxy through X-Forwarded-For and realip)
# leaves no raw address, e-mail address or redacted value in the access log
# while the counts per anonymized address still add up; with
# egov_anon_error_log on, nginx's error_log lines after 404s, rate-limit
# refusals (nginx's limit_req and egov_limit) and upstream errors carry the
# anonymized address and the redacted request line instead.

use strict;
use warnings;
use lib 't/lib';
use Test::More;
use JSON::PP;
use EgovTest;
use EgovTest::Nginx;

my $n = EgovTest::Nginx->new(log_level => 'info');
$n->start(default_server => 1, http_config => <<'END', config => <<'END2');
    log_format egov_anonymized '$egov_anon_addr - [$time_local] '
                               '"$request_method $egov_anon_uri" $status '
                               '"$egov_anon_referer" "$egov_anon_ua" '
                               '"$egov_anon_xff"';
    egov_anon_addr hash;
    egov_anon_error_log on;
    set_real_ip_from 127.0.0.2;
    real_ip_header X-Forwarded-For;
    limit_req_zone $binary_remote_addr zone=nginx_limit:1m rate=1r/m;
    egov_limit_zone name=egov key=$binary_remote_addr rate=1r/m size=1m;
    # another server on the port: nginx then finds servers by their names
    server {
        listen 127.0.0.1:$TEST_NGINX_PORT;
        server_name other-server.example;
        return 444;
    }
END
    access_log logs/anon.log egov_anonymized;
    server_name *.ec2.internal web01-2024-1.example.com .amazonaws.com
                "~^[a-z0-9]+\.example\.com$" www.portal.*;
    location / { return 200 "ok\n"; }
    location /missing { root html/nothing-here; }
    location /nginx-limited { limit_req zone=nginx_limit; try_files $uri =204; }
    location /egov-limited { egov_limit zone=egov; return 200; }
    location /up { proxy_pass http://127.0.0.1:1; }
    location = /status { egov_status; allow 127.0.0.1; deny all; }
END2

my %sent;        # raw address => requests
my @raw;

# 40 loopback clients, 3 requests each, with personal data in the query
for my $i (1 .. 40) {
    my $addr = sprintf '127.%d.%d.%d', 3 + $i % 5, $i, 10 + $i;
    push @raw, $addr;
    for my $k (1 .. 3) {
        my $r = $n->request(uri => "/?email=user$i%40example.com&k=$k",
                            client_addr => $addr,
                            headers => [['Referer',
                                         "https://mail.example.org/u/$i?x=1"]]);
        is($r->status, 200, "client $i request $k") if $k == 1 && $i <= 2;
        $sent{$addr}++;
    }
}

# clients behind the trusted proxy 127.0.0.2
for my $i (1 .. 10) {
    my $addr = "203.0.113.$i";
    push @raw, $addr;
    for (1 .. 2) {
        $n->request(uri => "/?phone=%2B968912345$i", client_addr => '127.0.0.2',
                    headers => [['X-Forwarded-For', "198.51.100.$i, $addr"]]);
        $sent{$addr}++;
    }
}

SKIP: {
    skip 'no IPv6 loopback', 1 unless EgovTest::Nginx::have_ipv6();
    $n->request(uri => '/?token=secret-token-value', ipv6 => 1) for 1 .. 2;
    $sent{'::1'} += 2;
}

# errors: 404s, limit refusals, upstream errors, from their own clients
is($n->request(uri => '/missing/file?email=me%40example.com',
               client_addr => '127.9.9.9')->status, 404, 'a 404');
$n->request(uri => '/nginx-limited?id=96891234567', client_addr => '127.9.9.8')
    for 1 .. 2;
$n->request(uri => '/egov-limited?id=96891234567', client_addr => '127.9.9.7')
    for 1 .. 2;
is($n->request(uri => '/up?mail=a%40b.cc', client_addr => '127.9.9.6',
               headers => [['Referer', 'https://search.example/?q=my+name']])
     ->status, 502, 'an upstream error');
is($n->request(uri => '/up/me%40example.org/96891234567?x=1',
               client_addr => '127.9.9.5')->status, 502,
   'an upstream error for a path with personal data');
# an absolute URI keeps its path, redacted (a second review: it became
# "GET [redacted]"); a Host of digits alone is no host name
is($n->request(raw => "GET http://localhost/missing/abs?email=me%40example.com HTTP/1.1\r\n"
                      . "Host: localhost\r\nConnection: close\r\n\r\n",
               client_addr => '127.9.9.3')->status, 404, 'an absolute URI: a 404');
is($n->request(uri => '/missing/digits', headers => [['Host', '96891234567']],
               client_addr => '127.9.9.3')->status, 404, 'a Host of digits: a 404');
is($n->request(uri => '/missing/ported', headers => [['Host', '96891234567:80']],
               client_addr => '127.9.9.3')->status, 404, 'a Host of digits with a port: a 404');
is($n->request(uri => '/missing/v6', headers => [['Host', '[::1]:8080']],
               client_addr => '127.9.9.3')->status, 404, 'an IPv6 literal Host with a port: a 404');
is($n->request(uri => '/missing/dotted', headers => [['Host', '9123.45.67.89']],
               client_addr => '127.9.9.3')->status, 404, 'a Host of digits and a dot: a 404');
is($n->request(raw => "GET http://ahmed:Passw0rd\@localhost/missing/cred HTTP/1.1\r\n"
                      . "Host: localhost\r\nConnection: close\r\n\r\n",
               client_addr => '127.9.9.3')->status, 400, 'an absolute URI with credentials: refused by nginx');
# a Host that is no host name (found by a helper's review: it went out
# as the client wrote it)
is($n->request(uri => '/missing/host', headers => [['Host', 'someone\@example.om']],
               client_addr => '127.9.9.4')->status, 404, 'a 404 for a Host with an e-mail address');
# a bracketed Host that is no IPv6 address, a port that is no port, digits
# within a name (a fifth review: each went out as written)
my %odd = (v6digits => '[96891234567]', v6port => '[96891234567]:80',
           v6groups => '[9689:1234:567]', port => 'localhost:96891234567',
           named => 'x96891234567', domain => '96891234567.om',
           bigport => 'localhost:70000', wrapport => 'localhost:18446744073709551696',
           hyphens => '96891-234567.om', hyphens2 => 'x-968-9123-4567', local => 'x96891234.om',
           dotted => '968.912.345.67');
for my $k (sort keys %odd) {
    is($n->request(uri => "/missing/odd-$k", headers => [['Host', $odd{$k}]],
                   client_addr => '127.9.9.3')->status, 404, "a Host '$odd{$k}': a 404");
}
# ... but the server's own names are kept, whatever digits they hold
# (server_name: exact, wildcards, a regular expression; a seventh review:
# no rule on a name's shape told phone numbers from cloud host names)
my %names = (ec2 => 'ip-172-31-20-123.ec2.internal', aws => 'ec2-203-113-145-210.compute-1.amazonaws.com',
             web => 'web01-2024-1.example.com', hex => 'a1b2c3d4e5f6g7.example.com',
             tail => 'www.portal.om', dot => 'WWW.Portal.OM.');
# and a name the server does not answer to is the client's text
$odd{other} = 'other-host.example.net';
$odd{tel} = 'x-555-123-4567.om';
is($n->request(uri => "/missing/odd-$_", headers => [['Host', $odd{$_}]],
               client_addr => '127.9.9.3')->status, 404, "a Host '$odd{$_}': a 404") for qw(other tel);
for my $k (sort keys %names) {
    is($n->request(uri => "/missing/name-$k", headers => [['Host', $names{$k}]],
                   client_addr => '127.9.9.3')->status, 404, "a Host '$names{$k}': a 404");
}
push @raw, '127.9.9.9', '127.9.9.8', '127.9.9.7', '127.9.9.6', '127.9.9.5', '127.9.9.4',
           '127.9.9.3';

sleep 1;
my $access = $n->read_file('logs/anon.log');
my $error = $n->error_log;

# the access log: nothing raw, counts add up

for my $addr (@raw) {
    unlike($access, qr/(?<![\d.])\Q$addr\E(?![\d])/, "access log: no $addr")
        if $addr =~ /\.(1|2|10)$/ || $addr =~ /^127\.9/;
}
my @leaks = grep { index($access, $_) >= 0 } @raw;
is(scalar @leaks, 0, 'access log: none of the ' . scalar(@raw)
   . ' raw client addresses') or diag "@leaks";
unlike($access, qr/example\.com|%40|968912345|secret-token-value|\/u\/\d/,
       'access log: no e-mail address, phone number, token or referring path');
unlike($access, qr/198\.51\.100\.\d+\b(?!\.)/, 'access log: nor the proxies in X-Forwarded-For');
like($access, qr/"https:\/\/mail\.example\.org"/, 'the referring site is kept');

my %count;
$count{$1}++ while $access =~ /^([0-9a-f]{16}) - .*"GET \/\?/mg;
my @got = sort { $a <=> $b } values %count;
my @want = sort { $a <=> $b } values %sent;
is_deeply(\@got, \@want,
          'one anonymized address per client, with its number of requests')
    or diag explain [\@got, \@want];

# the error log: anonymized addresses, redacted request lines

like($error, qr/\[error\] .*open\(\) "\S+nothing-here\/missing\/file" failed .*, client: [0-9a-f]{16}, server: localhost, request: "GET \/missing\/file\?email=\[redacted\] HTTP\/1\.1"/,
     '404: the anonymized address and the redacted request line');
like($error, qr/\[error\] .*limiting requests, excess: .* by zone "nginx_limit", client: [0-9a-f]{16}, server: localhost, request: "GET \/nginx-limited\?id=\[redacted\] HTTP\/1\.1"/,
     "nginx's limit_req refusal too");
like($error, qr/connect\(\) failed \(111: Connection refused\) while connecting to upstream, client: [0-9a-f]{16}, server: localhost, request: "GET \/up\?mail=\[redacted\] HTTP\/1\.1", upstream: "http:\/\/127\.0\.0\.1:1\/up\?mail=\[redacted\]", host: "localhost", referrer: "https:\/\/search\.example"/,
     'an upstream error: address, request line, upstream URI and referrer cleaned');
like($error, qr/request: "GET \/up\/\[redacted\]\/\[redacted\]\?x=1 HTTP\/1\.1", upstream: "http:\/\/127\.0\.0\.1:1\/up\/\[redacted\]\/\[redacted\]\?x=1"/,
     'the path redacted in the request line and the upstream URI');
like($error, qr/missing\/host" failed .*, host: "\[redacted\]"/,
     'a Host that is no host name: redacted');
like($error, qr/request: "GET http:\/\/localhost\/missing\/abs\?email=\[redacted\] HTTP\/1\.1"/,
     'an absolute URI: its path and query, redacted');
like($error, qr/missing\/digits" failed .*, host: "\[redacted\]"/,
     'a Host of digits alone: redacted');
unlike($error, qr/96891234567|9123\.45\.67/, '... nowhere');
like($error, qr/missing\/ported" failed .*, host: "\[redacted\]"/,
     'a Host of digits with a port: redacted (a fourth review)');
like($error, qr/missing\/v6" failed .*, host: "\[::1\]:8080"/,
     'an IPv6 literal Host with a port: kept');
for my $k (sort keys %odd) {
    like($error, qr/missing\/odd-$k" failed .*, host: "\[redacted\]"/,
         "a Host '$odd{$k}': redacted");
}
unlike($error, qr/968912345|70000|1844674407|96891-234567|968-9123|96891234|968\.912/, '... nowhere');
for my $k (sort keys %names) {
    like($error, qr/missing\/name-$k" failed .*, host: "\Q$names{$k}\E"/,
         "a Host '$names{$k}': kept");
}
like($error, qr/client sent invalid request while reading client request line, .*request: "GET \[redacted\]"/,
     'an absolute URI with credentials: the method alone (a third review)');
unlike($error, qr/Passw0rd/, '... the password nowhere');
unlike($error, qr/someone\@example/, '... nowhere in the error log');
@leaks = grep { index($error, $_) >= 0 } @raw;
is(scalar @leaks, 0, 'error log: none of the raw client addresses') or diag "@leaks";
unlike($error, qr/%40|a\@b|example\.org|968912345|my\+name/, 'error log: no personal data of requests');

# the counters say how much was anonymized
my $st = JSON::PP::decode_json($n->request(uri => '/status')->body)->{counters};
cmp_ok($st->{anon_queries_total}, '>=', 140, "queries redacted: $st->{anon_queries_total}");
cmp_ok($st->{anon_addresses_total}, '>=', 50, "addresses anonymized: $st->{anon_addresses_total}");
cmp_ok($st->{anon_error_lines_total}, '>=', 3, "error lines cleaned: $st->{anon_error_lines_total}");

$n->stop;
check_log_clean($n);

# off in a location: nginx's own lines, as an operator debugging asks

my $d = EgovTest::Nginx->new;
$d->start(http_config => 'egov_anon_error_log on;', config => <<'END');
    location /debug { egov_anon_error_log off; root html/nothing; }
    location /private { root html/nothing; }
END
$d->request(uri => '/debug/x?e=me%40example.com', client_addr => '127.8.8.8');
$d->request(uri => '/private/x?e=me%40example.com', client_addr => '127.8.8.9');
# on one keep-alive connection, a request in the "off" location, then one
# nginx refuses before the phases see it (found by a helper's review: it
# went out with the raw address the "off" location had put back)
$d->request(raw => "GET /debug/y HTTP/1.1\r\nHost: x\r\n\r\n"
                   . "GET /z?e=me%40example.com HTTP/1.1\r\nHost: x\r\nBad\x01: y\r\n\r\n",
            client_addr => '127.8.8.7', timeout => 2);
$error = $d->error_log;
like($error, qr/client sent invalid header line: .* client: 127\.8\.8\.0, server: localhost, request: "GET \/z\?e=\[redacted\] HTTP\/1\.1"/,
     'keep-alive after an "off" location: the next request\'s refusal is anonymized');
my @raw_lines = grep { /127\.8\.8\.7/ && !/\[debug\]/ && !m{/debug/y} } split /\n/, $error;
is(scalar @raw_lines, 0, '... the raw address only in the "off" location\'s own line')
    or diag "@raw_lines";
like($error, qr/client: 127\.8\.8\.8, server: localhost, request: "GET \/debug\/x\?e=me%40example\.com HTTP\/1\.1"/,
     'egov_anon_error_log off in a location: the raw line');
like($error, qr/client: 127\.8\.8\.0, server: localhost, request: "GET \/private\/x\?e=\[redacted\] HTTP\/1\.1"/,
     'on elsewhere: truncated (the default mode), redacted');
$d->stop;
check_log_clean($d);

# lines written before the phases see a request (a bad request line or
# header, a client gone while waiting): the http level's setting, its
# defaults included (they were unset: the address went out as it was)

my $e = EgovTest::Nginx->new(log_level => 'info');
my $h2port = $e->port2;
$e->start(http_config => "egov_anon_error_log on;\n"
                         . "server { listen 127.0.0.1:$h2port http2; location / { return 200; } }",
          config => 'location / { return 200; }');
# an HTTP/2 stream nginx refuses before the phases: its own connection
# (found by a helper's review: it had no shadow, the raw address went out)
my $have_curl = system('curl --version >/dev/null 2>&1') == 0;
system('curl', '-s', '-o', '/dev/null', '--http2-prior-knowledge', '--interface', '127.7.7.6',
       '-H', 'X Bad: 1', "http://127.0.0.1:$h2port/h2?e=me%40example.com") if $have_curl;
for my $raw ("GET ?email=me%40example.com HTTP/1.1\r\nHost: x\r\n\r\n",
             "GET /x?email=me%40example.com HTTP/1.1\r\nHost: x\r\nBad\x01: y\r\n\r\n",
             # lines nginx refuses that are no method, target and version
             # (found by a helper's review: what followed a space, or
             # came before the first "/", went out as it was)
             "GET /a b=someone\@example.om HTTP/1.1\r\nHost: x\r\n\r\n",
             "GET /x?a=1 email=someone\@example.om HTTP/1.1\r\nHost: x\r\n\r\n",
             "GET someone\@example.om/x HTTP/1.1\r\nHost: x\r\n\r\n",
             # a line with no method (a second review)
             "/x someone\@example.om 91234567 HTTP/1.1\r\nHost: x\r\n\r\n",
             '') {
    $e->request(raw => $raw, client_addr => '127.7.7.7', timeout => 2);
}
sleep 1;
$error = $e->error_log;
like($error, qr/client sent invalid request while reading client request line, client: 127\.7\.7\.0, server: localhost, request: "GET \?email=\[redacted\] HTTP\/1\.1"/,
     'a refused request line: the address truncated, the query redacted');
like($error, qr/client sent invalid header line: .* client: 127\.7\.7\.0, server: localhost, request: "GET \/x\?email=\[redacted\] HTTP\/1\.1"/,
     'a refused header: the same');
like($error, qr/client closed connection while waiting for request, client: 127\.7\.7\.0/,
     'a client gone before its request: the address truncated');
my $refused_lines = () = $error =~ /request: "(?:GET)? \[redacted\]"/g;
is($refused_lines, 4, 'request lines that are no method, target and version: the method alone');
unlike($error, qr/127\.7\.7\.7|%40|someone/, 'no raw address, no e-mail address');
SKIP: {
    skip 'no curl', 2 unless $have_curl;
    like($error, qr/client sent invalid header name: "x bad" while reading client request headers, client: 127\.7\.7\.0/,
         'an HTTP/2 stream refused before the phases: the address truncated');
    unlike($error, qr/127\.7\.7\.6/, '... the raw one nowhere');
}
$e->stop;

done_testing();

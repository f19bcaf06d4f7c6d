#!/usr/bin/perl
# $egov_anon_* variables: every mode of $egov_anon_addr (truncate with its
# bits, hash, prefix) for IPv4, IPv6, IPv4-mapped IPv6 and unix-socket
# clients; X-Forwarded-For; URIs and arguments (names, patterns, encodings,
# repeated arguments, malformed percent-encoding, very long query strings);
# Referer and User-Agent, present or missing; key rotation; invalid forms.

use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Time::HiRes qw(sleep time);
use EgovTest;
use EgovTest::Nginx;

my $n = EgovTest::Nginx->new;
my $sock = $n->prefix . '/anon.sock';

$n->start(http_config => <<'END', config => <<"END2");
    log_format anon '$egov_anon_addr|$egov_anon_xff|$egov_anon_uri|'
                    '$egov_anon_args|$egov_anon_referer|$egov_anon_ua';
    egov_anon_key_rotation 2s;
    egov_anon_redact_args case-number;
END
    listen unix:$sock;
    access_log logs/anon.log anon;
    location / { return 200 "ok\\n"; }
    location /t16 { egov_anon_addr truncate v4=16 v6=64; return 200; }
    location /hash { egov_anon_addr hash; return 200; }
    location /prefix { egov_anon_addr prefix; return 200; }
    location /zero { egov_anon_addr truncate v4=0 v6=0; return 200; }
END2

# the last access log line's fields
sub fields {
    my (%r) = @_;
    my $before = () = $n->read_file('logs/anon.log') =~ /\n/g;
    my $res = $n->request(%r);
    die 'no response' unless $res->status;
    my @lines;
    for (1 .. 100) {
        @lines = split /\n/, $n->read_file('logs/anon.log');
        last if @lines > $before;
        sleep 0.01;
    }
    return split /\|/, $lines[-1], -1;
}

my @f;

# truncate (the default): the network, not the host

@f = fields(uri => '/', client_addr => '127.1.2.3');
is($f[0], '127.1.2.0', 'IPv4: the last octet is zeroed');
is($f[1], '-', 'no X-Forwarded-For: "-"');
is($f[4], '-', 'no Referer: "-"');
is($f[5], '-', 'no User-Agent: "-"');
SKIP: {
    skip 'no IPv6 loopback', 2 unless EgovTest::Nginx::have_ipv6();
    @f = fields(uri => '/', ipv6 => 1);
    is($f[0], '::', 'IPv6 ::1: the last 80 bits are zeroed');
    @f = fields(uri => '/t16', ipv6 => 1);
    is($f[0], '::', 'v6=64');
}
@f = fields(uri => '/t16', client_addr => '127.1.2.3');
is($f[0], '127.1.0.0', 'v4=16');
@f = fields(uri => '/zero', client_addr => '127.1.2.3');
is($f[0], '0.0.0.0', 'v4=0');
@f = fields(uri => '/', unix => $sock);
is($f[0], 'unix', 'a unix-socket client: "unix"');

# hash: the same address, the same value within a period

sub hashed {
    my ($addr) = @_;
    return (fields(uri => '/hash', client_addr => $addr))[0];
}

# stay inside one 2 s period
sleep(2.05 - (time - 2 * int(time / 2))) if time - 2 * int(time / 2) > 1.2;
my $h1 = hashed('127.0.0.5');
my $h2 = hashed('127.0.0.5');
my $h3 = hashed('127.0.0.6');
like($h1, qr/^[0-9a-f]{16}$/, 'hash: 64 bits as hex');
is($h2, $h1, 'hash: the same address, the same value');
isnt($h3, $h1, 'hash: another address, another value');

# X-Forwarded-For, remembered per worker as a whole: the same answer within
# the period and for the same settings only
sub xff {
    my ($uri) = @_;
    return (fields(uri => $uri, headers => [['X-Forwarded-For',
                                             '203.0.113.7, 198.51.100.23']]))[1];
}
my $x1 = xff('/hash');
like($x1, qr/^[0-9a-f]{16}, [0-9a-f]{16}$/, 'hash: each X-Forwarded-For address');
is(xff('/hash'), $x1, 'the same header, the same value');
is(xff('/t16'), '203.0.0.0, 198.51.0.0',
   'the same header elsewhere: that location\'s settings');

# the next period: unrelated values
sleep(2.05 - (time - 2 * int(time / 2)));
my $h4 = hashed('127.0.0.5');
isnt($h4, $h1, 'hash: a new period, a new value for the same address');
my $x4 = xff('/hash');
isnt($x4, $x1, 'and for the same X-Forwarded-For');
like($x4, qr/^[0-9a-f]{16}, [0-9a-f]{16}$/, 'still hashed');

# prefix: Crypto-PAn keeps prefixes and hides addresses

sub prefixed {
    my ($addr) = @_;
    return (fields(uri => '/prefix', client_addr => $addr))[0];
}

sleep(2.05 - (time - 2 * int(time / 2))) if time - 2 * int(time / 2) > 1.2;
my $p1 = prefixed('127.0.0.5');
my $p2 = prefixed('127.0.0.6');
my $p3 = prefixed('127.9.0.5');
like($p1, qr/^\d+\.\d+\.\d+\.\d+$/, 'prefix: an IPv4 address');
isnt($p1, '127.0.0.5', 'prefix: not the real one');
sub bits { unpack 'B32', pack 'C4', split /\./, $_[0] }
sub common { my ($a, $b) = map { bits($_) } @_; my $i = 0;
             $i++ while $i < 32 && substr($a, $i, 1) eq substr($b, $i, 1); $i }
is(common($p1, $p2), common('127.0.0.5', '127.0.0.6'),
   'prefix: two addresses of a /30 share 30 bits after it too');
is(common($p1, $p3), common('127.0.0.5', '127.9.0.5'),
   'prefix: and of a /12, 12 bits');

# X-Forwarded-For: each address, whatever its form

@f = fields(uri => '/', client_addr => '127.0.0.9',
            headers => [['X-Forwarded-For',
                         '203.0.113.7, 198.51.100.23:8080 , [2001:db8::1]:443, '
                         . 'unknown,garbage<script>, ::ffff:192.0.2.1, 10.0.0.0/8']]);
is($f[1], '203.0.113.0, 198.51.100.0, 2001:db8::, -, -, 192.0.2.0, -',
   'X-Forwarded-For: each address truncated, the rest "-"');
# each address may cost an HMAC (egov_anon_addr hash): the 32 last, the
# nearest to this server, are written; those before them make one "-"
my @chain = map { "198.51.$_.1" } 0 .. 199;
@f = fields(uri => '/', client_addr => '127.0.0.9',
            headers => [['X-Forwarded-For', join(', ', @chain)]]);
is($f[1], join(', ', '-', map { s/\.\d+$/.0/r } @chain[-32 .. -1]),
   'X-Forwarded-For of 200 addresses: "-", then the last 32');
# 6to4 carries an IPv4 address after 2002: cut as an IPv4 address is
@f = fields(uri => '/', client_addr => '127.0.0.9',
            headers => [['X-Forwarded-For', '2002:c000:024d::1, 2001:db8:1:2::3']]);
is($f[1], '2002:c000:200::, 2001:db8:1::',
   'X-Forwarded-For: a 6to4 address keeps 24 bits of its IPv4 address, as IPv4 addresses do');
@f = fields(uri => '/', client_addr => '127.0.0.9',
            headers => [['X-Forwarded-For', '203.0.113.7'],
                        ['X-Forwarded-For', '198.51.100.1']]);
is($f[1], '203.0.113.0, 198.51.100.0', 'two X-Forwarded-For headers');

# URI and arguments

@f = fields(uri => '/search?q=me%40example.com&page=2&password=x'
                   . '&id=96891234567&Case_Number=77&from=2024-11-24');
is($f[2], '/search?q=[redacted]&page=2&password=[redacted]&id=[redacted]'
          . '&Case_Number=[redacted]&from=2024-11-24',
   '$egov_anon_uri: sensitive values replaced, the rest kept');
is($f[3], 'q=[redacted]&page=2&password=[redacted]&id=[redacted]'
          . '&Case_Number=[redacted]&from=2024-11-24', '$egov_anon_args');
@f = fields(uri => '/x?q=a+me%2540example.com&e=%zz%4&t=1&t=me@x.org');
is($f[2], '/x?q=[redacted]&e=%zz%4&t=1&t=[redacted]',
   'encoded twice, "+", malformed percent-encoding, repeated arguments');
@f = fields(uri => '/users/me%40example.com/orders/96891234567;jsessionid=A1?x=1');
is($f[2], '/users/[redacted]/orders/[redacted];jsessionid=[redacted]?x=1',
   'the path: an e-mail address, a long number, a session parameter');
is($f[3], 'x=1', '... and the query alone in $egov_anon_args');
@f = fields(uri => '/users/me@example.com/profile');
is($f[2], '/users/[redacted]/profile', 'a path without a query, redacted');
is($f[3], '-', '... and no $egov_anon_args');
@f = fields(uri => '/news/2024/11/24/budget.html');
is($f[2], '/news/2024/11/24/budget.html', 'a date in the path stays');
@f = fields(uri => '/plain/path');
is($f[2], '/plain/path', 'no query: the URI as it is');
is($f[3], '-', 'no query: $egov_anon_args is "-"');
my $long = join '&', map { "a$_=v$_&mail$_=p$_\@example.com" } 1 .. 150;
@f = fields(uri => "/long?$long");
unlike($f[2], qr/\@example\.com/, 'a long query string: nothing left');
is(scalar(() = $f[2] =~ /\[redacted\]/g), 150,
   '150 values redacted of a 6 KB query');

# Referer and User-Agent

@f = fields(uri => '/', headers => [
    ['Referer', 'https://user:pw@Search.Example.com/results?q=my+name'],
    ['User-Agent', 'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0']]);
is($f[4], 'https://search.example.com', 'Referer: the origin only');
is($f[5], 'Firefox 121 / Linux', 'User-Agent: family, major version, OS');
@f = fields(uri => '/', headers => [['Referer', 'not a url me@x.org']]);
is($f[4], '-', 'a Referer that is not a URL: "-"');

my $log = $n->read_file('logs/anon.log');
unlike($log, qr/127\.(?:1\.2\.3|0\.0\.[569])\b/, 'no raw client address in the log');
unlike($log, qr/example\.com(?!\|)|\@x\.org|96891234567|hunter|user:pw/,
       'no e-mail address, ID or credential in the log');

$n->stop;
check_log_clean($n);

# invalid forms fail nginx -t with file and line

my @invalid = (
    ['egov_anon_addr scramble;',
     qr/egov_anon_addr: unknown mode "scramble", expected truncate, hash or prefix/],
    ['egov_anon_addr truncate v4=32;',
     qr/egov_anon_addr: truncate keeping every bit \(v4=32 or v6=128\) would log raw addresses/],
    ['egov_anon_addr truncate v6=200;',
     qr/egov_anon_addr: invalid parameter "v6=200"/],
    ['egov_anon_addr hash v4=8;', qr/egov_anon_addr: invalid parameter "v4=8"/],
    ['egov_anon_addr hash; egov_anon_addr prefix;',
     qr/"egov_anon_addr" directive is duplicate/],
    ['egov_anon_redact_args ---;',
     qr/egov_anon_redact_args: "---" has no letter or digit/],
    ['egov_anon_key_rotation 0s;', qr/"egov_anon_key_rotation" directive must be at least 1s/],
    ['egov_anon_secret /nonexistent;', qr{open\(\) "/nonexistent" failed}],
    ['egov_anon_error_log maybe;',
     qr/invalid value "maybe" in "egov_anon_error_log" directive, it must be "on" or "off"/],
);

for my $case (@invalid) {
    my ($conf, $re) = @$case;
    my $t = EgovTest::Nginx->new;
    my ($ok, $out) = $t->test_config(http_config => $conf);
    ok(!$ok, "nginx -t refuses: $conf");
    like($out, qr/$re/, '... saying why') or diag $out;
    like($out, qr/in \S+nginx\.conf:\d+/, '... and where');
}

{
    my $t = EgovTest::Nginx->new;
    $t->write_file('conf/short.secret', "short\n");
    my ($ok, $out) = $t->test_config(http_config => 'egov_anon_secret short.secret;');
    ok(!$ok, 'a short secret is refused');
    like($out, qr/egov_anon_secret "\S+short\.secret": the file must hold 16 to 4096 bytes/,
         '... saying so');
}

done_testing();

#!/usr/bin/perl
# egovctl against a running server: every command, human and --json
# output, the exit codes scripts rely on, --help for each command, the
# address and token from flags, environment or a config file.

use strict;
use warnings;
use lib 't/lib';
use Test::More;
use JSON::PP;
use EgovTest;
use EgovTest::Nginx;
use IO::Socket::IP;

my $egovctl = $ENV{EGOVCTL} || 'build/egovctl';
-x $egovctl or plan skip_all => "$egovctl not built (make egovctl)";

my $n = EgovTest::Nginx->new;
$n->write_file('conf/admin.tokens', "ops:ops-token-0123456789abcdef\n");
$n->write_file('conf/wrong.tokens', "ops:not-the-token-0123456789\n");
$n->write_file('conf/list.netset', <<'END');
# FireHOL-style list
127.0.0.80
127.0.0.84/30 ; a Spamhaus-style comment
not-an-address
2001:db8::/32
END
$n->start(http_config => <<'END', config => <<'END2',
    egov_ban_zone size=1m;
    egov_admin_token admin.tokens;
    egov_limit_zone name=api key=$binary_remote_addr rate=1r/m size=1m;
END
    location / { return 200 "ok\n"; }
    location /api/ { egov_admin; }
    location /denied/ { deny all; egov_admin; }
    location /limited/ { egov_admin; egov_limit zone=api; egov_limit_status 429; }
    location /gone/ { return 502; }
END2
    ssl => 1);

my $p = $n->prefix;
my $url = 'http://127.0.0.1:' . $n->port . '/api/';

sub ctl {
    my (@args) = @_;
    my $cmd = join ' ', map { "'$_'" } $egovctl, @args;
    my $out = `$cmd 2>&1`;
    return ($? >> 8, $out);
}

my @auth = ('--url', $url, '--token-file', "$p/conf/admin.tokens");
my ($rc, $out);

($rc, $out) = ctl(@auth, 'ban', '127.0.0.70', '--ttl', '2m', '--reason', 'scan');
is($rc, 0, 'ban --ttl 2m: exit 0') or diag $out;
like($out, qr/^127\.0\.0\.70\s+ban\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\s+admin\s+scan$/m,
     'ban: says what it did');
($rc, $out) = ctl(@auth, '--json', 'status', '127.0.0.70');
my $ttl = decode_json($out)->{entry}{expires} - time;
ok($ttl > 100 && $ttl <= 121, "--ttl 2m is two minutes ($ttl s left)");
is($n->request(uri => '/', client_addr => '127.0.0.70')->status, 403,
   'the server refuses the address');

($rc, $out) = ctl(@auth, '--json', 'ban', '127.0.0.72/31', '--kind', 'block');
is($rc, 0, 'block with --json: exit 0');
my $j = decode_json($out);
is($j->{kind}, 'block', '--json: the entry as the API gives it');
is($j->{expires}, 0, 'a block forever');

($rc, $out) = ctl(@auth, 'list');
is($rc, 0, 'list: exit 0');
like($out, qr/^127\.0\.0\.70 .*ban/m, 'list: the ban');
like($out, qr/^127\.0\.0\.72\/31 .*block\s+never\s+admin/m, 'list: the block, forever, made by an admin');
like($out, qr/^ADDRESS\s+KIND\s+EXPIRES\s+BY\s+REASON$/m, 'list: a header row');
($rc, $out) = ctl(@auth, 'list', '--kind', 'block', '--json');
is(scalar @{ decode_json($out)->{entries} }, 1, 'list --kind block --json');

($rc, $out) = ctl(@auth, 'status', '127.0.0.73');
is($rc, 0, 'status: exit 0');
like($out, qr/^entry:\s+127\.0\.0\.72\/31 .*block/m, 'status: covered by the block');
like($out, qr/^allowlisted:\s+false$/m, 'status: not allowlisted');

# import: dry run, then for real
($rc, $out) = ctl(@auth, 'import', "$p/conf/list.netset", '--dry-run');
is($rc, 0, 'import --dry-run: exit 0');
like($out, qr/list\.netset:4: not an address or prefix, skipped/, 'a bad line is reported with its line');
like($out, qr/^would add 127\.0\.0\.80$/m, 'would add an address');
like($out, qr/^would add 2001:db8::\/32$/m, 'would add an IPv6 prefix');
like($out, qr/^would add 3, unchanged 0, invalid lines 1$/m, 'the summary');
($rc, $out) = ctl(@auth, 'list', '--json');
is(scalar @{ decode_json($out)->{entries} }, 2, 'a dry run changes nothing');

($rc, $out) = ctl(@auth, 'import', "$p/conf/list.netset");
is($rc, 0, 'import: exit 0');
like($out, qr/^added 3, unchanged 0, invalid lines 1$/m, 'import: the summary');
is($n->request(uri => '/', client_addr => '127.0.0.85')->status, 403,
   'an imported prefix is refused');
($rc, $out) = ctl(@auth, '--json', 'import', "$p/conf/list.netset", '--dry-run');
is_deeply(decode_json((split /\n/, $out)[-1]),
          { would_add => 0, unchanged => 3, invalid => 1, failed => 0 },
          'importing again: nothing to add (--json)');

# a bogon list's wide prefixes: the dry run says what the API refuses
open my $wfh, '>', "$p/conf/wide.netset" or die;
print $wfh "0.0.0.0/8\n224.0.0.0/3\n::ffff:128.0.0.0/97\n";
close $wfh;
($rc, $out) = ctl(@auth, 'import', "$p/conf/wide.netset", '--dry-run');
is($rc, 4, 'import --dry-run of prefixes wider than a /8: exit 4');
like($out, qr{wide\.netset:2: 224\.0\.0\.0/3 would be refused: too wide without --force}, '... naming each');
like($out, qr/^would add 1, unchanged 0, invalid lines 0, some would be refused \(see above\)$/m, '... what the import will add');
($rc, $out) = ctl(@auth, 'import', "$p/conf/wide.netset");
like($out, qr/^added 1, unchanged 0, invalid lines 0, some failed/m, 'the import adds what the dry run said');
($rc, $out) = ctl(@auth, 'import', "$p/conf/wide.netset", '--dry-run', '--force');
like($out, qr/^would add 2, unchanged 1, invalid lines 0$/m, 'with --force: the wide ones would be added');
ctl(@auth, 'unban', '0.0.0.0/8', '--kind', 'block');

# a list longer than 65,536 JSON values (17 an entry: about 3,850
# entries) parses: "list" said it was not JSON (found by a helper's review)
open $wfh, '>', "$p/conf/many.netset" or die;
print $wfh join '', map { sprintf "10.%d.%d.0/24\n", $_ >> 8, $_ & 255 } 0 .. 3999;
close $wfh;
($rc, $out) = ctl(@auth, 'import', "$p/conf/many.netset");
like($out, qr/^added 4000, /m, '4,000 entries imported');
($rc, $out) = ctl(@auth, 'list', '--kind', 'block');
is($rc, 0, '... listed: exit 0') or diag substr($out, 0, 300);
is(scalar(() = $out =~ /^10\.\d+\.\d+\.0\/24 /mg), 4000, '... every one of them');
($rc, $out) = ctl(@auth, 'import', "$p/conf/many.netset", '--dry-run');
like($out, qr/^would add 0, unchanged 4000, /m, '... and import compares with all of them');

# a line cut short (bits beyond its prefix) and a /0: skipped, as the
# server's own lists skip them (the API refuses both; import sent the
# masked network, found by a helper's review)
open $wfh, '>', "$p/conf/cut.netset" or die;
print $wfh "198.51.100.77/24\n0.0.0.0/0\n";
close $wfh;
($rc, $out) = ctl(@auth, 'import', "$p/conf/cut.netset", '--dry-run', '--force');
like($out, qr{cut\.netset:1: bits set beyond the prefix's length \(a line cut short\?\), skipped}, 'import: a line with bits beyond its prefix skipped');
like($out, qr{cut\.netset:2: a /0 \(every address\), skipped}, '... a /0 too, even with --force');
like($out, qr/^would add 0, unchanged 0, invalid lines 2$/m, '... nothing added');

($rc, $out) = ctl(@auth, 'unban', '127.0.0.70');
is($rc, 0, 'unban: exit 0');
is($out, "removed 127.0.0.70\n", 'unban: says so');
is($n->request(uri => '/', client_addr => '127.0.0.70')->status, 200, 'served again');

($rc, $out) = ctl(@auth, 'stats');
is($rc, 0, 'stats: exit 0');
like($out, qr/^refused_dynamic_total\s+\d+$/m, 'stats: the counters');
like($out, qr/^refused_ban_total\s+1$/m, 'stats: the ban refused one request');

# exit codes
($rc, $out) = ctl(@auth, 'unban', '127.0.0.70');
is($rc, 5, 'unban of nothing: exit 5 (not found)');
like($out, qr/egovctl: 404: no such entry/, '... and says why');
($rc, $out) = ctl(@auth, 'ban', '300.1.1.1');
is($rc, 1, 'a bad address: exit 1, refused before any request');
like($out, qr/egovctl: not an IPv4 or IPv6 address or prefix/, '... and says why');
($rc, $out) = ctl(@auth, 'ban', '127.0.0.71/24');
is($rc, 4, 'a prefix with bits beyond its length: exit 4');
like($out, qr{egovctl: 400: "address" has bits set beyond its prefix: the network is 127\.0\.0\.0/24},
     '... naming the network');
($rc, $out) = ctl(@auth, 'ban', '128.0.0.0/1', '--kind', 'block');
is($rc, 4, 'a /1 (a typo for /21?): exit 4');
like($out, qr{egovctl: 400: "address" is wider than a /8: add "force":true if that is meant},
     '... saying so');
($rc, $out) = ctl(@auth, 'ban', '2.0.0.0/7', '--kind', 'block', '--force');
is($rc, 0, 'with --force: added') or diag $out;
($rc, $out) = ctl(@auth, 'unban', '2.0.0.0/7', '--kind', 'block');
is($rc, 0, '... and removed') or diag $out;
($rc, $out) = ctl('--url', $url, '--token-file', "$p/conf/wrong.tokens", 'list');
is($rc, 3, 'a wrong token: exit 3');
(my $base = $url) =~ s{/api/$}{};
($rc, $out) = ctl('--url', "$base/denied/", '--token-file', "$p/conf/admin.tokens", 'list');
is($rc, 2, 'nginx\'s own 403 (deny), not the API: exit 2 (cannot reach the API)');
like($out, qr/egovctl: 403: the answer is not the admin API's \(not JSON\)/,
     '... saying it is not the API\'s answer');
ctl('--url', "$base/limited/", '--token-file', "$p/conf/admin.tokens", 'list');
($rc, $out) = ctl('--url', "$base/limited/", '--token-file', "$p/conf/admin.tokens", 'list');
is($rc, 4, 'a limit on the API: exit 4');
like($out, qr/egovctl: 429: /, '... with the status') or diag $out;
unlike($out, qr/not JSON/, '... and the module\'s JSON reason (egovctl asks for JSON)');
($rc, $out) = ctl('--url', "$base/gone/", '--token-file', "$p/conf/admin.tokens", 'list');
is($rc, 2, 'a 502 page, not the API\'s: exit 2');
like($out, qr/egovctl: 502: the answer is not the admin API's/, '... saying so');
($rc, $out) = ctl('--url', 'http://127.0.0.1:1/api/', '--token-file',
                  "$p/conf/admin.tokens", 'list');
is($rc, 2, 'nothing listening: exit 2');
like($out, qr/egovctl: cannot connect to 127\.0\.0\.1:1/, '... and says why');
# a server that takes the connection and never answers: the timeout
{
    my $mute = IO::Socket::IP->new(LocalHost => '127.0.0.1', LocalPort => 0,
                                   Listen => 5) or die "listen: $!";
    my $t0 = time;
    ($rc, $out) = ctl('--url', 'http://127.0.0.1:' . $mute->sockport . '/api/',
                      '--token-file', "$p/conf/admin.tokens", '--timeout', '1',
                      'list');
    is($rc, 2, 'no answer: exit 2');
    like($out, qr/egovctl: cannot read the answer: no answer within the timeout/,
         '... saying so');
    ok(time - $t0 < 5, '... after the timeout, not forever');
}
($rc, $out) = ctl(@auth, '--timeout', 'soon', 'list');
is($rc, 1, 'a bad --timeout: exit 1');
like($out, qr/the timeout is whole seconds, 1 to 3600, not "soon"/, '... saying why');

# request injection: an argument that is not an address or prefix never
# reaches a request line (it smuggled a second request carrying the token)
($rc, $out) = ctl(@auth, 'ban', '127.0.0.74/31', '--kind', 'block');
is($rc, 0, 'a block to be smuggled away');
for my $cmd (qw(status unban)) {
    ($rc, $out) = ctl(@auth, $cmd, "127.0.0.9 HTTP/1.1\r\nHost: x\r\n\r\n"
                      . "DELETE /api/entries?address=127.0.0.74%2F31");
    is($rc, 1, "$cmd with a request in its argument: exit 1 (usage)");
    like($out, qr/^egovctl: not an IPv4 or IPv6 address or prefix$/m,
         '... saying why, without echoing the bytes');
    for my $arg ('127.0.0.1&kind=block', '127.0.0.1 x', "::1\n", '') {
        ($rc, $out) = ctl(@auth, $cmd, $arg);
        is($rc, 1, "$cmd refuses " . ($arg =~ s/\n/\\n/r) . ' before any request');
    }
}
($rc, $out) = ctl(@auth, 'status', '127.0.0.75');
like($out, qr/^entry:\s+127\.0\.0\.74\/31 .*block/m, 'the block is still there');
($rc, $out) = ctl(@auth, 'ban', "127.0.0.1\r\n");
is($rc, 1, 'ban: an address with a line break refused before sending');
($rc, $out) = ctl(@auth, 'status', '2001:db8::1');
is($rc, 0, 'status of an IPv6 address: colons pass encoded') or diag $out;
{
    $n->write_file('conf/crlf.tokens', "ops:ops-token\r\nX-Evil: 1\n");
    ($rc, $out) = ctl('--url', $url, '--token-file', "$p/conf/crlf.tokens", 'list');
    is($rc, 3, 'a token ends at the line break (nothing after it is sent)');
    $n->write_file('conf/ctl.tokens', "ops:ops-to\x01ken\n");
    ($rc, $out) = ctl('--url', $url, '--token-file', "$p/conf/ctl.tokens", 'list');
    is($rc, 1, 'a token with a control character: exit 1');
    like($out, qr/may hold only visible ASCII characters/, '... saying why');
    ($rc, $out) = ctl('--url', "$url x", '--token-file', "$p/conf/admin.tokens", 'list');
    is($rc, 1, 'a URL with a space: exit 1');
    like($out, qr/egovctl: the URL's path may not hold spaces or control characters/,
         '... saying why');
}
($rc, $out) = ctl(@auth, 'unban', '127.0.0.74/31', '--kind', 'block');
is($rc, 0, 'unban of a prefix (its / encoded)');

($rc, $out) = ctl(@auth, 'frobnicate');
is($rc, 1, 'an unknown command: exit 1');
($rc, $out) = ctl('frobnicate');
is($rc, 1, 'an unknown command and no token file: exit 1');
like($out, qr/^egovctl: unknown command "frobnicate"/, '... the real mistake named, not the missing token file');
($rc, $out) = ctl('--url', "$base/nowhere/", '--token-file', "$p/conf/admin.tokens", 'unban', '127.0.0.9');
is($rc, 2, 'a wrong path (nginx\'s 404 page): exit 2, not 5 (no such entry)');
($rc, $out) = ctl('--version');
is($rc, 0, '--version: exit 0');
like($out, qr/^egovctl \d+\.\d+\.\d+ \(ngx_egov_module\)$/, '--version: the version');
for my $d (['90', 90], ['90s', 90], ['15m', 900], ['1h30m', 5400], ['7d', 604800]) {
    ($rc, $out) = ctl(@auth, '--json', 'ban', '127.0.0.80', '--ttl', $d->[0]);
    my $left = eval { decode_json($out)->{expires} - time } // -1;
    ok($left > $d->[1] - 20 && $left <= $d->[1] + 1, "--ttl $d->[0]: $d->[1] seconds") or diag $out;
}
ctl(@auth, 'unban', '127.0.0.80');
for my $bad (qw(1x h 1h- 400d)) {
    ($rc, $out) = ctl(@auth, 'ban', '127.0.0.80', '--ttl', $bad);
    is($rc, 1, "--ttl $bad: refused");
}
($rc, $out) = ctl(@auth, 'ban');
is($rc, 1, 'a missing argument: exit 1');
($rc, $out) = ctl(@auth, 'ban', '127.0.0.1', '--ttl', 'soon');
is($rc, 1, 'a bad option value: exit 1');

# HTTPS to a remote node: the certificate verified, the name checked; a
# bearer token never goes to another host in clear
{
    my ($crt) = $n->ssl_certificate;
    my $https = 'https://localhost:' . $n->ssl_port . '/api/';
    my @tok = ('--token-file', "$p/conf/admin.tokens");
    ($rc, $out) = ctl('--url', $https, '--ca-file', $crt, @tok, 'list');
    is($rc, 0, 'https:// with --ca-file: exit 0') or diag $out;
    like($out, qr/^ADDRESS/m, '... the list, over TLS');
    ($rc, $out) = ctl('--url', $https, @tok, 'list');
    is($rc, 2, 'https:// to a certificate no CA of the system signed: exit 2');
    like($out, qr/egovctl: the API's certificate is not trusted: .* \(--ca-file\)/, '... saying why');
    ($rc, $out) = ctl('--url', 'https://127.0.0.1:' . $n->ssl_port . '/api/', '--ca-file', $crt, @tok, 'list');
    is($rc, 2, 'https:// to an address the certificate does not name: exit 2');
    like($out, qr/not trusted: .*mismatch/i, '... a mismatch');
    {
        local $ENV{EGOV_ADMIN_CA_FILE} = $crt;
        ($rc, $out) = ctl('--url', $https, @tok, 'list');
        is($rc, 0, 'the CA file from EGOV_ADMIN_CA_FILE');
    }
    ($rc, $out) = ctl('--url', 'http://192.0.2.1:8081/api/', @tok, 'list');
    is($rc, 1, 'http:// to another host: refused before connecting (exit 1)');
    like($out, qr/http:\/\/ only to this machine .*the token would cross the network in clear; use https:\/\/ for 192\.0\.2\.1/,
         '... saying why');
    ($rc, $out) = ctl('--url', 'http://localhost:' . $n->port . '/api/', @tok, 'list');
    is($rc, 0, 'http://localhost: allowed');
}

# help
($rc, $out) = ctl('--help');
is($rc, 0, '--help: exit 0');
like($out, qr/^Exit codes: 0 done/m, '--help lists the exit codes');
for my $c (qw(ban unban list status import stats)) {
    ($rc, $out) = ctl($c, '--help');
    is($rc, 0, "$c --help: exit 0");
    like($out, qr/^usage: egovctl $c/, "$c --help: its usage");
}

# environment and config file
{
    local $ENV{EGOV_ADMIN_URL} = $url;
    local $ENV{EGOV_ADMIN_TOKEN_FILE} = "$p/conf/admin.tokens";
    ($rc, $out) = ctl('list', '--json');
    is($rc, 0, 'address and token from the environment');
}
{
    $n->write_file('conf/egovctl.conf',
                   "# egovctl\nurl = $url\ntoken_file = $p/conf/admin.tokens\n");
    local $ENV{EGOVCTL_CONFIG} = "$p/conf/egovctl.conf";
    ($rc, $out) = ctl('list', '--json');
    is($rc, 0, 'address and token from the config file');
    $n->write_file('conf/egovctl.conf',
                   "url = $url\ntoken_file = $p/conf/admin.tokens\ntoken = x\ntimeout\n");
    ($rc, $out) = ctl('list', '--json');
    is($rc, 0, 'a config file with mistakes still works');
    like($out, qr/egovctl: \S+egovctl\.conf:3: unknown key "token" ignored \(url, token_file, timeout, ca_file\)/,
         '... an unknown key warned about, with its line');
    like($out, qr/egovctl: \S+egovctl\.conf:4: not "key = value", ignored/, '... and a line without "="');
}

$n->stop;
check_log_clean($n);

# the Host header names the URL's server (found by a helper's review: it
# was "egovctl", so an admin API on a name-based server went to the
# port's default one, a portal's, which passed the token on to its
# application); what the server sends is shown without control bytes
my $v = EgovTest::Nginx->new;
$v->write_file('conf/admin.tokens', "ops:ops-token-0123456789abcdef\n");
$v->start(http_config => <<'END', config => "location / { return 200 \"ok\\n\"; }\n");
    egov_ban_zone size=1m;
    server {
        listen 127.0.0.1:$TEST_NGINX_BACKEND_PORT default_server;
        server_name portal.test;
        location / { return 200 "the portal's application: $http_authorization\n"; }
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_BACKEND_PORT;
        server_name localhost;
        location /api/ { egov_admin; egov_admin_token admin.tokens; }
        location /evil/ {
            default_type application/json;
            return 200 '{"entries":[{"address":"127.0.0.1","kind":"ban","expires":0,"origin":"admin","reason":"\u001b]0;owned\u0007\u001b[2Jfake\\r\\nline"}]}';
        }
    }
END
my $vurl = 'http://localhost:' . $v->port2 . '/api/';
($rc, $out) = ctl('--url', $vurl, '--token-file', $v->prefix . '/conf/admin.tokens', 'list');
is($rc, 0, 'an admin API on a name-based server: reached') or diag $out;
unlike($out, qr/application/, '... never the default server');
($rc, $out) = ctl('--url', 'http://localhost:' . $v->port2 . '/evil/',
                  '--token-file', $v->prefix . '/conf/admin.tokens', 'list');
unlike($out, qr/[\x00-\x08\x0b-\x1f\x7f]/, 'control bytes from the server are not written to the terminal');
like($out, qr/\?\]0;owned\?\?\[2Jfake\?\?line/, '... they are shown as "?"');
$v->stop;
check_log_clean($v);

done_testing();

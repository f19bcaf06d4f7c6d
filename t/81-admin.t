#!/usr/bin/perl
# The admin API: every route with good and bad input, without a token and
# with a wrong one; changes take effect on requests at once, are audited
# (who, what, when, result; never the token); bad JSON, bad addresses,
# oversized bodies and wrong methods change nothing; nginx -t refuses an
# admin location without a token.

use strict;
use warnings;
use lib 't/lib';
use Test::More;
use JSON::PP;
use Time::HiRes qw(sleep);
use EgovTest;
use EgovTest::Nginx;

my $n = EgovTest::Nginx->new;
$n->write_file('conf/admin.tokens', <<'END');
# security team
alice:alice-token-0123456789abcdef
bob:bob-token-0123456789abcdef00
END
$n->start(http_config => <<'END', config => <<'END2');
    egov_ban_zone size=1m;
    egov_admin_token admin.tokens;
    egov_admin_audit_log logs/audit.log;
END
    location / { return 200 "ok\n"; }
    location /egov-admin/ {
        egov_admin;
        client_max_body_size 64k;
        client_body_buffer_size 1k;     # raised: the API's bodies stay
        client_body_in_file_only on;    # in memory, never read from a file
    }
END2

my $alice = 'alice-token-0123456789abcdef';

sub api {
    my ($method, $path, %o) = @_;
    my @h = (['Content-Type', 'application/json']);
    push @h, ['Authorization', "Bearer $o{token}"] if defined $o{token};
    my $res = $n->request(method => $method, uri => "/egov-admin/$path",
                          body => $o{body}, headers => \@h);
    my $json = eval { decode_json($res->body) };
    return ($res->status, $json, $res);
}

my ($status, $json, $res);

# authentication

($status, $json, $res) = api('GET', 'entries');
is($status, 401, 'no token: 401');
is($res->header('WWW-Authenticate'), 'Bearer realm="egov admin"', 'WWW-Authenticate');
is($json->{error}, 'a valid bearer token is needed', 'a JSON error');
($status) = api('GET', 'entries', token => 'alice-token-0123456789abcdeX');
is($status, 401, 'a wrong token: 401');
($status) = api('GET', 'entries', token => '');
is($status, 401, 'an empty token: 401');
{
    # a token whose digest begins as the real one's: the whole is compared
    require Digest::SHA;
    my $want = substr(Digest::SHA::sha256($alice), 0, 1);
    my $i = 0;
    $i++ while substr(Digest::SHA::sha256("wrong-token-$i"), 0, 1) ne $want;
    ($status) = api('GET', 'entries', token => "wrong-token-$i");
    is($status, 401, 'a token whose digest shares the first byte: 401');
}
($status, $json) = api('GET', 'entries', token => $alice);
is($status, 200, 'a good token: 200');
is_deeply($json, { entries => [] }, 'no entries yet');

# add: a ban and a block

($status, $json) = api('POST', 'entries', token => $alice,
    body => '{"address":"127.0.0.60","kind":"ban","ttl":600,"reason":"scanning"}');
is($status, 201, 'a ban: 201');
is($json->{address}, '127.0.0.60', 'its address');
is($json->{kind}, 'ban', 'its kind');
is($json->{origin}, 'admin', 'made by the admin API');
is($json->{expires} - $json->{created}, 600, 'its ttl');
is($json->{reason}, 'scanning', 'its reason');
is($n->request(uri => '/', client_addr => '127.0.0.60')->status, 403,
   'the address is refused at once');

($status, $json) = api('POST', 'entries', token => 'bob-token-0123456789abcdef00',
    body => '{"address":"127.0.0.64/30","kind":"block","reason":"abuse report \u0031"}');
is($status, 201, 'a block of a prefix, forever: 201');
is($json->{expires}, 0, 'no expiry');
is($json->{reason}, 'abuse report 1', 'an escaped reason, decoded');
is($n->request(uri => '/', client_addr => '127.0.0.66')->status, 403,
   'an address of the prefix is refused');

($status, $json) = api('GET', 'entries', token => $alice);
is(scalar @{ $json->{entries} }, 2, 'two entries listed');
($status, $json) = api('GET', 'entries?kind=block', token => $alice);
is(scalar @{ $json->{entries} }, 1, 'one block');
is($json->{entries}[0]{address}, '127.0.0.64/30', 'the prefix');

# one address's status

($status, $json) = api('GET', 'address?address=127.0.0.60', token => $alice);
is($status, 200, 'status of an address: 200');
is($json->{entry}{kind}, 'ban', 'banned');
is($json->{allowlisted}, JSON::PP::false, 'not allowlisted');
($status, $json) = api('GET', 'address?address=127.0.0.99', token => $alice);
is($json->{entry}, undef, 'another address: no entry');

# bad input changes nothing

my @bad = (
    ['{"address":"127.0.0.70"', 'bad JSON at byte 23: "," or the end of the object or array was expected', 'truncated JSON'],
    ['["127.0.0.70"]', 'a JSON object is needed', 'an array'],
    ['{"address":"300.0.0.1"}', '"address" must be an IPv4 or IPv6 address or prefix', 'a bad address'],
    ['{"address":"127.0.0.0/33"}', '"address" must be an IPv4 or IPv6 address or prefix', 'a bad prefix'],
    ['{"address":"127.0.0.70","kind":"jail"}', '"kind" must be "ban" or "block"', 'a bad kind'],
    ['{"address":"127.0.0.70","ttl":-5}', '"ttl" must be whole seconds up to 366 days (0, forever, for blocks only)', 'a negative ttl'],
    ['{"address":"127.0.0.70","ttl":0}', '"ttl" must be whole seconds up to 366 days (0, forever, for blocks only)', 'a ban forever'],
    ['{"address":"127.0.0.70","reason":"' . ('x' x 65) . '"}', '"reason" must be a string of at most 64 ASCII characters', 'a long reason'],
    ["{\"address\":\"127.0.0.70\",\"reason\":\"a\nb\"}", 'bad JSON at byte 35: a control character in a string', 'a raw newline'],
    ['{"address":"127.0.0.70","reason":"a\\u0007"}', '"reason" must be printable ASCII', 'a control character'],
    ['', 'a JSON body is needed', 'no body'],
);
# each [body, error, label] POSTed: 400, saying why
sub refused {
    for my $case (@_) {
        my ($body, $error, $label) = @$case;
        my ($st, $js) = api('POST', 'entries', token => $alice, body => $body);
        is($st, 400, "$label: 400");
        is($js->{error}, $error, "$label: says why") or diag explain $js;
    }
}
refused(@bad);
($status, $json) = api('POST', 'entries', token => $alice,
                       body => '{"address":"127.0.0.70","reason":"' . ('y' x 20000) . '"}');
is($status, 413, 'a body over 16 KiB: 413');
my $mark = length $n->error_log;
($status, $json) = api('POST', 'entries', token => $alice,
                       body => '{"address":"127.0.0.71","reason":"' . ('z' x 60) . '"'
                               . (' ' x 3000) . '}');
is($status, 201, 'a body over the configured client_body_buffer_size is taken');
unlike(substr($n->error_log, $mark), qr{hashed path: \S+/tmp/body/},
       '... from memory: no temporary file to read while the worker waits');
($status) = api('DELETE', 'entries?address=127.0.0.71', token => $alice);
is($status, 200, 'and removed again');
is($n->request(uri => '/', client_addr => '127.0.0.70')->status, 200,
   'none of them banned anyone');
($status, $json) = api('GET', 'entries', token => $alice);
is(scalar @{ $json->{entries} }, 2, 'still two entries');

($status) = api('PUT', 'entries', token => $alice, body => '{}');
is($status, 405, 'PUT: 405');
($status) = api('GET', 'nowhere', token => $alice);
is($status, 404, 'an unknown route: 404');
($status, $json) = api('GET', 'address', token => $alice);
is($status, 400, 'status without an address: 400');
($status, $json) = api('GET', 'address?address=127.0.0.0/24', token => $alice);
is($json->{error}, '"address" must be one IPv4 or IPv6 address', 'a prefix is not one address');

# remove

($status, $json) = api('DELETE', 'entries?address=127.0.0.64%2F30', token => $alice);
is($status, 200, 'remove the block: 200');
is($n->request(uri => '/', client_addr => '127.0.0.66')->status, 200,
   'the prefix is served again');
($status, $json) = api('DELETE', 'entries?address=127.0.0.64%2F30', token => $alice);
is($status, 404, 'removing it again: 404');
($status) = api('DELETE', 'entries?address=banana', token => $alice);
is($status, 400, 'removing a bad address: 400');
($status) = api('DELETE', 'entries?address=127.0.0.60&kind=block', token => $alice);
is($status, 404, 'removing a ban as a block: 404');
is($n->request(uri => '/', client_addr => '127.0.0.60')->status, 403, 'the ban holds');

# the audit log

my @audit = map { decode_json($_) } split /\n/, $n->read_file('logs/audit.log');
is(scalar @audit, 7, 'seven changes audited (adds, removes, refused removes)');
is($audit[0]{who}, 'alice', 'who: the token\'s name');
is($audit[0]{action}, 'add', 'what');
is($audit[0]{address}, '127.0.0.60', 'which address');
is($audit[0]{ttl}, 600, 'for how long');
is($audit[0]{result}, 'ok', 'the result');
like($audit[0]{time}, qr/^\d{4}-\d\d-\d\dT/, 'when');
is($audit[1]{who}, 'bob', 'the second token');
is($audit[5]{result}, 'not found', 'a refused removal is audited too');

# members: each known one once, no other (a typo would leave a default)

my @members = (
    ['{"address":"127.0.0.80","tll":60}', 'unknown member "tll": "address", "kind", "ttl", "reason" and "force" are known', 'a misspelt member'],
    ['{"address":"127.0.0.80","address":"127.0.0.81"}', '"address" is given twice', 'a member twice'],
    ['{"address":"127.0.0.80","kind":"ban","kin\u0064":"block"}', '"kind" is given twice', 'a member twice, once escaped'],
    ['{"address":"127.0.0.80","\u00e9":1}', 'unknown member "...": "address", "kind", "ttl", "reason" and "force" are known', 'a name outside ASCII'],
    ['{"address":"127.0.0.80","' . ('n' x 40) . '":1}', 'unknown member "...": "address", "kind", "ttl", "reason" and "force" are known', 'a long name'],
    ['{"address":"127.0.0.82/24"}', '"address" has bits set beyond its prefix: the network is 127.0.0.0/24', 'bits beyond the prefix'],
    ['{"address":"2001:db8::1/64","kind":"block"}', '"address" has bits set beyond its prefix: the network is 2001:db8::/64', 'IPv6 bits beyond the prefix'],
    ['{"address":"0.0.0.0/0","kind":"block"}', '"address" may not be a /0 prefix: it would refuse every client', 'every IPv4 address'],
    ['{"address":"::/0","kind":"block"}', '"address" may not be a /0 prefix: it would refuse every client', 'every IPv6 address'],
    ['{"address":"0.0.0.0/0","kind":"block","force":true}', '"address" may not be a /0 prefix: it would refuse every client', '/0, even forced'],
    ['{"address":"128.0.0.0/1","kind":"block"}', '"address" is wider than a /8: add "force":true if that is meant', 'an IPv4 /1 (a typo for /21?)'],
    ['{"address":"126.0.0.0/7"}', '"address" is wider than a /8: add "force":true if that is meant', 'an IPv4 /7 ban'],
    ['{"address":"2000::/3","kind":"block","force":false}', '"address" is wider than a /16: add "force":true if that is meant', 'an IPv6 /3, "force":false'],
    ['{"address":"2.0.0.0/7","force":"yes"}', '"force" must be true or false', '"force" not a boolean'],
);
refused(@members);
is($n->request(uri => '/', client_addr => '127.0.0.80')->status, 200,
   'none of them made an entry');
for my $wide (['2.0.0.0/7', '2.0.0.0/8'], ['2000::/15', '2001::/16']) {
    my ($forced, $widest) = @$wide;
    ($status, $json) = api('POST', 'entries', token => $alice,
                           body => qq{{"address":"$forced","kind":"block","force":true}});
    is($status . ' ' . ($json->{address} // ''), "201 $forced", "$forced with \"force\":true: added");
    ($status) = api('DELETE', 'entries?address=' . ($forced =~ s{/}{%2F}r), token => $alice);
    is($status, 200, '... and removed');
    ($status) = api('POST', 'entries', token => $alice,
                    body => qq{{"address":"$widest","kind":"block"}});
    is($status, 201, "$widest: the widest taken without it");
    ($status) = api('DELETE', 'entries?address=' . ($widest =~ s{/}{%2F}r), token => $alice);
}
($status, $json) = api('POST', 'entries', token => $alice,
                       body => '{"\u0061ddress":"\u0031\u0032\u0037.0.0.83","ttl":60}');
is($status, 201, 'escaped names and an escaped address are read');
is($json->{address}, '127.0.0.83', '... as what they decode to');
($status, $json) = api('DELETE', 'entries?address=127.0.0.83%2F31', token => $alice);
is($json->{error}, '"address" has bits set beyond its prefix: the network is 127.0.0.82/31',
   'a removal with bits beyond the prefix: says why');
($status) = api('DELETE', 'entries?address=127.0.0.83', token => $alice);
is($status, 200, 'removed');
($status) = api('GET', 'address?address=127.0.0.60%00', token => $alice);
is($status, 400, 'an address with a NUL byte: 400');

# a mistaken ban of the security team's own address does not lock it out
# of the API that takes it back (the API is called from 127.0.0.1)

($status) = api('POST', 'entries', token => $alice,
                body => '{"address":"127.0.0.0/8","reason":"oops"}');
is($status, 201, 'a ban that covers the admin\'s address');
is($n->request(uri => '/')->status, 403, 'refuses the site from 127.0.0.1');
($status, $json) = api('GET', 'entries', token => $alice);
is($status, 200, 'the admin API still answers there');
($status) = api('DELETE', 'entries?address=127.0.0.0%2F8', token => $alice);
is($status, 200, 'and takes it back');
is($n->request(uri => '/')->status, 200, 'the site is served again');
($status) = api('GET', 'entries');
is($status, 401, 'the API still wants a token');

# (the test's error_log is at debug level, where nginx logs every header)
unlike($n->read_file('logs/audit.log')
       . join("\n", grep { !/\[debug\]/ } split /\n/, $n->error_log),
       qr/token-0123/, 'the tokens are never logged');

# a body too large for memory (chunked, so nginx learns it late): 413, and
# the line the module writes names no client and no query
{
    my $chunk = '{"address":"192.0.2.1","reason":"' . ('x' x 30000) . '"}';
    my $mark = length $n->error_log;
    my $r = $n->request(raw => "POST /egov-admin/entries?email=alice\@example.com HTTP/1.1\r\n"
                        . "Host: localhost\r\nAuthorization: Bearer $alice\r\n"
                        . "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
                        . "Connection: close\r\n\r\n"
                        . sprintf('%x', length $chunk) . "\r\n$chunk\r\n0\r\n\r\n");
    is($r->status, 413, 'a body written to a file: 413');
    my ($line) = grep { /egov admin: a request body was written to a file/ }
                 split /\n/, substr($n->error_log, $mark);
    ok($line, '... said') and unlike($line, qr/client:|alice|request:/,
                                      '... without the client, the request line or its query');
}

$n->stop;
check_log_clean($n);

# limits: the outer levels' do not apply to the API (a bulk import is not a
# flood), one written in its location does

my $l = EgovTest::Nginx->new;
$l->write_file('conf/admin.tokens', "alice:alice-token-0123456789abcdef\n");
$l->start(http_config => <<'END', config => <<'END2');
    egov_admin_token admin.tokens;
    egov_ban_zone size=1m;
    egov_limit_zone name=site key=$binary_remote_addr rate=1r/m size=1m;
    egov_limit_zone name=api key=$binary_remote_addr rate=1r/m size=1m;
    egov_limit zone=site burst=2 nodelay;
END
    location / { return 200 "ok\n"; }
    location /egov-admin/ { egov_admin; }
    location /limited-admin/ { egov_admin; egov_limit zone=api; }
END2
# COUNT requests in turn for URI from ADDR: their statuses
sub statuses {
    my ($uri, $addr, $count) = @_;
    my @h = (['Authorization', "Bearer $alice"]);
    return join ' ', map {
        $l->request(uri => $uri, client_addr => $addr, headers => \@h)->status
    } 1 .. $count;
}
is(statuses('/', '127.0.0.90', 4), '200 200 200 429',
   'the site: three requests, then 429');
is(statuses('/egov-admin/entries', '127.0.0.90', 10), join(' ', (200) x 10),
   'the API from that address: ten answers, no limit');
is(statuses('/limited-admin/entries', '127.0.0.91', 2), '200 429',
   'an egov_limit in the API\'s own location applies');
$l->stop;
check_log_clean($l);

# guessed tokens: every failure logged (the address anonymized) and
# counted; an address with too many in the window is refused, a correct
# token included, until the window ends; other addresses never are

my $g = EgovTest::Nginx->new;
$g->write_file('conf/admin.tokens', "alice:alice-token-0123456789abcdef\n");
$g->start(http_config => <<'END', config => <<'END2');
    egov_admin_token admin.tokens;
    egov_admin_guard failures=3 window=5s loopback=on;
END
    location /egov-admin/ { egov_admin; }
    location /default-admin/ { egov_admin; egov_admin_guard failures=10 loopback=on; }
    location /open-admin/ { egov_admin; egov_admin_guard off; }
    location /local-admin/ { egov_admin; egov_admin_guard failures=3 loopback=off; }
    location = /status { egov_status; }
END2
sub guessed {
    my ($uri, $addr, $token) = @_;
    return $g->request(uri => $uri, client_addr => $addr,
                       headers => [['Authorization', "Bearer $token"]]);
}
is(join(' ', map { guessed('/egov-admin/entries', '127.0.0.77', "guess-$_")->status } 1 .. 3),
   '401 401 401', 'three wrong tokens: 401 each');
$res = guessed('/egov-admin/entries', '127.0.0.77', $alice);
is($res->status, 429, 'then the address is refused, even with the right token');
like($res->header('Retry-After') // '', qr/^[1-5]$/, '... with Retry-After');
like($res->body, qr/too many requests without a valid token/, '... saying why');
is(guessed('/egov-admin/entries', '127.0.0.78', $alice)->status, 200,
   'a correct token from another address is served');
is(guessed('/egov-admin/entries', '127.0.0.78', 'guess')->status, 401,
   '... and that address has its own count');
is(join(' ', map { guessed('/default-admin/entries', '127.0.0.79', "guess-$_")->status } 1 .. 10),
   join(' ', (401) x 10), 'ten failures where ten are allowed');
is(guessed('/default-admin/entries', '127.0.0.79', $alice)->status, 429,
   'the eleventh request is refused');
is(join(' ', map { guessed('/open-admin/entries', '127.0.0.80', "guess-$_")->status } 1 .. 12),
   join(' ', (401) x 12), 'egov_admin_guard off: never refused');
# loopback clients (every local process shares the address, the team's
# egovctl too) are never refused unless loopback=on: any local user could
# keep the team out (found by a helper's review); still logged and counted
is(join(' ', map { guessed('/local-admin/entries', '127.0.0.1', "guess-$_")->status } 1 .. 5),
   join(' ', (401) x 5), 'loopback: five failures where three are allowed, each a 401');
is(guessed('/local-admin/entries', '127.0.0.1', $alice)->status, 200,
   '... and the team\'s token from the same address is served');
is(guessed('/local-admin/entries', '127.0.0.9', $alice)->status, 200,
   '... from any loopback address');
like($g->error_log, qr/\[warn\] .*egov admin: no valid bearer token from 127\.0\.0\.0 \(a loopback or unix-socket client, or no guard: never refused for it\)/,
     '... each failure said, as never refused');
my $st = decode_json($g->request(uri => '/status')->body);
is($st->{counters}{admin_auth_failed_total}, 31, 'failures counted');
is($st->{counters}{admin_auth_refused_total}, 2, 'refusals counted');
my $log = join "\n", grep { !/\[debug\]/ } split /\n/, $g->error_log;
like($log, qr/\[warn\] .*egov admin: no valid bearer token from 127\.0\.0\.0 \(1 in this window\)/,
     'a failure is logged, the address truncated');
like($log, qr/\(3 in this window\); the address is refused until the window ends/,
     'the refusal is announced');
unlike($log, qr/127\.0\.0\.7[789]/, 'no raw address in the module\'s lines');
sleep 5.2;
is(guessed('/egov-admin/entries', '127.0.0.77', $alice)->status, 200,
   'after the window the right token is served again');
$g->stop;
check_log_clean($g);

# configuration errors

my @invalid = (
    ['location /a { egov_admin; }', qr/egov_admin in \S+nginx\.conf:\d+ needs egov_admin_token/],
    ['egov_admin_guard window=10s;', qr/egov_admin_guard: failures=N is needed in \S+nginx\.conf:\d+/],
    ['egov_admin_guard failures=0;', qr/egov_admin_guard: failures must be a number from 1, not "failures=0" in \S+nginx\.conf:\d+/],
    ['egov_admin_guard failures=3 window=100ms;', qr/egov_admin_guard: window must be a time of 1s or more, not "window=100ms"/],
    ['egov_admin_guard failures=3 slow;', qr/egov_admin_guard: invalid parameter "slow"/],
    ['egov_admin_token /nonexistent; location /a { egov_admin; }', qr{open\(\) "/nonexistent" failed}],
    ['egov_admin_token short.tokens; location /a { egov_admin; }',
     qr/egov_admin_token "\S+short\.tokens", line 1: a token must have at least 16 characters and a name/],
);
for my $case (@invalid) {
    my ($conf, $re) = @$case;
    my $t = EgovTest::Nginx->new;
    $t->write_file('conf/short.tokens', "x:short\n");
    my ($ok, $out) = $t->test_config(config => $conf);
    ok(!$ok, "nginx -t refuses: $conf");
    like($out, $re, '... saying why') or diag $out;
}

# a token file others can read: warned about (any local user could use it)
{
    my $t = EgovTest::Nginx->new;
    $t->write_file('conf/open.tokens', "ops:0123456789abcdef0123\n");
    chmod 0644, $t->prefix . '/conf/open.tokens';
    my ($ok, $out) = $t->test_config(config => "location /a/ { egov_admin; egov_admin_token open.tokens; }\n");
    ok($ok, 'a token file others can read: accepted');
    like($out, qr/\[warn\].*egov_admin_token "\S+open\.tokens": others can read this secret \(mode 644\): chmod o-r it in \S+nginx\.conf:\d+/,
         '... with a warning naming the mode and the fix');
    chmod 0640, $t->prefix . '/conf/open.tokens';
    ($ok, $out) = $t->test_config(config => "location /a/ { egov_admin; egov_admin_token open.tokens; }\n");
    unlike($out, qr/others can read/, '... none once it is 640');

    # one others can write (a token of their own): refused; one its group
    # or another user can write: warned about (found by a helper's review)
    chmod 0662, $t->prefix . '/conf/open.tokens';
    ($ok, $out) = $t->test_config(config => "location /a/ { egov_admin; egov_admin_token open.tokens; }\n");
    ok(!$ok, 'a token file others can write: refused');
    like($out, qr/\[emerg\].*egov_admin_token "\S+open\.tokens": others can write this secret \(mode 662\): chmod o-w it in \S+nginx\.conf:\d+/,
         '... saying why, with the file and line');
    chmod 0660, $t->prefix . '/conf/open.tokens';
    ($ok, $out) = $t->test_config(config => "location /a/ { egov_admin; egov_admin_token open.tokens; }\n");
    ok($ok, 'its group can write it: accepted');
    like($out, qr/\[warn\].*its group can write this secret \(mode 660\): chmod g-w it/, '... with a warning');
    if ($> == 0) {
        chmod 0600, $t->prefix . '/conf/open.tokens';
        chown 65534, 65534, $t->prefix . '/conf/open.tokens';
        ($ok, $out) = $t->test_config(config => "location /a/ { egov_admin; egov_admin_token open.tokens; }\n");
        like($out, qr/\[warn\].*owned by user 65534, who can change this secret: chown root it/,
             'owned by another user: a warning');
    }
}

# a token's name goes into the audit log's JSON: a quote in it forged the
# record's "who" (found by a helper's review); any name is escaped there,
# an Arabic one kept (a review of the first fix, which refused all but
# ASCII letters and broke such files on upgrade); control characters are
# refused
{
    my $t = EgovTest::Nginx->new;
    $t->write_file('conf/names.tokens',
                   qq{bo"b\\:bob-token-0123456789abcdef00\n}
                   . "\x{d8}\x{b3}\x{d8}\x{a7}\x{d8}\x{b1}\x{d8}\x{a9}:sara-token-0123456789abcdef0\n");
    chmod 0600, $t->prefix . '/conf/names.tokens';
    $t->start(http_config => "egov_ban_zone size=1m;\n",
              config => "location /a/ { egov_admin; egov_admin_token names.tokens; egov_admin_audit_log logs/audit.log; }\n");
    for my $token ('bob-token-0123456789abcdef00', 'sara-token-0123456789abcdef0') {
        is($t->request(uri => '/a/entries', method => 'POST',
                       headers => [['Authorization', "Bearer $token"]],
                       body => '{"address":"127.0.0.66","kind":"ban","ttl":60}')->status,
           201, 'a change by a token with an odd name');
    }
    my @lines = split /\n/, $t->read_file('logs/audit.log');
    my @who = map { eval { decode_json($_)->{who} } // 'not JSON' } @lines;
    is($who[0], 'bo"b\\', 'a quote and a backslash in the name: escaped, the record is JSON');
    is($who[1], "\x{633}\x{627}\x{631}\x{629}", 'an Arabic name, kept');
    $t->stop;
    check_log_clean($t);

    my $c = EgovTest::Nginx->new;
    $c->write_file('conf/bad.tokens', "bo\tb:bob-token-0123456789abcdef00\n");
    chmod 0600, $c->prefix . '/conf/bad.tokens';
    my ($ok, $out) = $c->test_config(config => "location /a/ { egov_admin; egov_admin_token bad.tokens; }\n");
    ok(!$ok, 'a token name with a control character: refused');
    like($out, qr/egov_admin_token "\S+bad\.tokens", line 1: a token's name is up to 64 bytes, without control characters in \S+nginx\.conf:\d+/,
         '... saying which line');
}

# the same for the fleet's Redis password and secret files
{
    my $t = EgovTest::Nginx->new;
    $t->write_file('conf/redis.password', "a-password\n");
    $t->write_file('conf/fleet.secret', ('s' x 40) . "\n");
    chmod 0604, $t->prefix . '/conf/redis.password';
    chmod 0600, $t->prefix . '/conf/fleet.secret';
    my ($ok, $out) = $t->test_config(http_config => "egov_redis 127.0.0.1:1 password=redis.password secret=fleet.secret;\n");
    ok($ok, 'a Redis password others can read: accepted');
    like($out, qr/\[warn\].*egov_redis: others can read the password file "\S+redis\.password" \(mode 604\): chmod o-r it/,
         '... with a warning (it was not looked at)');
    chmod 0602, $t->prefix . '/conf/redis.password';
    ($ok, $out) = $t->test_config(http_config => "egov_redis 127.0.0.1:1 password=redis.password secret=fleet.secret;\n");
    ok(!$ok, 'one others can write: refused');
    like($out, qr/others can write this secret \(mode 602\)/, '... saying why');
    chmod 0600, $t->prefix . '/conf/redis.password';
    chmod 0620, $t->prefix . '/conf/fleet.secret';
    ($ok, $out) = $t->test_config(http_config => "egov_redis 127.0.0.1:1 password=redis.password secret=fleet.secret;\n");
    like($out, qr/\[warn\].*fleet\.secret": its group can write this secret \(mode 620\)/,
         'a fleet secret its group can write: a warning');
}

done_testing();

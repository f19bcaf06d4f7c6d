#!/usr/bin/perl
# egov_ban_zone's size changed at a reload: nginx makes a new zone, and the
# entries in force go into it (operators' bans and blocks, automatic bans,
# escalation history), not only when the size stays (a fifth review: the
# advice to "size the zone" during an attack freed every banned address).

use strict;
use warnings;
use lib 't/lib';
use Test::More;
use JSON::PP;
use EgovTest;
use EgovTest::Nginx;

my $n = EgovTest::Nginx->new;
$n->write_file('conf/admin.tokens', "team:team-token-0123456789abcdef0\n", 0600);
my $config = <<'END';
    egov_signatures on;
    location / { return 200 "ok\n"; }
    location /egov-admin/ { egov_admin; egov_allowlist 127.0.0.1; }
END
sub http {
    my ($size) = @_;
    return "    egov_ban_zone size=$size;\n"
         . "    egov_ban after=2 within=1m for=10m;\n"
         . "    egov_admin_token admin.tokens;\n";
}
$n->start(http_config => http('1m'), config => $config);

sub api {
    my ($method, $path, $body) = @_;
    my $res = $n->request(method => $method, uri => "/egov-admin/$path", body => $body,
                          headers => [['Content-Type', 'application/json'],
                                      ['Authorization', 'Bearer team-token-0123456789abcdef0']]);
    return ($res->status, eval { decode_json($res->body) });
}

sub status_of {
    my ($addr, $uri) = @_;
    return $n->request(uri => $uri || '/', client_addr => $addr)->status;
}

is((api('POST', 'entries', '{"address":"127.0.0.60","kind":"ban","ttl":86400,"reason":"scanning"}'))[0],
   201, 'an operator\'s ban');
is((api('POST', 'entries', '{"address":"127.0.9.0/24","kind":"block","reason":"abuse"}'))[0],
   201, 'an operator\'s block');
status_of('127.0.0.70', '/.env') for 1 .. 2;
is(status_of('127.0.0.70'), 403, 'an automatic ban');
is(status_of('127.0.0.60'), 403, 'the operator\'s ban holds');

for my $size ('2m', '512k') {
    $n->reload(http_config => http($size), config => $config);
    is(status_of('127.0.0.60'), 403, "size=$size at a reload: the operator's ban holds");
    is(status_of('127.0.0.70'), 403, '... the automatic ban too');
    is(status_of("127.0.9.4"), 403, '... and the block');
    is(status_of('127.0.0.71'), 200, '... others are served');
    my ($status, $json) = api('GET', 'entries');
    is($status, 200, '... the entries listed');
    is(scalar(grep { $_->{address} eq '127.0.0.60' || $_->{address} eq "127.0.9.0/24" }
              @{ $json->{entries} || [] }), 2, '... both operator entries')
        or diag explain $json;
}
like($n->error_log, qr/\[notice\] .*egov_ban_zone: its size changed: \d+ entries carried over/,
     'the carry-over said');

$n->stop;
check_log_clean($n);
done_testing();

#!/usr/bin/perl
# State an attacker can grow never crowds out protection.  With many
# addresses (here 127.0.0.0/8 sources): one-off violations never evict a
# ban in force from the ban zone; new keys never evict the key a limit is
# refusing (its limit would start again).

use strict;
use warnings;
use lib 't/lib';
use Test::More;
use JSON::PP;
use EgovTest;
use EgovTest::Nginx;

my $n = EgovTest::Nginx->new;
$n->start(http_config => <<'END', config => <<'END2');
    egov_ban_zone size=32k;
    egov_ban after=3 within=1m for=10m;
END
    egov_signatures on;
    location / { return 200 "ok"; }
    location = /status { egov_status; egov_allowlist 127.0.0.1; }
END2

sub status_of {
    my ($addr, $uri) = @_;
    return $n->request(uri => $uri || '/', client_addr => $addr)->status;
}

sub counter {
    my ($name) = @_;
    return decode_json($n->request(uri => '/status')->body)->{counters}{$name};
}

# --- the ban zone (32 KiB: about a hundred nodes) -------------------------

my $attacker = '127.0.0.5';
status_of($attacker, '/.env') for 1 .. 3;
is(status_of($attacker), 403, 'banned after three probes');

# one probe each from 400 other addresses: a count each, never a ban
my $lost;
for my $k (1 .. 400) {
    status_of(sprintf('127.0.%d.%d', 10 + int($k / 250), 1 + $k % 250), '/.env');
    if ($k % 20 == 0 && status_of($attacker) != 403) {
        $lost = $k;
        last;
    }
}
ok(!defined $lost, 'the ban holds through one-off violations of 400 addresses'
   . (defined $lost ? " (lost after $lost)" : ''));
is(counter('bans_evicted_total'), 0, '... no ban in force evicted');

$n->stop;
check_log_clean($n);

# --- a limit zone (32 KiB), on a server without bans ------------------------

$n = EgovTest::Nginx->new;
$n->start(http_config => <<'END', config => <<'END2');
    egov_limit_zone name=one key=$binary_remote_addr rate=1r/m size=32k;
END
    location /limited/ { egov_limit zone=one; return 200 "ok"; }
    location = /status { egov_status; egov_allowlist 127.0.0.1; }
END2

is(status_of($attacker = '127.0.0.6', '/limited/'), 200, 'a limited key: its first request');
is(status_of($attacker, '/limited/'), 429, '... the next refused');
my $passed = 0;
for my $k (1 .. 600) {
    status_of(sprintf('127.1.%d.%d', int($k / 250), 1 + $k % 250), '/limited/');
    $passed++ if status_of($attacker, '/limited/') == 200;
}
is($passed, 0, 'a key refused again and again is never the one evicted: its limit holds through 600 new keys');
ok(counter('limit_evictions_total') > 0, '... while new keys evicted others');

$n->stop;
check_log_clean($n);
done_testing();

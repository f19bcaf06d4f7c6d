#!/usr/bin/perl
# Proof-of-consent records in a Redis stream (egov_consent_log redis): one
# record per decision, the same JSON as the file log, nothing about who;
# the stream is bounded; Redis away costs the visitor nothing; invalid
# forms fail nginx -t.

use strict;
use warnings;
use lib 't/lib';
use Test::More;
use JSON::PP;
use EgovTest;
use EgovTest::Fleet;
use EgovTest::Nginx;
use EgovTest::Redis;

my $redis = EgovTest::Redis->new;
$redis->start;
my $port = $redis->port;

my $n = EgovTest::Nginx->new;
$n->start(http_config => <<"END", config => <<'END2');
    egov_redis 127.0.0.1:$port timeout=300ms prefix=t78:;
    egov_consent on;
    egov_consent_categories analytics preferences;
    egov_consent_version 7;
    egov_consent_log redis maxlen=100;
END
    location /health { egov_redis_health; }
    location / { return 200 "page"; }
END2

ok(wait_until(sub { (health($n))[0] == 200 }), 'up with Redis');

sub decide {
    my ($body) = @_;
    return $n->request(method => 'POST', uri => '/.egov/consent',
                       body => $body, client_addr => '127.0.0.77',
                       headers => [['Origin', 'http://localhost'],
                                   ['User-Agent', 'Mozilla/5.0 proof-test'],
                                   ['Content-Type',
                                    'application/x-www-form-urlencoded']]);
}

is(decide('action=save&c=preferences')->status, 303, 'a decision');
ok(wait_until(sub { $redis->command('XLEN', 't78:consent') == 1 }, 2),
   'one record in the stream');
my $entries = $redis->command('XRANGE', 't78:consent', '-', '+');
my ($id, $fields) = @{ $entries->[0] };
like($id, qr/^\d+-\d+$/, 'a stream entry');
is($fields->[0], 'proof', 'one field, "proof"');
my $proof = decode_json($fields->[1]);
is($proof->{version}, 7, 'the policy version');
is($proof->{choice}, 'choose', 'how the visitor chose (category by category)');
is_deeply($proof->{granted}, ['preferences'], 'what was granted');
is_deeply($proof->{refused}, ['analytics'], 'what was refused');
like($proof->{receipt}, qr/^\S{8,}$/, 'the receipt the cookie holds too');
like($proof->{time}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/,
     'when');
unlike($fields->[1], qr/127\.0\.0\.77|proof-test|Mozilla/,
       'nothing about who: no address, no browser');

is(decide('action=accept')->status, 303, 'another');
ok(wait_until(sub { $redis->command('XLEN', 't78:consent') == 2 }, 2),
   'two records');

# bounded: MAXLEN ~ 100 (Redis trims whole nodes, so "about")
for (1 .. 250) { decide('action=reject') }
ok(wait_until(sub { $redis->command('XLEN', 't78:consent') <= 200 }, 3),
   'the stream stays bounded ('
   . $redis->command('XLEN', 't78:consent') . ' after 252 decisions)');

# Redis away: the visitor's decision works; nothing waits
$redis->stop;
ok(wait_until(sub { (health($n))[0] == 503 }, 3), 'Redis stopped');
my ($took, $res) = timed(sub { decide('action=accept') });
is($res->status, 303, 'a decision without Redis still works');
ok($took < 0.25, sprintf('at once (%.3f s)', $took));

$n->stop;
check_log_clean($n);
$redis->stop;

# invalid forms

my @invalid = (
    ["egov_redis 127.0.0.1:1; egov_consent_log redis maxlen=5;",
     qr/"egov_consent_log" directive has an invalid "maxlen=", expected 100 or more/],
    ["egov_redis 127.0.0.1:1; egov_consent_log redis size=5;",
     qr/"egov_consent_log" directive has an invalid parameter, expected "maxlen=N"/],
    ["egov_consent_log redis;",
     qr/"egov_consent_log" directive redis needs egov_redis at the http level, given before/],
    ["egov_consent_log /tmp/x.log maxlen=100;",
     qr/"egov_consent_log" directive takes one file, "off" or "redis \[maxlen=N\]"/],
);

for my $case (@invalid) {
    my ($conf, $re) = @$case;
    my $t = EgovTest::Nginx->new;
    my ($ok, $out) = $t->test_config(http_config => $conf);
    ok(!$ok, "nginx -t refuses: $conf");
    like($out, qr/$re in \S+nginx\.conf:\d+/, '... saying why, where');
}

done_testing();

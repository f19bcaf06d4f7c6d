#!/usr/bin/perl
# Bans and dynamic block-list entries shared by a fleet: two nginx servers,
# one Redis.  A ban made on one server holds on the other within a second;
# entries added or removed through Redis reach both; entries made while
# Redis was away reach the fleet when it is back; expired entries are
# cleaned up; malformed messages are ignored with a log line.

use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Time::HiRes qw(sleep time);
use File::Temp ();
use EgovTest;
use EgovTest::Fleet;
use EgovTest::Nginx;
use EgovTest::Redis;
use Digest::SHA qw(sha1_hex);

my $redis = EgovTest::Redis->new;
$redis->start;
my $port = $redis->port;

my $http = <<"END";
    egov_redis 127.0.0.1:$port timeout=300ms prefix=t75:;
    egov_ban_zone size=1m;
    egov_ban after=2 within=10s for=3s factor=2 max=1m;
END
my $config = <<'END';
    egov_signatures on;
    add_header X-Reason $egov_block_reason always;
    location /health { egov_allowlist 127.0.0.1; egov_redis_health; }
    location /admin/ {
        egov_allowlist 127.0.0.1;
        egov_admin;
        egov_admin_token %%TOKENS%%;
    }
    location = /login {
        egov_ban_on status=401 after=10 within=1m;
        return 401 "wrong password\n";
    }
    location / { return 200 "ok\n"; }
END
my $tokens_dir = File::Temp::tempdir('egov-t75-XXXXXX', TMPDIR => 1, CLEANUP => 1);
open my $tf, '>', "$tokens_dir/tokens" or die $!;
print $tf "soc:soc-token-0123456789abcdef\n";
close $tf;
$config =~ s/%%TOKENS%%/$tokens_dir\/tokens/;

my @servers = start_fleet($http, $config);
my ($a, $b) = @servers;
ok(wait_until(sub {
       $redis->command('PUBSUB', 'NUMSUB', 't75:entries')->[1] == 4 }),
   'every worker of both servers listens to t75:entries');

sub get {
    my ($n, $addr, $uri) = @_;
    return $n->request(uri => $uri || '/', client_addr => $addr);
}

# a ban made by server A's escalator holds on server B

my $bad = '127.0.0.21';
is(get($b, $bad)->status, 200, 'B serves the address before');
is(get($a, $bad, '/.env')->status, 403, 'A: first probe refused');
is(get($a, $bad, '/.git/config')->status, 403, 'A: second probe refused');
my $banned_at = time;
is(get($a, $bad)->status, 403, 'A banned the address');

my $on_b = wait_until(sub { get($b, $bad)->status == 403 }, 2);
my $took = time - $banned_at;
ok($on_b, 'B refuses it too');
ok($took < 1, sprintf('within one second (%.3f s)', $took));
is(get($b, $bad)->header('X-Reason'), 'ban', 'as a ban');
is(get($b, '127.0.0.22')->status, 200, 'another address is served by B');

my $value = $redis->command('HGET', 't75:entries', $bad);
like($value, qr/^1 \d{13} \d{13} 1 repeated violations$/,
     'Redis holds the ban: kind, created, expires, ban count, reason');
my ($created, $expires) = $value =~ /^1 (\d+) (\d+)/;
ok(abs(($expires - $created) - 3000) < 5, 'with its expiry (3 s)');

# it expires everywhere on its own
sleep($banned_at + 3.3 - time) if time < $banned_at + 3.3;
is(get($a, $bad)->status, 200, 'A: the ban expired');
is(get($b, $bad)->status, 200, 'B: the ban expired');

# an entry added through Redis (as egovctl on any server would) reaches both

my $far = time * 1000 + 600_000;
$far = int $far;
$redis->command('HSET', 't75:entries', '127.0.0.30/31',
                "2 1700000000000 $far 0 incident 42");
$redis->command('PUBLISH', 't75:entries',
                "+ 127.0.0.30/31 2 1700000000000 $far 0 incident 42");
ok(wait_until(sub { get($a, '127.0.0.31')->status == 403 }, 1),
   'A applies a published block-list entry');
ok(wait_until(sub { get($b, '127.0.0.30')->status == 403 }, 1),
   'B too, for the whole prefix');
is(get($b, '127.0.0.30')->header('X-Reason'), 'dynamic',
   'as a dynamic block-list entry');
is(get($b, '127.0.0.32')->status, 200, 'outside the prefix: served');

$redis->command('HDEL', 't75:entries', '127.0.0.30/31');
$redis->command('PUBLISH', 't75:entries', '- 127.0.0.30/31 2');
ok(wait_until(sub { get($a, '127.0.0.31')->status == 200
                    && get($b, '127.0.0.30')->status == 200 }, 1),
   'a published removal reaches both');

# malformed messages: ignored, logged without their content

my $mark = length $a->error_log;
# and what the admin API refuses: a /0 (it refused every client of every
# server), bits beyond the prefix, a reason with control bytes or too long
my $later = int(time * 1000 + 600_000);
my @bad = ('+ 127.0.0.40/32 9 1 2 0 x', '+ 300.0.0.1/32 2 1 0 0 x',
           '- 127.0.0.40/32', 'garbage', '+ 127.0.0.40/32 2 1 zz 0 x',
           "+ 0.0.0.0/0 2 1700000000000 $later 0 all",
           "+ ::/0 2 1700000000000 $later 0 all",
           "+ 127.0.0.41/24 2 1700000000000 $later 0 wide",
           "+ 127.0.0.40/32 2 1700000000000 $later 0 a\x1b[2Jb",
           "+ 127.0.0.40/32 2 1700000000000 $later 0 " . ('r' x 65));
for my $m (@bad) {
    $redis->command('PUBLISH', 't75:entries', $m);
}
$redis->command('HSET', 't75:entries', '0.0.0.0/0',
                "2 1700000000000 $later 0 all");
ok(wait_until(sub { count_lines(substr($a->error_log, $mark),
                    qr/egov fleet: ignored a malformed message/) == @bad }, 2),
   scalar(@bad) . ' malformed messages, as many warnings on A');
is(get($a, '127.0.0.1')->status, 200, 'a /0 from Redis refuses nobody');
is(get($b, '127.0.0.9')->status, 200, '... on B neither');
my $log = substr($a->error_log, $mark);
like($log, qr/\[warn\] .*egov fleet: ignored a malformed message of 25 bytes on "t75:entries"/,
     'the warning says how long and where');
unlike($log, qr/127\.0\.0\.40|300\.0\.0\.1/, 'never the content');
is(get($a, '127.0.0.40')->status, 200, 'nothing applied');

# Redis away: a ban made meanwhile reaches the fleet when it is back, and
# an entry removed from Redis meanwhile goes from the servers

$far = int(time * 1000 + 600_000);
$redis->command('HSET', 't75:entries', '127.0.0.50/32',
                "2 1700000000000 $far 0 stale");
$redis->command('PUBLISH', 't75:entries',
                "+ 127.0.0.50/32 2 1700000000000 $far 0 stale");
ok(wait_until(sub { get($b, '127.0.0.50')->status == 403 }, 1),
   'an entry all servers hold');

$redis->stop;
ok(wait_until(sub { (health($a))[0] == 503 && (health($b))[0] == 503 }, 3),
   'Redis stopped: both servers know');

my $late = '127.0.0.23';
get($a, $late, '/.env');
get($a, $late, '/.env');
is(get($a, $late)->status, 403, 'A bans while Redis is away');
is(get($b, $late)->status, 200, 'B cannot know yet');
is(get($b, '127.0.0.50')->status, 403, 'the shared entry holds without Redis');

$redis->start;     # empty: the entry of 127.0.0.50 is gone from Redis
ok(wait_until(sub { (health($a))[0] == 200 && (health($b))[0] == 200 }, 6),
   'Redis back');
ok(wait_until(sub { get($b, $late)->status == 403 }, 2),
   'B refuses the address A banned meanwhile');
like($redis->command('HGET', 't75:entries', $late) // '',
     qr/^1 \d+ \d+ 1 repeated violations$/, 'Redis holds it again');
ok(wait_until(sub { get($a, '127.0.0.50')->status == 200
                    && get($b, '127.0.0.50')->status == 200 }, 2),
   'the entry Redis no longer holds is gone from both');
like($a->error_log,
     qr/\[info\] .*egov fleet: \d+ shared entries: \d+ applied, \d+ removed here, 1 written from here/,
     'A says what it reconciled');

# expired fields are deleted by the reconciliation

$redis->command('HSET', 't75:entries', '127.0.0.60/32',
                '2 1700000000000 1700000001000 0 old');
$redis->command('HSET', 't75:entries', '127.0.0.61',
                '1 1700000000000 0 0 never expires');
$redis->command('HSET', 't75:entries', 'not-an-address',
                '2 1700000000000 0 0 x');
$mark = length $b->error_log;
$b->reload;
ok(wait_until(sub {
       !defined $redis->command('HGET', 't75:entries', '127.0.0.60/32') }, 5),
   'an expired field is deleted after B reconnects');
ok(wait_until(sub { substr($b->error_log, $mark)
                    =~ /\[warn\] .*egov fleet: 1 malformed fields in "t75:entries" ignored/ }, 3),
   'a malformed field is reported') or diag substr($b->error_log, $mark);
is(get($b, $late)->status, 403, 'B still refuses the banned address');
is(get($b, '127.0.0.61')->status, 403, 'an entry without expiry applies');
is(get($a, '127.0.0.61')->status, 200,
   'A has not reconciled yet (once a minute) and no message was sent');

# it is deleted by a script that deletes a field only if it still holds
# the value read (an escalated ban written again meanwhile stays): the
# servers loaded it; called here with another value, it deletes nothing
my $unset = "if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then "
          . "return redis.call('HDEL', KEYS[1], ARGV[1]) end return 0";
my $sha = sha1_hex($unset);
is($redis->command('SCRIPT', 'EXISTS', $sha)->[0], 1,
   'the servers loaded the compare-and-delete script');
$redis->command('HSET', 't75:entries', '127.0.0.62', '2 1700000000000 0 0 new');
is($redis->command('EVALSHA', $sha, 1, 't75:entries', '127.0.0.62',
                   '2 1700000000000 1700000001000 0 old'), 0,
   'a field that holds another value than the one read is kept');
is($redis->command('EVALSHA', $sha, 1, 't75:entries', '127.0.0.62',
                   '2 1700000000000 0 0 new'), 1,
   'one that holds it is deleted');

# a block made through the admin API of B holds on A, and its removal too

sub admin {
    my ($n, $method, $path, $body) = @_;
    return $n->request(method => $method, uri => "/admin/$path",
                       body => $body,
                       headers => [['Authorization',
                                    'Bearer soc-token-0123456789abcdef'],
                                   ['Content-Type', 'application/json']]);
}

is(admin($b, 'POST', 'entries',
         '{"address":"127.0.0.90/31","kind":"block","reason":"soc"}')->status,
   201, 'B: a block through the admin API');
ok(wait_until(sub { get($a, '127.0.0.91')->status == 403 }, 1),
   'A refuses the prefix within a second');
like(admin($a, 'GET', 'address?address=127.0.0.91')->body,
     qr/"kind":"block","origin":"fleet".*"reason":"soc"/,
     "A's admin API shows it, from the fleet");
like(admin($b, 'GET', 'address?address=127.0.0.91')->body,
     qr/"kind":"block","origin":"admin".*"reason":"soc"/,
     "B's shows it as its operator's: its own message back from the fleet "
     . 'is the same entry');
is(admin($b, 'DELETE', 'entries?address=127.0.0.90%2F31')->status, 200,
   'B: removed through the admin API');
ok(wait_until(sub { get($a, '127.0.0.91')->status == 200 }, 1),
   'A serves the prefix again within a second');

# an operator's ban goes to a fleet with a secret as one (kind 3, t/86);
# without a secret anyone who can write to Redis could say so, so it goes
# as an automatic one (kind 1, which servers of every version read), and
# a server that learns it does not keep it from eviction
is(admin($b, 'POST', 'entries',
         '{"address":"127.0.0.93","kind":"ban","ttl":600,"reason":"soc"}')
   ->status, 201, "B: an operator's ban");
ok(wait_until(sub { get($a, '127.0.0.93')->status == 403 }, 1),
   'A refuses it within a second');
like($redis->command('HGET', 't75:entries', '127.0.0.93'),
     qr/^1 \d{13} \d{13} 1 soc$/, 'Redis holds it as a ban (kind 1)');
$redis->command('PUBLISH', 't75:entries',
                '+ 127.0.0.94/32 3 ' . int(time * 1000) . ' '
                . int(time * 1000 + 600_000) . ' 1 forged');
ok(wait_until(sub { get($a, '127.0.0.94')->status == 403 }, 2),
   'a kind 3 published by anyone is applied (no secret: Redis is trusted)');
like(admin($a, 'GET', 'address?address=127.0.0.94')->body,
     qr/"kind":"ban","origin":"fleet","operator":false/,
     '... as an automatic ban, evictable');
like(admin($b, 'GET', 'address?address=127.0.0.93')->body,
     qr/"kind":"ban","origin":"admin","operator":true/,
     "B's admin API shows it as its operator's");
like(admin($a, 'GET', 'address?address=127.0.0.93')->body,
     qr/"kind":"ban","origin":"fleet","operator":false/,
     "A's as the fleet's, not kept from eviction (no secret)");
is(admin($b, 'DELETE', 'entries?address=127.0.0.93')->status, 200,
   'B: removed');
ok(wait_until(sub { get($a, '127.0.0.93')->status == 200 }, 1), 'A too');

# an unban made while Redis is away sticks: the reconciliation removes the
# entry from Redis and from the fleet instead of bringing it back

is(admin($b, 'POST', 'entries',
         '{"address":"127.0.0.70","kind":"block","reason":"soc"}')->status,
   201, 'B: another block');
is(admin($b, 'POST', 'entries',
         '{"address":"127.0.0.71","kind":"block","reason":"soc"}')->status,
   201, 'and one more');
ok(wait_until(sub { get($a, '127.0.0.70')->status == 403
                    && get($a, '127.0.0.71')->status == 403 }, 1),
   'both hold on A');
is($redis->command('SAVE'), 'OK', 'Redis saved to disk');
$redis->stop;
ok(wait_until(sub { (health($a))[0] == 503 && (health($b))[0] == 503 }, 3),
   'Redis stopped again');
$mark = length $a->error_log;
is(admin($a, 'DELETE', 'entries?address=127.0.0.70')->status, 200,
   'A: an unban while Redis is away');
is(get($a, '127.0.0.70')->status, 200, 'A serves the address at once');
is(get($b, '127.0.0.70')->status, 403, 'B cannot know yet');
like(substr($a->error_log, $mark),
     qr/\[notice\] .*egov fleet: an entry removed while Redis is away; the fleet is told when Redis is back/,
     'A says the fleet will be told');
$redis->start;    # from its dump: it still holds both entries
ok(fleet_up($a, $b), 'Redis back, with both entries');
# (A reconciles when its worker 0 is connected again, then B applies the
# removal: on a loaded machine, in reload mode, that once took over 3 s)
ok(wait_until(sub { get($b, '127.0.0.70')->status == 200 }, 8),
   'B serves the unbanned address too');
is(get($a, '127.0.0.70')->status, 200, 'A still serves it: not undone');
ok(!defined $redis->command('HGET', 't75:entries', '127.0.0.70'),
   'Redis no longer holds it');
is(get($a, '127.0.0.71')->status, 403, 'the other block holds on A');
is(get($b, '127.0.0.71')->status, 403, 'and on B');
like($a->error_log, qr/\[info\] .*egov fleet: \d+ shared entries: .*, 1 removed from here/,
     'A says what it removed');

# egov_ban_on's bans are the escalator's: ten failed logins on A ban the
# address on both servers, the ban ends as configured (for=3s), and the
# next one lasts twice as long (factor=2), whichever server makes it: A
# keeps its own ban's history though the fleet gives the ban back to it,
# and B remembers the ban it learnt

my ($login, $other) = ('127.0.0.29', '127.0.0.28');
is(get($a, $login, '/login')->status, 401, 'A: a failed login') for 1 .. 9;
is(get($a, $login)->status, 200, 'nine failures: served');
is(get($a, $login, '/login')->status, 401, 'A: the tenth');
my $r = get($a, $login);
is($r->status, 403, 'ten failed logins: A bans the address');
like($r->body, qr/lang="ar"/, '... with the incident page');
ok(wait_until(sub { get($b, $login)->status == 403 }, 2), 'B refuses it too');
like($a->error_log, qr/a client was banned for 3 s \(ban number 1 of that address\)/,
     'for 3 s, the first ban');
get($a, $other, '/login') for 1 .. 10;
is(get($a, $other)->status, 403, 'A bans another address the same way');
ok(wait_until(sub { get($b, $other)->status == 403 }, 2), '... and B learns it');
ok(wait_until(sub { get($a, $login)->status == 200
                    && get($b, $login)->status == 200
                    && get($b, $other)->status == 200 }, 8),
   'the bans end on both servers');
my $ended = time;
$mark = length $b->error_log;
get($b, $other, '/login') for 1 .. 10;
is(get($b, $other)->status, 403, 'the other address fails ten times on B');
like(substr($b->error_log, $mark),
     qr/a client was banned for 6 s \(ban number 2 of that address\)/,
     'B bans it for 6 s: it remembers the ban it learnt (3 s after its end)');

# a learnt ban is remembered as long again as it lasted (3 s); the
# escalator's own, max= (1 min) after it ends
sleep($ended + 3.5 - time) if time < $ended + 3.5;
is(get($a, $login, '/login')->status, 401, 'A: failed logins again') for 1 .. 10;
is(get($a, $login)->status, 403, 'banned again');
like($a->error_log, qr/a client was banned for 6 s \(ban number 2 of that address\)/,
     'for 6 s: the ban escalates on the server that made the first, which '
     . 'keeps its history though the fleet gave the ban back to it');
ok(wait_until(sub { get($b, $login)->status == 403 }, 2), 'on B too');

# a block made while Redis is away reaches Redis even when the command
# connection is back seconds before the subscription: this Redis refuses
# SUBSCRIBE (no channel permission) until it is granted.  A's worker 0 must
# not count the time its command connection was up as "Redis usable", or
# its reconciliation takes the block for one removed elsewhere (it once
# made "Redis holds it again" above fail, 1 run in about 20)

$redis->stop;
ok(wait_until(sub { (health($a))[0] == 503 }, 3), 'Redis stopped a third time');
my $outage = '127.0.0.24';
is(admin($a, 'POST', 'entries',
         qq({"address":"$outage","kind":"block","reason":"soc"}))->status,
   201, 'A: a block while Redis is away');
sleep 1.5;
$redis->start('--user', 'default', 'on', 'nopass', '~*', 'resetchannels',
              '+@all');
ok(wait_until(sub {
       4 <= grep { / name=\S/ && !/ cmd=subscribe / }
                 split /\n/, $redis->command('CLIENT', 'LIST') }, 6),
   'Redis back for commands on every worker of both servers');
sleep 2.2;
is($redis->command('HGET', 't75:entries', $outage), undef,
   'not yet written: A waits for its subscription');
is(get($b, $outage)->status, 200, 'B does not know yet');
is($redis->command('ACL', 'SETUSER', 'default', 'allchannels'), 'OK',
   'Redis grants the channels');
ok(fleet_up($a, $b), 'both servers subscribed again');
ok(wait_until(sub { get($b, $outage)->status == 403 }, 3),
   'B refuses the address A blocked while Redis was away');
like($redis->command('HGET', 't75:entries', $outage) // '',
     qr/^2 \d+ 0 \d+ soc$/, 'Redis holds the block');

# a write Redis refuses while the connection is up (here an ACL; in
# production a full Redis: "OOM command not allowed") is made by the next
# reconciliation, not taken for a removal made elsewhere; a refused
# deletion likewise, not undone by it

sub resync_both {
    my $marks = [map { length $_->error_log } $a, $b];
    $redis->command('CLIENT', 'KILL', 'TYPE', 'pubsub');
    return wait_until(sub {
        2 == grep { substr($servers[$_]->error_log, $marks->[$_])
                        =~ /egov fleet: \d+ shared entries/ } 0, 1 }, 8);
}

$redis->command('ACL', 'SETUSER', 'default', '-hset', '-hdel');
my $refused = '127.0.0.26';
is(admin($a, 'POST', 'entries',
         qq({"address":"$refused","kind":"block","reason":"soc"}))->status,
   201, 'A: a block that Redis refuses to store');
ok(wait_until(sub { get($b, $refused)->status == 403 }, 2),
   'B applies it from the message');
is($redis->command('HGET', 't75:entries', $refused), undef,
   'Redis does not hold it');
ok(wait_until(sub { $a->error_log =~ /\[warn\] .*egov fleet: Redis refused to store an entry \(NOPERM\); the next reconciliation writes it \(\d+ more since the last line\)/ }, 2),
   'A says it will write it again');
$redis->command('ACL', 'SETUSER', 'default', '+hset');
sleep 2.2;      # the ticks of A's worker 0 meanwhile: "Redis usable"
ok(resync_both(), 'both servers reconciled after a resubscription');
like($redis->command('HGET', 't75:entries', $refused) // '',
     qr/^2 \d+ 0 \d+ soc$/, 'A wrote it then');
is(get($a, $refused)->status, 403, 'A still refuses the address');
ok(wait_until(sub { get($b, $refused)->status == 403 }, 2), 'and B');

is(admin($a, 'DELETE', "entries?address=$refused")->status, 200,
   'A: its removal, which Redis refuses to make');
ok(wait_until(sub { get($b, $refused)->status == 200 }, 2),
   'B applies it from the message');
ok(defined $redis->command('HGET', 't75:entries', $refused),
   'Redis still holds the block');
$redis->command('ACL', 'SETUSER', 'default', '+hdel');
sleep 2.2;
ok(resync_both(), 'both servers reconciled again');
ok(wait_until(sub { !defined $redis->command('HGET', 't75:entries', $refused) }, 2),
   'A removed it from Redis then');
is(get($a, $refused)->status, 200, 'A serves the address: not undone');
is(get($b, $refused)->status, 200, 'B too');

# an entry made again here while Redis was away is not reverted by the
# older value Redis still holds: the reconciliation writes the newer one

is(admin($a, 'POST', 'entries',
         '{"address":"127.0.0.28","kind":"block","reason":"first"}')->status,
   201, 'A: a block');
ok(wait_until(sub { ($redis->command('HGET', 't75:entries', '127.0.0.28')
                     // '') =~ / first$/ }, 2), 'Redis holds it');
is($redis->command('SAVE'), 'OK', 'Redis saved to disk');
$redis->stop;
ok(wait_until(sub { (health($a))[0] == 503 }, 3), 'Redis away once more');
is(admin($a, 'POST', 'entries',
         '{"address":"127.0.0.28","kind":"block","reason":"second"}')->status,
   201, 'A: the block made again, for another reason');
$redis->start('--loglevel', 'notice');    # from its dump: the first
ok(fleet_up($a, $b), 'Redis back, with the first');
ok(wait_until(sub { ($redis->command('HGET', 't75:entries', '127.0.0.28')
                     // '') =~ / second$/ }, 5),
   'A wrote the newer block');
like(admin($a, 'GET', 'address?address=127.0.0.28')->body,
     qr/"reason":"second"/, 'A kept it');
ok(wait_until(sub { admin($b, 'GET', 'address?address=127.0.0.28')->body
                    =~ /"reason":"second"/ }, 3), 'B has it too');

# a server reloaded while it hears nothing (here its new processes are
# refused SUBSCRIBE) misses a removal made elsewhere; its first
# reconciliation after it takes the entry for removed there and does not
# write it back: its zone says it reconciled with this Redis before
# (a server that joins the fleet by a reload writes what it holds: below)

is($redis->command('ACL', 'SETUSER', 'bee', 'reset', 'on', '>bee-password-t75',
                   '~*', 'resetchannels', '+@all'), 'OK',
   'a Redis user for B that may not subscribe');
# a file only its owner reads (nginx -t refuses others for secrets)
sub private_file {
    my ($name, $content) = @_;
    open my $fh, '>', "$tokens_dir/$name" or die $!;
    print $fh $content;
    close $fh;
    chmod 0600, "$tokens_dir/$name";
    return "$tokens_dir/$name";
}

my $bee_pw = private_file('bee.password', "bee-password-t75\n");
(my $bee_http = $http) =~ s{(egov_redis 127\.0\.0\.1:$port )}{$1user=bee password=$bee_pw };
is(admin($b, 'POST', 'entries',
         '{"address":"127.0.0.35","kind":"block","reason":"soc"}')->status,
   201, 'B: a block');
ok(wait_until(sub { get($a, '127.0.0.35')->status == 403 }, 2), 'A applies it');
$b->reload(http_config => $bee_http, config => $config);
ok(wait_until(sub {
       grep { / user=bee / } split /\n/, $redis->command('CLIENT', 'LIST') }, 5),
   "B's new processes connect as that user");
is(admin($a, 'DELETE', 'entries?address=127.0.0.35')->status, 200,
   'A: the block removed');
ok(wait_until(sub { !defined $redis->command('HGET', 't75:entries', '127.0.0.35') }, 2),
   'Redis no longer holds it');
is(get($b, '127.0.0.35')->status, 403, 'B missed the removal');
$b->reload;
is($redis->command('ACL', 'SETUSER', 'bee', 'allchannels'), 'OK',
   'B may subscribe again');
ok(fleet_up($a, $b), 'both servers subscribed');
ok(wait_until(sub { get($b, '127.0.0.35')->status == 200 }, 5),
   "B's reconciliation takes the block for removed elsewhere");
is($redis->command('HGET', 't75:entries', '127.0.0.35'), undef,
   '... and does not write it back');
is(get($a, '127.0.0.35')->status, 200, 'A serves the address');

# a server that joins the fleet (egov_redis added by a reload) brings the
# entries it already holds: its first reconciliation writes them

(my $alone = $http) =~ s/^\s*egov_redis .*\n//m;
(my $alone_config = $config) =~ s/^\s*location \/health .*\n//m;
my $c = EgovTest::Nginx->new(workers => 1);
$c->start(http_config => $alone, config => $alone_config);
is(admin($c, 'POST', 'entries',
         '{"address":"127.0.0.27","kind":"block","reason":"soc"}')->status,
   201, 'C, without Redis: a block');
$c->reload(http_config => $http, config => $config);
ok(wait_until(sub { ($redis->command('HGET', 't75:entries', '127.0.0.27')
                     // '') =~ /^2 \d+ 0 \d+ soc$/ }, 5),
   'C joins the fleet: its first reconciliation writes the block');
ok(wait_until(sub { get($b, '127.0.0.27')->status == 403 }, 2),
   'B refuses the address');

# a reload that adds the fleet secret, or drops it, joins the fleet anew:
# C writes its block again, signed, then unsigned, and keeps it
my $secret_file = private_file('fleet.secret',
                               "t75-fleet-secret-0123456789abcdefghijklmn\n");
(my $signed_http = $http) =~ s{(egov_redis 127\.0\.0\.1:$port [^;]*);}{$1 secret=$secret_file;};
$c->reload(http_config => $signed_http, config => $config);
ok(wait_until(sub { ($redis->command('HGET', 't75:entries', '127.0.0.27')
                     // '') =~ /^egov1 \S+ \S+ [0-9a-f]{64} 2 \d+ 0 \d+ soc$/ }, 5),
   'C with a secret: its block written again, signed');
is(get($c, '127.0.0.27')->status, 403, 'C still refuses the address');
$c->reload(http_config => $http, config => $config);
ok(wait_until(sub { ($redis->command('HGET', 't75:entries', '127.0.0.27')
                     // '') =~ /^2 \d+ 0 \d+ soc$/ }, 5),
   'C without it again: written again, unsigned');
is(get($c, '127.0.0.27')->status, 403, '... and kept');
$c->stop;
check_log_clean($c);

for my $n (@servers) {
    $n->stop;
    check_log_clean($n);
}

# a reload while worker 0's read of the hash waits on Redis: the old worker
# 0, exiting, leaves that read to the new one.  The read may predate changes
# the new workers made and saw answered; reconciling with it, or clearing
# the zone's mark that a read is under way (the new worker 0's, while it
# reads), could take them for removals made elsewhere.  D's commands wait
# up to 5 s; Redis holds every client's commands for 1.5 s (CLIENT PAUSE),
# just after D's worker has had the message that asks it to read.
(my $slow_http = $http) =~ s/timeout=300ms prefix=t75:/timeout=5s prefix=t75d:/;
my $d = EgovTest::Nginx->new(workers => 1);
$d->start(http_config => $slow_http, config => $config);
ok(wait_until(sub { $d->error_log =~ /egov fleet: \d+ shared entries/ }, 5),
   'D reconciled once');
my ($old_worker) = $d->worker_pids;
my $d_mark = length $d->error_log;
my $pause = $redis->client;
print $pause EgovTest::Redis::encode('PUBLISH', 't75d:control', 'resync'),
             EgovTest::Redis::encode('CLIENT', 'PAUSE', '1500', 'ALL');
$d->reload;
ok(wait_until(sub { substr($d->error_log, $d_mark)
                        =~ /\[info\] $old_worker#\d+: egov fleet: exiting: the shared entries read are left to the new worker 0/ }, 5),
   'D reloaded while its read waited: the old worker 0 leaves it');
my $after = substr($d->error_log, $d_mark);
ok($after !~ /$old_worker#\d+: egov fleet: (?:\d+ shared entries|reading the shared entries failed)/,
   '... neither reconciles with it nor says it failed');
ok(wait_until(sub { substr($d->error_log, $d_mark)
                        =~ /\[info\] (?!$old_worker#)\d+#\d+: egov fleet: \d+ shared entries/ }, 5),
   '... the new worker 0 reconciles');
close $pause;
$d->stop;
check_log_clean($d);

# the changes Redis was not told of are remembered up to 1024: when more
# are made (a flood of automatic bans while Redis refuses writes), those
# of the escalator go first, never an operator's removal, which would then
# be undone by the reconciliation (Redis still holding the block)
my $e = EgovTest::Nginx->new(workers => 2);
(my $flood_http = $http) =~ s/prefix=t75:/prefix=t75e:/;
$flood_http =~ s/egov_ban_zone size=1m;/egov_ban_zone size=4m;/;
$flood_http =~ s/egov_ban after=2 within=10s for=3s factor=2 max=1m;/egov_ban after=1 within=10s for=10m;/;
(my $flood_config = $config) =~ s{location /health }{location /health };
$e->start(http_config => $flood_http, config => $flood_config);
ok(wait_until(sub { (health($e))[0] == 200 }), 'E up with Redis');
my $unblocked = '127.0.0.30';
my $unbanned = '127.0.0.31';
is(admin($e, 'POST', 'entries', qq({"address":"$unblocked","kind":"block","reason":"soc"}))->status,
   201, 'E: an operator\'s block');
is(admin($e, 'POST', 'entries', qq({"address":"$unbanned","kind":"ban","ttl":3600}))->status,
   201, 'E: an operator\'s ban');
ok(wait_until(sub { defined $redis->command('HGET', 't75e:entries', $unblocked)
                    && defined $redis->command('HGET', 't75e:entries', $unbanned) }, 2),
   '... Redis holds both');
$redis->command('ACL', 'SETUSER', 'default', '-hset', '-hdel');
is(admin($e, 'DELETE', "entries?address=$unblocked")->status, 200,
   'E: the operator removes the block while Redis refuses writes');
is(admin($e, 'DELETE', "entries?address=$unbanned")->status, 200,
   '... and the ban');
# a reconciliation while Redis still refuses makes the removals again
# (and Redis refuses them again): they are still an operator's after it
my $e_first = length $e->error_log;
$redis->command('CLIENT', 'KILL', 'TYPE', 'pubsub');
ok(wait_until(sub { substr($e->error_log, $e_first) =~ /egov fleet: \d+ shared entries: .* 2 removed from here/ }, 10),
   'E reconciles while Redis still refuses: the two removals made again');
for my $k (1 .. 1100) {
    get($e, sprintf('127.3.%d.%d', int($k / 250), 1 + $k % 250), '/.env');
}
is(get($e, '127.3.4.100')->status, 403, '... 1,100 automatic bans made meanwhile');
$redis->command('ACL', 'SETUSER', 'default', '+hset', '+hdel');
my $e_mark = length $e->error_log;
$redis->command('CLIENT', 'KILL', 'TYPE', 'pubsub');
ok(wait_until(sub { substr($e->error_log, $e_mark) =~ /egov fleet: \d+ shared entries/ }, 10),
   'E reconciles when Redis takes writes again');
is(get($e, $unblocked)->status, 200, '... the operator\'s removals hold: the block\'s');
is(get($e, $unbanned)->status, 200, '... the ban\'s (its record, made again when Redis refused it, is still an operator\'s)');
ok(wait_until(sub { !defined $redis->command('HGET', 't75e:entries', $unblocked)
                    && !defined $redis->command('HGET', 't75e:entries', $unbanned) }, 5),
   '... and Redis no longer holds either');
like($e->error_log, qr/more changes were left for Redis to make than could be remembered/,
     '... the automatic bans beyond what is remembered are said');
$e->stop;
check_log_clean($e);
$redis->stop;

done_testing();

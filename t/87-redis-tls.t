#!/usr/bin/perl
# Redis over TLS through a local stunnel, with the ready configuration of
# conf.examples/stunnel/redis-tls.conf: Redis serves TLS only to nginx's
# links (its own tls-port), stunnel checks the certificate and the name, and
# the fleet works through it; a certificate for another name is refused and
# the module says Redis is away.

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

my $stunnel = '/usr/bin/stunnel4';
ok(-x $stunnel, 'stunnel4 is installed (tools/deps.sh test)') or BAIL_OUT('no stunnel4');

my $dir = File::Temp::tempdir('egov-t87-XXXXXX', TMPDIR => 1, CLEANUP => 1);

# a certificate for redis.test, its own CA
system('sh', '-c', 'exec "$@" 2>/dev/null', 'openssl', 'openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes',
       '-subj', '/CN=redis.test', '-addext', 'subjectAltName=DNS:redis.test',
       '-days', '2', '-keyout', "$dir/redis.key", '-out', "$dir/redis.crt")
    == 0 or die 'openssl req failed';

my $tls_port = EgovTest::Nginx::free_port();
my $redis = EgovTest::Redis->new;
$redis->start('--tls-port', $tls_port, '--tls-cert-file', "$dir/redis.crt",
              '--tls-key-file', "$dir/redis.key", '--tls-auth-clients', 'no');

# the example, with this test's ports and files
sub stunnel {
    my ($name, $host) = @_;
    my $local = EgovTest::Nginx::free_port();
    open my $in, '<', 'conf.examples/stunnel/redis-tls.conf' or die $!;
    my $conf = do { local $/; <$in> };
    close $in;
    $conf =~ s/^(setuid|setgid) = .*\n//mg;
    $conf =~ s{^pid = .*$}{pid = $dir/$name.pid\nforeground = yes\noutput = $dir/$name.log}m;
    $conf =~ s{^accept = .*$}{accept = 127.0.0.1:$local}m or die;
    $conf =~ s{^connect = .*$}{connect = 127.0.0.1:$tls_port}m or die;
    $conf =~ s{^CAfile = .*$}{CAfile = $dir/redis.crt}m or die;
    $conf =~ s{^checkHost = .*$}{checkHost = $host}m or die;
    open my $out, '>', "$dir/$name.conf" or die $!;
    print $out $conf;
    close $out;
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        open STDOUT, '>>', "$dir/$name.out";
        open STDERR, '>&', \*STDOUT;
        exec $stunnel, "$dir/$name.conf";
        exit 127;
    }
    my $deadline = time + 5;
    until (IO::Socket::IP->new(PeerHost => '127.0.0.1', PeerPort => $local)) {
        die "stunnel $name did not start" if time > $deadline;
        sleep 0.05;
    }
    return ($pid, $local);
}

my ($pid, $local) = stunnel('good', 'redis.test');
my ($bad_pid, $bad_local) = stunnel('bad', 'not-redis.test');

open my $sf, '>', "$dir/fleet.secret" or die $!;
print $sf "a fleet secret for the TLS test, long enough\n";
close $sf;
chmod 0600, "$dir/fleet.secret";

my $config = <<'END';
    egov_signatures on;
    location /health { egov_allowlist 127.0.0.1; egov_redis_health write; }
    location / { return 200 "ok\n"; }
END
my $http = <<"END";
    egov_redis 127.0.0.1:$local timeout=500ms prefix=t87: secret=$dir/fleet.secret;
    egov_ban_zone size=1m;
    egov_ban after=2 within=10s for=60s;
END

my ($a, $b) = start_fleet($http, $config);
ok(fleet_up($a, $b), 'both servers reach Redis through stunnel');

my @links = grep { /name=egov/ } split /\n/, $redis->command('CLIENT', 'LIST');
ok(@links >= 4, scalar(@links) . ' links of the module in Redis');
is(scalar(grep { /laddr=127\.0\.0\.1:$tls_port / } @links), scalar @links,
   'every one of them came in on the TLS port');

# the fleet works over it
my $bad = '127.0.0.21';
$a->request(uri => $_, client_addr => $bad) for '/.env', '/.git/config';
is($a->request(uri => '/', client_addr => $bad)->status, 403, 'A bans an address');
ok(wait_until(sub { $b->request(uri => '/', client_addr => $bad)->status == 403 }, 2),
   'B learns it through Redis over TLS');

# a certificate that does not name the host: no link
my $c = EgovTest::Nginx->new;
(my $bad_http = $http) =~ s/127\.0\.0\.1:$local /127.0.0.1:$bad_local /;
$c->start(http_config => $bad_http, config => $config);
sleep 1.5;
is((health($c))[0], 503, 'a certificate for another name: Redis is away for the module');
my $log = do { local $/; open my $l, '<', "$dir/bad.log" or die $!; <$l> };
like($log, qr/(CERT|certificate|checkHost|host name)/i, 'stunnel says the certificate was refused');

$_->stop for $a, $b, $c;
check_log_clean($_) for $a, $b, $c;
kill 'TERM', $pid, $bad_pid;
waitpid $_, 0 for $pid, $bad_pid;
done_testing();

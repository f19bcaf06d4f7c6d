package EgovTest::Fleet;

# Helpers for the tests of the Redis fleet layer: the health endpoint's
# JSON, waiting for a condition, counting log lines, requests whose
# response is read later (to see what the worker does meanwhile).

use strict;
use warnings;

use Exporter 'import';
use IO::Socket::IP;
use IO::Select;
use JSON::PP;
use Time::HiRes qw(sleep time);

use EgovTest::HTTP;

our @EXPORT = qw(health wait_until count_lines send_request read_response
                 timed egov_lines start_fleet fleet_up);

# (status, decoded JSON or undef, response)
sub health {
    my ($n, $uri, %r) = @_;
    my $res = $n->request(uri => $uri || '/health', %r);
    my $json = eval { decode_json($res->body) };
    return ($res->status, $json, $res);
}

# polls "cond" until it is true or "seconds" pass; returns its last value
sub wait_until {
    my ($cond, $seconds) = @_;
    my $deadline = time + ($seconds || 5);
    while (1) {
        my $v = $cond->();
        return $v if $v || time > $deadline;
        sleep 0.05;
    }
}

# two servers of a fleet (two workers each) with one configuration, up and
# using Redis (unless "without_redis"); the config must have
# "location /health { egov_redis_health; }"
sub start_fleet {
    my ($http, $config, %o) = @_;
    require EgovTest::Nginx;
    require Test::More;
    my @servers = map { EgovTest::Nginx->new(workers => 2) } 1 .. 2;
    $_->start(http_config => $http, config => $config) for @servers;
    return @servers if $o{without_redis};
    for my $n (@servers) {
        Test::More::ok(wait_until(sub { (health($n))[0] == 200 }),
                       'server up with Redis');
    }
    return @servers;
}

# Redis reachable for every worker of every server: egov_redis_health
# answers 200 only when every worker of its server has both links ready
# (the workers share their states), so one answer of each server says it
sub fleet_up {
    my (@servers) = @_;
    return wait_until(sub {
        @servers == grep { (health($_))[0] == 200 } @servers
    }, 10);
}

sub count_lines {
    my ($text, $re) = @_;
    my $n = () = $text =~ /$re/mg;
    return $n;
}

# the error log lines the fleet layer wrote, of a level
sub egov_lines {
    my ($text, $level) = @_;
    return grep { /\[$level\] .*egov redis/ } split /\n/, $text;
}

# sends a GET and returns the socket; read_response() reads the answer
sub send_request {
    my ($n, $uri) = @_;
    my $s = IO::Socket::IP->new(PeerHost => '127.0.0.1', PeerPort => $n->port)
        or die "connect: $!";
    binmode $s;
    print $s "GET $uri HTTP/1.0\r\nHost: localhost\r\n\r\n";
    return $s;
}

sub read_response {
    my ($s, $timeout) = @_;
    my $data = '';
    my $deadline = time + ($timeout || 10);
    my $sel = IO::Select->new($s);
    while (time < $deadline) {
        last unless $sel->can_read($deadline - time);
        my $got = sysread($s, my $buf, 65536);
        last unless $got;
        $data .= $buf;
    }
    close $s;
    return EgovTest::HTTP::parse($data);
}

# (seconds taken, what the code returned)
sub timed {
    my ($code) = @_;
    my $t = time;
    my @r = $code->();
    return (time - $t, @r);
}

1;

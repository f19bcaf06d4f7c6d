#!/usr/bin/perl
# egov_csp_nonce_inject streams: a large page goes out as views of its
# buffers at the client's pace, the worker's memory bounded (each buffer
# was once copied into the request's pool and marked sent at once: a 51 MB
# page grew a worker by 60 MB for a client reading slowly), and what
# arrives is the page with every tag given its nonce, and the banner.

use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Time::HiRes qw(sleep time);
use IO::Socket::IP;
use IO::Select;
use EgovTest;
use EgovTest::Nginx;

my $chunk = "<p>" . ('x' x 65000) . "</p><script>f()</script>\n";
my $count = 400;                          # about 26 MB
my $page = "<!doctype html><html><head><title>big</title></head><body>\n"
         . ($chunk x $count) . "</body></html>\n";

my $n = EgovTest::Nginx->new;
$n->write_file('html/big.html', $page);
$n->start(http_config => <<'END', config => <<'END2');
    egov_consent on;
    egov_consent_categories analytics;
END
    location / { egov_csp_nonce_inject on; }
    location /app/ {
        egov_csp_nonce_inject on;
        proxy_pass http://127.0.0.1:$TEST_NGINX_PORT/origin/;
    }
    location /stream/ {
        egov_csp_nonce_inject on;
        proxy_buffering off;
        proxy_pass http://127.0.0.1:$TEST_NGINX_PORT/origin/;
    }
    location /origin/ { egov_consent off; alias $TEST_NGINX_HTML_DIR/; }
END2

sub rss_kb {
    my ($pid) = @_;
    return 0 unless $pid;
    open my $fh, '<', "/proc/$pid/status" or return 0;
    while (<$fh>) { return $1 if /^VmRSS:\s+(\d+) kB/ }
    return 0;
}

my ($worker) = $n->worker_pids;
# (under AddressSanitizer memory is not measured, and the worker is not
# always found as the master's child)
ok($worker, 'the worker is found: its memory is measured')
    unless EgovTest::Nginx::sanitized();

for my $uri ('/big.html', '/app/big.html', '/stream/big.html') {

$n->request(uri => $uri, headers => [['Range', 'bytes=0-0']]);
my $before = rss_kb($worker);

# a client that reads about 2 MB a second for a second and a half
my $s = IO::Socket::IP->new(PeerHost => '127.0.0.1', PeerPort => $n->port)
    or die "connect: $!";
setsockopt($s, Socket::SOL_SOCKET(), Socket::SO_RCVBUF(), 65536);
print $s "GET $uri HTTP/1.0\r\nHost: localhost\r\n\r\n";
my $got = '';
my $t0 = time;
while (time - $t0 < 1.5) {
    my $r = sysread($s, my $buf, 32768);
    last unless $r;
    $got .= $buf;
    sleep 0.015;
}
my $during = rss_kb($worker);
my $grew = $during - $before;
SKIP: {
    # AddressSanitizer keeps freed memory in quarantine: RSS says nothing
    skip 'memory is not measured under AddressSanitizer', 1
        if EgovTest::Nginx::sanitized();
    ok($grew < 2 * 1024, "$uri: the worker grew by ${grew} kB while a slow "
       . "client read " . length($got) . " bytes (the page is "
       . int(length($page) / 1024) . " kB; copies grew it by 3.8 MB)");
}

# then the rest, as fast as it comes
my $sel = IO::Select->new($s);
while ($sel->can_read(10)) {
    my $r = sysread($s, my $buf, 1 << 20);
    last unless $r;
    $got .= $buf;
}
close $s;

my ($head, $body) = split /\r\n\r\n/, $got, 2;
like($head, qr{^HTTP/1\.1 200}, 'the page');
my $nonces = () = $body =~ /<script nonce="[A-Za-z0-9+\/]{22}==">f\(\)<\/script>/g;
is($nonces, $count, 'every script tag has its nonce');
ok($body =~ qr{</p><script nonce="[^"]+">f\(\)</script>\n<div id="egov-consent".*</div>\n</body></html>\n\z}s,
     'the banner before </body>, the page whole to its end');
(my $plain = $body) =~ s/ nonce="[^"]+"//g;
$plain =~ s{<div id="egov-consent".*</div>\n(?=</body>)}{}s;
is(length $plain, length $page, 'nothing else added or lost');
ok($plain eq $page, 'the same bytes otherwise');

}

$n->stop;
check_log_clean($n);

done_testing();

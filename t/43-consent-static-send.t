#!/usr/bin/perl
# A static page with the banner is sent by three calls (the header, the file
# up to </body> by sendfile, the banner and the page's end); the module
# corks the connection around them and nginx uncorks when the request ends.
# Every way a connection goes on or ends must still deliver whole pages:
# keepalive, pipelined requests (not corked), HTTP/1.0, HEAD, tcp_nopush,
# sendfile off (not corked).  Where files are read in threads
# (aio threads), the page's end is read there too, the request waiting.

use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Time::HiRes qw(sleep);
use IO::Socket::IP;
use IO::Select;
use EgovTest;
use EgovTest::Nginx;

my $page = "<!doctype html><html lang=\"en\"><head><title>p</title></head>"
         . "<body><main><h1>Page</h1>"
         . ("<p>Services online, in Arabic and English.</p>\n" x 2000)
         . "</main></body></html>\n";

my $n = EgovTest::Nginx->new;
$n->write_file('html/page.html', $page);
$n->start(http_config => <<'END', config => <<'END2');
    egov_consent on;
    egov_consent_categories analytics;
    sendfile on;
    tcp_nopush off;
END
    location / { }
    location /nopush/ { alias html/; tcp_nopush on; }
    location /mem/ { alias html/; sendfile off; }
    location /threads/ { alias html/; aio threads; }
    location /slow/ { alias html/; limit_rate 16k; }
END2

my $corked = qr/egov consent: corked for the banner/;
my $log;

sub corks {
    my ($from) = @_;
    my $log = $n->error_log;
    my @c = substr($log, $from) =~ /$corked/g;
    return scalar @c;
}

sub log_end { length $n->error_log }

sub connect_ {
    my $s = IO::Socket::IP->new(PeerHost => '127.0.0.1', PeerPort => $n->port)
        or die "connect: $!";
    binmode $s;
    return $s;
}

# reads one response off the socket: status, headers and exactly its body
# (head: a HEAD's, no body; already: its first bytes, read with the last)
sub read_response {
    my ($s, %o) = @_;
    my $buf = $o{already} // '';
    my $sel = IO::Select->new($s);
    while ($buf !~ /\r\n\r\n/) {
        $sel->can_read(10) or return;
        sysread($s, $buf, 65536, length $buf) or return;
    }
    my ($h, $rest) = split /\r\n\r\n/, $buf, 2;
    my ($len) = $h =~ /^Content-Length: (\d+)/mi;
    $len = 0 if $o{head};
    while (length $rest < ($len // 0)) {
        $sel->can_read(10) or last;
        sysread($s, $rest, 65536, length $rest) or last;
    }
    my $body = substr($rest, 0, $len // length $rest, '');
    return { head => $h, body => $body, len => $len, extra => $rest };
}

sub whole_page {
    my ($r, $what) = @_;
    ok($r, "$what: a response") or return;
    like($r->{head}, qr{^HTTP/1\.[01] 200 }, "$what: 200");
    is(length $r->{body}, $r->{len}, "$what: the whole Content-Length came");
    like($r->{body}, qr{^<!doctype html>.*</main><div id="egov-consent"}s,
         "$what: the page, then the banner");
    like($r->{body}, qr{</script>\n</div>\n</body></html>\n\z},
         "$what: the banner, then the page's end, last");
    is($r->{extra}, '', "$what: nothing after it");
}

# COUNT requests for URI in turn on one keepalive connection, each checked
# whole; returns where the error log was before them
sub pages_in_turn {
    my ($uri, $count, $what) = @_;
    my $from = log_end();
    my $s = connect_();
    for my $i (1 .. $count) {
        print $s "GET $uri HTTP/1.1\r\nHost: localhost\r\n\r\n";
        whole_page(read_response($s), "$what, request $i");
    }
    close $s;
    return $from;
}

# three requests in turn on one keepalive connection: each corked, each whole
my $from = pages_in_turn('/page.html', 3, 'keepalive');
is(corks($from), 3, 'each of the three was corked');

# two requests in one write: the first is not corked (the second is already
# read and would hold its end), the second is
$from = log_end();
my $s = connect_();
print $s "GET /page.html HTTP/1.1\r\nHost: localhost\r\n\r\n"
       . "GET /page.html HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
my $first = read_response($s);
my $second = $first && read_response($s, already => $first->{extra});
$first->{extra} = '' if $first;
whole_page($first, 'pipelined request 1');
whole_page($second, 'pipelined request 2');
close $s;
is(corks($from), 1, 'only the last of two pipelined requests was corked');

# HTTP/1.0: the server closes, which sends the end
$from = log_end();
$s = connect_();
print $s "GET /page.html HTTP/1.0\r\nHost: localhost\r\n\r\n";
{
    local $/;
    my $all = <$s>;
    my ($h, $body) = split /\r\n\r\n/, $all, 2;
    my ($len) = $h =~ /^Content-Length: (\d+)/mi;
    is(length $body, $len, 'HTTP/1.0: the whole page, then the server closes');
    like($body, qr{</div>\n</body></html>\n\z}, 'HTTP/1.0: the page\'s end last');
}
close $s;
is(corks($from), 1, 'HTTP/1.0 was corked');

# HEAD: no body, nothing corked, the connection goes on; its headers are
# the GET's (the banner's Content-Length, no validators, the same caching)
$from = log_end();
$s = connect_();
print $s "HEAD /page.html HTTP/1.1\r\nHost: localhost\r\n\r\n";
my $h = read_response($s, head => 1);
like($h->{head}, qr{^HTTP/1\.1 200 }, 'HEAD: 200');
print $s "GET /page.html HTTP/1.1\r\nHost: localhost\r\n\r\n";
my $g = read_response($s);
whole_page($g, 'a GET after a HEAD');
close $s;
is(corks($from), 1, 'only the GET was corked');

# the headers but Date, and the CSP's nonce (one per response)
sub headers_of {
    my ($r) = @_;
    my @h = grep { !/^Date:/i } split /\r\n/, $r->{head} // '';
    s/'nonce-[^']+'/'nonce-N'/g for @h;
    return join "\n", @h;
}
is(headers_of($h), headers_of($g), 'HEAD: the same headers as the GET');
like(headers_of($h), qr/^Content-Length: @{[ length $g->{body} ]}$/m,
     'HEAD: the Content-Length of the page with its banner');
unlike(headers_of($h), qr/^(ETag|Last-Modified|Accept-Ranges):/mi,
       'HEAD: no validators, no ranges, as the GET');

# tcp_nopush on: the module corks first (keeping TCP_NODELAY), nginx does not
$from = pages_in_turn('/nopush/page.html', 2, 'tcp_nopush on');
is(corks($from), 2, 'tcp_nopush on: both corked by the module');
# (nginx corking itself would leave TCP_NODELAY off on Linux: the next
# response's end could wait for a delayed ACK)
like(substr($n->error_log, $from), qr/: \*\d+ tcp_nodelay$/m,
     'tcp_nopush on: TCP_NODELAY is on for the connection');

# sendfile off: the page goes through memory, nothing to cork
$from = pages_in_turn('/mem/page.html', 1, 'sendfile off');
is(corks($from), 0, 'sendfile off: not corked');

# the page's end is read once per version of the file, not on every
# request (a read while the worker waits): the second time, nothing is read
$from = pages_in_turn('/page.html', 1, 'the end found');
my $reads = qr/ read: \d+, [0-9A-F]+, \d+, \d+$/m;
$from = pages_in_turn('/page.html', 2, 'the end known');
is(scalar(() = substr($n->error_log, $from) =~ /$reads/g), 0,
   'the file is not read again');
(my $changed = $page) =~ s{<h1>Page</h1>}{<h1>Page, changed</h1>};
$changed =~ s{</main></body></html>\n\z}{</main></body></html>\n<!-- a longer end -->\n};
sleep 1.1;
$n->write_file('html/page.html', $changed);
$from = log_end();
$s = connect_();
print $s "GET /page.html HTTP/1.1\r\nHost: localhost\r\n\r\n";
my $c = read_response($s);
close $s;
like($c->{body}, qr{<h1>Page, changed</h1>.*</main><div id="egov-consent".*</div>\n</body></html>\n<!-- a longer end -->\n\z}s,
     'a changed file: its new end is found');
is(scalar(() = substr($n->error_log, $from) =~ /$reads/g), 1, '... read once');

# a page no longer than its end (4 KiB) is kept whole per version of the
# file and goes out from memory in one call with its header: not corked,
# no sendfile; the bytes are the same as a large page's would be
my $small = "<!doctype html><html lang=\"en\"><head><title>s</title></head>"
          . "<body><main><h1>Small</h1>"
          . ("<p>Services online.</p>\n" x 20) . "</main></body></html>\n";
$n->write_file('html/small.html', $small);
my $sendfile = qr/: \*\d+ sendfile: @/m;
$from = pages_in_turn('/small.html', 3, 'a small page');
$log = substr($n->error_log, $from);
is(corks($from), 0, 'a small page: not corked');
is(scalar(() = $log =~ /$sendfile/g), 0, '... not sent by sendfile');
is(scalar(() = $log =~ /$reads/g), 1, '... read once for three requests');
my $sr = $n->request(uri => '/small.html');
(my $body = $sr->body) =~ s{<div id="egov-consent".*</script>\n</div>\n}{BANNER}s;
is($body, substr($small, 0, index($small, '</body>')) . "BANNER</body></html>\n",
   '... the page, the banner before </body>, its end: nothing lost or doubled');
is($sr->header('Content-Length'), length $sr->body, '... its Content-Length');
# a changed small file of the very same size: its new bytes
(my $small2 = $small) =~ s{<h1>Small</h1>}{<h1>Tiny!</h1>};
sleep 1.1;
$n->write_file('html/small.html', $small2);
$sr = $n->request(uri => '/small.html');
like($sr->body, qr{<h1>Tiny!</h1>.*<div id="egov-consent"}s,
     'a small page changed, same size: the new page');
# a file changed in place that keeps its size and its modification time
# (cp -p over it, tar, a build with a fixed SOURCE_DATE_EPOCH): its change
# time moves, which nobody can set back
my $kept = $n->write_file('html/kept.html', $small);
system('touch', '-d', '@1700000000.123456789', $kept) == 0 or die "touch: $?";
like($n->request(uri => '/kept.html')->body, qr{<h1>Small</h1>}, 'a page kept in memory');
sleep 0.05;
open my $in_place, '+<', $kept or die "$kept: $!";
print $in_place $small2;
close $in_place;
system('touch', '-d', '@1700000000.123456789', $kept) == 0 or die "touch: $?";
like($n->request(uri => '/kept.html')->body, qr{<h1>Tiny!</h1>},
     'changed in place with its size and modification time kept: the new page');
# no </body>: the banner at the very end, as for a large page
$n->write_file('html/nobody.html', "<p>no body end</p>\n");
$sr = $n->request(uri => '/nobody.html');
like($sr->body, qr{\A<p>no body end</p>\n<div id="egov-consent".*</div>\n\z}s,
     'a small page without </body>: the banner last');
is($sr->header('Content-Length'), length $sr->body, '... its Content-Length');
# HEAD: the GET's headers, no body
$sr = $n->request(uri => '/small.html', method => 'HEAD');
is($sr->status, 200, 'HEAD of a small page: 200');
is($sr->{raw} =~ /\r\n\r\n(.*)\z/s ? $1 : 'x', '', '... and no body');
# a Range of a small page gets the whole page with its banner, as for any
# page the filter changes (t/59): a part of the file would have none
$sr = $n->request(uri => '/small.html', headers => 'Range: bytes=-20');
is($sr->status, 200, 'a Range of a small page: 200');
like($sr->body, qr/id="egov-consent".*<\/body>/s, '... the whole page, with its banner');

# aio threads: the end is read in nginx's thread pool, not in the worker,
# and the page comes whole after the thread is done; then from the cache
$n->write_file('html/threads.html', $page);
my $in_worker = qr/: \*\d+ read: \d+, [0-9A-F]+, \d+, \d+$/m;
my $asked = qr/: \*\d+ thread read: \d+, [0-9A-F]+, 4096, \d+$/m;
my $in_thread = qr/^\S+ \S+ \[debug\] (\d+)#(?!\1:)\d+: thread read handler$/m;
$from = pages_in_turn('/threads/threads.html', 2, 'aio threads');
$log = substr($n->error_log, $from);
like($log, $asked, 'aio threads: the end (4 KiB) was asked of a thread');
is(scalar(() = $log =~ /$in_thread/g), 1,
   '... and read once, by another thread than the worker\'s');
is(scalar(() = $log =~ /$in_worker/g), 0, '... not in the worker');
like($log, qr/http thread: "\/threads\/threads\.html\?"/,
     '... the request went on when the thread was done');

# a page up to 32 KiB too, once read; held by a response being sent (slowly,
# limit_rate), it is never replaced: a new version of the file goes to
# another request from that request's own read, and the slow response
# still ends with the old version's bytes, whole
my $mid = sub {
    my ($v) = @_;
    return "<!doctype html><html><head><title>m</title></head><body><main><h1>$v</h1>"
         . ("<p>Services online, in Arabic and English.</p>\n" x 500)
         . "</main></body></html>\n";
};
$n->write_file('html/mid.html', $mid->('one'));
$from = pages_in_turn('/mid.html', 2, 'a 24 KB page');
$log = substr($n->error_log, $from);
is(corks($from), 0, 'a 24 KB page: not corked');
is(scalar(() = $log =~ /$sendfile/g), 0, '... not sent by sendfile');
is(scalar(() = $log =~ /$reads/g), 1, '... read once for two requests');
my $slow = connect_();
print $slow "GET /slow/mid.html HTTP/1.1\r\nHost: localhost\r\n\r\n";
sleep 0.3;
$n->write_file('html/mid.html', $mid->('two, longer'));
my $banner_re = qr{<div id="egov-consent".*</script>\n</div>\n}s;
for my $i (1, 2) {
    my $r = $n->request(uri => '/mid.html');
    (my $b = $r->body) =~ s/$banner_re/BANNER/;
    is($b, $mid->('two, longer') =~ s{</body>}{BANNER</body>}r,
       "the new version while the old is being sent, request $i: its bytes");
}
my $old = read_response($slow);
close $slow;
(my $ob = $old->{body}) =~ s/$banner_re/BANNER/;
is($ob, $mid->('one') =~ s{</body>}{BANNER</body>}r,
   '... and the slow response ends with the old version, whole');
my $r3 = $n->request(uri => '/mid.html');
like($r3->body, qr{<h1>two, longer</h1>}, 'then the new version, cached');

# a small page read in a thread, then from the worker's memory
$n->write_file('html/small-threads.html', $small);
$from = pages_in_turn('/threads/small-threads.html', 2, 'a small page, aio threads');
$log = substr($n->error_log, $from);
is(scalar(() = $log =~ /$in_thread/g), 1, '... read once, in a thread');
is(scalar(() = $log =~ /$sendfile/g), 0, '... not sent by sendfile');

# a client gone while the thread reads: nothing is left behind (the
# sanitizer and the log check see a use after free or an alert)
$n->write_file('html/threads2.html', $page);
for (1 .. 5) {
    my $g = connect_();
    print $g "GET /threads/threads2.html HTTP/1.1\r\nHost: localhost\r\n\r\n";
    close $g;
}
sleep 0.3;
$from = pages_in_turn('/threads/threads2.html', 1, 'after clients gone');

$n->stop;
check_log_clean($n);
done_testing();


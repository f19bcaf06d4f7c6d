#!/usr/bin/perl
# The harness itself: blocks parse as documented, responses are read
# exactly, log problems are found, and wrong expectations do fail.

use strict;
use warnings;
use lib 't/lib';
use Test::More;
use EgovTest;
use EgovTest::HTTP;
use EgovTest::Nginx;

my @b = EgovTest::parse_blocks(<<'END');
=== TEST 1: first
--- config
    location / {}

--- error_code: 200
--- request eval
["GET /a", "GET /b"]
=== TEST 2: second
--- response_body chomp
text
END
is(scalar @b, 2, 'two blocks');
is($b[0]{name}, 'TEST 1: first', 'block name');
is($b[0]{sections}{config}, "    location / {}\n", 'trailing blank lines dropped');
is($b[0]{sections}{error_code}, '200', 'inline section');
is_deeply(EgovTest::section(undef, $b[0], 'request'), ['GET /a', 'GET /b'], 'eval section');
is(EgovTest::section(undef, $b[1], 'response_body'), 'text', 'chomp');

my $r = EgovTest::HTTP::parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
    . "Set-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
is($r->status, 200, 'status parsed');
is($r->body, 'abcde', 'chunked body decoded');
is_deeply([$r->headers_all('set-cookie')], ['a=1', 'b=2'], 'repeated headers kept in order');
is_deeply($r->{chunk_sizes}, [3, 2], 'chunk sizes kept');

my $n = EgovTest::Nginx->new;
$n->write_file('logs/error.log', "2026/01/01 00:00:00 [alert] 1#1: something\n"
    . "2026/01/01 00:00:00 [notice] 1#1: fine\n"
    . "2026/01/01 00:00:00 [alert] 1#1: worker process 5 exited on signal 11\n");
$n->write_file('logs/asan.123', "==123==ERROR: AddressSanitizer: heap-buffer-overflow\n");
my @p = $n->log_problems;
is(scalar @p, 3, 'two alert lines and one sanitizer report found') or diag explain \@p;

# every block of the fixture has a wrong expectation: all must fail
my $out = `$^X t/fixtures/must-fail.pl 2>&1`;
isnt($? >> 8, 0, 'a file with wrong expectations fails');
for my $what ('WRONG STATUS: status', 'WRONG HEADER VALUE: header X-A',
              'HEADER THAT IS PRESENT: no header X-A',
              'HEADER TWICE WHEN ONCE EXPECTED: header X-A',
              'WRONG BODY: body', 'MISSING LOG LINE: error_log has',
              'UNWANTED LOG LINE: error_log has not',
              'CONFIG THAT DOES NOT DIE: nginx -t fails')
{
    like($out, qr/^not ok \d+ - \Q$what\E/m, "fails: $what");
}

done_testing();

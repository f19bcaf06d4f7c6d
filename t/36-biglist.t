#!/usr/bin/perl
# A 1,000,000-entry block list loads, answers right for listed and unlisted
# addresses, and reports its size; the time and memory are printed (bench/
# measures them, no test depends on timing).

use strict;
use warnings;
use lib 't/lib';
use Test::More;
use EgovTest;
use EgovTest::Nginx;

my $n = EgovTest::Nginx->new;

# 990,000 IPv4 addresses and /24s spread over the whole space (never
# 127/8), 10,000 IPv6 prefixes, a few loopback ones to test with
srand(42);
my $list = "# generated: 1,000,000 entries\n";
for my $i (1 .. 990_000) {
    my $a = int(rand(126)) + 1;
    $a += 1 if $a >= 127;
    $list .= $i % 10
        ? sprintf("%d.%d.%d.%d\n", $a, int(rand(256)), int(rand(256)), int(rand(256)))
        : sprintf("%d.%d.%d.0/24\n", $a, int(rand(256)), int(rand(256)));
}
for my $i (1 .. 9_996) {
    $list .= sprintf("2001:db8:%x:%x::/64\n", int(rand(65536)), int(rand(65536)));
}
$list .= "127.0.0.2\n127.0.0.3\n127.9.0.0/16\n::1\n";
$n->write_file('html/big.netset', $list);

my ($ok, $out) = $n->test_config(config => <<'END');
    egov_blocklist ../html/big.netset name=big;
    location / { return 200 "ok"; }
END
ok($ok, 'nginx -t passes with the big list');
{
    # as systemd runs it (nginx -t -q), with an error_log at notice: the
    # list line is information, not news
    my $q = EgovTest::Nginx->new(log_level => 'notice');
    $q->write_file('html/l.netset', "127.0.0.2\n");
    $q->write_config(config => "egov_blocklist ../html/l.netset;\n"
                             . "location / { return 200; }\n");
    local %ENV = (%ENV, $q->sanitizer_env);
    my $bin = EgovTest::Nginx::nginx_binary();
    my $p = $q->prefix;
    $out = `$bin -t -q -p $p/ -c $p/conf/nginx.conf 2>&1`;
    is($out, '', 'nginx -t -q says nothing (the list line is at info)');
}

$n->start;

# the list line, at info, in the error log of a reload
$n->reload;
my ($line) = $n->error_log =~ /(egov: list "\S+big\.netset": .*)/;
like($line, qr/\[info\]|: 1000000 entries/, 'logged at info on reload');
like($line, qr/: 1000000 entries, \d+ ranges, \d+ KiB, loaded in \d+ ms/,
     'all 1,000,000 entries loaded');
my ($kib, $ms) = $line =~ /(\d+) KiB, loaded in (\d+) ms/;
diag "1,000,000 entries: $kib KiB, loaded in $ms ms (master, at configuration time)";
cmp_ok($kib, '<', 100 * 1024, 'the compiled list takes well under 100 MB');

is($n->request(uri => '/', client_addr => '127.0.0.2')->status, 403, 'listed address refused');
is($n->request(uri => '/', client_addr => '127.9.200.1')->status, 403, 'listed prefix refused');
is($n->request(uri => '/', client_addr => '127.0.0.4')->status, 200, 'unlisted address passes');
is($n->request(uri => '/', ipv6 => 1)->status, 403, 'listed IPv6 address refused');

$n->stop;
check_log_clean($n);

# the last line without its line end, wider than a /8 (or /16): a
# download cut short may leave "10.0.0.0/7" of "10.0.0.0/24", which parses
# (found by a second review): skipped and said; a narrower one is taken
my $t = EgovTest::Nginx->new;
$t->write_file('html/tail.netset', "1.10.16.0/20\n10.0.0.0/7");
$t->write_file('html/tail2.netset', "1.10.16.0/20\n127.0.0.0/24");
my ($ok, $out) = $t->test_config(config => "egov_blocklist ../html/tail.netset;\n");
ok($ok, 'a wide last line without its line end: nginx -t passes');
like($out, qr{\[warn\] .*html/tail\.netset:2: the last line, without its line end, is a prefix wider than /8 or /16 \(a download cut short\?\): "10\.0\.0\.0/7", line skipped},
     '... the line skipped, said');
like($out, qr{egov: list "\S+html/tail\.netset": 1 entries}, '... the others taken');
($ok, $out) = $t->test_config(config => "egov_blocklist ../html/tail2.netset;\n");
like($out, qr{egov: list "\S+html/tail2\.netset": 2 entries}, 'a /24 last line without its line end: taken');
unlike($out, qr/line skipped/, '... nothing said');

done_testing();

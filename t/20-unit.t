#!/usr/bin/perl
# The C unit tests of t/unit/*_test.c: each is compiled with the sources its
# first line names (plain parsers, no nginx), under ASan and UBSan, and run;
# its TAP output must be all "ok".

use strict;
use warnings;
use Test::More;
use File::Path qw(make_path);

my $cc = $ENV{CC} || 'gcc';
my $out = 'build/unit';
make_path($out);

for my $test (sort glob 't/unit/*_test.c') {
    open my $fh, '<', $test or die "$test: $!";
    my $first = <$fh>;
    close $fh;
    my ($sources) = $first =~ m{/\*\s*sources:\s*(.*?)\s*(?:libs:.*)?\*/};
    my ($libs) = $first =~ m{libs:\s*(.*?)\s*\*/};
    my @sources = split ' ', ($sources || '');
    my @libs = split ' ', ($libs || '');
    (my $name = $test) =~ s{.*/(\w+)_test\.c$}{$1};
    my $bin = "$out/${name}_test";

    my @cmd = ($cc, '-std=gnu99', '-g', '-O1', '-Wall', '-Wextra', '-Werror',
               '-fsanitize=address,undefined', '-fno-sanitize-recover=all',
               '-Ingx_egov_module', '-It/unit', $test, @sources, '-o', $bin,
               @libs);
    my $build = `@cmd 2>&1`;
    is($?, 0, "$name: compiles (@sources)") or do { diag $build; next };

    my $tap = `ASAN_OPTIONS=detect_leaks=1 $bin 2>&1`;
    my $rc = $? >> 8;
    my @not_ok = $tap =~ /^(not ok .*)$/mg;
    my ($plan) = $tap =~ /^1\.\.(\d+)$/m;
    ok($rc == 0 && !@not_ok && $plan, "$name: " . ($plan || 0) . " checks pass")
        or diag $tap;
}

done_testing();

#!/usr/bin/perl
# Each fuzz/*_fuzz.c target is built with clang's libFuzzer, ASan and UBSan
# and run for a bounded time (EGOV_FUZZ_SECONDS, default 5) from its seed
# corpus in fuzz/corpus/NAME/.  A crash, a sanitizer report or a leak fails.
# With EGOV_FUZZ_MERGE=1 (make fuzz-corpus) what the run found that adds
# coverage is merged into the committed corpus (libFuzzer's -merge=1).

use strict;
use warnings;
use Test::More;
use File::Path qw(make_path);
use File::Temp qw(tempdir);

my $seconds = $ENV{EGOV_FUZZ_SECONDS} || 5;
my $out = 'build/fuzz';
make_path($out);

system('sh', '-c', 'command -v clang >/dev/null') == 0
    or plan skip_all => 'clang not installed';

for my $target (sort glob 'fuzz/*_fuzz.c') {
    open my $fh, '<', $target or die "$target: $!";
    my $first = <$fh>;
    close $fh;
    my ($sources) = $first =~ m{/\*\s*sources:\s*(.*?)\s*(?:libs:.*)?\*/};
    my ($libs) = $first =~ m{libs:\s*(.*?)\s*\*/};
    $libs ||= '';
    (my $name = $target) =~ s{.*/(\w+)_fuzz\.c$}{$1};
    my $bin = "$out/${name}_fuzz";

    my $build = `clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -Ingx_egov_module $target $sources -o $bin $libs 2>&1`;
    is($?, 0, "$name: fuzz target builds") or do { diag $build; next };

    # new inputs go to a scratch corpus; the seeds in git stay as they are
    my $scratch = tempdir(CLEANUP => 1);
    my $log = `$bin -max_total_time=$seconds -timeout=5 -rss_limit_mb=1024 -artifact_prefix=$out/${name}- $scratch fuzz/corpus/$name 2>&1`;
    my $rc = $? >> 8;
    my ($runs) = $log =~ /Done (\d+) runs/;
    ok($rc == 0 && $runs, "$name: " . ($runs || 0) . " runs in ${seconds}s, no crash")
        or diag join "\n", grep { /ERROR|SUMMARY|crash|leak|runtime error/ } split /\n/, $log;

    next unless $ENV{EGOV_FUZZ_MERGE} && $rc == 0;
    my $before = () = glob "fuzz/corpus/$name/*";
    my $merge = `$bin -merge=1 -rss_limit_mb=1024 fuzz/corpus/$name $scratch 2>&1`;
    my $after = () = glob "fuzz/corpus/$name/*";
    is($? >> 8, 0, "$name: corpus merged, $before inputs became $after")
        or diag $merge;
}

done_testing();

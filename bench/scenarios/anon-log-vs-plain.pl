# Issue 6, against plain nginx: anon-log.pl's anonymized log line with the
# module loaded vs its raw line on nginx without the module (anon-log.pl is
# the target's comparison: the module loaded on both sides).  For
# information: the difference between the two is what loading the module
# costs a request that uses nothing else of it.
my $s = do "$FindBin::Bin/scenarios/anon-log.pl" or die "anon-log.pl: $@ $!";
+{
    %$s,
    title           => "$s->{title} on plain nginx",
    baseline_module => 0,
};

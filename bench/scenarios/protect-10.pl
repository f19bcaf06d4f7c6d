# Issue 4: the same with a 10-entry list: a lookup must cost the same as
# with 1,000,000 entries (compare this ratio with protect-1m's).
use lib "$FindBin::Bin/lib";
use EgovBenchLists;
{
    title    => 'protection: 10-entry list + signatures + one limit',
    target   => 0.95,
    path     => '/',
    setup    => sub {
        my ($n, $which) = @_;
        EgovBenchLists::write_list($n, 'small.netset', 10) if $which eq 'module';
    },
    baseline => 'location / { return 200 "ok\n"; }',
    http_module => 'egov_limit_zone name=bench key=$binary_remote_addr
                                   rate=1000000r/s size=1m;',
    module   => 'location / {
                     egov_blocklist ../html/small.netset;
                     egov_signatures on;
                     egov_limit zone=bench burst=1000000 nodelay;
                     return 200 "ok\n";
                 }',
    report   => sub { EgovBenchLists::load_report($_[1]) },
};

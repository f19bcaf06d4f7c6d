# Issue 4: a 1,000,000-entry block list, the built-in signatures and one
# rate limit (high enough never to refuse the benchmark), one worker.
use lib "$FindBin::Bin/lib";
use EgovBenchLists;
{
    title    => 'protection: 1,000,000-entry list + signatures + one limit',
    target   => 0.95,
    path     => '/',
    setup    => sub {
        my ($n, $which) = @_;
        EgovBenchLists::write_list($n, 'big.netset', 1_000_000) if $which eq 'module';
    },
    baseline => 'location / { return 200 "ok\n"; }',
    http_module => 'egov_limit_zone name=bench key=$binary_remote_addr
                                   rate=1000000r/s size=1m;',
    module   => 'location / {
                     egov_blocklist ../html/big.netset;
                     egov_signatures on;
                     egov_limit zone=bench burst=1000000 nodelay;
                     return 200 "ok\n";
                 }',
    report   => sub { EgovBenchLists::load_report($_[1]) },
};

# Issue 16: the cost of a request with 10 to 1,000,000 block-list entries
# (with the built-in signatures and one never-refusing limit): flat.
use lib "$FindBin::Bin/lib";
use EgovBenchLists;
my $limit = 'egov_limit_zone name=bench key=$binary_remote_addr
                             rate=1000000r/s size=1m;';
sub list_variant {
    my ($count, $label) = @_;
    return { label => $label, http_module => $limit,
             setup_module => sub {
                 EgovBenchLists::write_list($_[0], 'list.netset', $count) },
             module => 'location / {
                            egov_blocklist ../html/list.netset;
                            egov_signatures on;
                            egov_limit zone=bench burst=1000000 nodelay;
                            return 200 "ok\n";
                        }' };
}
{
    title    => 'curve: block-list entries (with signatures and a limit)',
    path     => '/',
    baseline => 'location / { return 200 "ok\n"; }',
    variants => [ list_variant(10, '10 entries'),
                  list_variant(1_000, '1,000 entries'),
                  list_variant(100_000, '100,000 entries'),
                  list_variant(1_000_000, '1,000,000 entries') ],
};

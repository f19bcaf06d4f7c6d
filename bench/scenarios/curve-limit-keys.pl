# Issue 16: the cost of a request with 10 to 1,000,000 distinct keys in a
# limit zone of 1 MB (about 8,000 keys: beyond that, every new key evicts
# the least recently used): flat.
my $conf = 'location / {
                egov_limit zone=bench burst=1000000 nodelay;
                return 200 "ok\n";
            }';
sub keys_variant {
    my ($count, $label) = @_;
    return { label => $label, env => { EGOV_KEYS => $count },
             http_module => 'egov_limit_zone name=bench key=$http_x_client
                                             rate=1000000r/s size=1m;',
             module => $conf };
}
{
    title    => 'curve: distinct keys in one limit zone (eviction included)',
    path     => '/',
    script   => 'many-keys.lua',
    baseline => 'location / { return 200 "ok\n"; }',
    variants => [ keys_variant(10, '10 keys'),
                  keys_variant(1_000, '1,000 keys'),
                  keys_variant(100_000, '100,000 keys (evicting)'),
                  keys_variant(1_000_000, '1,000,000 keys (evicting)') ],
};

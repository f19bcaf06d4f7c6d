# Issue 7, for information next to fleet-strict.pl (whose requests all
# come from one address, as a flood or many visitors behind one address
# do): the same strict limit keyed by a header that takes 1000 values in
# turn (bench/wrk/many-clients.lua), so each request of a batch has a key
# of its own.
my $s = do "$FindBin::Bin/scenarios/fleet-strict.pl"
    or die "fleet-strict.pl: $@ $!";
(my $http = $s->{http_module}) =~ s/\$binary_remote_addr/\$http_x_client/
    or die 'fleet-strict.pl: no $binary_remote_addr key';
+{
    %$s,
    title       => 'fleet limit, sync=strict, 1000 keys in turn',
    script      => 'many-clients.lua',
    http_module => $http,
};

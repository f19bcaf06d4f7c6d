# Issue 18: the protection benchmark (10-entry list, signatures, one
# limit) with egov_ban_on counting 401, 403 and 404 answers, against the
# same without it, the module on both sides: egov_ban_on must not move the
# numbers beyond noise (it looks at the status in the log phase; a 200
# costs it one comparison).
use lib "$FindBin::Bin/lib";
use EgovBenchLists;
my $http = 'egov_limit_zone name=bench key=$binary_remote_addr
                            rate=1000000r/s size=1m;
            egov_ban_zone size=1m;
            egov_ban after=1000000 within=1m for=1m;';
my $location = sub {
    my ($ban_on) = @_;
    return "location / {
                egov_blocklist ../html/small.netset;
                egov_signatures on;
                egov_limit zone=bench burst=1000000 nodelay;
                $ban_on
                return 200 \"ok\\n\";
            }";
};
{
    title           => 'protection with egov_ban_on vs without (module both sides)',
    target          => 0.97,
    path            => '/',
    baseline_module => 1,
    setup           => sub { EgovBenchLists::write_list($_[0], 'small.netset', 10) },
    http_config     => $http,
    baseline        => $location->(''),
    module          => $location->('egov_ban_on status=401,403,404;'),
};

# Issue 16: the built-in signature set against none, with a browser's
# first-visit headers (its User-Agent is what the scanner names are
# matched against) and a path with a query.
use lib "$FindBin::Bin/lib";
use EgovBenchAllOn;
sub sig_variant {
    my ($mode) = @_;
    return { label => "egov_signatures $mode",
             module => "location / {
                            egov_signatures $mode;
                            return 200 \"ok\\n\";
                        }" };
}
{
    title    => 'curve: the built-in signatures against none',
    path     => '/services/renew?id=42&lang=ar',
    headers  => [@EgovBenchAllOn::BROWSER],
    baseline => 'location / { return 200 "ok\n"; }',
    variants => [ sig_variant('off'), sig_variant('on') ],
};

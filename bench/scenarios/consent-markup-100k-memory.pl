# Issue 20: markup gating on (egov_consent_markup) in a 100 KB page with 10
# marked scripts and one marked iframe, a first visit (banner, scripts
# served inert, the iframe behind its placeholder), the page read into
# memory on both sides (sendfile off, as a proxied page is): what the scan
# costs.  consent-markup-100k.pl is the same against plain sendfile.
use EgovBenchPages;
my $page = EgovBenchPages::marked_page();
{
    title    => 'markup gating: 100 KB page, 10 marked scripts (read into memory)',
    target   => 0.95,
    path     => '/page.html',
    setup    => sub {
        my ($n) = @_;
        $n->write_file('html/page.html', $page);
    },
    http_config => 'sendfile off;',
    baseline => 'location / { }',
    http_module => 'egov_consent on;
                    egov_consent_categories analytics preferences marketing;
                    egov_consent_markup on;',
    module   => 'location / { }',
    report   => sub { ["page: " . length($page) . " bytes, 10 marked "
                       . "scripts, 1 marked iframe"] },
};

# Issue 20: markup gating on (egov_consent_markup) in a 100 KB static page
# with 10 marked scripts and one marked iframe, a first visit (banner,
# scripts served inert, the iframe behind its placeholder): the page is
# read whole, as it streams, with sendfile on (Debian's default).  Same
# target as the banner alone read into memory (consent-100k-memory.pl).
use EgovBenchPages;
my $page = EgovBenchPages::marked_page();
{
    title    => 'markup gating: 100 KB page, 10 marked scripts (static file)',
    target   => 0.95,
    path     => '/page.html',
    setup    => sub {
        my ($n) = @_;
        $n->write_file('html/page.html', $page);
    },
    http_config => 'sendfile on;',
    baseline => 'location / { }',
    http_module => 'egov_consent on;
                    egov_consent_categories analytics preferences marketing;
                    egov_consent_markup on;',
    module   => 'location / { }',
    report   => sub { ["page: " . length($page) . " bytes, 10 marked "
                       . "scripts, 1 marked iframe"] },
};

# Issue 20: markup gating on (egov_consent_markup) in a 100 KB static page
# with 10 marked scripts and one marked iframe, a first visit (banner,
# scripts served inert, the iframe behind its placeholder): the page is
# read whole, as it streams, with sendfile on (Debian's default).  Same
# target as the banner alone read into memory (consent-100k-memory.pl).
my $para = "<p>Government services, applications and renewals online, in "
         . "Arabic and English, for citizens and residents.</p>\n";
my $page = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
         . "<title>Portal</title>\n"
         . join('', map { "<script type=\"text/plain\" data-egov-consent="
                          . "\"analytics\" src=\"/js/tag$_.js\" async>"
                          . "</script>\n" } 1 .. 5)
         . "</head><body><main>\n"
         . join('', map { ($para x 170)
                          . "<script type=\"text/plain\" data-category="
                          . "\"marketing\">window.m$_=1;</script>\n" } 1 .. 5)
         . "<iframe title=\"Map\" data-egov-consent=\"marketing\" "
         . "data-src=\"https://maps.example/embed\"></iframe>\n"
         . "</main></body></html>\n";
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

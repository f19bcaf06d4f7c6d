# Issue 5: the banner inserted into a 100 KB static HTML page costs at most
# 5% of plain nginx's requests/s for that page.  With sendfile on (Debian's
# default nginx.conf, the demo portal): the module reads only the page's
# last 4 KiB.  consent-100k-memory.pl is the same page read into memory
# (sendfile off, or any proxied page), scanned as it streams.
my $page = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
         . "<title>Portal</title></head><body><main>\n"
         . ("<p>Government services, applications and renewals online, in "
            . "Arabic and English, for citizens and residents.</p>\n") x 880
         . "</main></body></html>\n";
{
    title    => 'consent banner into a 100 KB page (static file)',
    target   => 0.95,
    path     => '/page.html',
    setup    => sub {
        my ($n) = @_;
        $n->write_file('html/page.html', $page);
    },
    http_config => 'sendfile on;',
    baseline => 'location / { }',
    http_module => 'egov_consent on;
                    egov_consent_categories analytics preferences marketing;',
    module   => 'location / { }',
    report   => sub { ["page: " . length($page) . " bytes"] },
};

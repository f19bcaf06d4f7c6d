# Issue 5: the banner inserted into a 100 KB HTML page that comes through
# memory (sendfile off, as a proxied page does): every byte before </body>
# is scanned as it streams.  consent-100k.pl is the sendfile case.
my $page = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
         . "<title>Portal</title></head><body><main>\n"
         . ("<p>Government services, applications and renewals online, in "
            . "Arabic and English, for citizens and residents.</p>\n") x 880
         . "</main></body></html>\n";
{
    title    => 'consent banner into a 100 KB page read into memory',
    target   => 0.95,
    path     => '/page.html',
    setup    => sub {
        my ($n) = @_;
        $n->write_file('html/page.html', $page);
    },
    http_config => 'sendfile off;',
    baseline => 'location / { }',
    http_module => 'egov_consent on;
                    egov_consent_categories analytics preferences marketing;',
    module   => 'location / { }',
    report   => sub { ["page: " . length($page) . " bytes"] },
};

# Issue 20: markup gating on a 100 KB page with 10 marked scripts and one
# marked iframe, proxied from an upstream that sends it chunked: every
# byte is read as it streams.  Both sides proxy to the same backend.
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
my $backend = '
    upstream app { server 127.0.0.1:$TEST_NGINX_BACKEND_PORT; keepalive 16; }
    server {
        listen 127.0.0.1:$TEST_NGINX_BACKEND_PORT;
        location / { ssi on; }
    }
    proxy_http_version 1.1;
    proxy_set_header Connection "";
';
{
    title    => 'markup gating: 100 KB page, 10 marked scripts, proxied chunked',
    target   => 0.95,
    path     => '/page.html',
    setup    => sub {
        my ($n) = @_;
        $n->write_file('html/page.html', $page);
    },
    http_config => $backend,
    baseline => 'location / { proxy_pass http://app; }',
    http_module => 'egov_consent_categories analytics preferences marketing;
                    egov_consent_markup on;',
    module   => 'location / { egov_consent on; proxy_pass http://app; }',
    report   => sub { ["page: " . length($page) . " bytes, sent chunked, "
                       . "10 marked scripts, 1 marked iframe"] },
};

# Issue 5: the banner inserted into a 100 KB page proxied from an upstream
# that sends it chunked (no Content-Length), so every byte is searched for
# </body> as it streams.  Both sides proxy to the same backend server in
# their own nginx; consent-100k-memory.pl is a page of known length.
my $page = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
         . "<title>Portal</title></head><body><main>\n"
         . ("<p>Government services, applications and renewals online, in "
            . "Arabic and English, for citizens and residents.</p>\n") x 880
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
    title    => 'consent banner into a 100 KB page proxied, chunked',
    target   => 0.95,
    path     => '/page.html',
    setup    => sub {
        my ($n) = @_;
        $n->write_file('html/page.html', $page);
    },
    http_config => $backend,
    baseline => 'location / { proxy_pass http://app; }',
    http_module => 'egov_consent_categories analytics preferences marketing;',
    module   => 'location / { egov_consent on; proxy_pass http://app; }',
    report   => sub { ["page: " . length($page) . " bytes, sent chunked"] },
};

# Issue 20: markup gating on a 100 KB page with 10 marked scripts and one
# marked iframe, proxied from an upstream that sends it chunked: every
# byte is read as it streams.  Both sides proxy to the same backend.
use EgovBenchPages;
my $page = EgovBenchPages::marked_page();
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

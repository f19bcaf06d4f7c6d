# Issue 3: the full set on a small HTML "return 200": ten headers, about
# 1.2 KB more per response, and a fresh CSP nonce for each.
{
    title    => 'security headers on, small return 200 (text/html, CSP nonce)',
    target   => 0.97,
    path     => '/',
    baseline => 'location / { default_type text/html; return 200 "ok\n"; }',
    module   => 'egov_security_headers on;
                 location / { default_type text/html; return 200 "ok\n"; }',
};

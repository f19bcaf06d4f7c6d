# Issue 3: how much of the HTML case is the bytes on the wire: the baseline
# sends the same headers with add_header (and a fixed, useless nonce).
my $nonce = 'ABCDEFGHIJKLMNOPQRSTUV==';
my $csp = "default-src 'none'; script-src 'self' 'nonce-$nonce'; "
        . "style-src 'self' 'nonce-$nonce'; img-src 'self' data:; "
        . "font-src 'self'; connect-src 'self'; manifest-src 'self'; "
        . "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
        . "object-src 'none'";
my $pp = 'accelerometer=(), autoplay=(), browsing-topics=(), camera=(), '
       . 'display-capture=(), encrypted-media=(), fullscreen=(self), '
       . 'geolocation=(), gyroscope=(), hid=(), magnetometer=(), '
       . 'microphone=(), midi=(), payment=(), picture-in-picture=(), '
       . 'screen-wake-lock=(), serial=(), usb=(), xr-spatial-tracking=()';
{
    title    => 'security headers vs the same bytes through add_header (text/html)',
    target   => 0.97,
    path     => '/',
    baseline => qq{location / {
        default_type text/html;
        add_header X-Content-Type-Options nosniff;
        add_header Referrer-Policy strict-origin-when-cross-origin;
        add_header Cross-Origin-Resource-Policy same-origin;
        add_header X-Permitted-Cross-Domain-Policies none;
        add_header X-XSS-Protection 0;
        add_header Content-Security-Policy "$csp";
        add_header X-Frame-Options DENY;
        add_header Cross-Origin-Opener-Policy same-origin;
        add_header Permissions-Policy "$pp";
        return 200 "ok\\n";
    }},
    module   => 'egov_security_headers on;
                 location / { default_type text/html; return 200 "ok\n"; }',
};

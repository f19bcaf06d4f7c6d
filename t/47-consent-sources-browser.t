#!/usr/bin/perl
# Consent-aware CSP in Debian's chromium, with a real second origin: the
# portal's page loads a tracker's script from tracker.test, which writes a
# first-party cookie and one for the parent domain with document.cookie.
# Before a choice, after "reject" and under GPC the browser refuses the
# script (no request reaches the tracker, no cookie exists); after "accept"
# the script runs and its cookies exist; after withdrawal they are gone.  The CSP the browser got is, in
# each state, exactly the configured one.  Nonces are injected into the
# page's own scripts; the tracker's, from another origin, gets none.

use strict;
use warnings;
use lib 't/lib';
use Test::More;
use EgovTest;
use EgovTest::Browser;
use EgovTest::Nginx;

EgovTest::Browser::available() or plan skip_all => EgovTest::Browser::why_not();

my $n = EgovTest::Nginx->new;
my $tracker_port = $n->port2;
$n->write_file('html/page.html', <<"END");
<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Services</title>
<script src="http://tracker.test:$tracker_port/t.js"></script>
</head>
<body><main><h1>Government services</h1><p>Apply online.</p></main></body>
</html>
END
$n->write_file('tracker/t.js', <<'END');
window.__tracker = 1;
document.cookie = "_ga=GA1.1.12345.67890; path=/; max-age=3600";
document.cookie = "_fbp=fb.1.2.3; path=/; max-age=3600; domain=portal.test";
END
$n->start(http_config => <<"END", config => <<'END2');
    egov_security_headers on;
    egov_consent on;
    egov_consent_categories analytics marketing;
    egov_consent_source analytics script-src http://tracker.test:$tracker_port;

    server {
        listen 127.0.0.1:$tracker_port;
        server_name tracker.test;
        access_log logs/tracker.log;
        egov_security_headers off;     # a third party, not ours
        location / { root tracker; default_type application/javascript; }
    }
END
    server_name portal.test;
    # nonces for the page's own scripts: another origin's gets none, so
    # its host in the CSP decides
    location / { egov_csp_nonce_inject on; }
END2

my $r = EgovTest::Browser::run('tracker.js', 'http://portal.test:' . $n->port);
ok(!$r->{error}, 'the browser ran') or diag $r->{error};

my $csp = "default-src 'none'; script-src 'self' 'nonce-N'; style-src 'self' 'nonce-N'; img-src 'self' data:; font-src 'self'; connect-src 'self'; manifest-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";
(my $granted = $csp) =~ s{script-src 'self' 'nonce-N'}{script-src 'self' 'nonce-N' http://tracker.test:$tracker_port};

for my $state (qw(before rejected gpc)) {
    my $s = $r->{$state} || {};
    ok(!$s->{ran}, "$state: the tracker's script did not run");
    is_deeply($s->{cookies}, [grep { /^egov_consent@/ } @{ $s->{cookies} || [] }],
              "$state: no tracker cookie in the jar (" . join(' ', @{ $s->{cookies} || [] }) . ')');
    is($s->{csp}, $csp, "$state: the CSP is exactly the configured one");
    ok($s->{refused} >= 1, "$state: the browser says it refused the script");
}

my $a = $r->{accepted} || {};
ok($a->{ran}, 'accepted: the tracker\'s script ran');
ok((grep { $_ eq '_ga@portal.test' } @{ $a->{cookies} || [] }), 'accepted: its first-party cookie exists');
ok((grep { $_ eq '_fbp@.portal.test' } @{ $a->{cookies} || [] }), '... and its parent-domain cookie');
is($a->{csp}, $granted, 'accepted: the CSP has the tracker\'s origin, nothing else changed');

my $w = $r->{withdrawn} || {};
is_deeply($w->{cookies}, ['egov_consent@portal.test'],
          'withdrawn: the tracker\'s cookies, host and parent-domain ones, are gone from the jar')
    or diag explain $w;

# the tracker saw one request: the page after "accept"
my $log = $n->read_file('logs/tracker.log');
is(scalar(() = $log =~ m{GET /t\.js}g), 1, 'the tracker was asked once, after consent');

$n->stop;
check_log_clean($n);
done_testing();

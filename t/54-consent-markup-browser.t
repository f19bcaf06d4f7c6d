#!/usr/bin/perl
# Markup gating in Debian's chromium, with a real second origin: the
# portal's page marks a tracker's script (analytics) and an embedded iframe
# (marketing), both from tracker.test; the tracker's script writes a
# first-party cookie and one for the parent domain.  Before a choice,
# after "reject" and under GPC nothing reaches the tracker, no cookie
# exists, the iframe is a placeholder that passes axe in English and in
# Arabic.  After "accept" in place the script runs, its cookies exist and
# the iframe loads; so after "accept" with JavaScript disabled (the page
# comes back active), and after the embed's own form.  "Show it this
# once" loads the iframe and stores nothing.  After withdrawal the
# cookies are gone.  The CSP is, in each state, exactly the configured one.

use strict;
use warnings;
use utf8;
use Encode qw(encode_utf8);
use lib 't/lib';
use Test::More;
use EgovTest;
use EgovTest::Browser;
use EgovTest::Nginx;

EgovTest::Browser::available() or plan skip_all => EgovTest::Browser::why_not();

my $n = EgovTest::Nginx->new;
my $tp = $n->port2;
my $body = <<"END";
<script type="text/plain" data-egov-consent="analytics" src="http://tracker.test:$tp/t.js"></script>
</head>
<body><main><h1>TITLE</h1><p>TEXT</p>
<iframe title="OFFICES" data-egov-consent="marketing" data-src="http://tracker.test:$tp/frame.html" width="400" height="200"></iframe>
</main></body>
</html>
END
(my $en = $body) =~ s/TITLE/Government services/;
$en =~ s/TEXT/Apply online./;
$en =~ s/OFFICES/Map of our offices/;
(my $ar = $body) =~ s/TITLE/الخدمات الحكومية/;
$ar =~ s/TEXT/قدّم طلبك عبر الإنترنت./;
$ar =~ s/OFFICES/خريطة مكاتبنا/;
$n->write_file('html/page.html', qq{<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8"><title>Services</title>\n$en});
$n->write_file('html/ar.html', encode_utf8(qq{<!doctype html>\n<html lang="ar" dir="rtl">\n<head><meta charset="utf-8"><title>الخدمات</title>\n$ar}));
$n->write_file('tracker/t.js', <<'END');
window.__tracker = 1;
document.cookie = "_ga=GA1.1.12345.67890; path=/; max-age=3600";
document.cookie = "_fbp=fb.1.2.3; path=/; max-age=3600; domain=portal.test";
END
$n->write_file('tracker/frame.html', "<!doctype html><html lang=\"en\"><title>The map</title><p>map</p></html>\n");
$n->start(http_config => <<"END", config => <<'END2');
    egov_security_headers on;
    egov_consent on;
    egov_consent_categories analytics marketing;
    egov_consent_markup on;
    egov_consent_source analytics script-src http://tracker.test:$tp;
    egov_consent_source marketing frame-src http://tracker.test:$tp;

    server {
        listen 127.0.0.1:$tp;
        server_name tracker.test;
        access_log logs/tracker.log;
        egov_security_headers off;     # a third party, not ours
        egov_consent off;
        location / { root tracker; default_type application/javascript; }
        location ~ \\.html\$ { root tracker; default_type text/html; }
    }
END
    server_name portal.test;
    location / { egov_csp_nonce_inject on; }
END2

my $r = EgovTest::Browser::run('markup.js', 'http://portal.test:' . $n->port,
                               "http://127.0.0.1:$tp");
ok(!$r->{error}, 'the browser ran') or diag $r->{error};

my $csp = "default-src 'none'; script-src 'self' 'nonce-N'; style-src 'self' 'nonce-N'; img-src 'self' data:; font-src 'self'; connect-src 'self'; manifest-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";
(my $granted = $csp) =~ s{script-src 'self' 'nonce-N'}{script-src 'self' 'nonce-N' http://tracker.test:$tp};
$granted .= "; frame-src http://tracker.test:$tp";

for my $state (qw(before before_ar rejected gpc)) {
    my $s = $r->{$state} || {};
    is_deeply($s->{tracker}, [], "$state: nothing reached the tracker's origin");
    ok(!$s->{ran}, "$state: the tracker's script did not run");
    is_deeply([grep { !/^egov_consent@/ } @{ $s->{cookies} || [] }], [],
              "$state: no tracker cookie in the jar");
    ok(!$s->{framed}, "$state: the iframe did not load");
    is($s->{csp}, $csp, "$state: the CSP is exactly the configured one");
}

like($r->{before}{placeholder}{text} // '', qr/^Map of our offices Content from another site, shown only if you allow its cookies: Marketing\. Allow and show Show it this once$/,
     'the placeholder says what the content is and which cookies, in English');
is($r->{before}{placeholder}{lang}, 'en', '... lang="en"');
like($r->{before_ar}{placeholder}{text} // '', qr/^خريطة مكاتبنا .*التسويق\./, '... in Arabic on the Arabic page');
is($r->{before_ar}{placeholder}{lang}, 'ar', '... lang="ar"');
like($r->{gpc}{placeholder}{text} // '', qr/Show it this once$/, 'under GPC: the placeholder too');
unlike($r->{gpc}{placeholder}{text} // '', qr/Allow and show/, '... without a form that GPC would overrule');
for my $state (qw(before before_ar rejected)) {
    is_deeply($r->{$state}{axe}, [], "$state: axe finds nothing (WCAG 2.2 AA) with the placeholder shown");
}

my $in = $r->{accepted_in_place} || {};
ok($in->{ran}, 'accepted in place: the tracker\'s script ran without a reload');
is($in->{framed}, 'The map', '... the iframe loaded');
ok((grep { $_ eq '_ga@portal.test' } @{ $in->{cookies} || [] }), '... its first-party cookie exists');
ok((grep { $_ eq '_fbp@.portal.test' } @{ $in->{cookies} || [] }), '... and its parent-domain cookie');

my $a = $r->{accepted} || {};
ok($a->{ran}, 'accepted, next page: the script runs');
is($a->{framed}, 'The map', '... the iframe loads');
ok(!$a->{placeholder}, '... no placeholder');
is($a->{csp}, $granted, '... the CSP has the tracker\'s origin for script-src and frame-src, nothing else changed');
is_deeply($a->{tracker}, ['/frame.html', '/t.js'], '... the tracker got the script and the frame requests');

is_deeply($r->{withdrawn}{cookies}, ['egov_consent@portal.test'],
          'withdrawn: the tracker\'s cookies, host and parent-domain ones, are gone from the jar');

is($r->{once}{framed}, 'The map', 'show it this once: the iframe loads');
ok($r->{once}{after}{placeholder} && !$r->{once}{after}{framed},
   '... and the next page holds it back again (nothing stored)');

my $nojs = $r->{nojs} || {};
is($nojs->{framed}, 'The map', 'without JavaScript, "accept": the page comes back with the iframe loaded');
is($nojs->{script}, qq{<script data-egov-type="text/plain" data-egov-consent="analytics" src="http://tracker.test:$tp/t.js"></script>},
   '... and the script served active');
ok($nojs->{then}{ran}, '... which runs once JavaScript is on');
ok((grep { $_ eq '_ga@portal.test' } @{ $nojs->{then}{cookies} || [] }), '... and writes its cookie');

is($r->{embed_form}{framed}, 'The map', 'the embed\'s own form, without JavaScript: the page comes back with it');
ok((grep { /^egov_consent@/ } @{ $r->{embed_form}{cookies} || [] }), '... the choice stored');

# the tracker's own access log: nothing before a choice, after "reject" or
# under GPC (marks written from outside the browser between those states)
my @seen = map { m{"GET (\S+)} ? $1 : () } split /\n/, $n->read_file('logs/tracker.log');
is($seen[0], '/--refused--', 'the tracker\'s access log: no request before a choice or after "reject"');
my ($gpc_at) = grep { $seen[$_] eq '/--gpc--' } 0 .. $#seen;
ok(defined $gpc_at && ($seen[$gpc_at + 1] // '') eq '/--end--', '... none under GPC')
    or diag "@seen";
ok((grep { $_ eq '/t.js' } @seen) && (grep { $_ eq '/frame.html' } @seen),
   '... the script and the frame once consented');

$n->stop;
is_deeply([$n->log_problems], [], 'no alerts, no sanitizer reports');

done_testing();

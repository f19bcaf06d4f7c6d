#!/usr/bin/perl
# The banner in Debian's chromium: no serious or critical axe-core finding
# for WCAG 2.0/2.1 A and AA in Arabic and in English (banner and settings
# page); keyboard-only accept, reject and choose; the path without
# JavaScript; an analytics cookie the upstream sets is absent before
# consent and present after; no layout shift.

use strict;
use warnings;
use lib 't/lib';
use Test::More;
use EgovTest;
use EgovTest::Axe;
use EgovTest::Browser;
use EgovTest::Nginx;

EgovTest::Browser::available() or plan skip_all => EgovTest::Browser::why_not();

my $n = EgovTest::Nginx->new;
$n->write_file('html/page.html', <<'END');
<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Services</title></head>
<body>
<header><a href="#main">Skip to content</a></header>
<main id="main">
<h1>Government services</h1>
<p>Apply for and renew services online.</p>
<p><a href="/a">Civil status</a> <a href="/b">Business</a> <a href="/c">Transport</a></p>
</main>
</body>
</html>
END
$n->start(http_config => <<'END', config => <<'END2');
    egov_security_headers on;
    egov_consent on;
    egov_consent_categories analytics preferences marketing;
    egov_consent_policy_url /privacy.html;
END
    location = /page.html {
        # the application sets an analytics cookie on every page
        add_header Set-Cookie "_ga=GA1.2.3; Path=/; Max-Age=3600";
    }
    location = /whoami { return 200 "$egov_consent"; }
END2

my $base = 'http://127.0.0.1:' . $n->port;

for my $lang ('ar', 'en') {
    EgovTest::Axe::check_page("$base/page.html", $lang, "page with the banner ($lang)", status => 200);
    EgovTest::Axe::check_page("$base/.egov/consent", $lang, "settings page ($lang)",
                              status => 200, lang => $lang, dir => $lang eq 'ar' ? 'rtl' : 'ltr');
}

my $r = EgovTest::Browser::run('consent.js', 'keyboard-accept', $base, 'en');
ok(!$r->{error}, 'keyboard accept ran') or diag $r->{error};
is_deeply($r->{before}{cookies}, [], 'before consent: no cookie at all, the analytics one held back');
ok($r->{before}{banner}, 'before consent: the banner shows');
is($r->{before}{consent}, 'unset', 'before consent: the server knows no choice');
ok(@{ $r->{path} || [] } <= 4, 'the banner is reached within the first Tab presses (' . scalar(@{ $r->{path} || [] }) . ')')
    or diag explain $r->{path};
is_deeply($r->{after}{cookies}, ['_ga', 'egov_consent'], 'after accepting: the consent cookie, and the analytics cookie');
ok(!$r->{after}{banner} && $r->{after}{link}, 'after: no banner, the settings link instead');
ok($r->{inPlace}{samePage}, 'with JavaScript the choice is made in place, no page load');
is($r->{inPlace}{position}, 'fixed', 'the link left in place, the banner gone, keeps its style');
is($r->{after}{consent}, 'analytics,preferences,marketing', 'after: all granted');

$r = EgovTest::Browser::run('consent.js', 'keyboard-reject', $base, 'ar');
ok(!$r->{error}, 'keyboard reject ran') or diag $r->{error};
ok(@{ $r->{path} || [] } <= 5, 'reject is reached by keyboard too');
is_deeply($r->{after}{cookies}, ['egov_consent'], 'after rejecting: no analytics cookie');
is($r->{after}{consent}, 'none', 'after rejecting: nothing granted');
ok($r->{inPlace}{samePage}, 'rejecting in place too');

$r = EgovTest::Browser::run('consent.js', 'choose', $base, 'en');
ok(!$r->{error}, 'choose by keyboard ran') or diag $r->{error};
ok((grep { ref $_ eq 'HASH' && $_->{opened} } @{ $r->{path} || [] }), '"Choose" opens with Enter');
is($r->{after}{consent}, 'analytics', 'the category ticked with Space is the one granted');
is_deeply($r->{after}{cookies}, ['_ga', 'egov_consent'], 'analytics only: _ga now set');

$r = EgovTest::Browser::run('consent.js', 'nojs', $base, 'ar');
ok(!$r->{error}, 'the path without JavaScript ran') or diag $r->{error};
ok($r->{before}{banner}, 'without JavaScript: the banner shows');
like($r->{path}[0]{url}, qr{^\Q$base\E/page\.html$}, 'the form brings the visitor back to the page');
is_deeply($r->{after}{cookies}, ['_ga', 'egov_consent'], 'without JavaScript: consent recorded, _ga set');
ok(!$r->{after}{banner} && $r->{after}{link}, 'without JavaScript: the settings link is left');

$r = EgovTest::Browser::run('consent.js', 'layout', $base, 'en');
ok(!$r->{error}, 'layout ran') or diag $r->{error};
ok($r->{cssWait} >= 600, "the banner's stylesheet came late ($r->{cssWait} ms)");
is($r->{pending}, 'none', 'until it came, the banner was not displayed');
is($r->{shift}, 0, 'the banner causes no layout shift, even while its style loads')
    or diag join "\n", @{ $r->{moved} || [] };
is($r->{box}{position}, 'fixed', 'it is an overlay');
ok($r->{box}{first}, 'and first in the page, for the keyboard');

$n->stop;
check_log_clean($n);

# WCAG 2.2 on the demo portal with the banner shown, at a desktop and a
# phone size: tabbing through whole pages, nothing that takes focus ends
# hidden behind the banner (2.4.11), and targets are 24 by 24 (2.5.8)
my $d = EgovTest::Nginx->new;
system('cp', '-R', 'demo/.', $d->prefix . '/html/') == 0 or die 'cp demo';
$d->start(http_config => <<'END', config => 'location / { }');
    egov_security_headers on;
    egov_consent on;
    egov_consent_categories analytics;
    egov_consent_policy_url /privacy.html;
END
for my $path ('/', '/ar/', '/privacy.html') {
    $r = EgovTest::Browser::run('focus.js', 'http://127.0.0.1:' . $d->port, $path);
    ok(!$r->{error}, "$path: tabbed through") or diag $r->{error};
    for my $size ('desktop', 'phone') {
        my $s = $r->{$size} || {};
        ok(@{ $s->{seen} || [] } >= 8, "$path, $size: " . scalar(@{ $s->{seen} || [] }) . ' elements took focus');
        is_deeply($s->{hidden}, [], "$path, $size: none hidden behind the banner or out of view");
        is_deeply($s->{small}, [], "$path, $size: no target smaller than 24 by 24");
    }
}
$d->stop;
check_log_clean($d);
done_testing();

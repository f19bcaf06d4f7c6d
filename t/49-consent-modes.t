#!/usr/bin/perl
# egov_consent_mode notice (implied consent: the banner informs, nothing is
# held back until the visitor refuses; GPC still refuses) and
# egov_consent_cookie_domain (one choice for the portal's subdomains).

use strict;
use warnings;
use lib 't/lib';
use Test::More;
use EgovTest;
use EgovTest::Nginx;
use EgovTest::Consent qw(consent_cookie $KEY);

my $n = EgovTest::Nginx->new;
$n->write_file('html/consent.key', $KEY);
$n->write_file('html/index.html', "<!doctype html><html><body><p>x</p></body></html>\n");
$n->start(http_config => <<'END', config => <<'END2');
    egov_security_headers on;
    egov_consent on;
    egov_consent_categories analytics marketing;
    egov_consent_key ../html/consent.key;
    egov_consent_cookie_domain portal.example.om;
    egov_consent_source analytics script-src https://www.googletagmanager.com;
END
    location / {
        add_header Set-Cookie "_ga=GA1.2.3; Path=/; Max-Age=3600";
    }
    location /ar/ {
        alias html/;
        add_header Content-Language "ar-OM";
    }
    location /en/ {
        alias html/;
        add_header Content-Language "en, ar";
    }
    location /notice/ {
        alias html/;
        egov_consent_mode notice;
        add_header Set-Cookie "_ga=GA1.2.3; Path=/; Max-Age=3600";
    }
END2

my $refused = consent_cookie(granted => 0, categories => 'analytics marketing');

sub get {
    my ($uri, @h) = @_;
    return $n->request(uri => $uri, headers => [['Host', 'www.portal.example.om'], @h]);
}

sub sets_ga { scalar grep { /^_ga=GA1/ } $_[0]->headers_all('Set-Cookie') }

my $r = get('/index.html');
is(sets_ga($r), 0, 'opt-in (the default): _ga held back before a choice');
like($r->body, qr/id="egov-consent"/, '... the banner asks');

$r = get('/notice/index.html');
is(sets_ga($r), 1, 'notice: _ga passes before a choice');
like($r->body, qr/id="egov-consent"/, '... the banner informs');
like($r->header('Content-Security-Policy'), qr{https://www\.googletagmanager\.com},
     '... and the analytics sources are in the CSP');

$r = get('/notice/index.html', ['Cookie', "egov_consent=$refused; _ga=GA1.2.3"]);
is(sets_ga($r), 0, 'notice, refused: _ga held back');
ok((grep { /^_ga=; Domain=portal\.example\.om; Path=\/; Max-Age=0/ } $r->headers_all('Set-Cookie')),
   '... and the one the visitor has is expired');
unlike($r->header('Content-Security-Policy'), qr/googletagmanager/, '... nor in the CSP');

$r = get('/notice/index.html', ['Sec-GPC', '1']);
is(sets_ga($r), 0, 'notice with GPC: held back');

# more consent cookies than are read (t/57): the refusal among them may be
# hidden, so nothing is implied either
$r = get('/notice/index.html',
         ['Cookie', join('; ', ("egov_consent=$refused") x 9)]);
is(sets_ga($r), 0, 'notice, nine consent cookies: nothing implied, _ga held back');

$r = $n->request(method => 'POST', uri => '/.egov/consent', body => 'action=accept',
                 headers => [['Host', 'www.portal.example.om'],
                             ['Origin', 'http://www.portal.example.om']]);
like($r->header('Set-Cookie'), qr/^egov_consent=[^;]+; Domain=portal\.example\.om; Path=\/; Max-Age=\d+; SameSite=Lax; HttpOnly$/,
     'the consent cookie is for the portal\'s domain: every subdomain shares the choice');

# egov_consent_lang auto: the page's own language first
$r = get('/ar/index.html', ['Accept-Language', 'en']);
like($r->body, qr/<div id="egov-consent"[^>]* lang="ar" dir="rtl"/,
     'a page in Arabic (Content-Language) gets the Arabic banner, though the browser prefers English');
$r = get('/en/index.html', ['Accept-Language', 'ar']);
like($r->body, qr/<div id="egov-consent"[^>]* lang="en" dir="ltr"/,
     'a page in English (its first language) gets the English one');
$r = get('/index.html', ['Accept-Language', 'en']);
like($r->body, qr/<div id="egov-consent"[^>]* lang="en"/, 'no Content-Language: the browser\'s');

my $t = EgovTest::Nginx->new;
for my $c (['egov_consent_mode implied;', qr/egov_consent_mode: invalid mode "implied", "opt-in" or "notice" expected in \S+nginx\.conf:\d+/],
           ['egov_consent_cookie_domain Portal.om;', qr/egov_consent_cookie_domain: invalid domain "Portal\.om"/],
           ['egov_consent_cookie_domain om;', qr/egov_consent_cookie_domain: invalid domain "om"/]) {
    my ($ok, $out) = $t->test_config(
        http_config => "egov_consent on; egov_consent_categories analytics;\n$c->[0]",
        config => 'location / { }');
    ok(!$ok && $out =~ $c->[1], "nginx -t refuses $c->[0]") or diag $out;
}

$n->stop;
check_log_clean($n);
done_testing();

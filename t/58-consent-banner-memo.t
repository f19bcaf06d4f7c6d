#!/usr/bin/perl
# A worker keeps the last banner it rendered and, for the next request that
# needs the same one, writes only the new nonce into it
# (ngx_http_egov_banner_memo.c).  One worker, requests one after another,
# each followed by one that differs in a single thing the banner depends
# on: each must get its own banner, never the kept one.

use strict;
use warnings;
use lib 't/lib';
use Test::More;
use EgovTest;
use EgovTest::Nginx;
use EgovTest::Consent qw(consent_cookie $KEY);

my $n = EgovTest::Nginx->new;
$n->write_file('html/consent.key', $KEY);
$n->write_file('html/index.html',
               "<!doctype html><html><body><p>x</p></body></html>\n");
my $long_title = 'Video ' . ('v' x 600);
$n->write_file('html/embeds.html', <<"END");
<!doctype html><html lang="en"><body>
<iframe title="Map of offices" data-egov-consent="marketing" data-src="https://maps.example/a"></iframe>
<iframe title="Visits" data-egov-consent="analytics" data-src="https://stats.example/b"></iframe>
<iframe title="$long_title" data-egov-consent="marketing" data-src="https://v.example/c"></iframe>
<iframe title="Same" data-egov-consent="marketing" data-src="https://s.example/1"></iframe>
<iframe title="Same" data-egov-consent="marketing" data-src="https://s.example/2"></iframe>
<iframe title="Same" data-egov-consent="analytics" data-src="https://s.example/2"></iframe>
<iframe title="Other" data-egov-consent="analytics" data-src="https://s.example/2"></iframe>
</body></html>
END
$n->start(workers => 1, http_config => <<'END', config => <<'END2');
    egov_security_headers on;
    egov_consent on;
    egov_consent_categories analytics marketing;
    egov_consent_key ../html/consent.key;
END
    location / { }
    location /notice/ {
        alias html/;
        egov_consent_mode notice;
    }
    location /ar/ {
        alias html/;
        add_header Content-Language "ar-OM";
    }
    location = /json {
        default_type text/json;
        return 200 "<html><body>not a page</body></html>";
    }
    location /embed/ {
        alias html/;
        egov_consent_markup on;
    }
    location /two/ {
        alias html/;
        egov_consent_categories analytics;
    }
END2

my $cats = 'analytics marketing';

sub get {
    my ($uri, @h) = @_;
    unshift @h, ['Accept-Language', 'en']
        unless grep { $_->[0] eq 'Accept-Language' } @h;
    my $r = $n->request(uri => $uri, headers => \@h);
    is($r->status, 200, "$uri: 200");
    return $r;
}

# the nonce of the response's CSP, and that every nonce in the body is it
sub nonces_fresh {
    my ($r, $what, $seen) = @_;
    my ($csp) = ($r->header('Content-Security-Policy') // '')
        =~ /'nonce-([^']+)'/;
    my @body = $r->body =~ /nonce="([^"]+)"/g;
    ok(defined $csp && @body && !grep({ $_ ne $csp } @body),
       "$what: each of the banner's nonces is the CSP's")
        or diag(($csp // 'no CSP nonce') . ' vs ' . join(' ', @body));
    ok(defined $csp && !$seen->{$csp}++, "$what: a nonce not sent before");
}

sub return_of {
    my ($body) = @_;
    my ($v) = $body =~ /<input type="hidden" name="return" value="([^"]*)"/;
    return $v;
}

sub checked {
    my ($body) = @_;
    return join ' ', map { /value="(\w+)"[^>]*\bchecked\b/ ? $1 : () }
        $body =~ /(<input type="checkbox" name="c"[^>]*>)/g;
}

my %seen;

my $r = get('/index.html?a=1');
is(return_of($r->body), '/index.html?a=1', 'first banner: its return path');
nonces_fresh($r, 'first banner', \%seen);
is(checked($r->body), '', 'first banner: no category checked');

$r = get('/index.html?a=1');
is(return_of($r->body), '/index.html?a=1', 'the same banner again');
nonces_fresh($r, 'the same banner again', \%seen);

$r = get('/index.html?a=2');
is(return_of($r->body), '/index.html?a=2',
   'another return path: its own, not the kept one');
like($r->body, qr{data-settings-href="[^"]*\?return=/index\.html%3Fa=2"},
     '... in the settings link too');
nonces_fresh($r, 'another return path', \%seen);

$r = get('/notice/index.html');
is(checked($r->body), '',
   'notice mode (all granted until refused): the banner ticks nothing');

$r = get('/ar/index.html');
like($r->body, qr/<div id="egov-consent"[^>]* lang="ar"/,
     'an Arabic page: the banner in Arabic');

$r = get('/index.html');
like($r->body, qr/<div id="egov-consent"[^>]* lang="en"/,
     'then an English one: in English');

# the worker also keeps its last Accept-Language and the language it gave

for my $al (['ar-OM,ar;q=0.9,en;q=0.8', 'ar'], ['en-GB,en;q=0.9,ar;q=0.8', 'en'],
            ['ar-OM,ar;q=0.9,en;q=0.8', 'ar'], ['ar-OM;q=0.1,ar;q=0.1,en', 'en'],
            ['fr', 'ar'], ['ar;q=0', 'ar'], ['en;q=1,ar;q=0.5', 'en'])
{
    $r = get('/index.html', ['Accept-Language', $al->[0]]);
    like($r->body, qr/<div id="egov-consent"[^>]* lang="$al->[1]"/,
         "Accept-Language \"$al->[0]\": the banner in $al->[1]");
}

# and its last Content-Type: one of the same length is not taken for it

$r = get('/index.html');
like($r->body, qr/id="egov-consent"/, 'text/html: the banner');
$r = get('/json');
is($r->body, '<html><body>not a page</body></html>',
   'text/json, as long as text/html: no banner');
$r = get('/index.html');
like($r->body, qr/id="egov-consent"/, 'text/html again: the banner');

$r = get('/two/index.html');
like($r->body, qr/value="analytics"/, 'a level with other categories: its own');
unlike($r->body, qr/value="marketing"/, '... without the other level\'s');

$r = get('/index.html');
like($r->body, qr/value="marketing"/, 'and back: both categories');

my $long = '/index.html?q=' . ('x' x 900);
# one in each slot of the memo, twice (under AddressSanitizer, a key
# copied past its slot's room would be seen from the last slot)
for my $uri (($long, map { "$long$_" } 1 .. 4) x 2) {
    $r = get($uri);
    is(return_of($r->body), $uri, 'a return path longer than the memo keeps');
    nonces_fresh($r, 'a long return path', \%seen);
}

$r = get('/index.html?a=3');
is(return_of($r->body), '/index.html?a=3', 'then a short one');
nonces_fresh($r, 'then a short one', \%seen);

# a page's embeds: each its own place, kept apart (two slots and one
# whose title is longer than a slot keeps), in each state of the consent

sub places {
    my ($body) = @_;
    return [ map { /aria-label="([^"]*)"/ ? $1 : '?' }
             $body =~ /(<div class="egov-consent-embed"[^>]*>)/g ];
}

sub inputs {
    my ($body) = @_;
    return [ map { join ' ', /name="c" value="(\w+)"/g }
             $body =~ m{(<form class="egov-consent-embed__form".*?</form>)}gs ];
}

my $analytics = 'egov_consent=' . consent_cookie(granted => 1,
                                                 categories => $cats);
for my $round (1, 2) {
    $r = get('/embed/embeds.html');
    is_deeply(places($r->body),
              ['Map of offices', 'Visits', $long_title, 'Same', 'Same', 'Same',
               'Other'],
              "embeds, no choice (round $round): each place with its title");
    is_deeply(inputs($r->body), ['marketing', 'analytics', 'marketing',
                                 'marketing', 'marketing', 'analytics',
                                 'analytics'],
              '... each form allows its own category');
    is_deeply([ $r->body =~ /href="([^"]*)" data-egov-embed-once/g ],
              [ qw(https://maps.example/a https://stats.example/b
                   https://v.example/c https://s.example/1 https://s.example/2
                   https://s.example/2 https://s.example/2) ],
              '... each its own link');
    nonces_fresh($r, "embeds, round $round", \%seen);

    $r = get('/embed/embeds.html', ['Cookie', $analytics]);
    is_deeply(places($r->body), ['Map of offices', $long_title, 'Same', 'Same'],
              'analytics granted: the analytics embeds load, four places');
    is_deeply(inputs($r->body), [ ('analytics marketing') x 4 ],
              '... their forms keep analytics granted');
    like($r->body, qr{<iframe\ title="Visits"\ data-egov-consent="analytics"
                      \ src="https://stats\.example/b"></iframe>}x,
         '... the real iframe');

    $r = get('/embed/embeds.html', ['Cookie', $analytics], ['Sec-GPC', '1']);
    is(scalar @{ places($r->body) }, 7,
       'analytics granted, then Global Privacy Control: every embed held');
    is_deeply(inputs($r->body), [], '... and no form to allow them');

    $r = get('/embed/embeds.html', ['Sec-GPC', '1']);
    is_deeply(places($r->body),
              ['Map of offices', 'Visits', $long_title, 'Same', 'Same', 'Same',
               'Other'],
              'Global Privacy Control: every embed behind its place');
    is_deeply(inputs($r->body), [], '... and no form to allow them');
}

# the settings page: what the visitor chose is on it

my $settings = '/.egov/consent?return=%2Findex.html';

$r = get($settings);
like($r->body, qr{<strong>you have not chosen yet</strong>},
     'settings page, no choice');
nonces_fresh($r, 'settings page', \%seen);

$r = get($settings, ['Cookie', 'egov_consent='
         . consent_cookie(granted => 1, categories => $cats)]);
like($r->body, qr{<strong>Analytics</strong>},
     'settings page, analytics granted: said');
is(checked($r->body), 'analytics', '... and checked');

$r = get($settings, ['Cookie', 'egov_consent='
         . consent_cookie(granted => 0, categories => $cats)]);
like($r->body, qr{<strong>none of the optional cookies</strong>},
     'settings page, all refused: said');
is(checked($r->body), '', '... none checked');

$r = get($settings, ['Sec-GPC', '1']);
like($r->body, qr{<strong>none of the optional cookies</strong>},
     'settings page under Global Privacy Control: refused');

$r = get($settings);
like($r->body, qr{<strong>you have not chosen yet</strong>},
     'settings page, no choice again');

$n->stop;
check_log_clean($n);
done_testing;

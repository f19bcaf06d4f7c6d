#!/usr/bin/perl
# A static page's map (egov_consent_page_map, on by default): with nonces
# or markup gating, a static file is read and scanned once per version of
# the file and per worker, then sent from memory.  What the map sends is
# byte for byte what the scan makes (nonces aside): for every visitor's
# consent, nonces and markup alone or together, sendfile on or off, files
# read in threads.  A new version of the file is recorded again, even one
# with its size and modification time kept.  A page another filter
# changes (sub_filter), one too large for a map, one with no "</body" go
# by the scan or come out the same; egov_consent_page_map off scans.

use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Time::HiRes qw(sleep);
use EgovTest;
use EgovTest::Nginx;
use EgovTest::Consent qw(consent_cookie $KEY);
use IO::Uncompress::Gunzip qw(gunzip);

my $page = <<'END';
<!doctype html>
<html lang="ar"><head><title>t</title>
<script>var inline=1;</script>
<style>p{}</style>
<script nonce="own">x()</script>
<script src="https://cdn.example/x.js"></script>
<script src= ></script>
<!-- <script>in a comment</script> </body> -->
<script type="text/plain" data-egov-consent="analytics" src="/a.js"></script>
<script type="text/plain" data-category="marketing">m()</script>
<script data-egov-consent="analytics" src="//t.example/t.js"></script>
<script data-egov-consent="marketing" nonce="mine">k()</script>
<textarea><script>not a tag</script></textarea>
</head><body>
<p title="</body>">x</p>
<iframe title="Video" data-egov-consent="marketing" data-src="https://v.example/e"></iframe>
</body>
<p>after</p></body></html>
END

my %pages = (
    'p.html'      => $page,
    'nobody.html' => "<p>x</p><script>y()</script>\n",
    'tls.html'    => $page,
    'run.html'    => ("<p>a long run of text</p>\n" x 1600)
                     . "<script data-egov-consent=\"analytics\">r()</script>\n"
                     . ("<p>and another one</p>\n" x 1600) . "</body>\n",
    'places.html' => join('', map { "<script>s($_)</script>\n" } 1 .. 2100) . "</body>\n",
    'cut.html'    => "<p>x</p><script>y()</script></bod",
    'first.html'  => "<script data-egov-consent=\"analytics\" src= ></script>\n"
                     . "<script data-egov-consent=\"analytics\">a()</script></body>\n",
    'html.html'   => "<html lang=\"en\"><script data-egov-consent=\"analytics\">z()</script>\n",
    'long.html'   => join('', map { ("<p>run $_</p>\n" x 1000)
                                    . "<script data-egov-consent=\"analytics\">r($_)</script>\n" } 1 .. 3)
                     . ("<p>end</p>\n" x 1000) . "</body>\n",
    'big.html'    => ("<p>filler</p>\n" x 22000)
                     . "<script data-egov-consent=\"marketing\" src=\"/m.js\"></script></body>\n",
);

my $n = EgovTest::Nginx->new;
$n->write_file('html/consent.key', $KEY);
$n->write_file("html/$_", $pages{$_}) for keys %pages;

my @prefixes = qw(map scan nosendfile threads nonce nonce-scan
                  markup markup-scan sub gzip gzip-scan other-cats other-cats-scan);
$n->start(ssl => 1, http_config => <<'END', config => <<'END2');
    egov_consent on;
    egov_consent_categories analytics marketing;
    egov_consent_key ../html/consent.key;
    egov_consent_markup on;
    egov_csp_nonce_inject on;
    sendfile on;
END
    location /map/ { alias html/; }
    location /scan/ { alias html/; egov_consent_page_map off; }
    location /nosendfile/ { alias html/; sendfile off; }
    location /threads/ { alias html/; aio threads; }
    location /nonce/ { alias html/; egov_consent_markup off; }
    location /nonce-scan/ { alias html/; egov_consent_markup off;
                            egov_consent_page_map off; }
    location /markup/ { alias html/; egov_csp_nonce_inject off; }
    location /markup-scan/ { alias html/; egov_csp_nonce_inject off;
                             egov_consent_page_map off; }
    location /sub/ { alias html/; sub_filter '<p>after' '<p>AFTER'; }
    location /gzip/ { alias html/; gzip on; gzip_min_length 1; }
    location /gzip-scan/ { alias html/; gzip on; gzip_min_length 1;
                           egov_consent_page_map off; }
    location /other-cats/ { alias html/; egov_consent_categories marketing; }
    location /other-cats-scan/ { alias html/; egov_consent_categories marketing;
                                 egov_consent_page_map off; }
END2

my %cookie = (
    none      => consent_cookie(granted => 0, categories => 'analytics marketing'),
    analytics => consent_cookie(granted => 1, categories => 'analytics marketing'),
    all       => consent_cookie(granted => 3, categories => 'analytics marketing'),
    # for /other-cats/, which declares "marketing" alone
    marketing => consent_cookie(granted => 1, categories => 'marketing'),
);

# the page, its nonces and location prefix made comparable
sub get {
    my ($uri, $who, @h) = @_;
    my $res = $n->request(uri => $uri, headers => [
        ($who && $cookie{$who} ? (['Cookie', "egov_consent=$cookie{$who}"]) : ()),
        @h]);
    my $b = $res->body;
    my $nonces = () = $b =~ /nonce="(?!own"|mine")[^"]+"/g;
    $b =~ s/nonce="(?!own"|mine")[^"]+"/nonce="N"/g;
    $b =~ s{/(?:$_)/}{/P/}g for join '|', map { quotemeta } @prefixes;
    return wantarray ? ($b, $res, $nonces) : $b;
}

sub sent_from_map {
    my ($file) = @_;
    my @l = $n->error_log =~ m{egov consent: "[^"]*/html/\Q$file\E" sent from its map}g;
    return scalar @l;
}

# over TLS and gzipped (both set r->main_filter_need_in_memory): the map
# too

for my $o ([ssl => 1], [gzip => 1], [ssl => 1, gzip => 1]) {
    my %o = @$o;
    my $fetch = sub {
        my ($loc) = @_;
        my $res = $n->request(uri => "/$loc/tls.html", ssl => $o{ssl},
            headers => [['Cookie', "egov_consent=$cookie{analytics}"],
                        ($o{gzip} ? (['Accept-Encoding', 'gzip']) : ())]);
        my $b = $res->body;
        if ($o{gzip}) {
            is($res->header('Content-Encoding') // '', 'gzip', "@$o: gzipped");
            my $x;
            gunzip(\$b => \$x) or die "gunzip failed";
            $b = $x;
        }
        $b =~ s/nonce="(?!own"|mine")[^"]+"/nonce="N"/g;
        $b =~ s{/$loc/}{/P/}g;
        return $b;
    };
    my $before = sent_from_map('tls.html');
    my $ref = $fetch->($o{gzip} ? 'gzip-scan' : 'scan');
    my @b = map { $fetch->($o{gzip} ? 'gzip' : 'map') } 1 .. 2;
    is_deeply(\@b, [$ref, $ref], "@$o: the scan's page");
    ok(sent_from_map('tls.html') > $before, "@$o: ... sent from its map");
}

# the same page from the map as from the scan, for every visitor

# (long.html: runs of 13 KB between the places)

for my $file (qw(p.html long.html run.html)) {
for my $who (undef, 'none', 'analytics', 'all', 'gpc') {
    my @h = $who && $who eq 'gpc' ? (['Sec-GPC', '1']) : ();
    my $c = $who && $who eq 'gpc' ? 'all' : $who;
    my $name = "$file, " . ($who // 'no choice');

    my ($ref, $res, $nonces) = get("/scan/$file", $c, @h);
    is($res->status, 200, "$name: the scanned page, 200");
    ok($nonces >= ($file eq 'run.html' ? 2 : 3), "$name: ... with nonces ($nonces)");

    for my $loc (qw(map nosendfile threads)) {
        my @b = map { scalar get("/$loc/$file", $c, @h) } 1 .. 2;
        is($b[0], $ref, "$name, /$loc/: recorded, the scan's page");
        is($b[1], $ref, "$name, /$loc/: from its map, the same page");
    }

    for my $kind (qw(nonce markup)) {
        my $r = get("/$kind-scan/$file", $c, @h);
        my @b = map { scalar get("/$kind/$file", $c, @h) } 1 .. 2;
        is_deeply(\@b, [$r, $r], "$name, $kind alone: from its map, the scan's page");
    }
}
}

ok(sent_from_map('p.html') >= 20, 'the pages were sent from their map ('
   . sent_from_map('p.html') . ' times)');
ok(sent_from_map('long.html') >= 20, '... long.html too ('
   . sent_from_map('long.html') . ' times)');
my @sealed = $n->error_log =~ /egov consent: (\d+) bytes of the page from its sealed copy/g;
ok(@sealed && !grep({ $_ < 32768 } @sealed),
   'run.html: its longest run (' . ($sealed[0] // 0) . ' bytes) by sendfile, from the map\'s sealed copy');

# one map, two locations that declare other categories: a marked tag's
# categories are resolved for the list of the location that sends it (in
# /other-cats/, "marketing" is the first category and "analytics" is not
# declared: its tags are held back there, whatever the cookie says)

for my $round (1 .. 2) {
    for my $loc (qw(map other-cats)) {
        my $who = $loc eq 'map' ? 'all' : 'marketing';
        my $ref = get($loc eq 'map' ? '/scan/p.html' : "/$loc-scan/p.html", $who);
        my $b = get("/$loc/p.html", $who);
        ok($b eq $ref, "round $round, /$loc/, $who granted: the scan's page");
        my $inert = () = $b =~ m{<script type="text/plain" data-egov-consent="analytics"}g;
        is($inert, $loc eq 'map' ? 0 : 2,
           "... analytics' scripts " . ($loc eq 'map' ? 'active' : 'held back'));
        ok(index($b, '<script data-egov-consent="marketing" nonce="mine">k()</script>') >= 0,
           "... marketing's script active");
    }
}

# a marked tag's rewrite is kept per kind of visitor: a page first asked
# for without nonces, then with, then without again (and "src=" right
# before ">" gets an empty value only where a nonce follows it)

for my $loc (qw(markup map markup map)) {
    my $ref = get($loc eq 'map' ? '/scan/first.html' : '/markup-scan/first.html', 'all');
    my $b = get("/$loc/first.html", 'all');
    ok($b eq $ref, "first.html, /$loc/: the scan's page") or diag($b);
    my $nonces = () = $b =~ /nonce="N"/g;
    # (the settings link's own <style> has one in both)
    is($nonces, $loc eq 'map' ? 3 : 1, "... with $nonces nonces");
}

# what the map changes, checked once in full

my ($all) = get('/map/p.html', 'all');
like($all, qr{<script nonce="own">x\(\)</script>\n<script src="https://cdn\.example/x\.js"></script>\n<script src= "" nonce="N"></script>},
     'own nonce kept, another origin\'s script without one, "src=" given an empty value first');
like($all, qr{<!-- <script>in a comment</script> </body> -->}, '... a comment left as written');
like($all, qr{<textarea><script>not a tag</script></textarea>}, '... a text area\'s text too');
like($all, qr{<p title="</body>">x</p>\n<iframe title="Video" data-egov-consent="marketing" src="https://v\.example/e"></iframe>\n<div class="egov-consent-link"},
     '... the settings link before the first real </body>');
like($all, qr{<script data-egov-consent="analytics" src="//t\.example/t\.js"></script>},
     '... a marked script of another origin, active, without a nonce');
my ($none) = get('/map/p.html', 'none');
like($none, qr{<script type="text/plain" data-egov-consent="marketing" nonce="mine">k\(\)</script>},
     'refused: a marked script made inert, its own nonce kept');

# the banner speaks the page's language (<html lang="ar">)

my $res = $n->request(uri => '/map/p.html', headers => [['Accept-Language', 'en']]);
like($res->body, qr{<div id="egov-consent"[^>]* lang="ar" dir="rtl"}, 'from the map: the banner in the page\'s language');
$res = $n->request(uri => '/map/html.html', headers => [['Accept-Language', 'ar']]) for 1 .. 2;
like($res->body, qr{<div id="egov-consent"[^>]* lang="en" dir="ltr"}, '... English for <html lang="en">');

# pages with no "</body", or only its beginning

for my $file (qw(nobody.html cut.html html.html)) {
    my $ref = get("/scan/$file", 'analytics');
    my @b = map { scalar get("/map/$file", 'analytics') } 1 .. 2;
    is_deeply(\@b, [$ref, $ref], "$file: from its map, the scan's page");
}
like(scalar get('/map/cut.html'), qr{<script nonce="N">y\(\)</script><div id="egov-consent"},
     'cut.html: the banner after the page\'s end, the "</bod" it ends in dropped as browsers do');

# a Range request gets the whole page the filter makes (t/59), from the map
# as from a scan

my ($ranged, $ranged_res) = get('/map/p.html', 'none', ['Range', 'bytes=0-9']);
is($ranged_res->status, 200, 'a range: 200');
is($ranged, scalar get('/scan/p.html', 'none'), '... the page the scan makes, whole');

# a page another filter changes is scanned

my @sub = map { scalar get('/sub/p.html', 'all') } 1 .. 2;
(my $ref_sub = $all) =~ s/<p>after/<p>AFTER/;
is_deeply(\@sub, [$ref_sub, $ref_sub], 'sub_filter too: both filters\' changes');

# a page too large for a map is scanned on each request

my $before = sent_from_map('big.html');
my @big = map { scalar get('/map/big.html', 'all') } 1 .. 2;
like($big[1], qr{<script data-egov-consent="marketing" src="/m\.js" nonce="N"></script>(?:</body>|<div)},
     'a page of ' . length($pages{'big.html'}) . ' bytes: rewritten');
is($big[0], $big[1], '... the same twice');
is(sent_from_map('big.html'), $before, '... never from a map');

# a page with more places than a map keeps (2048): scanned as it
# streams, recorded once, not on every request

my @places = map { scalar get("/map/places.html", 'all') } 1 .. 4;
my $ref_places = get('/scan/places.html', 'all');
is_deeply(\@places, [($ref_places) x 4], '2,100 places: the scan\'s page, four times');
my @rec = $n->error_log =~ m{egov consent: "[^"]*/html/places\.html" recorded as it is read}g;
is(scalar @rec, 1, '... recorded once, not again for the same version');

# a new version of the file: its bytes, not the map's

get('/map/p.html') for 1 .. 2;
my $path = $n->prefix . '/html/p.html';
system('cp', '-p', $path, "$path.times") == 0 or die "cp: $?";
sleep 0.1;
(my $v2 = $page) =~ s/inline=1/inline=2/;
open my $fh, '+<', $path or die "$path: $!";
print $fh $v2;
close $fh;
system('touch', '-r', "$path.times", $path) == 0 or die "touch: $?";
my $times = sub { `stat -c '%s %y' $_[0]` };
is($times->($path), $times->("$path.times"),
   'rewritten in place, its size and modification time (to the nanosecond) kept');
like(scalar get('/map/p.html', 'all'), qr/inline=2/, '... its new bytes are sent');
like(scalar get('/map/p.html', 'all'), qr/inline=2/, '... again, from the new map');

(my $v3 = $page) =~ s/inline=1/inline=333/;
$n->write_file('html/p.html', $v3);
like(scalar get('/map/p.html', 'all'), qr/inline=333/, 'a longer version: its bytes');

# more pages than a worker keeps maps of: each right

for my $i (1 .. 40) {
    $n->write_file("html/many$i.html", "<p>$i</p><script data-egov-consent=\"analytics\">n($i)</script></body>\n");
}
my @wrong = grep {
    my $i = $_;
    my @b = map { scalar get("/map/many$i.html", 'none') } 1 .. 2;
    grep { $_ !~ m{^<p>$i</p><script type="text/plain" data-egov-consent="analytics" nonce="N">n\($i\)</script><div class="egov-consent-link"} } @b;
} 1 .. 40;
is("@wrong", '', '40 pages, twice each: each its own page');

# nginx -t

my ($ok, $out) = $n->test_config(http_config => "egov_consent on;\negov_consent_page_map sometimes;\n");
ok(!$ok, 'egov_consent_page_map sometimes: refused');
like($out, qr/invalid value "sometimes" in "egov_consent_page_map" directive, it must be "on" or "off" in \S+nginx\.conf:\d+/,
     '... with file and line');

$n->stop;
is_deeply([$n->log_problems], [], 'no alerts, no sanitizer reports');

done_testing();

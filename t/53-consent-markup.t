#!/usr/bin/perl
# Markup gating (egov_consent_markup): scripts and iframes the page marks
# with data-egov-consent (or data-category) are served inert to a visitor
# without that consent (a live-written one made inert, an iframe hidden
# behind an accessible placeholder with a form to allow it) and active to
# one with it (type restored from data-type, data-src made src, a nonce
# for this origin's scripts); never under GPC.  The same bytes whatever
# the buffers the page comes in; a marked tag too long to hold is served
# inert; nginx -t checks the directive.

use strict;
use warnings;
use lib 't/lib';
use Test::More;
use JSON::PP qw(decode_json);
use EgovTest;
use EgovTest::Nginx;
use EgovTest::Consent qw(consent_cookie $KEY);

my $page = <<'END';
<!doctype html><html lang="en"><head><title>t</title>
<script type="text/plain" data-egov-consent="analytics" src="https://t.example/a.js" async></script>
<script type="text/plain" data-category="analytics" data-type="module">window.x=1;</script>
<script data-egov-consent="marketing" src="/m.js"></script>
<script src="/app.js"></script>
</head><body>
<iframe title="Map of offices" data-egov-consent="marketing" data-src="https://maps.example/embed?a=1&amp;b=2" width="600" height="400"></iframe>
<iframe data-egov-consent="marketing analytics" src="javascript:alert(1)"></iframe>
</body></html>
END

my $n = EgovTest::Nginx->new;
$n->write_file('html/p.html', $page);
$n->write_file('html/consent.key', $KEY);
my $long = '<script data-egov-consent="marketing" src="/m.js" data-x="'
         . ('x' x 9000) . '"></script>';
$n->write_file('html/long.html', "<p>a</p>$long<p>b</p>\n");
my $splits = join '', map {
    "    location /s$_/ { alias html/; sendfile off; output_buffers 1 $_; "
    . "egov_consent_page_map off; "
    . "egov_csp_nonce_inject on; }\n"
} 3 .. 40, '64k';
# the same with markup gating off: only <html> (its lang) is held then
$splits .= join '', map {
    "    location /m$_/ { alias html/; sendfile off; output_buffers 1 $_; "
    . "egov_consent_page_map off; egov_consent_markup off; "
    . "egov_csp_nonce_inject on; }\n"
} 3 .. 40, '64k';
$n->write_file('html/lang.html', "<!doctype html><html lang=\"ar\"><body><p>x</p></body></html>\n");
my $html_long = '<!doctype html><html lang="ar" data-x="' . ('x' x 8300) . '"><body><p>x</p></body></html>' . "\n";
$n->write_file('html/html-long.html', $html_long);
$n->write_file('html/early.html', "abcdefg<html><body><p>hi</p></body></html>\n");
$n->write_file('html/marked.html',
               "<p>x</p><script data-egov-consent=\"marketing\" src=\"/m.js\"></script>"
               . "<p>y</p><html lang=\"ar\"><script>var a=1;</script><p>z</p></body>\n");
$n->start(http_config => <<'END', config => $splits . <<'END2');
    egov_consent on;
    egov_consent_categories analytics marketing;
    egov_consent_key ../html/consent.key;
    egov_consent_markup on;
END
    location / { }
    location /nonce/ { alias html/; egov_csp_nonce_inject on; }
    location /b7/ { alias html/; sendfile off; output_buffers 1 7;
                     egov_consent_page_map off; }
    location /b13/ { alias html/; sendfile off; output_buffers 1 13;
                     egov_consent_page_map off; }
    location /b4k/ { alias html/; sendfile off; output_buffers 1 4k;
                     egov_consent_page_map off; }
    location /b16k/ { alias html/; sendfile off; output_buffers 1 16k;
                      egov_consent_page_map off; }
    location /ssi/ { alias html/; ssi on; egov_csp_nonce_inject on; }
    location /off/ { alias html/; egov_consent_markup off; }
    location /scan/ { alias html/; egov_consent_page_map off; }
    location = /status { egov_status; egov_consent off; }
END2

my %cookie = (
    none      => consent_cookie(granted => 0, categories => 'analytics marketing'),
    analytics => consent_cookie(granted => 1, categories => 'analytics marketing'),
    all       => consent_cookie(granted => 3, categories => 'analytics marketing'),
);

sub get {
    my ($uri, $who, @h) = @_;
    my $res = $n->request(uri => $uri, headers => [
        ($who ? (['Cookie', "egov_consent=$cookie{$who}"]) : ()), @h]);
    (my $body = $res->body) =~ s/nonce="[^"]+"/nonce="N"/g;
    $body =~ s/<div id="egov-consent".*//s;              # the banner
    $body =~ s/<div class="egov-consent-link".*//s;      # or the link
    return ($body, $res);
}

my $placeholder = <<'END';
<div class="egov-consent-embed" role="region" aria-label="Map of offices" lang="en" dir="ltr" data-egov-embed data-nosnippet>
<style nonce="N">CSS</style>
<p class="egov-consent-embed__text"><strong>Map of offices</strong><br>Content from another site, shown only if you allow its cookies: Marketing.</p>
<form class="egov-consent-embed__form" method="post" action="/.egov/consent">
<input type="hidden" name="return" value="URI">
INPUTS<button type="submit" name="action" value="save">Allow and show</button>
</form>
<p class="egov-consent-embed__once"><a href="https://maps.example/embed?a=1&amp;b=2" data-egov-embed-once>Show it this once</a></p>
<script src="/.egov/consent/banner.js?v=HASH" nonce="N" defer></script>
</div>
END

sub placeholder {
    my ($uri, $inputs, %o) = @_;
    my $p = $placeholder;
    $p =~ s/URI/$uri/;
    $p =~ s/INPUTS/$inputs/;
    if ($o{second}) {
        # a link that is not http(s) or a path is not shown
        $p =~ s/Map of offices/javascript:alert(1)/g;
        $p =~ s/: Marketing\./: Analytics, Marketing./;
        $p =~ s/<p class="egov-consent-embed__once">[^\n]*\n//;
    }
    if ($o{gpc}) {
        # under GPC allowing cannot work: no form
        $p =~ s/<form.*<\/form>\n//s;
    }
    return $p;
}

sub normalize_css {
    my ($b) = @_;
    $b =~ s{(<style nonce="N">).*?(</style>)}{${1}CSS$2}gs;
    $b =~ s{banner\.js\?v=[0-9a-f]{8}}{banner.js?v=HASH}g;
    return $b;
}

my $hidden_m = '<input type="hidden" name="c" value="marketing">';
my $hidden_a = '<input type="hidden" name="c" value="analytics">';

# no choice yet: everything marked is inert, the iframes held back

my ($b, $res) = get('/p.html');
is($res->status, 200, 'no consent: 200');
is(normalize_css($b), <<"END", 'no consent: inert scripts as written, the live one made inert, iframes behind placeholders');
<!doctype html><html lang="en"><head><title>t</title>
<script type="text/plain" data-egov-consent="analytics" src="https://t.example/a.js" async></script>
<script type="text/plain" data-category="analytics" data-type="module">window.x=1;</script>
<script type="text/plain" data-egov-consent="marketing" src="/m.js"></script>
<script src="/app.js"></script>
</head><body>
@{[placeholder('/p.html', $hidden_m)]}<iframe hidden="" title="Map of offices" data-egov-consent="marketing" data-src="https://maps.example/embed?a=1&amp;b=2" width="600" height="400"></iframe>
@{[placeholder('/p.html', "$hidden_a$hidden_m", second => 1)]}<iframe hidden="" data-egov-consent="marketing analytics" data-src="javascript:alert(1)"></iframe>
END
is($res->header('Cache-Control'), 'private, no-cache', '... a page that depends on consent is not shared');
like($res->header('Vary') // '', qr/Cookie/, '... Vary: Cookie');
ok(!defined $res->header('Content-Length'), '... its length is not known in advance');
like($res->body, qr{<style nonce="[^"]+">\.egov-consent-embed\{}, '... the placeholder carries its style, with the nonce');

my ($none) = get('/p.html', 'none');
is($none, $b, 'optional cookies refused: the same');

# analytics granted

($b) = get('/p.html', 'analytics');
is(normalize_css($b), <<"END", 'analytics granted: its scripts active (data-type made the type), marketing\'s still inert');
<!doctype html><html lang="en"><head><title>t</title>
<script data-egov-type="text/plain" data-egov-consent="analytics" src="https://t.example/a.js" async></script>
<script data-egov-type="text/plain" data-category="analytics" type="module">window.x=1;</script>
<script type="text/plain" data-egov-consent="marketing" src="/m.js"></script>
<script src="/app.js"></script>
</head><body>
@{[placeholder('/p.html', "$hidden_a$hidden_m")]}<iframe hidden="" title="Map of offices" data-egov-consent="marketing" data-src="https://maps.example/embed?a=1&amp;b=2" width="600" height="400"></iframe>
@{[placeholder('/p.html', "$hidden_a$hidden_m", second => 1)]}<iframe hidden="" data-egov-consent="marketing analytics" data-src="javascript:alert(1)"></iframe>
END

# everything granted

($b) = get('/p.html', 'all');
my $all = <<'END';
<!doctype html><html lang="en"><head><title>t</title>
<script data-egov-type="text/plain" data-egov-consent="analytics" src="https://t.example/a.js" async></script>
<script data-egov-type="text/plain" data-category="analytics" type="module">window.x=1;</script>
<script data-egov-consent="marketing" src="/m.js"></script>
<script src="/app.js"></script>
</head><body>
<iframe title="Map of offices" data-egov-consent="marketing" src="https://maps.example/embed?a=1&amp;b=2" width="600" height="400"></iframe>
<iframe data-egov-consent="marketing analytics" src="javascript:alert(1)"></iframe>
END
is($b, $all, 'all granted: scripts active, iframes load, no placeholder');

# (a static page goes from its map: /scan/ reads it as it streams)
for my $uri ('/p.html', '/scan/p.html') {
my ($gpc) = get($uri, 'all', ['Sec-GPC', '1']);
is(normalize_css($gpc), <<"END", "$uri: all granted but Global Privacy Control on: as refused, no form to allow");
<!doctype html><html lang="en"><head><title>t</title>
<script type="text/plain" data-egov-consent="analytics" src="https://t.example/a.js" async></script>
<script type="text/plain" data-category="analytics" data-type="module">window.x=1;</script>
<script type="text/plain" data-egov-consent="marketing" src="/m.js"></script>
<script src="/app.js"></script>
</head><body>
@{[placeholder($uri, '', gpc => 1)]}<iframe hidden="" title="Map of offices" data-egov-consent="marketing" data-src="https://maps.example/embed?a=1&amp;b=2" width="600" height="400"></iframe>
@{[placeholder($uri, '', second => 1, gpc => 1)]}<iframe hidden="" data-egov-consent="marketing analytics" data-src="javascript:alert(1)"></iframe>
END
}

# nonces for this origin's marked scripts, inert or active

($b) = get('/nonce/p.html', 'analytics');
like($b, qr{<script data-egov-type="text/plain" data-egov-consent="analytics" src="https://t\.example/a\.js" async></script>},
     'nonce injection: another origin\'s marked script gets no nonce');
like($b, qr{<script data-egov-type="text/plain" data-category="analytics" type="module" nonce="N">window\.x=1;</script>},
     '... an inline one does');
like($b, qr{<script type="text/plain" data-egov-consent="marketing" src="/m\.js" nonce="N"></script>},
     '... an inert one too (the banner\'s script may activate it in place)');
like($b, qr{<script src="/app\.js" nonce="N"></script>}, '... and unmarked ones as before');
$n->write_file('html/eq.html', "<script src= ></script><style media=>p{}</style>\n");
($b) = get('/nonce/eq.html');
is($b, qq{<script src= "" nonce="N"></script><style media="" nonce="N">p{}</style>\n},
   'a tag ending in "name=": an empty value first, so the nonce is not taken for its value');

# a category the configuration does not declare can never be granted

$n->write_file('html/u.html', qq{<script type="text/plain" data-egov-consent="analytics statistics">x()</script>\n});
($b) = get('/u.html', 'all');
is($b, qq{<script type="text/plain" data-egov-consent="analytics statistics">x()</script>\n},
   'a tag naming an undeclared category stays inert, whatever is granted');

# what the page wrote goes into the placeholder as text, never as markup

$n->write_file('html/t.html', qq{<iframe title='Say "hi" <now> &amp; go' data-egov-consent=marketing data-src=" /v?a=1&amp;b=2"></iframe>\n});
($b) = get('/t.html');
like($b, qr{aria-label="Say &quot;hi&quot; &lt;now&gt; &amp; go"}, 'a title with quotes and brackets: escaped, its character references kept');
like($b, qr{<a href=" /v\?a=1&amp;b=2" data-egov-embed-once>}, '... a path link kept');
$n->write_file('html/t2.html', qq{<iframe data-egov-consent=marketing data-src="java&#115;cript:alert(1)"></iframe><iframe data-egov-consent=marketing data-src="JaVa\tScRiPt:x"></iframe><iframe data-egov-consent=marketing data-src="data:text/html,x"></iframe>\n});
($b) = get('/t2.html');
unlike($b, qr{data-egov-embed-once}, 'a link hidden behind a character reference, a tab or another scheme: not shown');

# any buffers, the same bytes

for my $who (undef, 'analytics', 'all') {
    my ($whole) = get('/p.html', $who);
    for my $loc ('b7', 'b13') {
        my ($cut) = get("/$loc/p.html", $who);
        $cut =~ s{value="/$loc/p\.html"}{value="/p.html"}g;
        is($cut, $whole, 'buffers of ' . substr($loc, 1) . ' bytes, ' . ($who // 'no consent')
           . ': the same page');
    }
}

# markup gating off: the page as written

($b) = get('/off/p.html');
is($b, $page =~ s{</body></html>\n}{}r, 'egov_consent_markup off: the page as written');

# a marked tag longer than what is held across buffers: inert, bare

($b) = get('/b4k/long.html', 'all');
is($b, "<p>a</p><script type=\"text/plain\">" . ('x' x 0) . '</script><p>b</p>' . "\n",
   'a marked tag too long to hold, cut by buffers: inert, without attributes');
like($n->error_log, qr/\[warn\].*a marked tag longer than 8192 bytes was served inert/,
     '... and logged');
($b) = get('/long.html', 'none');
is($b, "<p>a</p>" . ($long =~ s/<script /<script type="text\/plain" /r) . "<p>b</p>\n",
   'the same tag in one buffer: rewritten as any other');

# a <script> or <iframe> tag too long to hold, whose first bytes went on
# before its end was read: whether it is marked may come after the cut,
# so it goes on as written with an attribute that makes it inert first
# (browsers keep the first "type"), a live-written marked script too

my $z = 'z' x 12000;
my %cut = (
    # cut in the middle of its attributes (its "<" in a 4 KB buffer)
    'cut1.html' => ['b4k', "<p>" . ('p' x 3000) . "</p>",
                    qq{<script data-egov-consent="marketing" src="/m.js" data-x="$z"></script></body>\n},
                    qq{<script type="text/plain" data-egov-cut="" data-egov-consent="marketing" src="/m.js" data-x="$z"></script>}],
    # its beginning held from the buffer before, then too long
    'cut2.html' => ['b4k', 'a' x 4090,
                    qq{<script data-egov-consent="marketing" data-x="$z">m()</script>\n},
                    qq{<script type="text/plain" data-egov-cut="" data-egov-consent="marketing" data-x="$z">m()</script>\n}],
    # only "<scr" held: its name ends in the next buffer
    'cut3.html' => ['b16k', 'a' x 16380,
                    qq{<script\tdata-egov-consent="marketing" data-x="$z$z">m()</script>\n},
                    qq{<script type="text/plain" data-egov-cut=""\tdata-egov-consent="marketing" data-x="$z$z">m()</script>\n}],
    # an iframe: hidden, and srcdoc, which browsers load instead of src
    'cut4.html' => ['b4k', "<p>" . ('p' x 3000) . "</p>",
                    qq{<iframe src="https://v.example/e" data-egov-consent="marketing" data-x="$z"></iframe>\n},
                    qq{<iframe hidden="" srcdoc="" data-egov-cut="" src="https://v.example/e" data-egov-consent="marketing" data-x="$z"></iframe>\n}],
);
for my $file (sort keys %cut) {
    my ($loc, $before, $tag, $want) = @{ $cut{$file} };
    $n->write_file("html/$file", $before . $tag);
    for my $who ('none', 'all') {
        ($b) = get("/$loc/$file", $who);
        # (short messages: the pages are long)
        my $got = substr($b, length $before, 80);
        ok($b eq $before . $want, "$file, $who: a tag cut while too long to hold, served inert")
            or diag "got: $got...";
    }
}
like($n->error_log, qr/\[warn\].*a <script> tag longer than 8192 bytes, cut by the end of a buffer, was served inert/,
     '... and logged');

# an SSI include's marked tags and scripts are the page's: rewritten too
# (a shared footer with the analytics snippet), an include that ends
# within what might be a tag kept whole

$n->write_file('html/frag.html', qq{<script data-egov-consent="marketing" src="/m.js"></script><script>inline()</script>\n});
$n->write_file('html/frag2.html', "<p>x</p><scr");
$n->write_file('html/ssi.html', qq{<p>page</p><!--# include virtual="/frag.html" --><p>mid</p><!--# include virtual="/frag2.html" --><p>after</p></body>\n});
for my $who ('none', 'all') {
    ($b) = get('/ssi/ssi.html', $who);
    my $script = $who eq 'all'
        ? '<script data-egov-consent="marketing" src="/m.js" nonce="N"></script>'
        : '<script type="text/plain" data-egov-consent="marketing" src="/m.js" nonce="N"></script>';
    # "<scr" may be a <script> the page goes on with: inert attributes follow
    is($b, qq{<p>page</p>$script<script nonce="N">inline()</script>\n<p>mid</p><p>x</p><scr type="text/plain" data-egov-cut=""<p>after</p>},
       "an SSI include, $who: its marked script and inline script rewritten as the page's");
}

# the page's own language: <html lang> when the page is read anyway

$n->write_file('html/ar.html', "<!doctype html>\n<HTML dir=rtl LANG='ar-OM'><body><p>x</p></body></html>\n");
$res = $n->request(uri => '/nonce/ar.html', headers => [['Accept-Language', 'en']]);
like($res->body, qr{<div id="egov-consent"[^>]* lang="ar" dir="rtl"}, '<html lang="ar-OM">: the banner in Arabic, whatever the browser prefers');
$res = $n->request(uri => '/nonce/p.html', headers => [['Accept-Language', 'ar']]);
like($res->body, qr{<div id="egov-consent"[^>]* lang="en" dir="ltr"}, '<html lang="en">: in English');
$res = $n->request(uri => '/off/ar.html', headers => [['Accept-Language', 'en']]);
like($res->body, qr{<div id="egov-consent"[^>]* lang="en"},
     'a page not read whole (no nonces, no markup): the browser\'s language, as documented');

# counted

$res = $n->request(uri => '/status', headers => [['Accept', 'application/json']]);
my $s = decode_json($res->body)->{counters};
ok($s->{consent_markup_inert_total} > 0 && $s->{consent_markup_active_total} > 0,
   "status counts inert ($s->{consent_markup_inert_total}) and activated ($s->{consent_markup_active_total}) tags");

# nginx -t

my ($ok, $out) = $n->test_config(http_config => "egov_consent on;\negov_consent_markup maybe;\n");
ok(!$ok, 'egov_consent_markup maybe: refused');
like($out, qr/invalid value "maybe" in "egov_consent_markup" directive, it must be "on" or "off" in \S+nginx\.conf:\d+/,
     '... with file and line');

# the page read in buffers of every size from 3 bytes: tags cut anywhere,
# a tag of ours whole in a buffer whose end is held; every response the
# same page (its nonces aside), the one read in one buffer
for my $file ('early.html', 'marked.html', 'p.html') {
    my $norm = sub {
        (my $b = $_[0]) =~ s/nonce="[^"]*"/nonce="N"/g;
        $b =~ s{/s(?:\d+|64k)/}{/S/}g;    # the banner's way back
        return $b;
    };
    my $ref = $norm->($n->request(uri => "/s64k/$file")->body);
    my @bad = grep {
        $norm->($n->request(uri => "/s$_/$file")->body) ne $ref
    } 3 .. 40;
    is("@bad", '', "$file read in buffers of 3 to 40 bytes: the same page each time");
    my @map = map { $norm->($n->request(uri => "/nonce/$file")->body) } 1 .. 2;
    $_ =~ s{/nonce/}{/S/}g for @map;
    is_deeply(\@map, [$ref, $ref], "$file recorded, then sent from its map: the same page");
}

# an <html> tag cut by a buffer's end, markup gating off (found by a
# helper's differential test): held as the marked tags are, so its lang is
# read and the tag goes on whole.  Before, more than 8 bytes of it could not
# be held: it went out as "<script type=\"text/plain\">" (the page blank),
# or its lang was lost (the banner in the visitor's language)
for my $file ('early.html', 'marked.html', 'p.html', 'lang.html') {
    my $norm = sub {
        (my $b = $_[0]) =~ s/nonce="[^"]*"/nonce="N"/g;
        $b =~ s{/m(?:\d+|64k)/}{/S/}g;
        return $b;
    };
    my $ref = $norm->($n->request(uri => "/m64k/$file",
                                  headers => [['Accept-Language', 'en']])->body);
    my @bad = grep {
        $norm->($n->request(uri => "/m$_/$file",
                            headers => [['Accept-Language', 'en']])->body) ne $ref
    } 3 .. 40;
    is("@bad", '', "markup off, $file read in buffers of 3 to 40 bytes: the same page each time");
}
my $ar = $n->request(uri => '/m5/lang.html', headers => [['Accept-Language', 'en']])->body;
like($ar, qr/^<!doctype html><html lang="ar"><body><p>x<\/p><div id="egov-consent"[^>]* lang="ar" dir="rtl"/,
     '... the page\'s lang read from a tag cut twice: the banner in Arabic');
for my $prefix ('/m40', '/b4k', '/b7') {
    my $body = $n->request(uri => "$prefix/html-long.html")->body;
    is(substr($body, 0, 60), substr($html_long, 0, 60),
       "$prefix: an <html> tag over 8 KiB cut by a buffer's end goes on as it is");
    unlike($body, qr/<script type="text\/plain">/, '... never made a script');
}

# a page that ends inside a marked tag (found by a helper's differential
# test): the banner's first ">" completed the tag, and the script or the
# iframe was live for a visitor without consent (the banner swallowed).
# Browsers drop a tag cut by the end of the page; so does the filter
my %eof = (
    'eof-script.html' => '<p>x</p><script data-egov-consent="analytics" src="/t.js"',
    'eof-iframe.html' => '<p>x</p><iframe data-egov-consent="analytics" src="https://tracker.example/"',
    'eof-quote.html'  => '<p>x</p><script data-egov-consent="analytics" src="/t.js" data-x="a',
);
$n->write_file("html/$_", $eof{$_}) for keys %eof;
for my $file (sort keys %eof) {
    # the first of the same two is read as it streams, the second is sent
    # from the page's map where one is made
    for my $prefix ('', '', '/scan', '/b7', '/b13', '/s5', '/nonce', '/nonce') {
        my $body = $n->request(uri => "$prefix/$file")->body;
        like($body, qr/^<p>x<\/p><div id="egov-consent"/,
             "$prefix/$file: the tag the page ends in is dropped, the banner follows")
            or diag substr($body, 0, 200);
    }
}

# an include (SSI) that ends inside a marked tag, the page going on with
# the tag's ">" (found by a helper's review): the include is read with its
# own state, so the page's bytes that end the tag are not read with it; it
# goes on inert, never live
$n->write_file('html/inc-tag.html', '<p>x</p><script data-egov-consent="analytics" src="/t.js"');
$n->write_file('html/ssi-tag.html', '<!doctype html><html><body><!--# include virtual="/inc-tag.html" -->><p>b</p></body></html>' . "\n");
my $ssi = $n->request(uri => '/ssi/ssi-tag.html')->body;
unlike($ssi, qr/<script data-egov-consent="analytics" src="\/t\.js">/,
       'an include ending inside a marked script: never live')
    or diag $ssi;
like($ssi, qr/<p>x<\/p><script type="text\/plain" data-egov-cut="" data-egov-consent="analytics" src="\/t\.js">/,
     '... it goes on inert');

like($n->error_log, qr/\[warn\] .*egov consent: an include ends inside a <script> tag, which what follows it may end: served inert/,
     '... and says so');
# ... also within the tag's name (found by a second review)
for my $cut (['<script', ' data-egov-consent="analytics" src="/t.js">'],
             ['<scr', 'ipt data-egov-consent="analytics" src="/t.js">'],
             ['<IFRAME', ' data-egov-consent="analytics" src="https://t.example/">']) {
    $n->write_file('html/inc-name.html', "<p>x</p>$cut->[0]");
    $n->write_file('html/ssi-name.html', '<!doctype html><html><body><!--# include virtual="/inc-name.html" -->'
                                         . $cut->[1] . '<p>b</p></body></html>' . "\n");
    my $body = $n->request(uri => '/ssi/ssi-name.html')->body;
    like($body, qr/\Q$cut->[0]\E (?:type="text\/plain"|hidden="" srcdoc="") data-egov-cut=""/,
         "an include ending in \"$cut->[0]\": the tag the page ends goes on inert")
        or diag $body;
}

$n->stop;
is_deeply([$n->log_problems], [], 'no alerts, no sanitizer reports');

done_testing();

#!/usr/bin/perl
# Zero false positives is the bar: every real browser's User-Agent of two
# npm corpora (user-agents: 10,000 sessions of real traffic, 952 distinct;
# top-user-agents: the most common ones, desktop and mobile), search
# engines' crawlers and API clients, and ordinary portal paths, through
# every signature source at once (the built-in set and Debian's
# modsecurity-crs data files): no request refused.  A scanner's is, so the
# test can fail.

use strict;
use warnings;
use lib 't/lib';
use Test::More;
use JSON::PP;
use IO::Socket::IP;
use IO::Select;
use EgovTest;
use EgovTest::Nginx;

my $nm = 't/browser/node_modules';
my $crs = '/usr/share/modsecurity-crs/rules';
-d "$nm/user-agents" && -d "$nm/top-user-agents"
    or BAIL_OUT("$nm lacks the User-Agent corpora: run tools/test-setup.sh");
-f "$crs/scanners-user-agents.data"
    or BAIL_OUT("$crs is missing: install modsecurity-crs (make deps-test)");

sub slurp_json {
    my ($file) = @_;
    open my $fh, '<', $file or die "$file: $!";
    local $/;
    return decode_json(<$fh>);
}

my %ua;
$ua{$_->{userAgent}} = 1 for @{ slurp_json("$nm/user-agents/dist/user-agents.json") };
for my $f (qw(index desktop mobile)) {
    $ua{$_} = 1 for @{ slurp_json("$nm/top-user-agents/src/$f.json") };
}
my $corpus = keys %ua;
# crawlers that portals want, and API clients that are not browsers
$ua{$_} = 1 for
    'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
    'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36',
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)',
    'DuckDuckBot/1.1; (+http://duckduckgo.com/duckduckbot.html)',
    'Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)',
    'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)',
    'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)',
    'WhatsApp/2.23.20.0', 'curl/8.4.0', 'Wget/1.21.3',
    'python-requests/2.31.0', 'okhttp/4.12.0', 'Go-http-client/2.0',
    'PostmanRuntime/7.36.0', 'Apache-HttpClient/4.5.14 (Java/17.0.9)',
    'axios/1.6.2', 'Dart/3.2 (dart:io)';

my @paths = qw(
    / /en/ /ar/ /en/services /ar/services /en/services/passport/renew
    /login /logout /account /account/profile /account/settings/security
    /applications?status=open&page=2 /applications/2026-000123
    /api/v1/applications?sort=-created /api/v1/users/me
    /assets/app.3f9a1c.js /assets/site.css /assets/fonts/noto-naskh.woff2
    /favicon.ico /robots.txt /sitemap.xml /manifest.webmanifest
    /.well-known/security.txt /.well-known/openid-configuration
    /.well-known/change-password /apple-touch-icon.png
    /documents/annual-report-2024.pdf /news/2026/12/portal-update
    /search?q=passport+renewal /search?q=%D8%AC%D9%88%D8%A7%D8%B2
    /ar/%D8%AE%D8%AF%D9%85%D8%A7%D8%AA /contact /privacy.html /terms.html
    /accessibility /help/faq /open-data/datasets.csv
    /open-data/api/datasets?format=json /careers/apply /e-payment/checkout
    /egov-consent?choice=reject /health /status /images/logo.svg
    /downloads/forms/form-12.docx /en/ministries/health/clinics
    /profile-picture.png /config-guide.html /environment-services
    /git-guide/ /database-services /docker-training
);

my $n = EgovTest::Nginx->new;
$n->start(config => <<"END");
    egov_signatures on;
    egov_signatures_data $crs;
    location / {
        add_header X-Reason \$egov_block_reason always;
        return 200 "ok";
    }
END

# keepalive connections (a new one every 500 requests: nginx closes one
# after keepalive_requests, 1000); a response's head and its two bytes
my ($s, $buf, $asked) = (undef, '', 0);

sub ask {
    my ($uri, $agent) = @_;
    if (!$s || $asked++ % 500 == 0) {
        close $s if $s;
        $s = IO::Socket::IP->new(PeerHost => '127.0.0.1', PeerPort => $n->port)
            or die "connect: $!";
        binmode $s;
        $buf = '';
    }
    print $s "GET $uri HTTP/1.1\r\nHost: localhost\r\nUser-Agent: $agent\r\n\r\n";
    my $sel = IO::Select->new($s);
    while ($buf !~ /\r\n\r\n/) {
        $sel->can_read(10) or die 'no response';
        sysread($s, $buf, 65536, length $buf) or die "closed after $uri, $agent";
    }
    my ($head, $rest) = split /\r\n\r\n/, $buf, 2;
    my ($len) = $head =~ /^Content-Length: (\d+)/mi;
    while (length $rest < $len) {
        $sel->can_read(10) or die 'short body';
        sysread($s, $rest, 65536, length $rest) or die 'closed';
    }
    $buf = substr($rest, $len);
    my ($status) = $head =~ m{^HTTP/1\.1 (\d+)};
    my ($reason) = $head =~ /^X-Reason: (.*)$/mi;
    return ($status, $reason // '');
}

my $chrome = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 '
           . '(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
my @hits;
for my $agent (sort keys %ua) {
    my ($status, $reason) = ask('/', $agent);
    push @hits, "$reason: User-Agent \"$agent\"" if $status != 200;
}
for my $path (@paths) {
    my ($status, $reason) = ask($path, $chrome);
    push @hits, "$reason: $path" if $status != 200;
}
ok($corpus > 900, "the corpora hold $corpus distinct User-Agents");
is(scalar @hits, 0, scalar(keys %ua) . ' User-Agents and ' . scalar(@paths)
   . ' portal paths: none refused by any signature') or diag join "\n", @hits;

my ($status, $reason) = ask('/', 'sqlmap/1.7.2#stable (https://sqlmap.org)');
is("$status $reason", '403 signature:scanner-ua', 'a scanner is refused (the test can fail)');
($status, $reason) = ask('/', 'Mozilla/5.0 (compatible; Detectify) +https://detectify.com/bot/');
is("$status $reason", '403 signature:crs-scanner-ua', '... by CRS\'s list too');

close $s;
$n->stop;
check_log_clean($n);
done_testing();

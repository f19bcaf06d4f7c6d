#!/usr/bin/perl
# The proof-of-work challenge in Debian's Chromium: the page works, asks
# again with its answer and the visitor lands on the page asked for, with
# a pass that lets the next visits through; without JavaScript the page
# explains and offers a way on (no dead end); axe finds nothing serious in
# either language (a difficulty no browser solves during the check keeps
# the page still).

use strict;
use warnings;
use utf8;
use lib 't/lib';
use Test::More;
use EgovTest;
use EgovTest::Axe;
use EgovTest::Browser;
use EgovTest::Nginx;

EgovTest::Browser::available() or plan skip_all => EgovTest::Browser::why_not();

my $config = <<'END';
    location /attack/ {
        egov_challenge on;
        default_type text/plain;
        return 200 "the page asked for\n";
    }
    location /evil.example/ {
        egov_challenge on;
        default_type text/plain;
        return 200 "still on this site\n";
    }
    location = /status { egov_status; egov_allowlist 127.0.0.1; }
END

my $n = EgovTest::Nginx->new;
$n->start(http_config => "egov_security_headers on;\negov_challenge_difficulty 12;",
          config => $config);
my $url = 'http://127.0.0.1:' . $n->port . '/attack/page?x=1';

my $r = EgovTest::Browser::run('challenge.js', $url, 'js');
ok(!$r->{error}, 'the browser ran') or diag $r->{error};
is($r->{first}, 403, 'the first answer: the challenge (403)');
is($r->{body}, "the page asked for\n", 'solved: the page asked for, in the end');
is($r->{url}, $url, '... at its own address, without the answer');
my ($pass) = grep { $_->{name} eq 'egov_pass' } @{ $r->{cookies} || [] };
ok($pass, 'a pass cookie') and do {
    ok($pass->{httpOnly}, '... HttpOnly');
    is($pass->{sameSite}, 'Lax', '... SameSite=Lax');
};
is($r->{again}, 200, 'the next visit: straight to the page');
is($r->{againBody}, "the page asked for\n", '... itself');
my @steps = @{ $r->{seen} || [] };
like(join(' | ', @steps), qr{^403 /attack/page\?x=1 \| 303 /attack/page\?x=1&egov_pow=\d+\.[0-9a-f]{16}\.[0-9a-f]{32}\.\d+ \| 200 /attack/page\?x=1 \| 200 /attack/page\?x=1$},
     'the steps: challenge, answer, redirect, page') or diag join "\n", @steps;

# a path that begins "//host" (another site, to a browser's location) and
# a stale answer first: the page goes back to this site's own page, with
# its own answer only
my $base = 'http://127.0.0.1:' . $n->port;
$r = EgovTest::Browser::run('challenge.js',
                            "$base//evil.example/page?egov_pow=1.2.3.4&x=1",
                            'js', 'en', "$base/evil.example/page?x=1");
ok(!$r->{error}, '"//evil.example/page" with a stale answer: the browser ran')
    or diag $r->{error};
is($r->{first}, 403, '... the challenge');
is($r->{url}, "$base/evil.example/page?x=1", '... solved, it stays on this site, the stale answer gone');
is($r->{body}, "still on this site\n", '... on the page asked for');

$r = EgovTest::Browser::run('challenge.js', $url, 'nojs', 'ar');
ok(!$r->{error}, 'without JavaScript: the browser ran') or diag $r->{error};
is($r->{first}, 403, '... the challenge page');
like($r->{text} // '', qr/يتطلب هذا التحقق JavaScript/, '... says, in Arabic first, that it needs JavaScript');
like($r->{text} // '', qr/This check needs JavaScript, which is off in your browser/, '... and in English');
is($r->{link}, '/attack/page?x=1', '... and links back to the page: no dead end');
ok(!$r->{progressVisible}, '... no progress bar that would never move');

my ($solved) = $n->request(uri => '/status?format=prometheus')->body
    =~ /^egov_challenges_solved_total (\d+)/m;
is($solved, 2, 'two challenges solved, counted');

# axe on a page that stays (a difficulty no browser solves during the check)
my $hard = EgovTest::Nginx->new;
$hard->start(http_config => "egov_security_headers on;\negov_challenge_difficulty 32;",
             config => $config);
my $hard_url = 'http://127.0.0.1:' . $hard->port . '/attack/';
EgovTest::Axe::check_page($hard_url, 'en', 'the challenge in English',
                          status => 403, lang => 'en', dir => 'ltr');
EgovTest::Axe::check_page($hard_url, 'ar', 'the challenge in Arabic',
                          status => 403, lang => 'ar', dir => 'rtl');

$_->stop for $n, $hard;
check_log_clean($_) for $n, $hard;
done_testing();

#!/usr/bin/perl
# In a real browser (Debian's chromium): the module's CSP lets the scripts
# and styles that carry the request's nonce run, and blocks those that do
# not, with the violation reported.

use strict;
use warnings;
use lib 't/lib';
use Test::More;
use JSON::PP qw(decode_json);
use EgovTest;
use EgovTest::Browser;
use EgovTest::Nginx;

EgovTest::Browser::available() or plan skip_all => EgovTest::Browser::why_not();

my $n = EgovTest::Nginx->new;
$n->start(config => <<'END');
    egov_security_headers on;
    location / {
        default_type text/html;
        return 200 '<!doctype html><html lang="en"><title>csp</title>
<style nonce="$egov_csp_nonce">#styled { color: rgb(0, 128, 0); }</style>
<p id="styled">styled</p>
<script nonce="$egov_csp_nonce">window.__ran = { nonced: true };</script>
<script>window.__ran.unnonced = true;</script>
<script nonce="wrong-nonce">window.__ran.wrong = true;</script>
</html>';
    }
END

my $res = EgovTest::Browser::run('csp.js', "http://127.0.0.1:" . $n->port . "/");
ok(!$res->{error}, 'browser ran') or diag $res->{error};
is($res->{status}, 200, 'page loaded');
like($res->{csp} || '', qr/script-src 'self' 'nonce-/, 'CSP header seen by the browser');
ok($res->{ran}{nonced}, 'script with the nonce ran');
ok(!$res->{ran}{unnonced}, 'inline script without a nonce was blocked');
ok(!$res->{ran}{wrong}, 'inline script with a wrong nonce was blocked');
is($res->{styled}, 'rgb(0, 128, 0)', 'style with the nonce applied');
my @script = grep { $_->{directive} =~ /^script-src/ } @{ $res->{violations} || [] };
is(scalar @script, 2, 'two script-src violations reported by the browser');

$n->stop;
check_log_clean($n);
done_testing();

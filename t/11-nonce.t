#!/usr/bin/perl
# $egov_csp_nonce: fresh and unpredictable per request (128 bits, base64),
# one value wherever it is used within a request, internal redirects
# included, with several workers.

use strict;
use warnings;
use lib 't/lib';
use Test::More;
use MIME::Base64 qw(decode_base64);
use EgovTest;
use EgovTest::Nginx;

my $n = EgovTest::Nginx->new;
$n->start(workers => 2, config => <<'END');
    egov_security_headers on;
    default_type text/html;
    egov_header X-Nonce $egov_csp_nonce;

    location / { return 200 "$egov_csp_nonce"; }

    location /redirected {
        error_page 404 = /fallback;
        return 404;
    }
    location /fallback { return 200 "$egov_csp_nonce"; }

    location /twice {
        return 200 "$egov_csp_nonce $egov_csp_nonce";
    }
END

my %seen;
my $bad = 0;
my $count = 300;
for (1 .. $count) {
    my $r = $n->request(uri => '/');
    my $nonce = $r->body;
    $bad++ unless $nonce =~ m{^[A-Za-z0-9+/]{22}==$}
        && length(decode_base64($nonce)) == 16;
    $bad++ unless ($r->header('X-Nonce') || '') eq $nonce;
    $bad++ unless ($r->header('Content-Security-Policy') || '')
        =~ /'nonce-\Q$nonce\E'/;
    $seen{$nonce}++;
}
is($bad, 0, 'every nonce is 16 random bytes in base64, same in body, header and CSP');
is(scalar keys %seen, $count, "$count requests, $count different nonces");

# bits are spread: each of the 128 bits is set in some nonces and clear in
# others (a constant or counter-like nonce fails this)
my @ones = (0) x 128;
for my $nonce (keys %seen) {
    my $bits = unpack('B*', decode_base64($nonce));
    $ones[$_] += substr($bits, $_, 1) for 0 .. 127;
}
my @stuck = grep { $ones[$_] == 0 || $ones[$_] == $count } 0 .. 127;
is(scalar @stuck, 0, 'no bit of the nonce is constant across requests');

my $r = $n->request(uri => '/redirected');
is($r->status, 200, 'error_page redirect answered');
like($r->header('Content-Security-Policy'), qr/'nonce-\Q${\ $r->body}\E'/,
     'the nonce survives an internal redirect: CSP matches the body');

$r = $n->request(uri => '/twice');
my ($a, $b) = split ' ', $r->body;
is($a, $b, 'two uses in one request give one value');

$n->stop;
check_log_clean($n);

# a value whose only variable is the nonce is built from its parts around
# it (not by nginx's script engine): every spelling of the variable, at
# either end, twice, and next to another variable (the script then)
my $t = EgovTest::Nginx->new;
$t->start(http_config => <<'HTTP', config => <<'END');
    map $uri $egov_csp_nonce2 { default "two"; }
    map $uri $egov_csp_nonceX { default "ex"; }
HTTP
    default_type text/html;
    location / {
        egov_header X-A "$egov_csp_nonce";
        egov_header X-B "a ${egov_csp_nonce}b $egov_csp_nonce";
        egov_header X-C "'nonce-$egov_csp_nonce' $egov_csp_nonce.x;";
        egov_header X-D "$egov_csp_nonce-$request_method-$egov_csp_nonce";
        egov_header X-E "${egov_csp_nonce}${egov_csp_nonce}";
        egov_header X-F "$egov_csp_nonce2 $egov_csp_nonce";
        egov_header X-G "$egov_csp_nonce ${egov_csp_nonceX}";
        return 200 "$egov_csp_nonce";
    }
END
$r = $t->request(uri => '/');
my $nonce = $r->body;
like($nonce, qr{^[A-Za-z0-9+/]{22}==$}, 'a nonce');
is($r->header('X-A'), $nonce, 'the nonce alone');
is($r->header('X-B'), "a ${nonce}b $nonce", 'in braces, and at the end');
is($r->header('X-C'), "'nonce-$nonce' $nonce.x;",
   'within quotes, followed by a dot');
is($r->header('X-D'), "$nonce-GET-$nonce", 'next to another variable');
is($r->header('X-E'), "$nonce$nonce", 'twice in a row');
is($r->header('X-F'), "two $nonce", 'a variable whose name begins alike');
is($r->header('X-G'), "$nonce ex", 'one in braces');
# the value from its parts, not the script engine: the default CSP, and
# the same renamed for report-only (a sixth review: the rename dropped its
# parts)
like($t->error_log, qr/egov header "X-B": its parts around the nonce/,
     'a value from its parts (debug log)');
$t->stop;
check_log_clean($t);

my $ro = EgovTest::Nginx->new;
$ro->start(config => <<'END');
    egov_security_headers on;
    egov_csp_report_only on;
    default_type text/html;
    location / { return 200 "ok"; }
END
$r = $ro->request(uri => '/');
like($r->header('Content-Security-Policy-Report-Only') // '', qr/'nonce-[A-Za-z0-9+\/]{22}=='/,
     'report-only: the nonce in the policy');
like($ro->error_log, qr/egov header "Content-Security-Policy-Report-Only": its parts around the nonce/,
     '... from its parts');
$ro->stop;
check_log_clean($ro);

done_testing();

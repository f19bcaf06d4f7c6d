#!/usr/bin/perl
# The Debian snippets of conf.examples/debian/ used as a Debian admin uses
# them: Debian's own /etc/nginx (nginx.conf, mime.types, its default site),
# the module enabled through modules-enabled/, conf.d/egov.conf, the egov/
# files and each site of sites-available/ linked into sites-enabled/; nginx
# -t passes for each (the TLS site, the load-balancer site, the admin site
# once a token exists, the fleet snippet once its secrets exist).  Then
# served: the portal proxies its application with the module's headers and
# banner, the admin site answers egovctl with /etc/egovctl.conf's example.
# Only paths (/etc/nginx, /var/log/nginx, /run), ports and the certificate
# are changed, to run in a scratch directory.

use strict;
use warnings;
use lib 't/lib';
use Test::More;
use File::Path qw(make_path remove_tree);
use EgovTest;
use EgovTest::Nginx;

-f '/etc/nginx/nginx.conf' && -f '/etc/nginx/mime.types'
    or plan skip_all => "Debian's nginx is not installed (/etc/nginx)";

my $n = EgovTest::Nginx->new;
my $p = $n->prefix;
my $etc = "$p/etc/nginx";
my $ex = 'conf.examples/debian';
my $module = EgovTest::Nginx::module_path();
my ($crt, $key) = $n->ssl_certificate;
my $serve = 0;

# Debian's /etc/nginx as it is, the module enabled as the package does
make_path("$p/etc");
system('cp', '-a', '/etc/nginx', "$p/etc/") == 0 or die "cp /etc/nginx: $?";
remove_tree("$etc/modules-enabled");
make_path("$etc/modules-enabled", "$etc/sites-enabled", "$etc/conf.d");
unlink glob "$etc/sites-enabled/*";
if ($module) {
    write_file("$etc/modules-enabled/50-mod-http-egov.conf",
               "load_module $module;\n");
}
# its paths in the scratch directory (defined below)
install("$etc/nginx.conf", "$etc/nginx.conf");
unlike(read_file("$etc/nginx.conf"), qr{[ \t](/etc/nginx|/run/nginx|/var/log)}, "Debian's nginx.conf, moved");
like(read_file("$etc/nginx.conf"), qr{include \Q$etc\E/sites-enabled/\*;}, '... including sites-enabled/');

# what would be in /etc/nginx/sites-enabled/default stays
symlink '../sites-available/default', "$etc/sites-enabled/default"
    if -f "$etc/sites-available/default";

# the admin's copies
install("$ex/conf.d/egov.conf", "$etc/conf.d/egov.conf");
make_path("$etc/egov/lists");
install("$ex/egov/lists/block.netset", "$etc/egov/lists/block.netset");
install("$ex/egov/admin.tokens", "$etc/egov/admin.tokens");
for my $site (glob "$ex/sites-available/*") {
    (my $name = $site) =~ s{.*/}{};
    install($site, "$etc/sites-available/$name");
}

sub write_file {
    my ($file, $text) = @_;
    open my $fh, '>', $file or die "$file: $!";
    print $fh $text;
    close $fh;
}

sub read_file {
    my ($file) = @_;
    open my $fh, '<', $file or die "$file: $!";
    local $/;
    return <$fh>;
}

# a file as the admin copies it, its paths moved to the scratch directory
sub install {
    my ($from, $to) = @_;
    write_file($to, scratch(read_file($from)));
}

sub scratch {
    my ($t) = @_;
    $t =~ s{/etc/nginx}{$etc}g;
    $t =~ s{/var/log/nginx/error\.log}{$p/logs/error.log}g;
    $t =~ s{/var/log/nginx}{$p/logs}g;
    $t =~ s{/run/nginx\.pid}{$p/logs/nginx.pid}g;
    $t =~ s{^user www-data;}{ $> == 0 ? 'user nobody nogroup;' : '' }me;
    $t =~ s{/etc/ssl/certs/ssl-cert-snakeoil\.pem}{$crt}g;
    $t =~ s{/etc/ssl/private/ssl-cert-snakeoil\.key}{$key}g;
    if ($serve) {
        my ($port, $app, $admin) = ($n->port, $n->port2, $n->ssl_port);
        $t =~ s{listen 80;}{listen 127.0.0.1:$port;}g;
        $t =~ s{^\s*listen \[::\]:80;\n}{}mg;
        $t =~ s{127\.0\.0\.1:8000}{127.0.0.1:$app}g;
        $t =~ s{127\.0\.0\.1:8081}{127.0.0.1:$admin}g;
        $t =~ s{^\s*listen \[::1\]:8081;\n}{}mg;
    }
    return $t;
}

sub enable {
    my (@sites) = @_;
    unlink grep { !m{/default$} } glob "$etc/sites-enabled/*";
    symlink "../sites-available/$_", "$etc/sites-enabled/$_" for @sites;
}

sub nginx_t {
    local %ENV = (%ENV, $n->sanitizer_env);
    my $bin = EgovTest::Nginx::nginx_binary();
    my $out = `$bin -t -p $p/ -c $etc/nginx.conf 2>&1`;
    return ($? == 0, $out);
}

my ($ok, $out);

enable();
($ok, $out) = nginx_t();
ok($ok, "Debian's nginx.conf with the module enabled and conf.d/egov.conf") or diag $out;

for my $site (qw(egov-portal egov-portal-tls egov-behind-lb)) {
    enable($site);
    ($ok, $out) = nginx_t();
    ok($ok, "sites-enabled/$site: nginx -t") or diag $out;
}

# the admin site: refused until a token exists, then accepted
enable('egov-portal', 'egov-admin');
($ok, $out) = nginx_t();
ok(!$ok, 'sites-enabled/egov-admin without a token: refused');
like($out, qr/admin\.tokens" has no token in \S+egov-admin:\d+/, '... saying so, with the file and line');
my $token = 'alice-0123456789abcdef0123456789abcdef';
write_file("$etc/egov/admin.tokens", read_file("$etc/egov/admin.tokens") . "alice:$token\n");
chmod 0640, "$etc/egov/admin.tokens";
($ok, $out) = nginx_t();
ok($ok, '... with one: nginx -t') or diag $out;

# the fleet snippet, once its files exist (Redis need not answer for -t)
install("$ex/conf.d/egov-fleet.conf.off", "$etc/conf.d/egov-fleet.conf");
for my $f (qw(fleet.secret consent.key anon.secret)) {
    write_file("$etc/egov/$f", join('', map { chr(65 + int rand 26) } 1 .. 64) . "\n");
    chmod 0600, "$etc/egov/$f";
}
write_file("$etc/egov/redis.password", "a-redis-password\n");
chmod 0600, "$etc/egov/redis.password";
($ok, $out) = nginx_t();
ok($ok, 'conf.d/egov-fleet.conf with its secrets: nginx -t') or diag $out;
chmod 0644, "$etc/egov/fleet.secret";
($ok, $out) = nginx_t();
ok(!$ok, '... a fleet secret others can read: refused');
unlink "$etc/conf.d/egov-fleet.conf";

# served: the portal in front of its application, and the admin site

$serve = 1;
install("$ex/conf.d/egov.conf", "$etc/conf.d/egov.conf");
install('/etc/nginx/nginx.conf', "$etc/nginx.conf");
for my $site (qw(egov-portal egov-admin)) {
    install("$ex/sites-available/$site", "$etc/sites-available/$site");
}
unlink "$etc/sites-enabled/default";
enable('egov-portal', 'egov-admin');
my $app = $n->port2;
write_file("$etc/conf.d/zz-test-app.conf", <<"END");
server {
    listen 127.0.0.1:$app;
    egov_consent off;
    egov_security_headers off;
    access_log off;
    location / { default_type text/html; return 200 "<!doctype html><html lang=\\"en\\"><body><h1>Portal</h1></body></html>\\n"; }
}
END
($ok, $out) = nginx_t();
ok($ok, 'served: nginx -t') or diag $out;

{
    local %ENV = (%ENV, $n->sanitizer_env);
    my $bin = EgovTest::Nginx::nginx_binary();
    $out = `$bin -p $p/ -c $etc/nginx.conf 2>&1`;
    is($?, 0, 'nginx starts with the snippets') or diag $out;
}
$n->{running} = 1;
$n->wait_listening if $n->can('wait_listening');

my $res = $n->request(uri => '/', headers => [['Host', 'portal.example.om']]);
is($res->status, 200, 'the portal answers, proxied to its application');
like($res->body, qr{<h1>Portal</h1>.*<div id="egov-consent"}s, '... with the consent banner');
like($res->header('Content-Security-Policy') // '', qr/default-src 'none'/, '... and the security headers');
is($n->request(uri => '/.env', headers => [['Host', 'portal.example.om']])->status, 403,
   '... a probe refused by the signatures');

my $cfg = "$p/egovctl.conf";
write_file("$p/alice.token", "$token\n");
chmod 0600, "$p/alice.token";
my $ctl = scratch(read_file('conf.examples/debian/egovctl.conf'));
$ctl =~ s{^token_file = .*$}{token_file = $p/alice.token}m;
write_file($cfg, $ctl);
my $egovctl = $ENV{EGOVCTL} || 'build/egovctl';
$out = `EGOVCTL_CONFIG=$cfg $egovctl ban 192.0.2.7 --ttl 600 --reason test 2>&1`;
is($?, 0, 'egovctl with the example /etc/egovctl.conf: ban') or diag $out;
like(`EGOVCTL_CONFIG=$cfg $egovctl list 2>&1`, qr/192\.0\.2\.7/, '... list shows it');
is($n->request(uri => '/.egov/status', port => $n->ssl_port)->status, 200,
   'the admin site: status');

$n->stop;
# the refusals this test asked for (a build whose default error log is
# this prefix's writes nginx -t's messages there too)
$n->expect_log(qr/has no token|can be read or written by others/);
is_deeply([$n->log_problems], [], 'no alerts, no sanitizer reports');

done_testing();

#!/usr/bin/perl
# make install (into a scratch DESTDIR) and make deb: the module where
# Debian's nginx looks for modules, its load snippet as libnginx-mod-*
# packages have, egovctl, docs and examples; the package's control data;
# and Debian's nginx loads the installed module.

use strict;
use warnings;
use lib 't/lib';
use Test::More;
use File::Temp qw(tempdir);
use EgovTest;
use EgovTest::Nginx;

system('sh', '-c', 'command -v dpkg-deb >/dev/null') == 0
    or plan skip_all => 'dpkg-deb not available';

my $dest = tempdir('egov-install-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $out = `make -s --no-print-directory install DESTDIR=$dest 2>&1`;
is($?, 0, 'make install DESTDIR=...') or diag $out;

my @files = (
    'usr/lib/nginx/modules/ngx_http_egov_module.so',
    'usr/share/nginx/modules-available/mod-http-egov.conf',
    'usr/bin/egovctl',
    'usr/share/doc/libnginx-mod-http-egov/README.md',
    'usr/share/doc/libnginx-mod-http-egov/docs/directives.md',
    'usr/share/doc/libnginx-mod-http-egov/docs/operations.md',
    'usr/share/doc/libnginx-mod-http-egov/examples/portal.conf',
);
ok(-f "$dest/$_", "installed: $_") for @files;
ok(-x "$dest/usr/bin/egovctl", 'egovctl is executable');
is(`cat $dest/usr/share/nginx/modules-available/mod-http-egov.conf`,
   "load_module modules/ngx_http_egov_module.so;\n", 'the load snippet');
like(`$dest/usr/bin/egovctl --help`, qr/^usage: egovctl/, 'egovctl runs');

$out = `make -s --no-print-directory deb 2>&1`;
is($?, 0, 'make deb') or diag $out;
my $deb = 'build/libnginx-mod-http-egov.deb';
ok(-f $deb, 'the package exists');

my $info = `dpkg-deb -I $deb`;
like($info, qr/^ Package: libnginx-mod-http-egov$/m, 'its name, as Debian names nginx modules');
like($info, qr/^ Version: \d+\.\d+\.\d+-1$/m, 'a version');
like($info, qr/^ Depends: nginx-abi-1\.22\.1-7, .*libhiredis0\.14/m,
     'it depends on the nginx ABI it was built for, and hiredis');
like($info, qr/postinst/, 'a postinst enables it');

my $root = tempdir('egov-deb-XXXXXX', TMPDIR => 1, CLEANUP => 1);
system('dpkg-deb', '-x', $deb, $root) == 0 or die 'dpkg-deb -x';
ok(-f "$root/$_", "in the package: $_") for @files;
my @list = grep { !m{/$} } map { (split ' ', $_)[5] } split /\n/, `dpkg-deb -c $deb`;
ok(!(grep { !m{^\./usr/} } @list), 'nothing outside /usr');

# Debian's nginx loads the installed module
SKIP: {
    skip 'the sanitized build links the module in', 1
        unless EgovTest::Nginx::module_path();
    my $n = EgovTest::Nginx->new(no_module => 1);
    $n->write_file('conf/nginx.conf', <<"END");
load_module $root/usr/lib/nginx/modules/ngx_http_egov_module.so;
pid logs/nginx.pid;
error_log logs/error.log;
events {}
http {
    egov_security_headers on;
    server { listen 127.0.0.1:1; location / { egov_status; } }
}
END
    my ($rc, $o) = $n->run_nginx('-t');
    is($rc, 0, "Debian's nginx loads the packaged module") or diag $o;
}

done_testing();

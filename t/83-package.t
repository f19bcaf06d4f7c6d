#!/usr/bin/perl
# The package, built the Debian way (make deb: dpkg-buildpackage with
# debian/, debhelper and dh_nginx) and checked as Debian checks packages:
# its control data (the nginx ABI read from nginx-dev, dependencies from
# dpkg-shlibdeps), md5sums, copyright, changelog, a stripped module with
# its symbols in a -dbgsym package, the man page, lintian clean.  Then
# installed next to Debian's nginx (as root, when the package is not
# installed already): enabled on first install only, as Debian's modules
# are (an upgrade keeps an admin's choice, removal leaves ".removed",
# reinstalling restores it), nginx -t passes, purge leaves nothing.  Also
# make install into a scratch DESTDIR.

use strict;
use warnings;
use lib 't/lib';
use Test::More;
use File::Temp qw(tempdir);
use EgovTest;
use EgovTest::Nginx;

for my $tool (qw(dpkg-deb dpkg-buildpackage dh lintian)) {
    system('sh', '-c', "command -v $tool >/dev/null") == 0
        or plan skip_all => "$tool not available (tools/deps.sh package)";
}

# make install

my $dest = tempdir('egov-install-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $out = `make -s --no-print-directory install DESTDIR=$dest 2>&1`;
is($?, 0, 'make install DESTDIR=...') or diag $out;

ok(-f "$dest/$_", "installed: $_") for (
    'usr/lib/nginx/modules/ngx_http_egov_module.so',
    'usr/share/nginx/modules-available/mod-http-egov.conf',
    'usr/bin/egovctl',
    'usr/share/man/man1/egovctl.1',
    'usr/share/bash-completion/completions/egovctl',
    'usr/share/doc/libnginx-mod-http-egov/README.md',
    'usr/share/doc/libnginx-mod-http-egov/docs/directives.md',
    'usr/share/doc/libnginx-mod-http-egov/examples/portal.conf',
    'usr/share/doc/libnginx-mod-http-egov/examples/debian/egovctl.conf',
);
is(`cat $dest/usr/share/nginx/modules-available/mod-http-egov.conf`,
   "load_module modules/ngx_http_egov_module.so;\n", 'the load snippet');
like(`$dest/usr/bin/egovctl --help`, qr/^usage: egovctl/, 'egovctl runs');

# make deb

my ($version) = `sed -n 's/^#define NGX_HTTP_EGOV_VERSION *"\\(.*\\)"/\\1/p' ngx_egov_module/ngx_http_egov_module.h` =~ /(\S+)/;
my $debversion = `dpkg-parsechangelog -S Version`;
chomp $debversion;
like($debversion, qr/^\Q$version\E-\d+$/,
     "debian/changelog's version is the module's ($version), with a Debian revision");

$out = `make -s --no-print-directory deb 2>&1`;
is($?, 0, 'make deb (dpkg-buildpackage)') or diag $out;
my $arch = `dpkg --print-architecture`;
chomp $arch;
my $deb = "build/libnginx-mod-http-egov_${debversion}_$arch.deb";
my $dbg = "build/libnginx-mod-http-egov-dbgsym_${debversion}_$arch.deb";
ok(-f $deb, "the package: $deb");
ok(-f $dbg, "its debug symbols: $dbg");

my $info = `dpkg-deb -I $deb`;
my ($abi) = `cat /usr/share/nginx/src/debian/libnginx-mod.abisubstvars` =~ /^nginx:abi=(\S+)/m;
like($info, qr/^ Package: libnginx-mod-http-egov$/m, 'named as Debian names nginx modules');
like($info, qr/^ Version: \Q$debversion\E$/m, 'the version');
my ($depends) = $info =~ /^ Depends: (.*)$/m;
like($depends // '', qr/(^|, )\Q$abi\E(,|$)/, "depends on the nginx ABI nginx-dev names ($abi)");
like($depends // '', qr/libhiredis0\.14 \(>= [^)]+\)/, '... on hiredis, versioned (dpkg-shlibdeps)');
unlike($depends // '', qr/libpcre/, '... not on libraries nothing links (nginx brings PCRE2)');
like($depends // '', qr/libssl3 \(>= [^)]+\)/, '... on OpenSSL, for egovctl\'s HTTPS');
like($info, qr/^ Installed-Size: \d+$/m, 'Installed-Size');
like($info, qr/^ Homepage: \S+$/m, 'Homepage');
like($info, qr/^ Recommends: nginx$/m, 'Recommends: nginx');
like($info, qr/ md5sums /, 'md5sums');
like($info, qr/ postinst .* prerm .*| prerm .* postinst /s, 'maintainer scripts');

my $root = tempdir('egov-deb-XXXXXX', TMPDIR => 1, CLEANUP => 1);
system('dpkg-deb', '-R', $deb, $root) == 0 or die 'dpkg-deb -R';
my $sums = `cd $root && md5sum -c --quiet DEBIAN/md5sums 2>&1`;
is($?, 0, 'every file matches its md5sum') or diag $sums;
my @list = grep { !m{/$} } map { (split ' ', $_)[5] } split /\n/, `dpkg-deb -c $deb`;
ok(!(grep { !m{^\./usr/} } @list), 'nothing outside /usr');
my $doc = "$root/usr/share/doc/libnginx-mod-http-egov";
ok(-f "$doc/copyright" && -f "$doc/changelog.Debian.gz", 'copyright and changelog.Debian.gz');
like(`cat $doc/copyright`, qr/^License: BSD-2-Clause$/m, '... the licence');
ok(-f "$root/usr/share/man/man1/egovctl.1.gz", 'egovctl(1)');
ok(-f "$root/usr/share/bash-completion/completions/egovctl", "egovctl's bash completion");
ok(-f "$doc/docs/directives.md" && -f "$doc/examples/portal.conf", 'docs and examples');
like(`file $root/usr/lib/nginx/modules/ngx_http_egov_module.so`, qr/, stripped/, 'the module is stripped');
my $needed = `objdump -p $root/usr/lib/nginx/modules/ngx_http_egov_module.so`;
unlike($needed, qr/NEEDED\s+lib(ssl|crypto|pcre)/, '... and links no library nginx itself provides');
like(`dpkg-deb -c $dbg`, qr{/usr/lib/debug/\.build-id/\S+\.debug}, '... its symbols in the -dbgsym package');

my $postinst = `cat $root/DEBIAN/postinst`;
like($postinst, qr/modules-enabled\/\$to\.removed/, 'postinst: the ".removed" convention');
like($postinst, qr/-z "\$2"/, '... enables on first install only');
like($postinst, qr/dpkg-trigger --no-await nginx-reload/, '... reloads nginx');
like(`cat $root/DEBIAN/prerm`, qr/\.removed/, 'prerm: disables on removal');

# lintian, as Debian runs it

my $lint = `lintian --allow-root --pedantic --fail-on error,warning $deb 2>&1`;
is($?, 0, 'lintian (--pedantic): no errors, no warnings') or diag $lint;
is($lint, '', '... and nothing else to say');

# Debian's nginx loads the packaged module

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

# installed next to Debian's nginx, as an admin would

my $link = '/etc/nginx/modules-enabled/50-mod-http-egov.conf';
my $installed = `dpkg-query -W -f='\${Status}' libnginx-mod-http-egov 2>/dev/null` =~ /installed/;
my $mine;

SKIP: {
    skip 'dpkg -i needs root', 12 if $> != 0;
    skip 'the package is installed on this machine already: left alone', 12 if $installed;
    skip "Debian's nginx is not installed", 12 unless -d '/etc/nginx/modules-enabled';
    skip 'the sanitized build cannot use the packaged module', 12
        unless EgovTest::Nginx::module_path();

    $mine = 1;
    $out = `dpkg -i $deb 2>&1`;
    is($?, 0, 'dpkg -i') or diag $out;
    is(readlink($link), '/usr/share/nginx/modules-available/mod-http-egov.conf',
       'the first install enables the module');
    $out = `/usr/sbin/nginx -t 2>&1`;
    is($?, 0, "nginx -t with Debian's nginx.conf and the module enabled") or diag $out;

    unlink $link;
    $out = `dpkg -i $deb 2>&1`;
    is($?, 0, 'dpkg -i again (an upgrade)') or diag $out;
    ok(!-e $link && !-l $link, '... keeps the module disabled, as the admin left it');

    symlink('/usr/share/nginx/modules-available/mod-http-egov.conf', $link);
    $out = `dpkg -r libnginx-mod-http-egov 2>&1`;
    is($?, 0, 'dpkg -r') or diag $out;
    ok(!-e $link && -l "$link.removed", '... leaves the link as ".removed"');
    ok(!-e '/usr/lib/nginx/modules/ngx_http_egov_module.so', '... and no module');
    $out = `dpkg -i $deb 2>&1`;
    ok(-l $link && !-l "$link.removed", 'installing again enables it again');

    $out = `dpkg -P libnginx-mod-http-egov 2>&1`;
    is($?, 0, 'dpkg -P') or diag $out;
    ok(!-l $link && !-l "$link.removed", '... leaves no link');
    $out = `/usr/sbin/nginx -t 2>&1`;
    is($?, 0, '... and nginx -t passes without it') or diag $out;
    $mine = 0;
}

END {
    # never leave the package behind on a test machine
    system('dpkg -P libnginx-mod-http-egov >/dev/null 2>&1') if $mine;
}

done_testing();

#!/usr/bin/perl
# Every ready configuration in conf.examples/ passes "nginx -t" as shipped
# (with the module loaded from a prefix laid out as Debian's or "make run"'s).

use strict;
use warnings;
use lib 't/lib';
use Test::More;
use File::Path qw(make_path);
use EgovTest;
use EgovTest::Nginx;

my @examples = sort glob 'conf.examples/*.conf';
ok(scalar @examples >= 2, 'examples exist');

for my $example (@examples) {
    my $n = EgovTest::Nginx->new;
    my $p = $n->prefix;
    make_path("$p/modules");

    # the examples' directory as it is (lists, keys beside the files)
    system('cp', '-R', 'conf.examples/.', "$p/conf/") == 0 or die "cp: $?";
    chmod 0600, "$p/conf/fleet.secret";     # as its comment says

    my $conf = $n->read_file(Cwd::abs_path($example));
    my $module = EgovTest::Nginx::module_path();
    if ($module) {
        symlink $module, "$p/modules/ngx_http_egov_module.so" or die $!;
    } else {
        # the sanitized nginx has the module linked in
        $conf =~ s/^\s*load_module\s+\S*ngx_http_egov_module\.so;\s*$//m;
    }
    $n->write_file('conf/nginx.conf', $conf);

    my ($rc, $out) = $n->run_nginx('-t');
    is($rc, 0, "$example passes nginx -t") or diag $out;
}

done_testing();

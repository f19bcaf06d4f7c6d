#!/usr/bin/perl
# egov_ban_on counts another module's refusals: Debian's ModSecurity module
# (libnginx-mod-http-modsecurity) with the OWASP Core Rule Set of
# modsecurity-crs refuses an attack with its own 403, and three of them ban
# the client, whose next clean request gets the module's ban.  Runs where
# the package is installed and Debian's nginx loads it (not with the
# sanitized nginx built from source, which cannot load Debian's modules).

use strict;
use warnings;
use lib 't/lib';
use Test::More;
use EgovTest;
use EgovTest::Nginx;

my $modsecurity = '/usr/lib/nginx/modules/ngx_http_modsecurity_module.so';
my $crs = '/usr/share/modsecurity-crs/rules';

-f $modsecurity && -d $crs
    or plan skip_all => 'libnginx-mod-http-modsecurity and modsecurity-crs '
                      . 'are not installed';
EgovTest::Nginx::module_path() && !EgovTest::Nginx::sanitized()
    && EgovTest::Nginx::nginx_binary() eq '/usr/sbin/nginx'
    or plan skip_all => "Debian's ModSecurity module loads into Debian's "
                      . 'nginx only';

my $n = EgovTest::Nginx->new;
my $p = $n->prefix;

# the Core Rule Set as Debian installs it, blocking (not DetectionOnly, the
# package's default), no audit log; libmodsecurity runs no phase 2 rule
# (most of the CRS) without request body access
$n->write_file('conf/modsecurity.conf', <<"END");
SecRuleEngine On
SecRequestBodyAccess On
SecAuditEngine Off
SecTmpDir $p/tmp/
SecDataDir $p/tmp/
Include /etc/modsecurity/crs/crs-setup.conf
Include $crs/*.conf
END

$n->write_file('html/search', "ok\n");
$n->start(main_config => "load_module $modsecurity;",
          http_config => <<'END', config => <<"END2");
    egov_ban_zone size=1m;
    egov_ban after=100 within=1m for=60s;
END
    add_header X-Reason \$egov_block_reason always;
    location / {
        modsecurity on;
        modsecurity_rules_file $p/conf/modsecurity.conf;
        egov_ban_on status=403 after=3 within=1m;
    }
END2

sub get {
    my ($addr, $uri) = @_;
    return $n->request(uri => $uri || '/search?q=tax+forms',
                       client_addr => $addr,
                       headers => "User-Agent: Mozilla/5.0 (X11; Linux x86_64)\n"
                                . "Accept: text/html\nAccept-Language: ar,en");
}

my $attack = '/search?q=%3Cscript%3Ealert(document.cookie)%3C/script%3E';

my $r = get('127.0.0.61');
is($r->status, 200, 'a clean request passes ModSecurity');

for my $i (1 .. 2) {
    $r = get('127.0.0.61', $attack);
    is($r->status, 403, "an attack refused by the Core Rule Set ($i)");
    is($r->header('X-Reason') // '', '', '... by ModSecurity, not by the module');
}
is(get('127.0.0.61')->status, 200, 'two refusals: the clean request still passes');

is(get('127.0.0.61', $attack)->status, 403, 'a third refusal by ModSecurity');
$r = get('127.0.0.61');
is($r->status, 403, 'three within the minute: the clean request is refused');
is($r->header('X-Reason'), 'ban', '... by the module\'s ban');
like($r->body, qr/lang="ar"/, '... with its bilingual incident page');

is(get('127.0.0.62', $attack)->status, 403, 'another address attacks once');
is(get('127.0.0.62')->status, 200, '... and is served');

like($n->error_log, qr/ModSecurity: Access denied with code 403/,
     'the refusals were ModSecurity\'s');
like($n->error_log, qr/egov: a client was banned for 60 s/, 'the ban was said');

$n->stop;
check_log_clean($n);
done_testing();

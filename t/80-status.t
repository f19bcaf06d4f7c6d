#!/usr/bin/perl
# egov_status: the counters match the traffic this test sent; JSON by
# default; Prometheus text (by ?format= or Accept) that a strict parser of
# the exposition format accepts; the bilingual HTML view in Chromium with
# axe-core; only GET and HEAD.

use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Encode ();
use JSON::PP;
use Cwd ();
use EgovTest;
use EgovTest::Fleet;
use IO::Select;
use IO::Socket::IP;
use EgovTest::Axe;
use EgovTest::Browser;
use EgovTest::Nginx;

my $n = EgovTest::Nginx->new;
$n->write_file('html/bad.netset', "127.0.0.53\n");
$n->write_file('html/page.html',
               "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
               . "<title>p</title></head><body><main><h1>p</h1></main></body></html>\n");
$n->start(http_config => <<'END', config => <<'END2');
    egov_security_headers on;
    egov_ban_zone size=1m;
    egov_limit_zone name=tight key=$binary_remote_addr rate=1r/m size=1m;
    egov_consent on;
    egov_consent_categories analytics;
END
    egov_signatures on;
    egov_blocklist ../html/bad.netset name=bad;
    location = /page.html { add_header Set-Cookie "_ga=1; Path=/"; }
    location /limited { egov_limit zone=tight; return 200 "ok\n"; }
    location = /status { egov_status; egov_allowlist 127.0.0.1; }
END2

sub get { $n->request(uri => $_[0], client_addr => $_[1] || '127.0.0.50', @_[2 .. $#_]) }

# the traffic: 2 pages with the banner (2 cookies held back), 3 scanner
# probes, 1 request over the limit
is(get('/page.html')->status, 200, 'a page') for 1 .. 2;
is(get('/.env', '127.0.0.51')->status, 403, 'a probe') for 1 .. 3;
is(get('/limited', '127.0.0.52')->status, 200, 'under the limit');
is(get('/limited', '127.0.0.52')->status, 429, 'over the limit');
is(get('/page.html', '127.0.0.53')->status, 403, 'a listed address');

my $res = get('/status', '127.0.0.1');
is($res->status, 200, 'status: 200');
like($res->header('Content-Type'), qr{^application/json}, 'JSON by default');
is($res->header('Cache-Control'), 'no-store', 'not cached');
my $s = decode_json($res->body);
my $c = $s->{counters};
is($c->{refused_signature_total}, 3, 'three probes refused');
is($c->{refused_limit_total}, 1, 'one request over the limit');
is($c->{consent_banners_total}, 2, 'two banners shown');
is($c->{cookies_held_back_total}, 2, 'two cookies held back');
is($c->{refused_blocklist_total}, 1, 'one block list refusal');

# security headers: counted one by one (added up once per response)
my %own = map { lc($_) => 1 } qw(Date Content-Type Content-Length Connection
                                  Cache-Control Server Vary);
my @ours = grep { !$own{ lc $_->[0] } } @{ $res->{headers} };
my $next = decode_json(get('/status', '127.0.0.1')->body)->{counters};
cmp_ok(scalar @ours, '>=', 5, 'the status answer carries the security headers');
is($next->{security_headers_set_total} - $c->{security_headers_set_total},
   scalar @ours, 'security_headers_set_total grew by as many')
    or diag explain [map { $_->[0] } @ours];
is($s->{limit_zones}[0]{name}, 'tight', 'the limit zone');
is($s->{limit_zones}[0]{rate}, 1, 'its rate');
is($s->{limit_zones}[0]{per}, 60, 'per minute');
is($s->{limit_zones}[0]{scope}, 'local', 'this server only');
ok($s->{limit_zones}[0]{use_percent} >= 0 && $s->{limit_zones}[0]{use_percent} <= 100,
   'its memory use');
is($s->{limit_zones}[0]{refused}, 1, 'the zone refused one request');
ok(exists $s->{redis} && !defined $s->{redis}, 'no Redis configured: "redis": null, not made-up values');
like($s->{version}, qr/^\d+\.\d+\.\d+$/, 'the module\'s version');
like($s->{nginx}, qr/^1\.\d+\.\d+$/, 'nginx\'s version');
ok(length $s->{host}, "the host name ($s->{host})");
ok($s->{started} > 0 && $s->{started} <= $s->{time}, 'when nginx started counting');
$res = get('/status?format=xml', '127.0.0.1');
is($res->status, 400, 'an unknown format=: 400, not JSON that looks like an answer');
like($res->body, qr/format= is json, prometheus or html/, '... saying which formats there are');

# Prometheus

sub prometheus_ok {
    my ($text, $label) = @_;
    my (%type, %help, @errors, $samples);
    push @errors, 'no trailing newline' unless $text =~ /\n\z/;
    my $copy = $text;
    push @errors, 'not UTF-8' unless eval { Encode::decode('UTF-8', $copy, Encode::FB_CROAK); 1 };
    my $name_re = qr/[a-zA-Z_:][a-zA-Z0-9_:]*/;
    my $value_re = qr/-?(?:\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|NaN|\+Inf|-Inf)/;
    for my $line (split /\n/, $text) {
        if ($line =~ /^# HELP ($name_re) (.*)$/) {
            push @errors, "HELP twice for $1" if $help{$1}++;
            push @errors, "HELP after samples of $1" if $type{$1} && $type{$1} eq 'seen';
        } elsif ($line =~ /^# TYPE ($name_re) (counter|gauge|histogram|summary|untyped)$/) {
            push @errors, "TYPE twice for $1" if $type{$1};
            $type{$1} = $2;
            push @errors, "counter $1 does not end in _total" if $2 eq 'counter' && $1 !~ /_total$/;
        } elsif ($line =~ /^#/) {
            push @errors, "bad comment: $line";
        } elsif ($line =~ /^($name_re)(\{(?:$name_re="(?:[^"\\\n]|\\.)*"(?:,$name_re="(?:[^"\\\n]|\\.)*")*)?\})? ($value_re)(?: -?\d+)?$/) {
            push @errors, "sample of $1 without TYPE before it" unless $type{$1};
            $samples++;
        } else {
            push @errors, "bad line: $line";
        }
    }
    is(scalar @errors, 0, "$label: a strict exposition-format parser accepts it")
        or diag join "\n", @errors[0 .. ($#errors > 9 ? 9 : $#errors)];
    return $samples;
}

$res = get('/status?format=prometheus', '127.0.0.1');
is($res->status, 200, 'prometheus: 200');
is($res->header('Content-Type'), 'text/plain; version=0.0.4; charset=utf-8',
   'the exposition format content type');
ok(prometheus_ok($res->body, '?format=prometheus') > 30, 'with every counter');
like($res->body, qr/^egov_requests_refused_total\{reason="signature",signature="[\w.-]+"\} 3$/m, 'the probes: their reason and the signature that refused them');
like($res->body, qr/^egov_requests_refused_total\{reason="limit",zone="tight"\} 1$/m, '... the limit: its zone');
like($res->body, qr/^egov_requests_refused_total\{reason="blocklist",list="bad"\} 1$/m, '... the block list: its name');
like($res->body, qr/^egov_requests_refused_total\{reason="ban"\} 0$/m, '... a reason without names: one sample');
unlike($res->body, qr/^egov_requests_refused_total\{reason="(signature|limit|blocklist)"\}/m,
       '... no unnamed remainder when the names account for all');
like($res->body, qr/^egov_limit_refused_total\{zone="tight"\} 1$/m, 'refusals by zone');
like($res->body, qr/^egov_consent_decisions_total\{decision="accept"\} 0$/m, 'consent decisions, a decision label');
like($res->body, qr/^egov_build_info\{version="\d+\.\d+\.\d+",nginx_version="1\.\d+\.\d+"\} 1$/m, 'build info');
like($res->body, qr/^egov_start_time_seconds \d{10}$/m, 'the start time');
like($res->body, qr/^egov_consent_key_from_file 0$/m, 'consent without egov_consent_key: the key was made at start (0)');
unlike($res->body, qr/^egov_refused_/m, 'no unlabeled refusal counters beside the family');

# the monitoring examples use only metrics the module exposes
{
    my %have = map { $_ => 1 } $res->body =~ /^# TYPE (egov_\w+) /mg;
    # exposed with egov_redis only (t/71 sees them)
    $have{$_} = 1 for qw(egov_redis_up egov_redis_rtt_seconds);
    my %directives = map { $_ => 1 }
        $n->read_file(Cwd::abs_path('docs/directives.md')) =~ /^#{3,4} (egov_\w+)$/mg;
    for my $file ('conf.examples/monitoring/egov-alerts.yml',
                  'conf.examples/monitoring/egov-dashboard.json') {
        my $text = $n->read_file(Cwd::abs_path($file));
        my %used = map { $_ => 1 } $text =~ /\b(egov_[a-z_]+)\b/g;
        # directive names in the texts are not metrics
        delete $used{$_} for grep { $directives{$_} } keys %used;
        my @missing = grep { !$have{$_} } sort keys %used;
        ok(%used && !@missing, "$file: every metric it uses exists (" . scalar(keys %used) . ')')
            or diag "missing: @missing";
    }
    my $dash = eval { decode_json($n->read_file(Cwd::abs_path('conf.examples/monitoring/egov-dashboard.json'))) };
    ok($dash && @{ $dash->{panels} } >= 5, 'the Grafana dashboard is JSON with its panels');
    SKIP: {
        skip 'promtool (Debian\'s prometheus package) not installed', 1
            unless system('sh', '-c', 'command -v promtool >/dev/null') == 0;
        my $out = `promtool check rules conf.examples/monitoring/egov-alerts.yml 2>&1`;
        is($?, 0, 'promtool accepts the alert rules') or diag $out;
    }
}
like($res->body, qr/^egov_limit_zone_use_ratio\{zone="tight"\} \d\.\d\d$/m, 'the zone');
unlike($res->body, qr/egov_redis_up/, 'no Redis gauge without Redis');

$res = get('/status', '127.0.0.1',
           headers => [['Accept', 'text/plain; version=0.0.4; q=1, */*; q=0.1']]);
like($res->header('Content-Type'), qr{^text/plain; version=0\.0\.4}, 'Prometheus by Accept');
prometheus_ok($res->body, 'by Accept');

is(get('/status?format=json', '127.0.0.1')->header('Content-Type'), 'application/json',
   '?format=json');

# HTML

$res = get('/status?format=html', '127.0.0.1');
is($res->status, 200, 'html: 200');
like($res->header('Content-Type'), qr{^text/html}, 'html');
like($res->body, qr/<td>scanner or probe<\/td><td lang="ar" dir="rtl">أداة فحص<\/td><td class="n">3<\/td>/,
     'refusals by reason, in both languages');
like($res->body, qr/Consent banners shown.*<td class="n">2<\/td>/s, 'banners shown');
like($res->body, qr/<style nonce="[^"]+">/, 'its style carries the CSP nonce');
my @charts = $res->body =~ /<svg role="img" aria-labelledby="(egov-chart-\d) egov-chart-\d-d"/g;
is(scalar @charts, 4, 'the last hour: four charts, each named by its caption and its text');
like($res->body, qr{<figcaption id="egov-chart-0">Requests refused, per minute <span lang="ar" dir="rtl">— الطلبات المرفوضة في الدقيقة</span></figcaption>},
     '... captions in both languages');
like($res->body, qr{<desc id="egov-chart-0-d">Last hour: 5 in all, at most 5 in one minute\.</desc>},
     '... the refusals of this test (3 probes, 1 over the limit, 1 listed), in words');
like($res->body, qr{<rect x="236" y="0" width="3" height="48" fill="#0b4f6c"/>},
     '... and as this minute\'s bar');
like($res->body, qr{<desc id="egov-chart-3-d">No Redis configured}, '... Redis: none here');
unlike($res->body, qr/<script/, '... drawn on the server, no script');

is(get('/status', '127.0.0.1', method => 'POST')->status, 405, 'POST: 405');
is(get('/status', '127.0.0.1', method => 'HEAD')->status, 200, 'HEAD: 200');

SKIP: {
    skip EgovTest::Browser::why_not(), 3 unless EgovTest::Browser::available();
    EgovTest::Axe::check_page('http://127.0.0.1:' . $n->port . '/status?format=html',
                              'en', 'the status page', status => 200);
}

$n->stop;
check_log_clean($n);

# a Redis that answers every command with an error holding " and \: the
# status JSON carries it escaped, the HTML page too

{
    my $fake = IO::Socket::IP->new(LocalHost => '127.0.0.1', LocalPort => 0,
                                   Listen => 8, ReuseAddr => 1) or die "listen: $!";
    my $fport = $fake->sockport;
    my $pid = fork;
    die "fork: $!" unless defined $pid;
    if ($pid == 0) {
        local $SIG{ALRM} = sub { exit 0 };
        alarm 30;
        my @conns;
        my $sel = IO::Select->new($fake);
        while (1) {
            for my $fh ($sel->can_read(1)) {
                if ($fh == $fake) {
                    my $c = $fake->accept or next;
                    $sel->add($c);
                    next;
                }
                my $got = sysread($fh, my $buf, 65536);
                if (!$got) { $sel->remove($fh); close $fh; next }
                my $cmds = () = $buf =~ /^\*\d+\r\n/mg;
                syswrite($fh, qq{-ERR a "quoted" \\ reply\r\n} x ($cmds || 1));
            }
        }
    }
    close $fake;
    my $e = EgovTest::Nginx->new;
    $e->start(http_config => "egov_redis 127.0.0.1:$fport timeout=300ms;",
              config => "location = /status { egov_status; }\n"
                      . "location /health { egov_redis_health; }");
    $e->request(uri => '/health') for 1 .. 3;
    my $st;
    ok(EgovTest::Fleet::wait_until(sub {
        $st = eval { decode_json($e->request(uri => '/status')->body) };
        $st && ($st->{redis}{error} // '') =~ /quoted/;
    }, 5), 'the status JSON parses with the Redis error in it')
        or diag $e->request(uri => '/status')->body;
    is($st->{redis}{error}, 'PING: ERR a "quoted" \\ reply', '... the text exactly');
    like($e->request(uri => '/status?format=html')->body,
         qr/ERR a &quot;quoted&quot; \\ reply/, 'the HTML page escapes it');
    my $prom = $e->request(uri => '/status?format=prometheus')->body;
    like($prom, qr/^egov_redis_up 0$/m, 'with egov_redis: egov_redis_up (0: it answers only errors)');
    like($prom, qr/^# TYPE egov_redis_rtt_seconds gauge$/m, '... and the round trip gauge');
    $e->stop;
    kill 'TERM', $pid;
    waitpid $pid, 0;
    $e->expect_log(qr/egov redis/);
    check_log_clean($e);
}

# a block list named by an Arabic file name, its label cut at 64 bytes
# within a character (found by a helper's review: the one bad byte made
# Prometheus refuse the whole scrape)
{
    my $u = EgovTest::Nginx->new;
    my $name = 'x' . ("\xd9\x82" x 40);
    $u->write_file("html/$name.netset", "127.0.0.60\n");
    $u->start(config => "egov_blocklist ../html/$name.netset;\n"
                        . "location = /status { egov_status; egov_allowlist 127.0.0.1; }\n");
    is($u->request(uri => '/', client_addr => '127.0.0.60')->status, 403, 'a list with an Arabic file name refuses');
    my $body = $u->request(uri => '/status?format=prometheus')->body;
    ok(prometheus_ok($body, 'a label cut within a character'), '... its samples');
    like($body, qr/list="x(?:\xd9\x82){31}"\}/, '... the label cut at the character before');
    $u->stop;
    check_log_clean($u);
}

# names whose bytes are no UTF-8 at all (a stray lead byte, a lead byte no
# character has, an overlong form): each such byte is "?" (a third review:
# nginx's decoder let them through)
{
    my $u = EgovTest::Nginx->new;
    my @names = ("l\xe9\xe9\xe9s", "x\xf8\x90\x80\x80y", "a\xc3\xc3b", "o\xc0\xafv");
    my $i = 0;
    $u->write_file("html/$_.netset", '127.0.0.' . (61 + $i++) . "\n") for @names;
    $u->start(config => join('', map { "egov_blocklist ../html/$_.netset;\n" } @names)
                        . "location = /status { egov_status; egov_allowlist 127.0.0.1; }\n");
    is($u->request(uri => '/', client_addr => '127.0.0.' . (61 + $_))->status, 403,
       "a list named by bytes that are no UTF-8 ($_)") for 0 .. $#names;
    my $body = $u->request(uri => '/status?format=prometheus')->body;
    ok(prometheus_ok($body, 'labels of bytes that are no UTF-8'), '... its samples');
    like($body, qr/list="l\?\?\?s"/, '... a stray lead byte is "?"');
    $u->stop;
    check_log_clean($u);
}

# egov_status takes no argument and only in locations
my $t = EgovTest::Nginx->new;
my ($ok, $out) = $t->test_config(config => 'location /s { egov_status on; }');
ok(!$ok, 'egov_status with an argument is refused');
like($out, qr/invalid number of arguments in "egov_status" directive in \S+nginx\.conf:\d+/,
     '... saying why, where');

done_testing();

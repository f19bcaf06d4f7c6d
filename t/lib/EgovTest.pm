package EgovTest;

# Data-driven tests for ngx_egov_module, in the spirit of Test::Nginx.
#
#   use lib 't/lib';
#   use EgovTest;
#   run_tests();
#   __DATA__
#   === TEST 1: a name
#   --- config
#       location / { egov_security_headers on; return 200 "ok"; }
#   --- request
#   GET /
#   --- error_code: 200
#   --- response_headers
#   X-Content-Type-Options: nosniff
#   !X-Powered-By
#
# Sections (a section name may be followed by "eval", the text then being
# Perl whose value is used, or "chomp"):
#
#   main_config http_config config   top level, http{}, the test server{}
#   workers: N   ssl: 1              worker_processes; a TLS listener too
#   user_files                       ">>> path" lines start files (prefix/html)
#   backend                          eval: { '/path' => [ "raw bytes", 0.1,
#                                    "more bytes" ], ... } a scripted upstream
#                                    on $TEST_NGINX_BACKEND_PORT (a number in
#                                    the list is a pause, in seconds)
#   redis: 1                         a redis-server, at $TEST_NGINX_REDIS_PORT
#   request                          "METHOD URI [HTTP/1.x]", then the body;
#                                    eval: an array of them, one per request
#   raw_request                      exact bytes (eval: an array)
#   more_headers                     "Name: value" lines (eval: one per request)
#   client_addr: 127.0.0.7           source address; ipv6: 1 connects to [::1];
#                                    unix: PATH connects to a unix socket
#   use_ssl: 1                       send the requests over TLS
#   pause: 0.2                       seconds between requests
#   error_code                       expected status (eval: one per request)
#   response_headers                 "Name: value": all values of Name, in
#                                    order, are exactly those given;
#                                    "!Name": absent
#   response_headers_like            "Name: regex": some value of Name matches
#   response_headers_unlike          "Name: regex": no value of Name matches
#   response_body  response_body_like  response_body_unlike
#   error_log  no_error_log          lines (or eval: strings and qr//) that
#                                    must / must not be in error.log (this
#                                    block's part)
#   access_log  no_access_log        the same for access.log
#   must_die                         "nginx -t" must fail; error_log then
#                                    checks its output
#   config_ok                        "nginx -t" must pass; error_log and
#                                    no_error_log then check its output
#   skip: reason                     skip this block
#
# $TEST_NGINX_PORT, _BACKEND_PORT, _SSL_PORT, _REDIS_PORT, _PREFIX,
# _HTML_DIR and _REPO are replaced everywhere.
#
# Whatever happens, each nginx is stopped at the end, and the file fails if
# its error log holds [alert], [emerg], a crash or a sanitizer report.

use strict;
use warnings;

use Exporter 'import';
use Test::More;
use Time::HiRes qw(sleep time);

use EgovTest::Nginx;
use EgovTest::Backend;
use EgovTest::Redis;

our @EXPORT = qw(run_tests blocks check_log_clean);

my @CLEANUP;

END {
    my $status = $?;
    $_->() for reverse @CLEANUP;
    $? = $status;
}

sub at_exit { push @CLEANUP, $_[0] }

sub blocks {
    my ($fh) = @_;
    $fh ||= \*main::DATA;
    local $/;
    my $text = <$fh>;
    return parse_blocks($text);
}

sub parse_blocks {
    my ($text) = @_;
    my @blocks;
    my ($block, $section);

    for my $line (split /\n/, $text, -1) {
        if ($line =~ /^===\s*(.*?)\s*$/) {
            $block = { name => $1, sections => {}, mods => {} };
            push @blocks, $block;
            undef $section;
            next;
        }
        next unless $block;

        if ($line =~ /^---\s+(\w+)((?:\s+\w+)*)\s*(?::\s*(.*?))?\s*$/) {
            $section = $1;
            my @mods = split ' ', ($2 || '');
            $block->{mods}{$section} = { map { $_ => 1 } @mods };
            if (defined $3) {
                $block->{sections}{$section} = $3;
                $block->{inline}{$section} = 1;
                undef $section;
            } else {
                $block->{sections}{$section} = '';
            }
            next;
        }

        $block->{sections}{$section} .= "$line\n" if defined $section;
    }

    for my $b (@blocks) {
        for my $s (keys %{ $b->{sections} }) {
            next if $b->{inline}{$s};
            # trailing blank lines belong to no section
            $b->{sections}{$s} =~ s/\n+\z/\n/;
            $b->{sections}{$s} = '' if $b->{sections}{$s} eq "\n";
        }
    }
    return @blocks;
}

sub section {
    my ($n, $block, $name) = @_;
    my $v = $block->{sections}{$name};
    return undef unless defined $v;
    my $mods = $block->{mods}{$name} || {};
    $v = $n->expand($v) if $n;
    if ($mods->{eval}) {
        my $r = eval "package main; no strict; $v";
        die "$block->{name}: --- $name eval: $@" if $@;
        $v = $r;
    }
    chomp $v if $mods->{chomp} && !ref $v;
    return $v;
}

sub at_index {
    my ($v, $i) = @_;
    return ref $v eq 'ARRAY' ? $v->[$i] : $v;
}

sub run_tests {
    my (%opt) = @_;
    my @blocks = blocks();

    my $n = EgovTest::Nginx->new(%opt);
    at_exit(sub { $n->stop });

    my $redis;
    if ($opt{redis} || grep { $_->{sections}{redis} } @blocks) {
        $redis = EgovTest::Redis->new;
        $redis->start;
        $n->set_var(TEST_NGINX_REDIS_PORT => $redis->port);
        at_exit(sub { $redis->stop });
    }

    my $running_key = '';

    for my $block (@blocks) {
        my $name = $block->{name};
        my $s = $block->{sections};

        if (defined $s->{skip}) {
            SKIP: { skip "$name: $s->{skip}", 1 }
            next;
        }

        my %conf = (
            main_config => section($n, $block, 'main_config'),
            http_config => section($n, $block, 'http_config'),
            config      => section($n, $block, 'config'),
            workers     => $s->{workers},
            ssl         => $s->{ssl},
        );

        if (defined $s->{user_files}) {
            write_user_files($n, section($n, $block, 'user_files'));
        }

        if (defined $s->{must_die} || defined $s->{config_ok}) {
            my $die = defined $s->{must_die};
            $n->stop if $n->running;
            $running_key = '';
            my ($ok, $out) = $n->test_config(%conf);
            ok($die ? !$ok : $ok, "$name: nginx -t " . ($die ? 'fails' : 'passes'))
                or diag $out;
            check_lines($n, $block, 'error_log', $out, 1, $name);
            check_lines($n, $block, 'no_error_log', $out, 0, $name);
            next;
        }

        my $backend;
        if (defined $s->{backend}) {
            $backend = EgovTest::Backend->new(port => $n->port2,
                                              routes => section($n, $block, 'backend'));
            $backend->start;
        }

        my $key = join "\0", map { defined $_ ? $_ : '' } @conf{qw(main_config http_config config workers ssl)};
        if ($key ne $running_key || !$n->running) {
            $n->stop if $n->running;
            $running_key = '';
            my $started_at = length $n->error_log;
            eval { $n->start(%conf); 1 } or do {
                fail("$name: nginx starts");
                diag $@;
                $backend->stop if $backend;
                next;
            };
            $running_key = $key;
            # a block that uses the test's Redis asks once every worker has
            # it (a loaded run asked before the worker had connected: 503)
            wait_redis($n, $started_at, $s->{workers} || 1)
                if $s->{redis} && $conf{http_config} =~ /\begov_redis\s/;
        }

        my $log_offset = length $n->error_log;
        my $access_offset = length $n->access_log;

        run_requests($n, $block);

        $backend->stop if $backend;

        my $wait = $s->{wait};
        sleep $wait if $wait;

        check_log($n, $block, 'error_log', $log_offset, sub { $n->error_log });
        check_log($n, $block, 'access_log', $access_offset, sub { $n->access_log });
    }

    $n->stop;
    check_log_clean($n);
    $redis->stop if $redis;

    done_testing();
}

# until the workers started after "offset" in the error log say they have
# connected to Redis (at most 10 s; the block's own checks then say what is
# wrong)
sub wait_redis {
    my ($n, $offset, $workers) = @_;
    for (1 .. 200) {
        my $log = substr($n->error_log, $offset);
        my $connected = () = $log =~ /egov redis: connected to /g;
        return if $connected >= $workers;
        select(undef, undef, undef, 0.05);
    }
}

sub write_user_files {
    my ($n, $text) = @_;
    my ($file, $content);
    my $flush = sub {
        $n->write_file("html/$file", $content) if defined $file;
    };
    for my $line (split /\n/, $text, -1) {
        if ($line =~ /^>>>\s*(\S+)/) {
            $flush->();
            ($file, $content) = ($1, '');
            next;
        }
        $content .= "$line\n" if defined $file;
    }
    $content =~ s/\n\z// if defined $content && $content =~ /\n\n\z/;
    $flush->();
}

sub run_requests {
    my ($n, $block) = @_;
    my $name = $block->{name};
    my $s = $block->{sections};

    my $reqs = section($n, $block, 'raw_request');
    my $raw = defined $reqs;
    $reqs = section($n, $block, 'request') unless $raw;
    return unless defined $reqs;
    $reqs = [$reqs] unless ref $reqs eq 'ARRAY';

    my $more = section($n, $block, 'more_headers');
    my $addr = section($n, $block, 'client_addr');
    my $codes = section($n, $block, 'error_code');
    my $hdrs = section($n, $block, 'response_headers');
    my $hdrs_like = section($n, $block, 'response_headers_like');
    my $hdrs_unlike = section($n, $block, 'response_headers_unlike');
    my $body = section($n, $block, 'response_body');
    my $body_like = section($n, $block, 'response_body_like');
    my $body_unlike = section($n, $block, 'response_body_unlike');

    for my $i (0 .. $#$reqs) {
        my $label = @$reqs > 1 ? "$name (request $i)" : $name;
        my %r = (ipv6 => $s->{ipv6}, ssl => $s->{use_ssl},
                 unix => $n->expand($s->{unix}),
                 client_addr => at_index($addr, $i),
                 timeout => $s->{timeout});

        if ($raw) {
            $r{raw} = $reqs->[$i];
        } else {
            my ($line, $reqbody) = split /\n/, $reqs->[$i], 2;
            my ($method, $uri, $version) = split ' ', $line;
            $r{method} = $method;
            $r{uri} = $uri;
            $r{http_version} = $version;
            $reqbody = '' unless defined $reqbody;
            $reqbody =~ s/\n\z// unless $block->{mods}{request}{eval};
            $r{body} = $reqbody;
            $r{headers} = at_index($more, $i);
        }

        sleep $s->{pause} if $s->{pause} && $i > 0;

        my $res = $n->request(%r);

        # every answer read in full must have the length it announced
        fail("$label: $res->{length_mismatch}") if $res->{length_mismatch};

        # an undef in an eval array means "do not check this one"
        my $code = at_index($codes, $i);
        if (defined $code) {
            is($res->status, $code, "$label: status") or diag $res->{raw};
        }
        my $h = at_index($hdrs, $i);
        check_headers($label, $res, $h) if defined $h;
        $h = at_index($hdrs_like, $i);
        check_headers_like($label, $res, $h) if defined $h;
        $h = at_index($hdrs_unlike, $i);
        check_headers_like($label, $res, $h, 1) if defined $h;
        my $want = at_index($body, $i);
        is($res->body, $want, "$label: body") if defined $want;
        my $re = at_index($body_like, $i);
        like($res->body, ref $re ? $re : qr/$re/s, "$label: body like") if defined $re;
        $re = at_index($body_unlike, $i);
        unlike($res->body, ref $re ? $re : qr/$re/s, "$label: body unlike") if defined $re;
    }
}

sub check_headers {
    my ($label, $res, $spec) = @_;
    my (%want, @order, @absent);
    for my $line (split /\n/, $spec) {
        next if $line =~ /^\s*$/;
        if ($line =~ /^!\s*(\S+)\s*$/) {
            push @absent, $1;
            next;
        }
        my ($k, $v) = $line =~ /^([^:]+):\s?(.*)$/ or die "bad response_headers line: $line";
        push @order, $k unless $want{lc $k};
        push @{ $want{lc $k} }, $v;
    }
    for my $k (@order) {
        my @got = $res->headers_all($k);
        is_deeply(\@got, $want{lc $k}, "$label: header $k")
            or diag $res->{raw};
    }
    for my $k (@absent) {
        my @got = $res->headers_all($k);
        ok(!@got, "$label: no header $k") or diag "$k: @got";
    }
}

sub check_headers_like {
    my ($label, $res, $spec, $unlike) = @_;
    for my $line (split /\n/, $spec) {
        next if $line =~ /^\s*$/;
        my ($k, $re) = $line =~ /^([^:]+):\s?(.*)$/ or die "bad response_headers_like line: $line";
        my @got = $res->headers_all($k);
        my $found = grep { /$re/ } @got;
        ok($unlike ? !$found : $found,
           "$label: header $k " . ($unlike ? 'unlike' : 'like') . " /$re/")
            or diag "$k: " . join(' | ', @got);
    }
}

sub patterns {
    my ($v) = @_;
    return () unless defined $v;
    return map { ref $_ ? $_ : qr/\Q$_\E/ } @$v if ref $v eq 'ARRAY';
    return $v if ref $v eq 'Regexp';
    return map { qr/\Q$_\E/ } grep { length } split /\n/, $v;
}

sub check_lines {
    my ($n, $block, $sec, $text, $must, $name) = @_;
    for my $re (patterns(section($n, $block, $sec))) {
        if ($must) {
            like($text, $re, "$name: $sec has $re");
        } else {
            unlike($text, $re, "$name: $sec has not $re");
        }
    }
}

# must-appear lines may come a moment after the response: poll for them
sub check_log {
    my ($n, $block, $which, $offset, $read) = @_;
    my $name = $block->{name};
    my @must = patterns(section($n, $block, $which));
    my @mustnt = patterns(section($n, $block, "no_$which"));
    return unless @must || @mustnt;

    my $deadline = time + 3;
    my $text;
    while (1) {
        $text = substr($read->(), $offset);
        my $missing = grep { $text !~ $_ } @must;
        last if !$missing || time > $deadline;
        sleep 0.05;
    }
    sleep 0.05 if @mustnt && !@must;
    $text = substr($read->(), $offset) if @mustnt;

    like($text, $_, "$name: $which has $_") for @must;
    unlike($text, $_, "$name: $which has not $_") for @mustnt;
}

sub check_log_clean {
    my ($n) = @_;
    my @problems = $n->log_problems;
    ok(!@problems, "logs are clean (no alert, emerg, crash, sanitizer report)")
        or diag join "\n", @problems;
}

1;

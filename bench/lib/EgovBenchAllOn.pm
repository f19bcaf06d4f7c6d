package EgovBenchAllOn;

# Issue 16: the module with everything on (security headers, consent with
# its banner, one never-refusing limit, a 10,000-entry block list, the
# signatures, an anonymized log line), against three baselines:
#   same-bytes  plain nginx sending byte-identical responses, derived from
#               the module's own answer (its header lines through
#               add_header, its page with the banner as a static file, the
#               nonce frozen), and logging a line of the same shape with
#               the raw variables: what is left is our code's cost;
#   plain       plain nginx serving the same URL, logging as Debian's
#               nginx.conf does (the combined format);
#   stock       the stock nginx stack with the same features (add_header,
#               limit_req, a geo list, map anonymization, sub_filter).
# Requests carry a browser's first-visit headers (Chrome, Arabic first).

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../t/lib";
use EgovBenchLists;
use EgovTest::Consent ();

our @BROWSER = (
    'sec-ch-ua: "Chromium";v="120", "Not(A:Brand";v="24", '
        . '"Google Chrome";v="120"',
    'sec-ch-ua-mobile: ?0',
    'sec-ch-ua-platform: "Windows"',
    'Upgrade-Insecure-Requests: 1',
    'User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) '
        . 'AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 '
        . 'Safari/537.36',
    'Accept: text/html,application/xhtml+xml,application/xml;q=0.9,'
        . 'image/avif,image/webp,image/apng,*/*;q=0.8,'
        . 'application/signed-exchange;v=b3;q=0.7',
    'Sec-Fetch-Site: none',
    'Sec-Fetch-Mode: navigate',
    'Sec-Fetch-User: ?1',
    'Sec-Fetch-Dest: document',
    'Accept-Encoding: gzip, deflate, br',
    'Accept-Language: ar-OM,ar;q=0.9,en;q=0.8',
);

my $para = "<p>Government services, applications and renewals online, in "
         . "Arabic and English, for citizens and residents.</p>\n";

sub page {
    my ($paragraphs) = @_;
    return "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
         . "<title>Portal</title>"
         . "<link rel=\"stylesheet\" href=\"/site.css\"></head><body><main>\n"
         . ($para x $paragraphs) . "</main></body></html>\n";
}

# the three URLs of the issue's table
my %URL = (
    root   => { path => '/', title => '/ (return, 113 B)' },
    small  => { path => '/small.html', title => 'small static HTML page',
                page => page(3) },
    page20 => { path => '/page.html', title => '20 KB static HTML page',
                page => page(172) },
);

my $text113 = 'Welcome to the portal. Services in Arabic and English for '
            . "citizens and residents, open day and night, all year.\n";

my $root_location = "location = / { return 200 \"$text113\"; }";

my $log_raw = q{'$remote_addr - [$time_local] "$request_method $uri }
            . q{$server_protocol" $status $body_bytes_sent "$http_referer" }
            . q{"$http_user_agent" "$http_x_forwarded_for" $request_time'};
(my $log_anon = $log_raw) =~ s/\$remote_addr/\$egov_anon_addr/;
$log_anon =~ s/\$uri/\$egov_anon_uri/;
$log_anon =~ s/\$http_referer/\$egov_anon_referer/;
$log_anon =~ s/\$http_user_agent/\$egov_anon_ua/;
$log_anon =~ s/\$http_x_forwarded_for/\$egov_anon_xff/;

# each feature's part of the configuration (http, server); everything on
# is all of them; a feature alone logs as plain nginx does (combined)
my @FEATURES = (
    [ 'security headers', "    egov_security_headers on;\n", '' ],
    [ 'consent banner', "    egov_consent on;\n"
          . "    egov_consent_categories analytics preferences marketing;\n",
      '' ],
    [ 'one limit', "    egov_limit_zone name=bench key=\$binary_remote_addr "
          . "rate=1000000r/s\n                    size=10m;\n",
      "    egov_limit zone=bench burst=1000000 nodelay;\n" ],
    [ '10,000-entry list', '', "    egov_blocklist ../html/list.netset;\n" ],
    [ 'signatures', '', "    egov_signatures on;\n" ],
    [ 'anonymized log', "    egov_anon_addr prefix;\n"
          . "    log_format anon $log_anon;\n",
      "    access_log logs/bench.log anon;\n" ],
);

sub features {
    my (@names) = @_;
    my ($http, $server) = ('', '');
    my $logs;
    for my $f (@FEATURES) {
        next unless grep { $_ eq $f->[0] } @names;
        $http .= $f->[1];
        $server .= $f->[2];
        $logs = 1 if $f->[0] eq 'anonymized log';
    }
    $server = "    access_log logs/bench.log combined;\n$server" unless $logs;
    return ($http, "$server    $root_location\n    location / { }\n");
}

my ($module_http, $module_server) = features(map { $_->[0] } @FEATURES);

sub write_pages {
    my ($n) = @_;
    for my $u (values %URL) {
        $n->write_file("html$u->{path}", $u->{page}) if $u->{page};
    }
    $n->write_file('html/site.css', "body { margin: 0 }\n");
}

# the response header lines plain nginx sends by itself for a static file
# or a return, and so never repeats through add_header
my %OWN = map { $_ => 1 } qw(server date content-type content-length
    last-modified etag connection keep-alive accept-ranges
    transfer-encoding);

# the baseline that sends what the module sent: ask the module's nginx with
# the browser's headers, and write its headers and its body for plain nginx
sub same_bytes {
    my ($module, $path, $headers) = @_;
    my $r = $module->request(uri => $path,
                             headers => join("\n", @$headers));
    die "module answered $r->{status} for $path\n" if $r->{status} != 200;
    my $adds = '';
    for my $h (@{ $r->{headers} }) {
        next if $OWN{ lc $h->[0] };
        die "a \$ in the header $h->[0] cannot go through add_header\n"
            if $h->[1] =~ /\$/;
        (my $v = $h->[1]) =~ s/(["\\])/\\$1/g;
        $adds .= "    add_header $h->[0] \"$v\" always;\n";
    }
    $adds .= "    etag off;\n" unless defined $r->header('ETag');
    $adds .= "    server_tokens off;\n"
        if ($r->header('Server') || '') eq 'nginx';
    $adds .= "    add_header Last-Modified \"\";\n"
        unless defined $r->header('Last-Modified');
    my $body = $r->{body};
    my $server = "    access_log logs/bench.log raw;\n$adds";
    if ($path eq '/') {
        (my $quoted = $body) =~ s/(["\\])/\\$1/g;
        $server .= "    location = / { return 200 \"$quoted\"; }\n";
    } else {
        $server .= "    location / { }\n";
    }
    return { config => $server, http => "    log_format raw $log_raw;\n",
             setup => sub {
                 my ($n) = @_;
                 write_pages($n);
                 $n->write_file("html$path", $body) if $path ne '/';
             },
             report => sprintf("same bytes: %d header bytes, %d body bytes "
                               . "(the banner and nonce included)",
                               length($adds), length $body) };
}

# the stock nginx stack with the same features: 9 add_header lines, one
# limit_req, a 10,000-entry geo list, map anonymization of the address and
# of the query, and sub_filter putting a 2 KB banner before </body>
sub stock {
    my $banner = '<div role="dialog" aria-label="Cookies">'
               . ('<p>We use cookies that are needed for the portal to work, '
                  . 'and others only if you agree.</p>') x 18 . '</div>';
    my $http = <<"END";
    limit_req_zone \$binary_remote_addr zone=bench:10m rate=1000000r/s;
    geo \$blocked { default 0; include ../html/list.geo; }
    map \$remote_addr \$anon_addr {
        ~^(?P<net>\\d+\\.\\d+\\.\\d+)\\. \$net.0;
        default 0.0.0.0;
    }
    map \$request_uri \$anon_uri { ~^(?P<p>[^?]*) \$p; }
    log_format stock '\$anon_addr - [\$time_local] "\$request_method '
                     '\$anon_uri \$server_protocol" \$status \$body_bytes_sent '
                     '"\$http_referer" "\$http_user_agent" '
                     '"\$http_x_forwarded_for" \$request_time';
END
    my $server = <<"END";
    access_log logs/bench.log stock;
    if (\$blocked) { return 403; }
    limit_req zone=bench burst=1000000 nodelay;
    add_header X-Content-Type-Options nosniff always;
    add_header Referrer-Policy strict-origin-when-cross-origin always;
    add_header Cross-Origin-Resource-Policy same-origin always;
    add_header X-Permitted-Cross-Domain-Policies none always;
    add_header X-Frame-Options DENY always;
    add_header Cross-Origin-Opener-Policy same-origin always;
    add_header Permissions-Policy "camera=(), geolocation=(), microphone=()" always;
    add_header Content-Security-Policy "default-src 'self'; object-src 'none'; frame-ancestors 'none'" always;
    add_header Strict-Transport-Security "max-age=31536000" always;
    sub_filter_once on;
    sub_filter '</body>' '$banner</body>';
    $root_location
    location / { }
END
    return { config => $server, http => $http,
             setup => sub {
                 my ($n) = @_;
                 write_pages($n);
                 my $list = EgovBenchLists::list_text(10000);
                 $list =~ s/^(\S+)$/$1 1;/mg;
                 $n->write_file('html/list.geo', $list);
             } };
}

sub setup_module {
    my ($n) = @_;
    write_pages($n);
    EgovBenchLists::write_list($n, 'list.netset', 10000);
}

# a curve: each feature alone, then everything on, against plain nginx
# (logging as Debian's does) on URL
sub features_curve {
    my ($url) = @_;
    my $u = $URL{$url} or die "no url $url";
    my @v;
    for my $f (@FEATURES, [ 'everything on' ]) {
        my @names = $f->[0] eq 'everything on' ? map { $_->[0] } @FEATURES
                                               : ($f->[0]);
        my ($http, $server) = features(@names);
        push @v, { label => $f->[0], http_module => $http,
                   module => $server, setup_module => \&setup_module };
    }
    return {
        title    => "each feature alone and everything on, $u->{title}, "
                  . 'against plain nginx',
        path     => $u->{path},
        headers  => [@BROWSER],
        connections => 50,
        http_config => "sendfile on;\n",
        baseline => "access_log logs/bench.log combined;\n"
                  . "    $root_location\n    location / { }",
        setup_baseline => \&write_pages,
        variants => \@v,
        chart    => 1,
    };
}

# a scenario: URL root|small|page20, against same-bytes|plain|stock
# "returning": a visitor who chose before, with a consent cookie that
# grants every category (the module checks its HMAC on each request)
sub scenario {
    my ($url, $against, $target, $returning) = @_;
    my $u = $URL{$url} or die "no url $url";
    my @headers = @BROWSER;
    my ($http, $setup) = ($module_http, \&setup_module);
    if ($returning) {
        push @headers, 'Cookie: egov_consent='
                       . EgovTest::Consent::consent_cookie(granted => 7);
        $http .= "    egov_consent_key ../html/consent.key;\n";
        $setup = sub {
            my ($n) = @_;
            setup_module($n);
            $n->write_file('html/consent.key', $EgovTest::Consent::KEY);
        };
    }
    my $s = {
        title   => "everything on, $u->{title}, "
                   . ($returning ? 'a returning visitor, ' : '')
                   . "against $against",
        target  => $target,
        path    => $u->{path},
        headers => \@headers,
        connections => 50,                   # as the issue measured
        http_config => "sendfile on;\n",    # as Debian's nginx.conf
        http_module => $http,
        module  => $module_server,
        setup_module => $setup,
    };
    if ($against eq 'same-bytes') {
        $s->{derive_baseline} = sub {
            same_bytes($_[0], $u->{path}, \@headers);
        };
    } elsif ($against eq 'stock') {
        my $b = stock();
        $s->{baseline} = $b->{config};
        $s->{http_baseline} = $b->{http};
        $s->{setup_baseline} = $b->{setup};
    } else {
        # plain nginx as Debian ships it: its access log in the combined
        # format on
        $s->{baseline} = "access_log logs/bench.log combined;\n"
                       . "    $root_location\n    location / { }";
        $s->{setup_baseline} = \&write_pages;
    }
    return $s;
}

1;

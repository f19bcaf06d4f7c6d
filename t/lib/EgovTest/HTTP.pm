package EgovTest::HTTP;

# A small HTTP/1.x client that shows a response exactly as it came: every
# header line in order, duplicates kept, the body de-chunked (and the raw
# bytes kept too).  It can bind a chosen loopback source address, so tests
# can act as many different clients.

use strict;
use warnings;

use IO::Socket::IP;
use IO::Select;
use Time::HiRes qw(time);

sub request {
    my (%r) = @_;

    my $timeout = $r{timeout} || 10;
    my $raw = $r{raw};

    unless (defined $raw) {
        my $method = $r{method} || 'GET';
        my $uri = defined $r{uri} ? $r{uri} : '/';
        my $version = $r{http_version} || 'HTTP/1.1';
        my $body = defined $r{body} ? $r{body} : '';
        my @headers = header_list($r{headers});

        my %have = map { lc($_->[0]) => 1 } @headers;
        unshift @headers, ['Host', 'localhost'] unless $have{host};
        push @headers, ['Connection', 'close']
            unless $have{connection} || $version eq 'HTTP/1.0';
        push @headers, ['Content-Length', length $body]
            if length $body && !$have{'content-length'}
               && !$have{'transfer-encoding'};

        $raw = "$method $uri $version\r\n"
             . join('', map { "$_->[0]: $_->[1]\r\n" } @headers)
             . "\r\n" . $body;
    }

    my %sock = (PeerHost => $r{host}, PeerPort => $r{port},
                Timeout => $timeout);
    $sock{LocalHost} = $r{client_addr} if $r{client_addr};

    my $s;
    if ($r{unix}) {
        require IO::Socket::UNIX;
        $s = IO::Socket::UNIX->new(Peer => $r{unix}, Type => Socket::SOCK_STREAM())
            or die "connect to $r{unix}: $!";
    } elsif ($r{ssl}) {
        require IO::Socket::SSL;
        $s = IO::Socket::SSL->new(%sock, SSL_verify_mode => 0,
                                  SSL_hostname => 'localhost')
            or die "ssl connect to $r{host}:$r{port}: $IO::Socket::SSL::SSL_ERROR";
    } else {
        $s = IO::Socket::IP->new(%sock)
            or die "connect to $r{host}:$r{port}: $!";
    }
    binmode $s;

    print $s $raw;

    my $data = '';
    my $deadline = time + $timeout;
    my $sel = IO::Select->new($s);
    while (1) {
        my $left = $deadline - time;
        if ($left <= 0) {
            return { status => 0, error => 'timeout', raw => $data,
                     headers => [], body => '' } if $data eq '';
            last;
        }
        # SSL sockets may hold decrypted bytes that select() cannot see
        my $pending = $r{ssl} && $s->pending;
        next unless $pending || $sel->can_read($left);
        my $n = sysread($s, my $buf, 65536);
        last if !$n;
        $data .= $buf;
    }
    close $s;

    return parse($data, ($r{method} || '') eq 'HEAD');
}

sub header_list {
    my ($h) = @_;
    return () unless defined $h;
    return @$h if ref $h eq 'ARRAY';
    my @l;
    for my $line (split /\r?\n/, $h) {
        next if $line =~ /^\s*$/;
        my ($k, $v) = $line =~ /^([^:]+):\s?(.*)$/ or die "bad header line: $line";
        push @l, [$k, $v];
    }
    return @l;
}

sub parse {
    my ($data, $head) = @_;

    my $res = bless { raw => $data, headers => [], body => '', status => 0 },
                    'EgovTest::HTTP::Response';

    my $end = index($data, "\r\n\r\n");
    return $res if $end < 0;

    my @lines = split /\r\n/, substr($data, 0, $end);
    my $status_line = shift @lines;
    ($res->{status}) = $status_line =~ m{^HTTP/\d\.\d (\d{3})};
    $res->{status} ||= 0;
    $res->{status_line} = $status_line;

    for (@lines) {
        my ($k, $v) = /^([^:]+):[ \t]*(.*?)[ \t]*$/ or next;
        push @{ $res->{headers} }, [$k, $v];
    }

    my $body = substr($data, $end + 4);
    if ($head || $res->{status} == 204 || $res->{status} == 304) {
        $res->{body} = '';
    } elsif (lc($res->header('Transfer-Encoding') || '') eq 'chunked') {
        $res->{chunked} = 1;
        my $out = '';
        my @sizes;
        while ($body =~ s/^([0-9a-fA-F]+)[^\r\n]*\r\n//) {
            my $n = hex $1;
            last if $n == 0;
            push @sizes, $n;
            $out .= substr($body, 0, $n);
            substr($body, 0, $n + 2) = '';
        }
        $res->{body} = $out;
        $res->{chunk_sizes} = \@sizes;
    } else {
        $res->{body} = $body;
        # a response read to the close: its length says whether the
        # Content-Length it announced was true
        my $cl = $res->header('Content-Length');
        $res->{length_mismatch} = "Content-Length $cl, body " . length($body)
            if defined $cl && $cl =~ /^\d+$/ && $cl != length $body;
    }
    return $res;
}

package EgovTest::HTTP::Response;

sub status { $_[0]{status} }
sub body { $_[0]{body} }

sub header {
    my ($self, $name) = @_;
    for (@{ $self->{headers} }) {
        return $_->[1] if lc $_->[0] eq lc $name;
    }
    return undef;
}

sub headers_all {
    my ($self, $name) = @_;
    return map { $_->[1] } grep { lc $_->[0] eq lc $name } @{ $self->{headers} };
}

1;

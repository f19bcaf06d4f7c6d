package EgovTest::Backend;

# A scripted upstream: for each path, the exact bytes to send, with pauses
# between pieces so nginx sees them in separate reads (split buffers,
# chunked bodies).  "echo" as a route answers with the request it got.

use strict;
use warnings;
use parent 'EgovTest::Child';

use IO::Socket::IP;
use POSIX ();
use Time::HiRes qw(sleep time);

sub new {
    my ($class, %args) = @_;
    return bless { routes => {}, %args }, $class;
}

sub port { $_[0]{port} }

sub start {
    my ($self) = @_;
    my $listen = IO::Socket::IP->new(Listen => 64, LocalHost => '127.0.0.1',
                                     LocalPort => $self->{port},
                                     ReuseAddr => 1)
        or die "backend: cannot listen on $self->{port}: $!";

    my $pid = fork;
    die "fork: $!" unless defined $pid;
    if ($pid) {
        close $listen;
        $self->{pid} = $pid;
        return $self;
    }

    $SIG{TERM} = sub { POSIX::_exit(0) };
    while (my $c = $listen->accept) {
        $self->serve($c);
        close $c;
    }
    POSIX::_exit(0);
}

sub serve {
    my ($self, $c) = @_;
    binmode $c;
    my $req = '';
    while ($req !~ /\r\n\r\n/) {
        my $n = sysread($c, my $buf, 8192);
        return unless $n;
        $req .= $buf;
    }
    my ($head, $body) = split /\r\n\r\n/, $req, 2;
    if ($head =~ /^content-length:\s*(\d+)/mi) {
        while (length $body < $1) {
            my $n = sysread($c, my $buf, 8192);
            last unless $n;
            $body .= $buf;
        }
    }
    my ($uri) = $head =~ m{^\S+ (\S+)};
    (my $path = $uri) =~ s/\?.*//;
    my $route = exists $self->{routes}{$uri} ? $self->{routes}{$uri}
              : $self->{routes}{$path};

    if (!defined $route) {
        syswrite $c, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n"
                   . "Connection: close\r\n\r\n";
        return;
    }

    if (!ref $route && $route eq 'echo') {
        my $text = "$head\r\n\r\n$body";
        syswrite $c, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                   . "Content-Length: " . length($text)
                   . "\r\nConnection: close\r\n\r\n$text";
        return;
    }

    for my $item (@$route) {
        if ($item =~ /^\d+(\.\d+)?$/) {
            sleep $item;
        } else {
            syswrite $c, $item;
        }
    }
}

1;

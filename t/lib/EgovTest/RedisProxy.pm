package EgovTest::RedisProxy;

# Stands between nginx and a real redis-server, to play a hostile Redis (or
# whatever answers in its place): it passes the bytes both ways and, when
# told, sends bytes of its own to the module, on its command connections
# or on its pub/sub ones (those that have sent SUBSCRIBE).  One process,
# forked; told through a pipe, a line at a time.
#
#   my $proxy = EgovTest::RedisProxy->new(upstream => $redis->port);
#   $proxy->start;                   # $proxy->port for egov_redis
#   $proxy->inject('sub', "*1\r\n\$7\r\nmessage\r\n");
#   $proxy->stop;

use strict;
use warnings;
use parent 'EgovTest::Child';
use IO::Socket::IP;
use IO::Select;
use IO::Handle;
use POSIX ();
use EgovTest::Nginx;

sub new {
    my ($class, %args) = @_;
    return bless { upstream => $args{upstream},
                   port => EgovTest::Nginx::free_port() }, $class;
}

sub port { $_[0]{port} }

sub start {
    my ($self) = @_;
    my $listen = IO::Socket::IP->new(LocalAddr => '127.0.0.1',
                                     LocalPort => $self->{port},
                                     Listen => 16, ReuseAddr => 1)
        or die "proxy: listen on $self->{port}: $!";
    pipe(my $r, my $w) or die "pipe: $!";
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        close $w;
        _serve($listen, $r, $self->{upstream});
        POSIX::_exit(0);
    }
    close $r;
    close $listen;
    $w->autoflush(1);
    $self->{pid} = $pid;
    $self->{w} = $w;
    return $self;
}

# "cmd" or "sub": the bytes go to every connection of that kind
sub inject {
    my ($self, $kind, $bytes) = @_;
    print { $self->{w} } "$kind " . unpack('H*', $bytes) . "\n";
}

sub _serve {
    my ($listen, $control, $upstream) = @_;
    my $sel = IO::Select->new($listen, $control);
    my (%peer, %client, %sub, $line);
    $line = '';
    while (1) {
        for my $fh ($sel->can_read) {
            if ($fh == $listen) {
                my $c = $listen->accept or next;
                my $u = IO::Socket::IP->new(PeerAddr => '127.0.0.1',
                                            PeerPort => $upstream)
                    or do { close $c; next };
                $peer{$c} = $u;
                $peer{$u} = $c;
                $client{$c} = $c;
                $sel->add($c, $u);
                next;
            }
            if ($fh == $control) {
                my $n = sysread $control, my $buf, 65536;
                exit 0 unless $n;
                $line .= $buf;
                while ($line =~ s/^(cmd|sub) ([0-9a-f]*)\n//) {
                    my ($kind, $bytes) = ($1, pack('H*', $2));
                    for my $c (values %client) {
                        next if ($kind eq 'sub') != !!$sub{$c};
                        syswrite $c, $bytes;
                    }
                }
                next;
            }
            my $n = sysread $fh, my $buf, 65536;
            my $other = $peer{$fh};
            if (!$n) {
                for my $s ($fh, $other) {
                    next unless $s;
                    $sel->remove($s);
                    delete $peer{$s};
                    delete $client{$s};
                    delete $sub{$s};
                    close $s;
                }
                next;
            }
            $sub{$fh} = 1 if $client{$fh} && $buf =~ /SUBSCRIBE/i;
            syswrite $other, $buf if $other;
        }
    }
}

1;

package EgovTest::Redis;

# A redis-server of a test's own: a free loopback port, no persistence, a
# temporary directory, stopped at the end whatever happens.

use strict;
use warnings;

use File::Temp qw(tempdir);
use IO::Socket::IP;
use Time::HiRes qw(sleep time);

use EgovTest::Nginx;

sub new {
    my ($class, %args) = @_;
    my $dir = tempdir('egov-redis-XXXXXX', TMPDIR => 1,
                      CLEANUP => !$ENV{EGOV_KEEP});
    return bless { port => EgovTest::Nginx::free_port(), dir => $dir,
                   %args }, $class;
}

sub port { $_[0]{port} }
sub dir { $_[0]{dir} }

sub start {
    my ($self, @extra) = @_;
    my $bin = $ENV{EGOV_REDIS} || '/usr/bin/redis-server';
    die "redis-server not found at $bin" unless -x $bin;

    my $pid = fork;
    die "fork: $!" unless defined $pid;
    if (!$pid) {
        open STDOUT, '>', "$self->{dir}/redis.log";
        open STDERR, '>&', \*STDOUT;
        exec $bin, '--port', $self->{port}, '--bind', '127.0.0.1',
             '--save', '', '--appendonly', 'no', '--dir', $self->{dir},
             '--daemonize', 'no', @extra;
        exit 127;
    }
    $self->{pid} = $pid;

    my $deadline = time + 10;
    while (time < $deadline) {
        my $s = IO::Socket::IP->new(PeerHost => '127.0.0.1',
                                    PeerPort => $self->{port});
        if ($s) { close $s; return $self }
        sleep 0.02;
    }
    die "redis-server did not start on $self->{port}";
}

# one command, RESP encoded; returns the reply as a Perl value
sub command {
    my ($self, @args) = @_;
    my $s = IO::Socket::IP->new(PeerHost => '127.0.0.1',
                                PeerPort => $self->{port}, Timeout => 5)
        or die "redis connect: $!";
    binmode $s;
    print $s '*' . @args . "\r\n"
           . join('', map { '$' . length($_) . "\r\n$_\r\n" } @args);
    my $reply = read_reply($s);
    close $s;
    return $reply;
}

sub read_reply {
    my ($s) = @_;
    my $line = <$s>;
    die "redis: connection closed" unless defined $line;
    $line =~ s/\r\n\z//;
    my ($t, $rest) = (substr($line, 0, 1), substr($line, 1));
    return $rest if $t eq '+';
    return "ERR:$rest" if $t eq '-';
    return 0 + $rest if $t eq ':';
    if ($t eq '$') {
        return undef if $rest < 0;
        my $data = '';
        read($s, $data, $rest + 2);
        return substr($data, 0, $rest);
    }
    if ($t eq '*') {
        return undef if $rest < 0;
        return [ map { read_reply($s) } 1 .. $rest ];
    }
    die "redis: bad reply $line";
}

sub stop {
    my ($self) = @_;
    return unless $self->{pid};
    kill 'TERM', $self->{pid};
    waitpid $self->{pid}, 0;
    delete $self->{pid};
}

sub DESTROY {
    my ($self) = @_;
    local ($?, $!, $@);
    $self->stop;
}

1;

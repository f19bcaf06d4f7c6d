package EgovTest::Redis;

# A redis-server of a test's own: a free loopback port, no persistence, a
# temporary directory, stopped at the end whatever happens.
#
#   EgovTest::Redis->new(%options)
#     args => [ '--maxmemory', '1mb' ]   more redis-server arguments
#     password => 'secret'               requirepass; command() AUTHs first
#     unix => 1                          also listen on $r->socket
#     sentinel => { name => 'm', master => $redis, quorum => 1 }
#                                        a Sentinel watching that master
#   $r->start, $r->stop, $r->restart     same port, same options
#   $r->freeze, $r->thaw                 SIGSTOP / SIGCONT: a Redis that
#                                        holds its connections and answers
#                                        nothing
#   $r->command('DEBUG', 'SLEEP', 2)     (DEBUG is enabled for local clients)
#   $r->send_command(...)                sends, does not wait for the reply

use strict;
use warnings;
use parent 'EgovTest::Child';

use File::Temp qw(tempdir);
use IO::Socket::IP;
use Time::HiRes qw(sleep time);

use EgovTest::Nginx;

sub new {
    my ($class, %args) = @_;
    my $dir = tempdir('egov-redis-XXXXXX', TMPDIR => 1,
                      CLEANUP => !$ENV{EGOV_KEEP});
    # nginx's workers (user "nobody" when started by root) reach the socket
    chmod 0755, $dir if $args{unix};
    return bless { port => EgovTest::Nginx::free_port(), dir => $dir,
                   %args }, $class;
}

sub port { $_[0]{port} }
sub dir { $_[0]{dir} }
sub socket_path { "$_[0]{dir}/redis.sock" }

# the arguments the options ask for
sub option_args {
    my ($self) = @_;
    my @a = @{ $self->{args} || [] };
    if ($self->{sentinel}) {
        return @a;
    }
    push @a, '--enable-debug-command', 'local';
    push @a, '--requirepass', $self->{password} if defined $self->{password};
    push @a, '--unixsocket', $self->socket_path, '--unixsocketperm', '777'
        if $self->{unix};
    return @a;
}

# a sentinel reads its configuration from a file it may rewrite
sub sentinel_config {
    my ($self) = @_;
    my $s = $self->{sentinel};
    my $name = $s->{name} || 'egov';
    my $conf = "$self->{dir}/sentinel.conf";
    my $master = $s->{master};
    open my $fh, '>', $conf or die "$conf: $!";
    print $fh "port $self->{port}\nbind 127.0.0.1\ndir $self->{dir}\n"
        . "sentinel monitor $name 127.0.0.1 " . $master->port . ' '
        . ($s->{quorum} || 1) . "\n"
        . "sentinel down-after-milliseconds $name " . ($s->{down_after} || 1000) . "\n"
        . "sentinel failover-timeout $name " . ($s->{failover_timeout} || 5000) . "\n";
    print $fh "sentinel auth-pass $name $master->{password}\n"
        if defined $master->{password};
    print $fh "requirepass $s->{password}\n" if defined $s->{password};
    close $fh;
    return $conf;
}

sub start {
    my ($self, @extra) = @_;
    my $bin = $ENV{EGOV_REDIS} || '/usr/bin/redis-server';
    die "redis-server not found at $bin" unless -x $bin;

    @extra = @{ $self->{extra} } if !@extra && $self->{extra};
    $self->{extra} = [@extra];
    my @opts = $self->option_args;
    my $conf = $self->{sentinel} ? $self->sentinel_config : undef;

    my $pid = fork;
    die "fork: $!" unless defined $pid;
    if (!$pid) {
        open STDOUT, '>>', "$self->{dir}/redis.log";
        open STDERR, '>&', \*STDOUT;
        exec $bin, $conf, '--sentinel', '--daemonize', 'no' if $conf;
        exec $bin, '--port', $self->{port}, '--bind', '127.0.0.1',
             '--save', '', '--appendonly', 'no', '--dir', $self->{dir},
             '--daemonize', 'no', @opts, @extra;
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
    my $s = $self->client;
    print $s encode(@args);
    my $reply = read_reply($s);
    close $s;
    return $reply;
}

sub encode {
    my (@args) = @_;
    return '*' . @args . "\r\n"
           . join('', map { '$' . length($_) . "\r\n$_\r\n" } @args);
}

sub client {
    my ($self) = @_;
    my $s = IO::Socket::IP->new(PeerHost => '127.0.0.1',
                                PeerPort => $self->{port}, Timeout => 5)
        or die "redis connect: $!";
    binmode $s;
    if (defined $self->{password} && !$self->{sentinel}) {
        print $s encode('AUTH', $self->{password});
        my $ok = read_reply($s);
        die "redis AUTH: $ok" unless $ok eq 'OK';
    }
    return $s;
}

# sends a command (DEBUG SLEEP, say) without waiting for its reply; the
# connection is kept until stop() or the next send_command()
sub send_command {
    my ($self, @args) = @_;
    my $s = $self->client;
    print $s encode(@args);
    push @{ $self->{pending} }, $s;
    return $s;
}

sub restart {
    my ($self) = @_;
    $self->stop;
    return $self->start;
}

sub freeze {
    my ($self) = @_;
    kill 'STOP', $self->{pid} if $self->{pid};
}

sub thaw {
    my ($self) = @_;
    kill 'CONT', $self->{pid} if $self->{pid};
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
    close $_ for @{ delete $self->{pending} || [] };
    $self->SUPER::stop;
}

1;

package EgovTest::Nginx;

# One nginx under test: a temporary prefix, free loopback ports, the module
# loaded (or linked in, for the sanitized build), started and stopped for
# real.  After it stops, its error log and sanitizer logs are checked for
# anything that must never happen: [alert], [emerg], a worker killed by a
# signal, a sanitizer report.

use strict;
use warnings;

use Cwd qw(abs_path);
use File::Path qw(make_path remove_tree);
use File::Temp qw(tempdir);
use IO::Socket::IP;
use POSIX qw(:sys_wait_h);
use Time::HiRes qw(sleep time);

use EgovTest::HTTP;

my $HAVE_IPV6;

sub nginx_binary { $ENV{EGOV_NGINX} || '/usr/sbin/nginx' }

sub module_path {
    my $m = $ENV{EGOV_MODULE};
    return $m if defined $m;
    my $built = abs_path(__FILE__ . '/../../../../build') . '/ngx_http_egov_module.so';
    return -f $built ? $built : '';
}

sub sanitized { $ENV{EGOV_SANITIZE} ? 1 : 0 }

sub have_ipv6 {
    return $HAVE_IPV6 if defined $HAVE_IPV6;
    my $s = IO::Socket::IP->new(Listen => 1, LocalHost => '::1', LocalPort => 0);
    $HAVE_IPV6 = $s ? 1 : 0;
    close $s if $s;
    return $HAVE_IPV6;
}

# a port free on both 127.0.0.1 and ::1 at the time of asking
sub free_port {
    for (1 .. 50) {
        my $s = IO::Socket::IP->new(Listen => 1, LocalHost => '127.0.0.1',
                                    LocalPort => 0, ReuseAddr => 0)
            or die "cannot bind: $!";
        my $port = $s->sockport;
        close $s;
        next if $port < 10000;
        if (have_ipv6()) {
            my $s6 = IO::Socket::IP->new(Listen => 1, LocalHost => '::1',
                                         LocalPort => $port);
            next unless $s6;
            close $s6;
        }
        return $port;
    }
    die "no free port found";
}

sub new {
    my ($class, %args) = @_;

    my $keep = $ENV{EGOV_KEEP} ? 1 : 0;
    my $prefix = tempdir('egov-nginx-XXXXXX', TMPDIR => 1, CLEANUP => !$keep);
    chmod 0755, $prefix;

    my $self = bless {
        prefix   => $prefix,
        port     => free_port(),
        port2    => free_port(),
        ssl_port => free_port(),
        workers  => 1,
        env      => {},
        %args,
    }, $class;

    for my $d (qw(conf logs html tmp)) {
        make_path("$prefix/$d");
    }
    # workers (as "nobody" when started by root) write sanitizer reports here
    chmod 01777, "$prefix/logs", "$prefix/tmp";

    return $self;
}

sub prefix   { $_[0]{prefix} }
sub port     { $_[0]{port} }
sub port2    { $_[0]{port2} }
sub ssl_port { $_[0]{ssl_port} }

# $TEST_NGINX_* placeholders, usable in configs, requests and files
sub vars {
    my ($self) = @_;
    return (
        TEST_NGINX_PORT         => $self->{port},
        TEST_NGINX_BACKEND_PORT => $self->{port2},
        TEST_NGINX_SSL_PORT     => $self->{ssl_port},
        TEST_NGINX_PREFIX       => $self->{prefix},
        TEST_NGINX_HTML_DIR     => "$self->{prefix}/html",
        TEST_NGINX_REPO         => abs_path(__FILE__ . '/../../../..'),
        %{ $self->{extra_vars} || {} },
    );
}

sub set_var {
    my ($self, $name, $value) = @_;
    $self->{extra_vars}{$name} = $value;
}

sub expand {
    my ($self, $text) = @_;
    return $text unless defined $text;
    my %v = $self->vars;
    $text =~ s/\$(TEST_NGINX_[A-Z0-9_]+)/exists $v{$1} ? $v{$1} : "\$$1"/ge;
    return $text;
}

sub write_file {
    my ($self, $name, $content, $mode) = @_;
    my $path = $name =~ m{^/} ? $name : "$self->{prefix}/$name";
    (my $dir = $path) =~ s{/[^/]*$}{};
    make_path($dir);
    open my $fh, '>', $path or die "$path: $!";
    binmode $fh;
    print $fh $content;
    close $fh;
    chmod $mode, $path if defined $mode;
    return $path;
}

sub read_file {
    my ($self, $name) = @_;
    my $path = $name =~ m{^/} ? $name : "$self->{prefix}/$name";
    open my $fh, '<', $path or return '';
    binmode $fh;
    local $/;
    my $c = <$fh>;
    close $fh;
    return defined $c ? $c : '';
}

sub ssl_certificate {
    my ($self) = @_;
    my $crt = "$self->{prefix}/conf/cert.pem";
    my $key = "$self->{prefix}/conf/key.pem";
    unless (-f $crt) {
        system("openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost"
               . " -days 2 -keyout '$key' -out '$crt' 2>/dev/null") == 0
            or die "openssl req failed";
    }
    return ($crt, $key);
}

# The complete nginx.conf for the given sections.
sub make_config {
    my ($self, %c) = @_;

    my $module = $self->{no_module} ? '' : module_path();
    my $load = $module ? "load_module $module;\n" : '';
    my $user = $> == 0 ? "user nobody nogroup;\n" : '';
    my $workers = $c{workers} || $self->{workers};
    my $level = $self->{log_level} || 'debug';
    my $p = $self->{prefix};

    # default_server: the test's server stays the port's default when
    # the http section adds others on it
    my $ds = $c{default_server} ? ' default_server' : '';
    my $listen = "        listen       127.0.0.1:$self->{port}$ds;\n";
    $listen .= "        listen       [::1]:$self->{port}$ds;\n" if have_ipv6();

    if ($c{ssl}) {
        my ($crt, $key) = $self->ssl_certificate;
        $listen .= "        listen       127.0.0.1:$self->{ssl_port} ssl;\n"
                 . "        ssl_certificate     $crt;\n"
                 . "        ssl_certificate_key $key;\n";
    }

    my $conf = <<"END";
$load
${user}worker_processes $workers;
daemon on;
master_process on;
pid $p/logs/nginx.pid;
error_log $p/logs/error.log $level;
${\ ($c{main_config} || '') }

events {
    worker_connections 1024;
}

http {
    access_log $p/logs/access.log;
    client_body_temp_path $p/tmp/body;
    proxy_temp_path       $p/tmp/proxy;
    fastcgi_temp_path     $p/tmp/fastcgi;
    uwsgi_temp_path       $p/tmp/uwsgi;
    scgi_temp_path        $p/tmp/scgi;
    types {
        text/html              html htm;
        text/css               css;
        application/javascript js;
        application/json       json;
        image/png              png;
        image/svg+xml          svg;
        text/plain             txt;
    }
    default_type text/plain;
    keepalive_timeout 10s;

${\ ($c{http_config} || '') }

    server {
$listen        server_name  localhost;
        root $p/html;

${\ ($c{config} || '') }
    }
}
END
    return $self->expand($conf);
}

sub write_config {
    my ($self, %c) = @_;
    my $conf = $self->make_config(%c);
    $self->write_file('conf/nginx.conf', $conf);
    $self->{config} = \%c;
    return $conf;
}

sub sanitizer_env {
    my ($self) = @_;
    my $logs = "$self->{prefix}/logs";
    return (
        ASAN_OPTIONS  => "log_path=$logs/asan:detect_leaks=0:"
                       . "abort_on_error=0:detect_stack_use_after_return=0",
        UBSAN_OPTIONS => "log_path=$logs/ubsan:print_stacktrace=1",
    );
}

sub run_nginx {
    my ($self, @args) = @_;
    my $bin = nginx_binary();
    local %ENV = (%ENV, $self->sanitizer_env, %{ $self->{env} });
    my $out = `$bin -p $self->{prefix}/ -c $self->{prefix}/conf/nginx.conf -e stderr @args 2>&1`;
    return ($? >> 8, $out);
}

# nginx -t: returns (ok, output)
sub test_config {
    my ($self, %c) = @_;
    $self->write_config(%c) if %c;
    my ($rc, $out) = $self->run_nginx('-t');
    return ($rc == 0, $out);
}

sub pid {
    my ($self) = @_;
    my $pid = $self->read_file('logs/nginx.pid');
    $pid =~ s/\s+//g;
    return $pid =~ /^\d+$/ ? $pid : undef;
}

sub start {
    my ($self, %c) = @_;
    $self->{started_at} = length $self->read_file('logs/error.log');
    $self->write_config(%c) if %c;
    $self->write_config(%{ $self->{config} }) unless -f "$self->{prefix}/conf/nginx.conf";
    my ($rc, $out) = $self->run_nginx();
    die "nginx failed to start:\n$out" if $rc != 0;

    # wait until it accepts connections, and until its workers are there:
    # a test that holds or signals them must find them (on a loaded
    # machine they come a moment after the master listens)
    $self->wait_listening;
    my $want = $c{workers} || $self->{workers} || 1;
    my $deadline = time + 10;
    sleep 0.02 while time < $deadline && $self->worker_pids < $want;
    $self->{running} = 1;
    $self->hup_cycle if $ENV{EGOV_HUP} && !$self->{no_hup};
    return 1;
}

sub running { $_[0]{running} }

# The suite's reload mode (EGOV_HUP=1, "make test HUP=1"): each nginx the
# tests start is reloaded once with the same configuration, then given a
# reload that fails after every module's postconfiguration (a server name
# too long for the names hash, which nginx builds after them), and its
# workers are respawned from the master that kept the running cycle,
# before the test sends a request.  State of a cycle kept in a global
# (freed with the failed cycle's pool) then shows in the tests, or as a
# sanitizer report.
sub hup_cycle {
    my ($self) = @_;
    my $conf = $self->read_file('conf/nginx.conf');
    $self->reload;

    my $name = ('x' x 200) . '.example';
    (my $bad = $conf) =~ s/^http \{\n/http {\n    server { listen 127.0.0.1:$self->{port}; server_name $name; }\n/m;
    my $before = length $self->read_file('logs/error.log');

    # the test's view of the log leaves out the start and the good reload:
    # it reads what a normal start would have written (the configuration's
    # notices, the workers' first lines) from the failed reload on
    push @{ $self->{hidden} }, [ $self->{started_at} // 0, $before ];
    $self->write_file('conf/nginx.conf', $bad);
    kill 'HUP', $self->pid;
    my $deadline = time + 10;
    while (time < $deadline) {
        last if substr($self->read_file('logs/error.log'), $before)
                =~ /could not build server_names_hash/;
        sleep 0.02;
    }
    $self->write_file('conf/nginx.conf', $conf);
    push @{ $self->{expected} }, qr/could not build server_names_hash/;

    my @old = $self->worker_pids;
    kill 'TERM', @old;
    $deadline = time + 10;
    while (time < $deadline) {
        my @now = $self->worker_pids;
        my %gone = map { $_ => 1 } @old;
        last if @now == @old && !grep { $gone{$_} } @now;
        sleep 0.02;
    }
    $self->wait_listening;
}

sub wait_listening {
    my ($self) = @_;
    # (bench/instructions.pl starts nginx under valgrind: longer)
    my $deadline = time + ($ENV{EGOV_START_TIMEOUT} || 10);
    while (time < $deadline) {
        my $s = IO::Socket::IP->new(PeerHost => '127.0.0.1',
                                    PeerPort => $self->{port});
        if ($s) {
            close $s;
            return 1;
        }
        sleep 0.02;
    }
    die "nginx does not listen on $self->{port}";
}

# the pids of the master's children (its workers), from /proc
sub worker_pids {
    my ($self) = @_;
    my $master = $self->pid or return ();
    my @pids;
    for my $stat (glob '/proc/[0-9]*/stat') {
        open my $fh, '<', $stat or next;
        my $line = <$fh> // '';
        close $fh;
        my ($pid, $ppid) = $line =~ /^(\d+) \(.*\) \S+ (\d+)/ or next;
        push @pids, $pid if $ppid == $master;
    }
    return @pids;
}

sub reload {
    my ($self, %c) = @_;
    $self->write_config(%c) if %c;
    my $before = length $self->read_file('logs/error.log');
    my ($rc, $out) = $self->run_nginx('-s', 'reload');
    die "nginx reload failed:\n$out" if $rc != 0;

    # a reload is done when new workers started and the old ones are gone
    my $deadline = time + 10;
    while (time < $deadline) {
        my $log = substr($self->read_file('logs/error.log'), $before);
        last if $log =~ /start worker process/ && $log =~ /gracefully shutting down|exiting/;
        sleep 0.05;
    }
    sleep 0.1;
    return 1;
}

sub stop {
    my ($self) = @_;
    return unless $self->{running};
    my $pid = $self->pid;
    $self->{running} = 0;
    return unless $pid;

    kill 'QUIT', $pid;
    my $deadline = time + 15;
    while (time < $deadline) {
        last unless alive($pid);
        sleep 0.01;
    }
    if (alive($pid)) {
        kill 'KILL', $pid;
        $self->{problems} ||= [];
        push @{ $self->{problems} }, "nginx master $pid did not exit on QUIT in 15s";
    }
    # workers may linger a moment after the master
    sleep 0.05;
}

# a daemonized master is not our child: once it exits it may stay a zombie
# until init reaps it
sub alive {
    my ($pid) = @_;
    return 0 unless kill 0, $pid;
    open my $fh, '<', "/proc/$pid/stat" or return 0;
    my $stat = <$fh>;
    close $fh;
    return 0 unless defined $stat;
    return $stat =~ /^\d+ \(.*\) ([A-Za-z])/ && $1 ne 'Z' && $1 ne 'X';
}

# in reload mode, without each start up to its failed reload (hup_cycle)
sub error_log {
    my ($self) = @_;
    my $log = $self->read_file('logs/error.log');
    for my $range (reverse @{ $self->{hidden} || [] }) {
        my ($from, $to) = @$range;
        substr($log, $from, $to - $from) = '' if $to <= length $log;
    }
    return $log;
}
sub access_log { $_[0]->read_file('logs/access.log') }

# A test that provokes an [emerg] on purpose (a refused reload) says so.
sub expect_log {
    my ($self, $re) = @_;
    push @{ $self->{expected} }, $re;
}

# Everything that must never appear in a log of ours.
sub log_problems {
    my ($self) = @_;
    my @p = @{ $self->{problems} || [] };

    my $log = $self->read_file('logs/error.log');
    LINE: for my $line (split /\n/, $log) {
        for my $re (@{ $self->{expected} || [] }) {
            next LINE if $line =~ $re;
        }
        if ($line =~ /\[(alert|emerg)\]/
            || $line =~ /exited on signal/
            || $line =~ /AddressSanitizer|LeakSanitizer|runtime error:/)
        {
            push @p, "error.log: $line";
        }
    }

    opendir my $dh, "$self->{prefix}/logs" or return @p;
    for my $f (sort readdir $dh) {
        next unless $f =~ /^(asan|ubsan)\./;
        my $c = $self->read_file("logs/$f");
        push @p, "$f:\n$c" if length $c;
    }
    closedir $dh;
    return @p;
}

sub request {
    my ($self, %r) = @_;
    $r{port} ||= $r{ssl} ? $self->{ssl_port} : $self->{port};
    $r{host} ||= $r{ipv6} ? '::1' : '127.0.0.1';
    return EgovTest::HTTP::request(%r);
}

sub DESTROY {
    my ($self) = @_;
    local ($?, $!, $@);
    $self->stop if $self->{running};
}

1;

#!/usr/bin/perl
# What a request costs the nginx worker in instructions (user space),
# counted by valgrind's callgrind: the same on a quiet machine and on a
# noisy shared one, so that a change to the module can be weighed before
# an interleaved requests/s run (bench/bench.pl) can tell it from noise.
# The kernel's part (system calls, copies to the socket) is not counted:
# bench.pl's worker CPU per request has it.  Never pass/fail.
#
# usage: bench/instructions.pl [--requests N] [--keep DIR] [SCENARIO ...]
# (the scenarios of bench/scenarios/; a curve gives a row per variant).
# --keep copies each run's worker profile to DIR/SCENARIO.SIDE.COUNT.out, for
# callgrind_annotate (the difference of the two runs of a side is where
# its requests went).
#
# Each side (baseline, module) runs in one worker under callgrind, twice:
# with a few requests and with N more on one keep-alive connection, with
# the scenario's headers.  The difference of the worker's totals at its
# exit, over N, is what a request costs (start and exit cancel out).

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../t/lib", "$FindBin::Bin/lib";
use Getopt::Long;
use File::Temp qw(tempdir);
use IO::Socket::IP;
use EgovTest::Nginx;

my $requests = 200;
my $keep;
GetOptions('requests=i' => \$requests, 'keep=s' => \$keep)
    or die "bad options\n";
if (defined $keep) {
    -d $keep or mkdir $keep or die "$keep: $!\n";
}

for my $tool (qw(valgrind)) {
    system("command -v $tool >/dev/null") == 0
        or die "$tool is needed (Debian: apt-get install valgrind)\n";
}

my @names = @ARGV;
@names = map { m{/([^/]+)\.pl$} } sort glob "$FindBin::Bin/scenarios/*.pl"
    unless @names;

# nginx under callgrind: the harness starts what EGOV_NGINX names, the
# forked master and worker stay under valgrind, each with its own file
my $dir = tempdir('egov-instructions-XXXXXX', TMPDIR => 1, CLEANUP => 1);
chmod 01777, $dir;    # workers run as "nobody" when started by root
my $real = EgovTest::Nginx::nginx_binary();
open my $w, '>', "$dir/nginx" or die "$dir/nginx: $!";
print $w "#!/bin/sh\nexec valgrind -q --tool=callgrind --log-file=$dir/vg.%p "
       . "--callgrind-out-file=$dir/cg.%p $real \"\$@\"\n";
close $w;
chmod 0755, "$dir/nginx";
$ENV{EGOV_NGINX} = "$dir/nginx";
$ENV{EGOV_START_TIMEOUT} = 120;

printf "# instructions per request (callgrind, user space, one worker), "
     . "%d requests on one connection\n# nginx: %s\n", $requests, $real;
printf "%-36s %12s %12s %8s\n", 'scenario', 'baseline', 'module', 'ratio';

for my $name (@names) {
    my $s = do "$FindBin::Bin/scenarios/$name.pl" or die "scenario $name: $@ $!";
    $s->{name} = $name;
    if ($s->{variants}) {
        curve($s);
        next;
    }
    my %i = map { $_ => per_request($s, $_) } qw(baseline module);
    printf "%-36s %12.0f %12.0f %8.3f\n", $name, $i{baseline}, $i{module},
        $i{module} ? $i{baseline} / $i{module} : 0;
}

# a curve: the baseline once, then each variant as the module's side,
# one row each (a curve whose baseline is derived from a variant's
# answer is skipped)
sub curve {
    my ($s) = @_;
    if ($s->{derive_baseline}) {
        printf "%-36s %s\n", $s->{name}, '(a derived curve: skipped)';
        return;
    }
    printf "%s\n", $s->{name};
    my $base = per_request($s, 'baseline');
    for my $v (@{ $s->{variants} }) {
        my %side = (%$s, %$v);
        my $i = per_request(\%side, 'module');
        printf "  %-34s %12.0f %12.0f %8.3f\n", $v->{label}, $base, $i,
            $i ? $base / $i : 0;
    }
}

sub per_request {
    my ($s, $which) = @_;
    my @t = map { run_side($s, $which, $_) } 10, 10 + $requests;
    return ($t[1] - $t[0]) / $requests;
}

# one side started, $count requests sent, stopped: its worker's total
sub run_side {
    my ($s, $which, $count) = @_;
    my %s = %$s;
    if ($which eq 'baseline' && $s{derive_baseline}) {
        my $m = start(\%s, 'module');
        my $d = $s{derive_baseline}->($m);
        $m->stop;
        @s{qw(baseline http_baseline setup_baseline)}
            = @$d{qw(config http setup)};
    }
    my $n = start(\%s, $which);
    my ($worker) = $n->worker_pids or die "$which: no worker\n";
    my $path = $s{"path_$which"} || $s{path} || '/';
    my $sock = IO::Socket::IP->new(PeerHost => '127.0.0.1',
                                   PeerPort => $n->{port})
        or die "$which: connect: $!\n";
    my $req = "GET $path HTTP/1.1\r\nHost: localhost\r\n"
            . join('', map { "$_\r\n" } @{ $s{headers} || [] }) . "\r\n";
    exchange($sock, $req) for 1 .. $count;
    close $sock;
    $n->stop;
    my $deadline = time + 60;
    sleep 0.1 while time < $deadline && kill 0, $worker;
    open my $fh, '<', "$dir/cg.$worker" or die "$dir/cg.$worker: $!";
    my $total;
    while (my $line = <$fh>) {
        $total = $1 if $line =~ /^(?:summary|totals):\s+(\d+)/;
    }
    close $fh;
    die "$which: no total in $dir/cg.$worker\n" unless defined $total;
    if (defined $keep) {
        system('cp', "$dir/cg.$worker", "$keep/$s{name}.$which.$count.out")
            == 0 or die "$keep: cannot copy the profile\n";
    }
    return $total;
}

sub start {
    my ($s, $which) = @_;
    my $n = EgovTest::Nginx->new(no_module => $which eq 'baseline'
                                              && !$s->{baseline_module},
                                 log_level => 'warn', no_hup => 1);
    $s->{setup}->($n, $which) if $s->{setup};
    $s->{"setup_$which"}->($n) if $s->{"setup_$which"};
    $n->start(main_config => "worker_rlimit_nofile 4096;\n",
              http_config => "access_log off;\n" . ($s->{http_config} || '')
                             . ($s->{"http_$which"} || ''),
              config => $s->{$which},
              workers => 1);
    return $n;
}

# one request and its whole response (Content-Length or chunked)
sub exchange {
    my ($sock, $req) = @_;
    print $sock $req;
    my $buf = '';
    my ($head, $want);
    while (1) {
        my $got = sysread($sock, my $chunk, 65536);
        die "connection closed\n" unless $got;
        $buf .= $chunk;
        if (!defined $head && $buf =~ /\r\n\r\n/) {
            ($head) = $buf =~ /^(.*?\r\n\r\n)/s;
            if ($head =~ /^Content-Length:\s*(\d+)/mi) {
                $want = length($head) + $1;
            } elsif ($head !~ /^Transfer-Encoding:\s*chunked/mi) {
                $want = length $head;
            }
        }
        next unless defined $head;
        last if defined $want && length $buf >= $want;
        last if !defined $want && $buf =~ /\r\n0\r\n\r\n\z/;
    }
    die "not 2xx: " . ($head =~ /^(\S+ \d+)/)[0] . "\n"
        unless $head =~ m{^HTTP/1\.1 [23]\d\d};
}

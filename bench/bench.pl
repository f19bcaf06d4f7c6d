#!/usr/bin/perl
# Compares plain nginx with nginx running ngx_egov_module, in one
# interleaved run (A B A B ...), so that a noisy shared machine slows both
# alike.  Prints requests/s ratios and p99 latencies; never pass/fail.
#
# usage: bench/bench.pl [--rounds N] [--duration S] [--connections C] [SCENARIO ...]
# A scenario is bench/scenarios/NAME.pl, returning
#   { title, target, path, headers => [...], baseline => CONF, module => CONF,
#     path_baseline / path_module => PATH (one side's, instead of path),
#     http_config => CONF (both), http_baseline / http_module => CONF (one),
#     setup => sub { my ($nginx, $which) = @_; ... },
#     setup_baseline / setup_module => sub { my ($nginx) = @_; ... },
#     derive_baseline => sub { my ($module_nginx) = @_;
#         { config, http, setup, report } } (the baseline made from what
#         the running module's nginx answers: the module starts first),
#     report => sub { my ($plain, $module, $requests) = @_; [ lines ] },
#     baseline_module => 1, script => 'NAME.lua' (in bench/wrk/),
#     helpers => sub { pids } (processes working for the module's nginx,
#     redis-server: their CPU per module request is printed too) }
# "baseline" runs on the same nginx binary without the module loaded, or
# with it loaded when the scenario's target is defined against the module
# itself (baseline_module: the anonymized log line against the raw one).

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../t/lib";
use Getopt::Long;
use List::Util qw(sum);
use EgovTest::Nginx;

my ($rounds, $duration, $connections) = (5, 5, 32);
GetOptions('rounds=i' => \$rounds, 'duration=i' => \$duration,
           'connections=i' => \$connections) or die "bad options\n";

my @names = @ARGV;
@names = map { m{/([^/]+)\.pl$} } sort glob "$FindBin::Bin/scenarios/*.pl"
    unless @names;

my $cpus = `nproc` + 0;
my $pin = $cpus >= 2;    # nginx on CPU 0, wrk on CPU 1

printf "# ngx_egov_module benchmark: %d rounds of %ds, %d connections, 1 worker%s\n",
    $rounds, $duration, $connections, $pin ? ', nginx and wrk on separate CPUs' : '';
printf "# nginx: %s\n", EgovTest::Nginx::nginx_binary();

for my $name (@names) {
    my $s = do "$FindBin::Bin/scenarios/$name.pl" or die "scenario $name: $@ $!";
    run_scenario($name, $s);
}

sub start {
    my ($s, $which) = @_;
    my $n = EgovTest::Nginx->new(no_module => $which eq 'baseline'
                                              && !$s->{baseline_module},
                                 log_level => 'warn');
    $s->{setup}->($n, $which) if $s->{setup};
    $s->{"setup_$which"}->($n) if $s->{"setup_$which"};
    my $main = "worker_rlimit_nofile 4096;\n" . ($pin ? "worker_cpu_affinity 01;\n" : '');
    $n->start(main_config => $main,
              http_config => "access_log off;\n" . ($s->{http_config} || '')
                             . ($s->{"http_$which"} || ''),
              config => $s->{$which},
              workers => 1);
    # a warm-up request so the first round does not pay for it
    $n->{bench_path} = $s->{"path_$which"} || $s->{path} || '/';
    $n->request(uri => $n->{bench_path});
    return $n;
}

# the CPU time (user + system, in clock ticks) of an nginx's workers: the
# children of its master, found in /proc
sub worker_ticks {
    my ($n) = @_;
    my $master = $n->pid or return 0;
    my $ticks = 0;
    for my $stat (glob '/proc/[0-9]*/stat') {
        my @f = proc_stat($stat) or next;
        $ticks += $f[11] + $f[12] if $f[1] == $master;
    }
    return $ticks;
}

# the fields of a /proc/PID/stat after the name: state ppid ... utime is
# field 14 of the file, stime 15
sub proc_stat {
    my ($stat) = @_;
    open my $fh, '<', $stat or return;
    my $line = <$fh>;
    close $fh;
    return unless defined $line && $line =~ /\)\s+(.*)$/;
    return split ' ', $1;
}

# the CPU time of the processes working for the module's nginx
sub helper_ticks {
    my ($s) = @_;
    my $ticks = 0;
    for my $pid ($s->{helpers} ? $s->{helpers}->() : ()) {
        my @f = proc_stat("/proc/$pid/stat") or next;
        $ticks += $f[11] + $f[12];
    }
    return $ticks;
}

sub wrk {
    my ($n, $s) = @_;
    my ($ticks, $helper) = (worker_ticks($n), helper_ticks($s));
    my @h = map { ('-H', $_) } @{ $s->{headers} || [] };
    my @s = $s->{script} ? ('-s', "$FindBin::Bin/wrk/$s->{script}") : ();
    my @cmd = ('wrk', '-t1', "-c$connections", "-d${duration}s", '--latency', @h, @s,
               'http://127.0.0.1:' . $n->port . $n->{bench_path});
    unshift @cmd, 'taskset', '-c', '1' if $pin;
    open my $fh, '-|', @cmd or die "wrk: $!";
    local $/;
    my $out = <$fh>;
    close $fh;
    my ($rps) = $out =~ /Requests\/sec:\s+([\d.]+)/;
    my ($p99, $unit) = $out =~ /\s99%\s+([\d.]+)(us|ms|s)/;
    my ($non2xx) = $out =~ /Non-2xx or 3xx responses:\s+(\d+)/;
    $p99 = defined $p99 ? $p99 * { us => 0.001, ms => 1, s => 1000 }->{$unit} : 0;
    die "wrk gave no result:\n$out" unless defined $rps;
    my ($total) = $out =~ /(\d+) requests in/;
    # microseconds of worker CPU per request (100 ticks a second), and of
    # the helpers' CPU
    my $per = sub { $total ? $_[0] * 1e4 / $total : 0 };
    return ($rps, $p99, $non2xx || 0, $per->(worker_ticks($n) - $ticks),
            $per->(helper_ticks($s) - $helper), $total || 0);
}

sub median {
    my @v = sort { $a <=> $b } @_;
    return @v % 2 ? $v[$#v / 2] : ($v[@v / 2 - 1] + $v[@v / 2]) / 2;
}

sub run_scenario {
    my ($name, $s) = @_;
    my ($a, $b);
    if ($s->{derive_baseline}) {
        $b = start($s, 'module');
        my $d = $s->{derive_baseline}->($b);
        $s->{baseline} = $d->{config};
        $s->{http_baseline} = $d->{http};
        $s->{setup_baseline} = $d->{setup};
        $s->{derived_report} = $d->{report};
        $a = start($s, 'baseline');
    } else {
        $a = start($s, 'baseline');
        $b = start($s, 'module');
    }

    print "\n## $name: $s->{title}\n";
    printf "%-6s %12s %12s %8s %10s %10s %9s %9s\n", 'round', 'plain r/s',
        'module r/s', 'ratio', 'p99 plain', 'p99 mod', 'cpu plain', 'cpu mod';
    my (@ra, @rb, @ratio, @pa, @pb, @ca, @cb, @hb);
    my $module_requests = 0;
    for my $i (1 .. $rounds) {
        # alternate who goes first, so drift does not favour one side
        my @order = $i % 2 ? ([$a, \@ra, \@pa, \@ca], [$b, \@rb, \@pb, \@cb])
                           : ([$b, \@rb, \@pb, \@cb], [$a, \@ra, \@pa, \@ca]);
        for my $o (@order) {
            my ($rps, $p99, $bad, $cpu, $helper, $total) = wrk($o->[0], $s);
            $module_requests += $total if $o->[0] == $b;
            warn "# $bad non-2xx/3xx responses\n" if $bad && !$s->{allow_non_2xx};
            push @{ $o->[1] }, $rps;
            push @{ $o->[2] }, $p99;
            push @{ $o->[3] }, $cpu;
            push @hb, $helper if $o->[0] == $b;
        }
        push @ratio, $rb[-1] / $ra[-1];
        printf "%-6d %12.0f %12.0f %8.3f %8.2fms %8.2fms %7.1fus %7.1fus\n", $i,
            $ra[-1], $rb[-1], $ratio[-1], $pa[-1], $pb[-1], $ca[-1], $cb[-1];
    }
    my $r = median(@ratio);
    printf "median ratio %.3f (target >= %.2f: %s), p99 plain %.2fms, module %.2fms\n",
        $r, $s->{target}, $r >= $s->{target} ? 'met' : 'NOT met',
        median(@pa), median(@pb);
    # worker CPU per request: what the module costs, less shaken than r/s by
    # the other tenants of a shared machine (a diagnostic, not the target)
    my ($cpa, $cpb) = (median(@ca), median(@cb));
    printf "worker CPU per request: plain %.1fus, module %.1fus, ratio %.3f\n",
        $cpa, $cpb, $cpb ? $cpa / $cpb : 0;
    # and the helpers' (redis-server's): on the workers' CPU, the part of
    # the module's cost that a fleet pays on another machine
    printf "helpers' CPU per module request: %.1fus; worker + helpers %.1fus, "
        . "ratio %.3f\n", median(@hb), $cpb + median(@hb),
        $cpa / ($cpb + median(@hb)) if $s->{helpers} && $cpb;
    print "$s->{derived_report}\n" if $s->{derived_report};
    print "$_\n"
        for @{ $s->{report} ? $s->{report}->($a, $b, $module_requests) : [] };

    $a->stop;
    $b->stop;
}

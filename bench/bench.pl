#!/usr/bin/perl
# Compares plain nginx with nginx running ngx_egov_module, in one
# interleaved run (A B A B ...), so that a noisy shared machine slows both
# alike.  Prints requests/s ratios and p99 latencies; never pass/fail.
#
# usage: bench/bench.pl [--rounds N] [--duration S] [--connections C]
#                       [--svg PREFIX] [SCENARIO ...]
# (--svg: a curve with "chart" set is also drawn as PREFIX-NAME.svg)
# A scenario is bench/scenarios/NAME.pl, returning
#   { title, target, path, headers => [...], baseline => CONF, module => CONF,
#     path_baseline / path_module => PATH (one side's, instead of path),
#     http_config => CONF (both), http_baseline / http_module => CONF (one),
#     setup => sub { my ($nginx, $which) = @_; ... },
#     setup_baseline / setup_module => sub { my ($nginx) = @_; ... },
#     variants => [ { label, module, http_module, setup_module, env }, ... ]
#         (a curve: each variant of the module against the one baseline,
#         all interleaved; env is given to wrk's script),
#     derive_baseline => sub { my ($module_nginx) = @_;
#         { config, http, setup, report } } (the baseline made from what
#         the running module's nginx answers: the module starts first),
#     report => sub { my ($plain, $module, $requests) = @_; [ lines ] },
#     baseline_module => 1, script => 'NAME.lua' (in bench/wrk/),
#     connections => C (instead of --connections),
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

my ($rounds, $duration, $connections, $svg) = (5, 5, 32);
GetOptions('rounds=i' => \$rounds, 'duration=i' => \$duration,
           'connections=i' => \$connections, 'svg=s' => \$svg)
    or die "bad options\n";

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
    my ($s, $which, $v) = @_;
    if ($v) {
        # a variant of a curve: its own module side
        $s = { %$s, map { $_ => $v->{$_} } grep { defined $v->{$_} }
                    qw(module http_module setup_module) };
    }
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
    my ($n, $s, $env) = @_;
    local @ENV{ keys %{ $env || {} } } = values %{ $env || {} };
    my ($ticks, $helper) = (worker_ticks($n), helper_ticks($s));
    my @h = map { ('-H', $_) } @{ $s->{headers} || [] };
    my @s = $s->{script} ? ('-s', "$FindBin::Bin/wrk/$s->{script}") : ();
    my $c = $s->{connections} || $connections;
    my @cmd = ('wrk', '-t1', "-c$c", "-d${duration}s", '--latency', @h, @s,
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
    return run_curve($name, $s) if $s->{variants};
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
    print "# $s->{connections} connections\n" if $s->{connections};
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

# a curve: the baseline and every variant in turn, the order rotating each
# round; per variant the median ratio to the baseline's requests/s of the
# same round, the worker's CPU per request and p99
sub run_curve {
    my ($name, $s) = @_;
    my @v = @{ $s->{variants} };
    my @sides = (start($s, 'baseline'), map { start($s, 'module', $_) } @v);
    my @env = ({}, map { $_->{env} || {} } @v);
    my (@rps, @p99, @cpu, @ratio);

    print "\n## $name: $s->{title}\n";
    print "# $s->{connections} connections\n" if $s->{connections};
    for my $i (1 .. $rounds) {
        my @order = map { ($_ + $i) % @sides } 0 .. $#sides;
        my @r;
        for my $k (@order) {
            my ($rps, $p99, $bad, $cpu) = wrk($sides[$k], $s, $env[$k]);
            warn "# $bad non-2xx/3xx responses\n"
                if $bad && !$s->{allow_non_2xx};
            $r[$k] = $rps;
            push @{ $rps[$k] }, $rps;
            push @{ $p99[$k] }, $p99;
            push @{ $cpu[$k] }, $cpu;
        }
        push @{ $ratio[$_] }, $r[$_] / $r[0] for 1 .. $#sides;
    }
    printf "%-28s %10s %8s %10s %9s\n", 'variant', 'r/s', 'ratio',
        'p99', 'cpu/req';
    printf "%-28s %10.0f %8s %8.2fms %7.1fus\n", 'plain nginx',
        median(@{ $rps[0] }), '1', median(@{ $p99[0] }), median(@{ $cpu[0] });
    my @c;
    for my $k (1 .. $#sides) {
        push @c, median(@{ $cpu[$k] });
        printf "%-28s %10.0f %8.3f %8.2fms %7.1fus\n", $v[$k - 1]{label},
            median(@{ $rps[$k] }), median(@{ $ratio[$k] }),
            median(@{ $p99[$k] }), $c[-1];
    }
    my ($lo, $hi) = (sort { $a <=> $b } @c)[0, -1];
    printf "module CPU per request from %.1fus to %.1fus across the curve "
         . "(%+.0f%%; flat is within the rounds' noise)\n",
        $lo, $hi, $lo ? ($hi - $lo) * 100 / $lo : 0;
    print "$_\n" for @{ $s->{report} ? $s->{report}->(@sides) : [] };
    $_->stop for @sides;

    return unless $svg && $s->{chart};
    my @bars = map { [ $v[$_ - 1]{label}, median(@{ $ratio[$_] }),
                       median(@{ $cpu[$_] }), median(@{ $p99[$_] }) ] }
               1 .. $#sides;
    write_chart("$svg-$name.svg", $s->{title}, median(@{ $cpu[0] }), @bars);
    print "chart: $svg-$name.svg\n";
}

sub xml { my ($t) = @_; $t =~ s/&/&amp;/g; $t =~ s/</&lt;/g; $t =~ s/>/&gt;/g; $t }

# a horizontal bar chart of the ratios (plain nginx = 1), each bar labelled
# with its ratio, worker CPU per request and p99
sub write_chart {
    my ($file, $title, $plain_cpu, @bars) = @_;
    my ($left, $width, $row) = (170, 420, 30);
    my $height = 60 + $row * @bars + 30;
    my $x = sub { $left + $width * ($_[0] > 1.2 ? 1.2 : $_[0]) / 1.2 };
    my $out = qq{<svg xmlns="http://www.w3.org/2000/svg" width="820" }
            . qq{height="$height" role="img" aria-labelledby="t d" }
            . qq{font-family="sans-serif" font-size="13">\n}
            . qq{<title id="t">} . xml($title) . qq{</title>\n}
            . qq{<desc id="d">requests per second as a share of plain }
            . qq{nginx's (1 = as fast); worker CPU per request (plain }
            . sprintf('%.1f', $plain_cpu) . qq{ us) and p99 beside each }
            . qq{bar</desc>\n<rect width="100%" height="100%" fill="#fff"/>\n}
            . qq{<text x="10" y="22" font-weight="bold">} . xml($title)
            . qq{</text>\n};
    for my $t (0, 0.25, 0.5, 0.75, 1) {
        my $tx = $x->($t);
        $out .= qq{<line x1="$tx" y1="40" x2="$tx" y2="}
              . ($height - 25) . qq{" stroke="#bbb"}
              . ($t == 1 ? '' : ' stroke-dasharray="3 3"') . qq{/>\n}
              . qq{<text x="$tx" y="} . ($height - 10)
              . qq{" text-anchor="middle">$t</text>\n};
    }
    my $y = 50;
    for my $b (@bars) {
        my ($label, $ratio, $cpu, $p99) = @$b;
        my $w = $x->($ratio) - $left;
        my $fill = $ratio >= 0.95 ? '#1b6e3a' : $ratio >= 0.85 ? '#8a6d00'
                                                                : '#a12a2a';
        $out .= qq{<text x="} . ($left - 8) . qq{" y="} . ($y + 15)
              . qq{" text-anchor="end">} . xml($label) . qq{</text>\n}
              . qq{<rect x="$left" y="$y" width="} . sprintf('%.1f', $w)
              . qq{" height="20" fill="$fill"/>\n}
              . qq{<text x="} . sprintf('%.1f', $left + $w + 6)
              . qq{" y="} . ($y + 15) . qq{">}
              . sprintf('%.3f, %.1f us, p99 %.2f ms', $ratio, $cpu, $p99)
              . qq{</text>\n};
        $y += $row;
    }
    $out .= "</svg>\n";
    open my $fh, '>', $file or die "$file: $!";
    print $fh $out;
    close $fh;
}

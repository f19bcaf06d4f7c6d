#!/usr/bin/perl
# Issue 16: memory with a 1,000,000-entry block list, everything on, and
# its peak while nginx reloads, against the stock nginx equivalent (a geo
# block of the same entries).  Memory is the processes' proportional set
# size (PSS: a page shared by the master and its workers counted once),
# summed over the master and its children, sampled every 5 ms from the
# reload signal until the old workers are gone.
#
# usage: bench/memory.pl [ENTRIES]      (default 1000000)

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../t/lib", "$FindBin::Bin/lib";
use Time::HiRes qw(time sleep);
use EgovTest::Nginx;
use EgovBenchLists;

my $entries = shift // 1_000_000;

sub pss_kb {
    my ($pid) = @_;
    open my $fh, '<', "/proc/$pid/smaps_rollup" or return 0;
    while (<$fh>) { return $1 if /^Pss:\s+(\d+) kB/ }
    return 0;
}

sub family {
    my ($master) = @_;
    my @pids = ($master);
    for my $stat (glob '/proc/[0-9]*/stat') {
        open my $fh, '<', $stat or next;
        my $line = <$fh> // '';
        push @pids, $1 if $line =~ /^(\d+) \(.*?\) \S+ (\d+)/ && $2 == $master;
    }
    return @pids;
}

sub total { my $t = 0; $t += pss_kb($_) for @_; $t }

sub measure {
    my ($label, $n, %c) = @_;
    my $t0 = time;
    $n->start(%c, workers => 1);
    my $started = time - $t0;
    $n->request(uri => '/');
    my $master = $n->pid;
    my ($worker) = grep { $_ != $master } family($master);
    my ($w, $all) = (pss_kb($worker), total(family($master)));

    my $before = length $n->read_file('logs/error.log');
    $n->run_nginx('-s', 'reload');
    my ($peak, $t1) = (0, time);
    while (time - $t1 < 60) {
        my $sum = total(family($master));
        $peak = $sum if $sum > $peak;
        my $log = substr($n->read_file('logs/error.log'), $before);
        last if $log =~ /exit/ && $log =~ /start worker process/
                && !grep { $_ == $worker } family($master);
        sleep 0.005;
    }
    printf "%-34s worker %7.1f MB, all %7.1f MB, reload peak %7.1f MB, "
         . "start %.1fs, reload %.1fs\n", $label, $w / 1024, $all / 1024,
         $peak / 1024, $started, time - $t1;
    $n->stop;
}

print "## memory: $entries block-list entries, one worker (PSS)\n";

my $m = EgovTest::Nginx->new(log_level => 'notice');
EgovBenchLists::write_list($m, 'list.netset', $entries);
measure('the module, everything on', $m,
        http_config => 'access_log off;
                        egov_security_headers on;
                        egov_consent on;
                        egov_limit_zone name=bench key=$binary_remote_addr
                                        rate=1000000r/s size=10m;',
        config => 'egov_blocklist ../html/list.netset;
                   egov_signatures on;
                   egov_limit zone=bench burst=1000000 nodelay;
                   location / { return 200 "ok\n"; }');

my $g = EgovTest::Nginx->new(no_module => 1, log_level => 'notice');
my $list = EgovBenchLists::list_text($entries);
$list =~ s/^(\S+)$/$1 1;/mg;
$g->write_file('html/list.geo', $list);
measure('stock nginx, the same list in geo', $g,
        http_config => 'access_log off;
                        geo $blocked { default 0; include ../html/list.geo; }',
        config => 'if ($blocked) { return 403; }
                   location / { return 200 "ok\n"; }');

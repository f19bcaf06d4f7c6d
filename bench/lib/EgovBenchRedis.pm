package EgovBenchRedis;

# What the fleet scenarios share: one redis-server for the run, and the
# Redis round trip as nginx measures it (egov_redis_health's rtt_ms).

use strict;
use warnings;

use EgovTest::Redis;
use EgovTest::Fleet;

my $redis;

# On a machine of two CPUs or more, bench.pl pins nginx to CPU 0 and wrk
# to CPU 1.  redis-server goes on CPU 1, with wrk, as in production, where
# Redis has a host of its own (and as Redis's own benchmark tooling places
# it): the worker's CPU is then the module's alone, and Redis's CPU per
# request is printed beside it.  EGOV_BENCH_REDIS_CPU=0 puts it on nginx's
# CPU instead, the harder case where everything the module causes is paid
# from the server's CPU.
my $pinned = `nproc` + 0 >= 2;
my $cpu = $ENV{EGOV_BENCH_REDIS_CPU} // 1;

sub setup {
    my ($n) = @_;
    if (!$redis) {
        $redis = EgovTest::Redis->new->start;
        system('taskset', '-pc', $cpu, $redis->{pid}) == 0 or $pinned = 0
            if $pinned;
    }
    $n->set_var(TEST_NGINX_REDIS_PORT => $redis->port);
    # the command counts of report() are this scenario's
    $redis->command('CONFIG', 'RESETSTAT');
}

# script calls and the GETs they made (one per distinct key of a call)
sub calls {
    my %calls;
    for (split /\r?\n/, $redis->command('INFO', 'commandstats') // '') {
        $calls{$1} = $2 if /^cmdstat_(\w+):calls=(\d+)/;
    }
    my $scripts = ($calls{evalsha} // 0) + ($calls{eval} // 0);
    return 'no script calls' unless $scripts;
    return sprintf '%d script calls, %.1f keys read a call', $scripts,
        ($calls{get} // 0) / $scripts;
}

# redis-server's pid: its CPU time is the module's, whichever CPU it is on
sub pids { return $redis ? ($redis->{pid}) : () }

sub rtts {
    my ($n, $count) = @_;
    my @ms;
    for (1 .. $count) {
        my (undef, $json) = health($n, '/health');
        push @ms, $json->{rtt_ms} if $json && defined $json->{rtt_ms};
    }
    @ms = sort { $a <=> $b } @ms;
    return 'no answer' unless @ms;
    return sprintf 'median %.3fms, p90 %.3fms (%d PINGs)', $ms[$#ms / 2],
        $ms[int($#ms * 0.9)], scalar @ms;
}

# what Redis did per request of the module's side: commands, bytes in and
# out (from INFO, reset by setup), the figures of docs/redis.md's capacity
sub per_request {
    my ($requests) = @_;
    return 'no requests' unless $requests;
    my %i;
    for (split /\r?\n/, $redis->command('INFO', 'stats') // '') {
        $i{$1} = $2 if /^(\w+):(\d+)/;
    }
    return sprintf '%.3f commands, %.1f bytes in, %.1f bytes out a request '
        . '(%d requests)', ($i{total_commands_processed} // 0) / $requests,
        ($i{total_net_input_bytes} // 0) / $requests,
        ($i{total_net_output_bytes} // 0) / $requests, $requests;
}

sub report {
    my ($module, $requests) = @_;
    my @per = ('# Redis per module request: ' . per_request($requests),
               '# Redis: ' . calls());
    return [ @per,
             '# Redis round trip seen by nginx: ' . rtts($module, 200),
             $pinned ? ($cpu == 0
                        ? '# redis-server on CPU 0 with nginx, wrk alone on CPU 1'
                        : "# redis-server on CPU $cpu, nginx on CPU 0, wrk on CPU 1")
                     : '# redis-server unpinned: it shares the CPUs with nginx '
                       . 'and wrk' ];
}

1;

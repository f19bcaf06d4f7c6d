#!/usr/bin/perl
# What the strict fleet limit's GCRA script costs Redis, in instructions
# (valgrind's callgrind counts them: the same on a busy machine as on an
# idle one, unlike the seconds of bench.pl).  The script is taken from the
# module's source; redis-server runs under callgrind, receives BATCHES
# EVALSHA calls of SLOTS keys each (the keys taken in turn from a pool of
# POOL), and the instructions inside EVALSHA are read off the profile.  Two
# runs (BATCHES / 4 and BATCHES calls) are subtracted, so what Redis does
# once (starting, loading the script) is left out.
#
# usage: bench/strict-script-cost.pl [--batches N] [--source FILE] [SLOTS:POOL ...]
#   --source: another version of ngx_http_egov_limit_strict.c, to compare
#   (git show HEAD~1:ngx_egov_module/ngx_http_egov_limit_strict.c > old.c)
#   default cases 1:1000 4:1000 16:1000 32:1 (32:1: 32 slots of one key,
#   each of one request; the module sends requests in a row for one key as
#   one slot with a count, so this is the script's cost without Redis's
#   GET and SET, which it makes once per key)
# needs: valgrind, redis-server (Debian packages valgrind, redis-server)

use strict;
use warnings;
use FindBin;
use File::Temp qw(tempdir);
use Getopt::Long;
use IO::Socket::IP;
use Time::HiRes qw(sleep);

my $batches = 400;
my $source = "$FindBin::Bin/../ngx_egov_module/ngx_http_egov_limit_strict.c";
GetOptions('batches=i' => \$batches, 'source=s' => \$source)
    or die "bad options\n";
my @cases = @ARGV ? @ARGV : qw(1:1000 4:1000 16:1000 32:1);

my $lua = script($source);
my $dir = tempdir(CLEANUP => 1);

printf "# GCRA script of %s: %d bytes\n", $source, length $lua;
printf "# Redis instructions per key inside EVALSHA (%d calls less %d)\n",
    $batches, $batches / 4;

for my $case (@cases) {
    my ($slots, $pool) = $case =~ /^(\d+):(\d+)$/
        or die "a case is SLOTS:POOL, not \"$case\"\n";
    my $few = evalsha_instructions(int($batches / 4), $slots, $pool);
    my $many = evalsha_instructions($batches, $slots, $pool);
    my $calls = $batches - int($batches / 4);
    printf "%3d keys a call, pool %4d: %6.0f instructions per key\n",
        $slots, $pool, ($many - $few) / ($calls * $slots);
}

# the Lua text of the C string ngx_http_egov_limit_gcra_lua
sub script {
    my ($file) = @_;
    open my $fh, '<', $file or die "$file: $!\n";
    my $c = do { local $/; <$fh> };
    my ($body) = $c =~ /ngx_http_egov_limit_gcra_lua = ngx_string\(\n(.*?)\);/s
        or die "$file: no ngx_http_egov_limit_gcra_lua\n";
    return join '', $body =~ /"((?:[^"\\]|\\.)*)"/g;
}

sub resp {
    my $s = '*' . @_ . "\r\n";
    $s .= '$' . length($_) . "\r\n$_\r\n" for @_;
    return $s;
}

# the inclusive instructions of evalShaCommand over CALLS calls
sub evalsha_instructions {
    my ($calls, $slots, $pool) = @_;
    my $out = "$dir/callgrind.out";
    my $port = 20000 + int(rand(20000));
    unlink $out;

    my $pid = fork // die "fork: $!\n";
    if ($pid == 0) {
        open STDOUT, '>', '/dev/null';
        open STDERR, '>', '/dev/null';
        exec 'valgrind', '--tool=callgrind', "--callgrind-out-file=$out",
             'redis-server', '--port', $port, '--bind', '127.0.0.1',
             '--save', '', '--appendonly', 'no';
        exit 127;
    }

    my $s;
    for (1 .. 300) {
        $s = IO::Socket::IP->new(PeerHost => '127.0.0.1', PeerPort => $port)
            and last;
        sleep 0.1;
    }
    $s or die "redis-server under valgrind did not start\n";
    $s->autoflush(1);

    print $s resp('SCRIPT', 'LOAD', $lua);
    my $len = <$s>;
    $len =~ /^\$40/ or die "SCRIPT LOAD: $len";
    my $sha = <$s>;
    $sha =~ s/\s+//g;

    # an interval of 1 s and a tolerance of 1000 s: every request passes
    # and every key lives for the run
    my ($k, $text) = (0, '');
    for my $call (1 .. $calls) {
        my (@keys, @args);
        for (1 .. $slots) {
            push @keys, 'egov:limit:bench:client' . ($k++ % $pool);
            push @args, 1000000, 1000000000, 1, 1001000000;
        }
        $text .= resp('EVALSHA', $sha, scalar @keys, @keys, @args);
        if ($call % 100 == 0 || $call == $calls) {
            print $s $text;
            $text = '';
        }
    }
    print $s resp('PING');

    my $replies = '';
    while ($replies !~ /\+PONG\r\n\z/) {
        sysread($s, $replies, 1 << 20, length $replies)
            or die "redis-server closed\n";
    }
    die "the script failed: $1\n" if $replies =~ /^-(.*)/m;

    print $s resp('SHUTDOWN', 'NOSAVE');
    waitpid $pid, 0;

    open my $fh, '-|', 'callgrind_annotate', '--inclusive=yes', $out
        or die "callgrind_annotate: $!\n";
    while (<$fh>) {
        return $1 =~ s/,//gr if /^\s*([\d,]+) .*evalShaCommand/;
    }
    die "no evalShaCommand in the profile\n";
}

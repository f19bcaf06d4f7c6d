package EgovTest::Gdb;

# Holds an nginx worker with gdb, for the tests of races between workers
# or threads: a breakpoint's commands act (a shell command, a kill) while
# the worker waits there, then let it go.
#
#   EgovTest::Gdb::require_gdb();
#   my $gdb = EgovTest::Gdb::attach($n, $worker_pid, <<"END");
#   break ngx_http_egov_fleet_observe
#   commands 1
#     shell perl $p/act.pl
#     delete
#     detach
#     quit
#   end
#   END
#   ... requests; EgovTest::Gdb::output($n) has what gdb said ...
#   waitpid $gdb, 0;

use strict;
use warnings;
use Test::More;
use Time::HiRes qw(sleep time);

our $GDB = '/usr/bin/gdb';

sub require_gdb {
    -x $GDB or plan skip_all => 'gdb is not installed';
    $> == 0 or plan skip_all => 'gdb attaches to the worker as root';
}

sub output {
    my ($n) = @_;
    return $n->read_file('gdb.out') // '';
}

# starts gdb on $pid with the breakpoints of $script, in the background,
# its output in the nginx prefix's gdb.out; returns gdb's pid once gdb
# holds the process (a test says whether it does)
sub attach {
    my ($n, $pid, $script, %opt) = @_;
    my $p = $n->prefix;

    $n->write_file('gdb.cmd', "set pagination off\n$script"
                              . "echo attached\\n\ncontinue\n");
    unlink "$p/gdb.out";

    my $gdb = fork // die "fork: $!";
    if ($gdb == 0) {
        exec "$GDB -q -batch -p $pid -x $p/gdb.cmd > $p/gdb.out 2>&1";
        exit 1;
    }

    my $until = time + ($opt{timeout} // 30);
    sleep 0.1 while time < $until && output($n) !~ /attached/;
    like(output($n), qr/attached/, $opt{name} // 'gdb holds the worker')
        or diag output($n);

    return $gdb;
}

1;

#!/usr/bin/perl
# A page kept in the worker's memory is kept under the version its file had
# before it was read.  With aio threads the read is done in a thread and
# the filter runs again when it is done; a file rewritten in place in
# between (same size) must not stay cached under the new version's name
# with the old bytes.  gdb stops the worker where the filter resumes after
# the thread's read, and the file is rewritten there.

use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Time::HiRes qw(sleep time);
use EgovTest;
use EgovTest::Nginx;
use EgovTest::Gdb;

EgovTest::Gdb::require_gdb();
!EgovTest::Nginx::sanitized()
    or plan skip_all => 'the thread race is played on the dynamic module';

my $n = EgovTest::Nginx->new;
my $v1 = "<!doctype html><html><body><h1>Version ONE</h1>"
       . ("<p>x</p>\n" x 50) . "</body></html>\n";
(my $v2 = $v1) =~ s/ONE/TWO/;
my $page = $n->write_file('html/t.html', $v1);
$n->start(http_config => "egov_consent on;\negov_consent_categories analytics;\n"
                         . "sendfile on;\n",
          config => "location / { aio threads; }\n"
                    . "location /plain/ { alias html/; egov_consent off; }\n");
# on a loaded machine the worker may come a moment after the master
my $worker;
for (1 .. 200) {
    ($worker) = $n->worker_pids;
    last if $worker;
    sleep 0.05;
}
unless (ok($worker, 'the worker is found')) {
    $n->stop;
    done_testing();
    exit;
}
my $p = $n->prefix;

# the second call of the file's filter is the resume after the thread's
# read: there the file changes in place, then gdb lets the worker go on
my $pid = EgovTest::Gdb::attach($n, $worker, <<"END");
break ngx_http_egov_banner_file
ignore 1 1
commands 1
  shell perl -e 'open F, "+<", "$page" or die; print F "<!doctype html><html><body><h1>Version TWO"; close F'
  delete
  detach
  quit
end
END

my $r = $n->request(uri => '/t.html', timeout => 30);
like($r->body, qr/Version ONE/, 'the first response: the bytes read before the change');
waitpid $pid, 0;
like($n->read_file('gdb.out'), qr/Breakpoint 1, ngx_http_egov_banner_file/,
     '... the file changed where the filter resumed after the thread\'s read');
like($n->error_log, qr/thread read handler/, '... which was a thread\'s');

like($n->request(uri => '/plain/t.html')->body, qr/Version TWO/, 'plain nginx: the new page');
for my $i (1 .. 2) {
    like($n->request(uri => '/t.html')->body, qr/Version TWO/,
         "with the banner ($i): the new page, not the old one kept under its name");
}

$n->stop;
check_log_clean($n);
done_testing();

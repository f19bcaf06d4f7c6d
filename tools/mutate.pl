#!/usr/bin/perl
# make mutate: each mutation of tools/mutations.txt (a plausible one-line
# bug in security or privacy code) is applied to a copy of the sources,
# the module built, and the tests named with it run against that module.
# A mutation the tests do not notice survives: the tests would not notice
# that bug either.  Prints each result; exits 1 when one survives.
#
# usage: tools/mutate.pl [NAME-PATTERN]    (from the repository's top)

use strict;
use warnings;
use Cwd qw(abs_path getcwd);
use File::Path qw(make_path remove_tree);

my $only = shift // '';
my $top = getcwd;
my $work = "$top/build/mutate";
my $src = "$work/src";
my $nginx_src = $ENV{NGINX_SRC} || '/usr/share/nginx/src';

# the mutations: "== NAME", "file:", "tests:", "-" the line as it is
# (a unique substring), "+" what it becomes
my (@mutations, $m);
open my $fh, '<', 'tools/mutations.txt' or die "tools/mutations.txt: $!";
while (my $line = <$fh>) {
    chomp $line;
    next if $line =~ /^\s*(#|$)/;
    if ($line =~ /^== (.+)$/) {
        $m = { name => $1 };
        push @mutations, $m;
    } elsif ($line =~ /^file: (\S+)$/) {
        $m->{file} = $1;
    } elsif ($line =~ /^tests: (.+)$/) {
        $m->{tests} = [ split ' ', $1 ];
    } elsif ($line =~ /^- (.*)$/) {
        $m->{from} = $1;
    } elsif ($line =~ /^\+ (.*)$/) {
        $m->{to} = $1;
    } else {
        die "tools/mutations.txt: cannot read \"$line\"\n";
    }
}
close $fh;

for my $x (@mutations) {
    for my $k (qw(file tests from to)) {
        die "mutation \"$x->{name}\" has no $k\n" unless defined $x->{$k};
    }
}

# a copy of the sources the mutations change, and of the tests (the unit
# tests build the plain C files from there); the browser tests' packages
# are linked, not copied
remove_tree($src);
make_path("$src/t");
system('cp', '-a', 'config', 'ngx_egov_module', 'tools', 'fuzz', $src) == 0
    or die "copying the sources failed\n";
opendir my $td, 't' or die "t: $!";
for my $e (grep { !/^\.\.?$/ } readdir $td) {
    if ($e eq 'browser') {
        symlink("$top/t/browser", "$src/t/browser") or die "symlink: $!";
    } else {
        system('cp', '-a', "t/$e", "$src/t/") == 0 or die "copying t/$e\n";
    }
}
closedir $td;

sub slurp { local (@ARGV, $/) = @_; return <> }

sub spew {
    my ($file, $text) = @_;
    open my $out, '>', $file or die "$file: $!";
    print $out $text;
    close $out;
}

my ($killed, @survivors, @broken) = (0);

for my $x (@mutations) {
    next if $only && $x->{name} !~ /$only/;

    my $path = "$src/$x->{file}";
    my $orig = slurp($path);
    my $count = () = $orig =~ /\Q$x->{from}\E/g;

    if ($count != 1) {
        push @broken, "$x->{name}: the line is found $count times in $x->{file}";
        print "BROKEN   $x->{name}: the line is found $count times\n";
        next;
    }

    (my $mutant = $orig) =~ s/\Q$x->{from}\E/$x->{to}/;
    spew($path, $mutant);

    my $so = "$work/ngx_http_egov_module.so";
    my $build = `cd $src && $top/tools/build-module.sh $nginx_src $work/nginx $so 2>&1`;

    if ($?) {
        spew($path, $orig);
        push @broken, "$x->{name}: does not build";
        print "BROKEN   $x->{name}: does not build\n$build\n";
        next;
    }

    local $ENV{EGOV_MODULE} = $so;
    local $ENV{EGOV_NGINX} = $ENV{EGOV_NGINX} || '/usr/sbin/nginx';
    local $ENV{EGOVCTL} = $ENV{EGOVCTL} || "$top/build/egovctl";
    # the unit tests build the plain C files now: the mutant stays till then
    my $out = `cd $src && prove @{ $x->{tests} } 2>&1`;
    my $rc = $?;

    spew($path, $orig);

    if ($rc == 0) {
        push @survivors, $x->{name};
        print "SURVIVED $x->{name} ($x->{file}; @{ $x->{tests} })\n";
    } else {
        $killed++;
        print "killed   $x->{name}\n";
    }
}

print "\n$killed killed, " . scalar(@survivors) . " survived, "
    . scalar(@broken) . " broken\n";
print "survivors:\n", map { "  $_\n" } @survivors if @survivors;
print "broken:\n", map { "  $_\n" } @broken if @broken;

exit(@survivors || @broken ? 1 : 0);

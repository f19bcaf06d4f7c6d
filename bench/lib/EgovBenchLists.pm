package EgovBenchLists;

# Block lists for the protection benchmarks: N entries spread over the
# IPv4 space (never 127/8, so the benchmark's own client is not listed).

use strict;
use warnings;

sub list_text {
    my ($count) = @_;
    srand(42);
    my $list = '';
    for my $i (1 .. $count) {
        my $a = int(rand(126)) + 1;
        $a += 1 if $a >= 127;
        $list .= $i % 10
            ? sprintf("%d.%d.%d.%d\n", $a, int(rand(256)), int(rand(256)), int(rand(256)))
            : sprintf("%d.%d.%d.0/24\n", $a, int(rand(256)), int(rand(256)));
    }
    return $list;
}

sub write_list {
    my ($nginx, $name, $count) = @_;
    $nginx->write_file("html/$name", list_text($count));
}

# the "egov: list ..." line nginx -t prints: entries, memory, load time
sub load_report {
    my ($nginx) = @_;
    my ($rc, $out) = $nginx->run_nginx('-t');
    return [ map { "list: $_" } $out =~ /egov: list "\S+?([^\/]+)": (.*)/g
             ? join(' ', $out =~ /egov: list "\S+?([^\/]+)": (.*)/) : "no load line: $out" ];
}

1;

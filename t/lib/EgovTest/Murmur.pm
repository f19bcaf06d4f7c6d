package EgovTest::Murmur;

# nginx's ngx_murmur_hash2(), for tests that need two inputs in one slot
# of a per-worker memory the module indexes by it.

use strict;
use warnings;
use Exporter 'import';

our @EXPORT_OK = qw(murmur2);

sub murmur2 {
    my ($data) = @_;
    my $m = 0x5bd1e995;
    my $len = length $data;
    my $h = $len & 0xffffffff;
    my @b = unpack 'C*', $data;
    my $i = 0;

    while ($len - $i >= 4) {
        my $k = $b[$i] | ($b[$i + 1] << 8) | ($b[$i + 2] << 16)
                | ($b[$i + 3] << 24);
        $k = ($k * $m) & 0xffffffff;
        $k ^= $k >> 24;
        $k = ($k * $m) & 0xffffffff;
        $h = ($h * $m) & 0xffffffff;
        $h ^= $k;
        $i += 4;
    }

    my $left = $len - $i;
    $h ^= $b[$i + 2] << 16 if $left >= 3;
    $h ^= $b[$i + 1] << 8 if $left >= 2;
    if ($left >= 1) {
        $h ^= $b[$i];
        $h = ($h * $m) & 0xffffffff;
    }

    $h ^= $h >> 13;
    $h = ($h * $m) & 0xffffffff;
    $h ^= $h >> 15;

    return $h;
}

1;

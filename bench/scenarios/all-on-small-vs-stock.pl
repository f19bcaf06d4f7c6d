# Issue 16: everything on, small, against stock (bench/lib/EgovBenchAllOn.pm).
use lib "$FindBin::Bin/lib";
use EgovBenchAllOn;
EgovBenchAllOn::scenario('small', 'stock', 1.00);

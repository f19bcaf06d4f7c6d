# Issue 16: everything on, page20, against stock (bench/lib/EgovBenchAllOn.pm).
use lib "$FindBin::Bin/lib";
use EgovBenchAllOn;
EgovBenchAllOn::scenario('page20', 'stock', 1.00);

# Issue 16: everything on, root, against stock (bench/lib/EgovBenchAllOn.pm).
use lib "$FindBin::Bin/lib";
use EgovBenchAllOn;
EgovBenchAllOn::scenario('root', 'stock', 1.00);

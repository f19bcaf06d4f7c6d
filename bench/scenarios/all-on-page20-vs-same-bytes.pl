# Issue 16: everything on, page20, against same-bytes (bench/lib/EgovBenchAllOn.pm).
use lib "$FindBin::Bin/lib";
use EgovBenchAllOn;
EgovBenchAllOn::scenario('page20', 'same-bytes', 0.95);

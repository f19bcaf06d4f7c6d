# Issue 16: everything on, small, against same-bytes (bench/lib/EgovBenchAllOn.pm).
use lib "$FindBin::Bin/lib";
use EgovBenchAllOn;
EgovBenchAllOn::scenario('small', 'same-bytes', 0.95);

# Issue 16: everything on, root, against same-bytes (bench/lib/EgovBenchAllOn.pm).
use lib "$FindBin::Bin/lib";
use EgovBenchAllOn;
EgovBenchAllOn::scenario('root', 'same-bytes', 0.95);

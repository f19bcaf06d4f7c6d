# Issue 16: everything on, the 20 KB page, against plain nginx (>= 0.85).
use lib "$FindBin::Bin/lib";
use EgovBenchAllOn;
EgovBenchAllOn::scenario('page20', 'plain', 0.85);

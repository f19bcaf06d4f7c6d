# Issue 16: each feature alone and everything on, root, against plain nginx:
# a regression points at its feature (table, and a chart with --svg).
use lib "$FindBin::Bin/lib";
use EgovBenchAllOn;
EgovBenchAllOn::features_curve('root');

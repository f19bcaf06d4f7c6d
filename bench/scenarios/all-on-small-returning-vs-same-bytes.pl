# Issue 16: everything on, the small page, a returning visitor (a consent
# cookie granting every category: no banner, the cookie's HMAC checked on
# each request), against same-bytes (bench/lib/EgovBenchAllOn.pm).
use lib "$FindBin::Bin/lib";
use EgovBenchAllOn;
EgovBenchAllOn::scenario('small', 'same-bytes', 0.95, 'returning');

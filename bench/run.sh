#!/bin/sh
# usage: bench/run.sh NGINX_BINARY MODULE_SO [bench.pl options and scenarios]
# Runs the C micro-benchmarks (list lookups), then the wrk comparisons with
# plain nginx; everything printed is also saved in bench/results/.
set -eu
nginx=$1
module=$2
shift 2
mkdir -p bench/results build/bench
out="bench/results/$(date +%Y%m%d-%H%M%S).txt"

cc -O2 -Wall -Ingx_egov_module bench/ipset_lookup.c \
    ngx_egov_module/ngx_egov_cidr.c -o build/bench/ipset_lookup

{
    echo "## block-list lookups (bench/ipset_lookup.c)"
    build/bench/ipset_lookup
    EGOV_NGINX=$nginx EGOV_MODULE=$module perl bench/bench.pl "$@"
} | tee "$out"
echo "# saved in $out"

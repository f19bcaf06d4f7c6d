#!/bin/sh
# usage: bench/run.sh NGINX_BINARY MODULE_SO [scenarios, "memory"]
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
    # "memory" among the scenarios (or none named): bench/memory.pl too,
    # a 1,000,000-entry list and its peak on reload
    memory=0
    [ $# -eq 0 ] && memory=1
    scenarios=""
    for a in "$@"; do
        if [ "$a" = memory ]; then memory=1; else scenarios="$scenarios $a"; fi
    done
    if [ $# -eq 0 ] || [ -n "$scenarios" ]; then
        # shellcheck disable=SC2086
        EGOV_NGINX=$nginx EGOV_MODULE=$module perl bench/bench.pl \
            --svg "${out%.txt}" $scenarios
    fi
    if [ $memory = 1 ]; then
        EGOV_NGINX=$nginx EGOV_MODULE=$module perl bench/memory.pl
    fi
} | tee "$out"
echo "# saved in $out"

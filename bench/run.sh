#!/bin/sh
# usage: bench/run.sh NGINX_BINARY MODULE_SO [bench.pl options and scenarios]
set -eu
nginx=$1
module=$2
shift 2
mkdir -p bench/results
out="bench/results/$(date +%Y%m%d-%H%M%S).txt"
EGOV_NGINX=$nginx EGOV_MODULE=$module perl bench/bench.pl "$@" | tee "$out"
echo "# saved in $out"

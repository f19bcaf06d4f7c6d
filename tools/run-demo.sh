#!/bin/sh
# Starts the demo portal in the foreground: nginx with the module loaded,
# conf.examples/portal.conf, the pages of demo/.  Ctrl-C stops it.
# usage: tools/run-demo.sh NGINX_BINARY MODULE_SO

set -eu

nginx=$1
module=$2
top=$(pwd)

# Under /tmp, so that nginx's workers (user "nobody" when started by root)
# can read the pages even when the checkout is in a private home directory.
run=${EGOV_RUN_DIR:-/tmp/ngx-egov-demo}
rm -rf "$run/html"
mkdir -p "$run/logs" "$run/modules"
cp -R "$top/demo" "$run/html"
chmod -R a+rX "$run"
cp "$module" "$run/modules/ngx_http_egov_module.so"

if command -v ss >/dev/null 2>&1 && ss -ltn 'sport = :8080' | grep -q LISTEN
then
    echo "run-demo: something already listens on port 8080" >&2
    exit 1
fi

"$nginx" -p "$run/" -c "$top/conf.examples/portal.conf" -t -q

cat <<MSG

  Demo portal: http://127.0.0.1:8080/   (Arabic: http://127.0.0.1:8080/ar/)
  Logs:        $run/logs/
  Ctrl-C stops it.

MSG

exec "$nginx" -p "$run/" -c "$top/conf.examples/portal.conf" \
    -g 'daemon off; error_log stderr notice;'

#!/bin/sh
# Installs the Debian packages a target needs, when some are missing.
# usage: tools/deps.sh build|test|bench|package ...
# Quick when nothing is missing: one dpkg-query, no apt-get.

set -eu

pkgs=
for what in "$@"; do
    case $what in
    build)
        pkgs="$pkgs gcc make libc6-dev nginx nginx-dev libpcre2-dev"
        pkgs="$pkgs libssl-dev zlib1g-dev libhiredis-dev"
        ;;
    test)
        pkgs="$pkgs perl libio-socket-ssl-perl redis-server openssl stunnel4"
        pkgs="$pkgs chromium ca-certificates clang libclang-rt-14-dev"
        # t/38: egov_signatures_data reads its data files
        pkgs="$pkgs modsecurity-crs"
        # t/37-ban-on-modsecurity: ModSecurity's refusals feed egov_ban_on
        pkgs="$pkgs libnginx-mod-http-modsecurity"
        # t/43-consent-static-thread-race: gdb holds the worker mid-read
        pkgs="$pkgs gdb"
        # t/51: an HTTP/2 stream (curl --http2-prior-knowledge)
        pkgs="$pkgs curl"
        # t/83 builds and checks the package
        pkgs="$pkgs dpkg-dev debhelper lintian"
        ;;
    bench)
        pkgs="$pkgs wrk"
        ;;
    package)
        pkgs="$pkgs dpkg-dev debhelper lintian nginx-dev"
        ;;
    *)
        echo "tools/deps.sh: unknown set \"$what\"" >&2
        exit 2
        ;;
    esac
done

missing=
for p in $pkgs; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    case $status in
        *"install ok installed"*) ;;
        *) missing="$missing $p" ;;
    esac
done

# Node.js may come from elsewhere than Debian (NodeSource): any node >= 18
# with npm will do for the browser tests.
case " $* " in
    *" test "*)
        if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1
        then
            missing="$missing nodejs npm"
        fi
        ;;
esac

[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
    echo "tools/deps.sh: missing packages:$missing" >&2
    echo "tools/deps.sh: run as root, or: sudo apt-get install$missing" >&2
    exit 1
fi

echo "tools/deps.sh: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q || apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing

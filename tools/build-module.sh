#!/bin/bash
# Builds ngx_http_egov_module.so against an nginx source tree.
# usage: tools/build-module.sh NGINX_SRC BUILD_DIR OUTPUT
#
# NGINX_SRC is Debian's nginx-dev tree (/usr/share/nginx/src, headers and
# configure only) or any full nginx source tree.  Debian's tree carries the
# flags its nginx was configured with (conf_flags): we use them, so that the
# module is binary compatible with /usr/sbin/nginx.  The tree is copied to
# BUILD_DIR, configure runs there, and "make modules" compiles only ours.

set -euo pipefail

src=$1
dir=$2
out=$3
top=$(pwd)

if [ ! -x "$src/configure" ]; then
    echo "build-module: $src is not an nginx source tree (no configure)" >&2
    exit 1
fi

if [ ! -f "$dir/.egov-source" ] || [ "$(cat "$dir/.egov-source")" != "$src" ]
then
    rm -rf "$dir"
    mkdir -p "$dir"
    cp -a "$src"/. "$dir"/
    echo "$src" > "$dir/.egov-source"
fi

# configure again when config or the banner's files (made into C by
# config) changed
stale() {
    [ ! -f "$1/objs/Makefile" ] && return 0
    [ -n "$(find "$top/config" "$top/ngx_egov_module/banner" \
              -newer "$1/objs/Makefile" 2>/dev/null)" ]
}

if stale "$dir"
then
    flags=()
    if [ -f "$src/conf_flags" ]; then
        # shellcheck disable=SC1091
        . "$src/conf_flags"
        flags=("${NGX_CONF_FLAGS[@]}")
    else
        flags=(--with-compat --with-http_ssl_module --with-http_realip_module)
    fi

    (cd "$dir" && ./configure "${flags[@]}" \
        --with-cc-opt="-g -O2 -fstack-protector-strong -Wformat \
-Werror=format-security -fPIC -Wdate-time -D_FORTIFY_SOURCE=2" \
        --with-ld-opt="-Wl,-z,relro -Wl,-z,now -fPIC" \
        --add-dynamic-module="$top") > "$dir/configure.log" 2>&1 || {
            tail -30 "$dir/configure.log" >&2
            echo "build-module: configure failed, see $dir/configure.log" >&2
            exit 1
        }
fi

make -s -C "$dir" -f objs/Makefile modules
mkdir -p "$(dirname "$out")"
cp "$dir/objs/ngx_http_egov_module.so" "$out.tmp"
mv "$out.tmp" "$out"

#!/bin/bash
# Builds a complete nginx, from Debian's own upstream tarball, with
# AddressSanitizer and UndefinedBehaviorSanitizer and NGX_DEBUG_PALLOC (every
# pool allocation its own malloc, so overflows inside pools are caught too),
# with this module linked in statically.  The test suite runs against it
# with "make test SANITIZE=1"; it also proves the static build works.
# usage: tools/build-sanitized-nginx.sh BUILD_DIR    (makes BUILD_DIR/sbin/nginx)

set -euo pipefail

dir=$1
top=$(pwd)
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

tarball=$(tools/nginx-orig-source.sh "$dir/download")
src="$dir/src"

if [ ! -f "$src/.egov-tarball" ] || [ "$(cat "$src/.egov-tarball")" != "$tarball" ]
then
    rm -rf "$src"
    mkdir -p "$src"
    tar -xzf "$tarball" -C "$src" --strip-components=1
    echo "$tarball" > "$src/.egov-tarball"
fi

san="-fsanitize=address,undefined"
# nginx reads unaligned words on purpose (NGX_HAVE_NONALIGNED), and copies
# zero bytes from NULL (ngx_cpymem(p, NULL, 0)) all over: both are nginx's
# own conventions, not bugs this suite should report
san="$san -fno-sanitize=alignment,nonnull-attribute"

# configure again when config, this script or the banner's files (made
# into C by config) changed
stale() {
    [ ! -f "$1/objs/Makefile" ] && return 0
    [ -n "$(find "$top/config" "$0" "$top/ngx_egov_module/banner" \
              -newer "$1/objs/Makefile" 2>/dev/null)" ]
}

if stale "$src"
then
    (cd "$src" && ./configure \
        --prefix="$dir" \
        --with-debug \
        --with-compat \
        --with-threads \
        --with-pcre-jit \
        --with-http_ssl_module \
        --with-http_v2_module \
        --with-http_realip_module \
        --with-http_stub_status_module \
        --with-http_auth_request_module \
        --with-http_sub_module \
        --with-http_slice_module \
        --with-http_addition_module \
        --with-http_gunzip_module \
        --with-cc-opt="-O1 -g -fno-omit-frame-pointer $san -DNGX_DEBUG_PALLOC=1" \
        --with-ld-opt="$san" \
        --add-module="$top") > "$dir/configure.log" 2>&1 || {
            tail -30 "$dir/configure.log" >&2
            echo "build-sanitized-nginx: configure failed, see $dir/configure.log" >&2
            exit 1
        }
fi

make -s -C "$src" -f objs/Makefile -j"$(nproc)"
mkdir -p "$dir/sbin"
cp "$src/objs/nginx" "$dir/sbin/nginx.tmp"
mv "$dir/sbin/nginx.tmp" "$dir/sbin/nginx"

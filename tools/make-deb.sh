#!/bin/sh
# usage: tools/make-deb.sh BUILD_DIR
# Builds the Debian packages the Debian way: dpkg-buildpackage with
# debian/ (debhelper, dh_nginx) in a clean copy of the sources under
# BUILD_DIR/pkg, so that "debian/rules clean" never touches this tree.
# The packages end in BUILD_DIR: libnginx-mod-http-egov_VERSION_ARCH.deb
# and its -dbgsym package.
set -eu
build=$1
version=$(dpkg-parsechangelog -S Version)
pkg=$build/pkg
src=$pkg/ngx-egov-module-$version

rm -rf "$pkg"
mkdir -p "$src"

if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files -z | xargs -0 cp --parents -t "$src"
else
    tar -cf - --exclude=./build --exclude=./.git \
        --exclude=./t/browser/node_modules . | tar -C "$src" -xf -
fi

(cd "$src" && dpkg-buildpackage -b -us -uc) > "$pkg/build.log" 2>&1 || {
    tail -40 "$pkg/build.log" >&2
    echo "make-deb: dpkg-buildpackage failed, see $pkg/build.log" >&2
    exit 1
}

rm -f "$build"/libnginx-mod-http-egov*.deb
cp "$pkg"/libnginx-mod-http-egov*.deb "$build"/
ls "$build"/libnginx-mod-http-egov*.deb

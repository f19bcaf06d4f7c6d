#!/bin/sh
# usage: tools/make-deb.sh STAGE OUT.deb
# Builds the Debian package from a "make install DESTDIR=STAGE" tree, with
# the control file and maintainer scripts of packaging/.
set -eu
stage=$1
out=$2
version=$(sed -n 's/^#define NGX_HTTP_EGOV_VERSION *"\(.*\)"/\1/p' \
          ngx_egov_module/ngx_http_egov_module.h)-1
arch=$(dpkg --print-architecture)

mkdir -p "$stage/DEBIAN"
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" packaging/control.in \
    > "$stage/DEBIAN/control"
install -m 755 packaging/postinst packaging/postrm "$stage/DEBIAN/"

dpkg-deb --root-owner-group --build "$stage" "$out" >/dev/null
echo "built $out ($version, $arch)"

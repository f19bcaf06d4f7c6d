#!/bin/sh
# Turns the banner's files (templates, style, script, translations) into C,
# so that an installed module needs nothing beside itself.  Run by "config"
# when nginx is configured; writes the C source on standard output.
# usage: embed.sh DIR

set -eu

dir=$1
files="banner.html link.html page.html embed.html banner.css link.css embed.css banner.js en.txt ar.txt challenge.js"

echo "/* generated from ngx_egov_module/banner/ by embed.sh: do not edit */"
echo
echo "#include <ngx_config.h>"
echo "#include <ngx_core.h>"
echo

n=0
for f in $files; do
    echo "static u_char  ngx_egov_asset_$n[] = {"
    # an asset's bytes: its file, and for banner.css also the settings
    # link's style, which the banner's script leaves behind on the page
    case $f in
    banner.css) cat "$dir/banner.css" "$dir/link.css" ;;
    *) cat "$dir/$f" ;;
    esac | od -An -v -tx1 \
        | sed -e 's/ *\([0-9a-f][0-9a-f]\)/0x\1, /g' \
              -e 's/^/    /' -e 's/, *$/,/'
    echo "    0"
    echo "};"
    echo
    n=$((n + 1))
done

echo "ngx_str_t  ngx_egov_banner_assets[][2] = {"
n=0
for f in $files; do
    echo "    { ngx_string(\"$f\"),"
    echo "      { sizeof(ngx_egov_asset_$n) - 1, ngx_egov_asset_$n } },"
    n=$((n + 1))
done
echo "    { ngx_null_string, ngx_null_string }"
echo "};"

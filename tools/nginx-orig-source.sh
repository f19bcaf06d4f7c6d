#!/bin/bash
# Fetches the upstream nginx source tarball that Debian's nginx package is
# built from (nginx_VERSION.orig.tar.gz), through apt only: a temporary
# deb-src list for the Debian mirror this machine already uses, passed to
# apt-get with -o options, so the system's own lists stay untouched.
# usage: tools/nginx-orig-source.sh DIR     (prints the tarball's path)

set -euo pipefail

dir=$1
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

# nginx 1.22.1 as published on nginx.org, which is Debian 12's orig tarball
known_sum=9ebb333a9e82b952acd3e2b4aeb1d4ff6406f72491bab6cd9fe69f0dea737f31

found() {
    local f
    for f in "$dir"/nginx_*.orig.tar.gz; do
        [ -f "$f" ] && echo "$f" && return 0
    done
    return 0
}

tarball=$(found)
if [ -n "$tarball" ]; then
    echo "$tarball"
    exit 0
fi

apt_dir="$dir/apt"
rm -rf "$apt_dir"
mkdir -p "$apt_dir/lists/partial" "$apt_dir/parts"
list="$apt_dir/sources.list"
: > "$list"

# one-line format: "deb [opts] URI suite comp..." -> deb-src
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    grep -E '^[[:space:]]*deb[[:space:]]' "$f" | grep -v security \
        | sed -E 's/^[[:space:]]*deb[[:space:]]/deb-src /' >> "$list" || true
done

# deb822 format: each stanza with "Types: deb", security suites left out
# (their pool may lack a source package the main archive has)
for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk -v RS= -v ORS='\n\n' '
        /(^|\n)Types:[^\n]*deb/ && !/security/ && /debian/ {
            sub(/Types:[^\n]*/, "Types: deb-src"); print
        }' "$f" >> "$apt_dir/parts/debian-src.sources"
done

opts=(-o "Dir::Etc::sourcelist=$list"
      -o "Dir::Etc::sourceparts=$apt_dir/parts"
      -o "Dir::State::Lists=$apt_dir/lists"
      -o "Debug::NoLocking=1"
      -o "APT::Sandbox::User=root")

apt-get -q "${opts[@]}" update >&2
(cd "$dir" && apt-get -q "${opts[@]}" source --download-only nginx >&2)

tarball=$(found)
if [ -z "$tarball" ]; then
    echo "nginx-orig-source: apt-get source brought no orig tarball" >&2
    exit 1
fi

case $tarball in
*/nginx_1.22.1.orig.tar.gz)
    sum=$(sha256sum "$tarball" | cut -d' ' -f1)
    if [ "$sum" != "$known_sum" ]; then
        rm -f "$tarball"
        echo "nginx-orig-source: checksum mismatch for $tarball" >&2
        exit 1
    fi
    ;;
esac

echo "$tarball"

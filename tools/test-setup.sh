#!/bin/sh
# What the suite needs beyond Debian packages: the browser tests' npm
# packages (playwright-core, axe-core), from the npm registry, pinned by
# t/browser/package-lock.json.

set -eu

cd t/browser
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
    npm ci --no-audit --no-fund --loglevel=error
    touch node_modules
fi

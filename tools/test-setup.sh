#!/bin/sh
# What the suite needs beyond Debian packages: the browser tests' npm
# packages (playwright-core, axe-core) and the User-Agent corpora of the
# signatures' false-positive test (user-agents, top-user-agents), from the
# npm registry, pinned by t/browser/package-lock.json.

set -eu

cd t/browser
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
    npm ci --no-audit --no-fund --loglevel=error
    touch node_modules
fi

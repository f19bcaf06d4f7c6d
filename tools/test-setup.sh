#!/bin/sh
# What the suite needs beyond Debian packages: the browser tests' npm
# packages (playwright-core, axe-core) and the User-Agent corpora of the
# signatures' false-positive test (user-agents, top-user-agents), from the
# npm registry, pinned by t/browser/package-lock.json.

set -eu

cd t/browser
# a node_modules left empty or part-installed is installed again
if [ ! -d node_modules/playwright-core ] || [ ! -d node_modules/axe-core ] \
   || [ ! -d node_modules/user-agents ] \
   || [ ! -d node_modules/top-user-agents ] \
   || [ package-lock.json -nt node_modules ]; then
    npm ci --no-audit --no-fund --loglevel=error
    touch node_modules
fi

#!/usr/bin/env bash
# Builds the native library (make skips what is up to date) and the TypeScript, skipping
# tsc when nothing it compiles changed since its last build (it takes seconds just to load
# the program even when there is nothing to do).
set -euo pipefail
cd "$(dirname "$0")/.."
make -s -C native
stamp=dist/.build-stamp
if [ ! -f "$stamp" ] || [ -n "$(find src bench protos tsconfig.json package-lock.json -newer "$stamp" -print -quit)" ]; then
  # The stamp is taken before tsc starts, so a file edited while it runs is compiled next time.
  started=$(mktemp)
  node_modules/.bin/tsc -p tsconfig.json
  mv "$started" "$stamp"
fi

#!/usr/bin/env bash
# Builds the native library (make skips what is up to date) and the TypeScript (incremental).
set -euo pipefail
cd "$(dirname "$0")/.."
make -s -C native
node_modules/.bin/tsc -p tsconfig.json

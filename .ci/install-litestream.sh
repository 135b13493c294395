#!/usr/bin/env bash
# Installs the reference Litestream v0.3.13 binary for interop tests, when npm is available.
# Tests that need it skip without it, except under CI=true where they fail.
set -u
dir="$1"; pkg="$2"
bin="$dir/node_modules/@flydotio/litestream-linux-x64/litestream"
if [ -x "$bin" ]; then exit 0; fi
if ! command -v npm >/dev/null 2>&1; then
  echo "npm not found: interop tests with the reference litestream binary will skip" >&2
  exit 0
fi
mkdir -p "$dir"
npm install --no-audit --no-fund --prefix "$dir" "$pkg" >/dev/null 2>&1 \
  || echo "npm install $pkg failed: interop tests will skip (or fail under CI=true)" >&2
exit 0

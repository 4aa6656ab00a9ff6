#!/usr/bin/env bash
# Build the release `chalk` as one fully static executable at dist/chalk:
# static glibc + Swift runtime, a minimal libcurl (HTTP/HTTPS, c-ares) built from Debian's curl
# source, OpenSSL, zlib. Recipe and pitfalls: ../shared/STATIC-BUILD.md.
#
# usage: scripts/build-static.sh        (env CHALK_CURL_SRC=DIR to build curl from a local copy)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CURL_PREFIX=$ROOT/.build-static-curl/prefix

if [ ! -f "$CURL_PREFIX/lib/libcurl.a" ]; then
  echo "== building static libcurl into $CURL_PREFIX" >&2
  bash scripts/build-static-curl.sh "$CURL_PREFIX" ${CHALK_CURL_SRC:-} >&2
fi

echo "== building static chalk" >&2
LOG=$(mktemp)
if ! CHALK_STATIC_CURL="$CURL_PREFIX" swift build -c release --product chalk --scratch-path .build-static \
     -Xswiftc -static-executable >"$LOG" 2>&1; then
  # Link warnings about getaddrinfo/dlopen in static binaries are expected; show the errors.
  grep -E "error" "$LOG" | grep -v "requires at runtime" | head -40 >&2
  echo "static build failed (full log: $LOG)" >&2
  exit 1
fi
rm -f "$LOG"
# exec's workload starts at the ELF entry point, before glibc's start-up (Package.swift,
# CExecLaunch): the binary must start there, be non-PIE (the launcher's data is not relocated
# yet), and the launcher must reach no libc code.
BIN=.build-static/release/chalk
readelf -h "$BIN" | grep -q "Type:.*EXEC" || { echo "$BIN: not a non-PIE executable" >&2; exit 1; }
entry=$(readelf -h "$BIN" | awk '/Entry point/ { print $4 }')
[ "$((entry))" = "$((0x$(nm "$BIN" | awk '$3 == "chalk_entry" { print $1 }')))" ] \
  || { echo "$BIN: entry point $entry is not chalk_entry" >&2; exit 1; }
python3 scripts/check-entry-launcher.py "$BIN"
mkdir -p dist
strip -o dist/chalk.tmp .build-static/release/chalk
mv dist/chalk.tmp dist/chalk
if (ldd dist/chalk 2>&1 || true) | grep -q "not a dynamic executable"; then
  echo "dist/chalk: static ($(du -h dist/chalk | cut -f1))" >&2
else
  echo "dist/chalk is not static:" >&2; ldd dist/chalk >&2; exit 1
fi

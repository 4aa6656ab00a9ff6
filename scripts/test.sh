#!/usr/bin/env bash
# Sets up and runs all of chalk's tests on a fresh Debian 12 machine:
# installs what is missing, builds chalk (debug) and the static release binary (dist/chalk),
# checks that it is static and runs in an empty root, then runs the Swift Testing suites.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh

echo "== swift build" >&2
swift build 2>&1 | grep -E "error|warning:|Compiling|Build complete" | grep -v "^\[" >&2 || true
swift build >/dev/null   # fail here if the build failed

echo "== static build" >&2
bash scripts/build-static.sh
bash scripts/smoke-static.sh dist/chalk

echo "== swift test" >&2
export CHALK_BIN="$PWD/.build/debug/chalk" CHALK_STATIC_BIN="$PWD/dist/chalk"
swift test --no-parallel 2>&1 | tee .build/test.log | grep -v -E "^\[[0-9]+/[0-9]+\]"
exit "${PIPESTATUS[0]}"

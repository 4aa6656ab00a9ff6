#!/usr/bin/env bash
# Smoke test of the static binary: `ldd` must call it "not a dynamic executable", and it must
# run in an empty root with only /proc mounted (as in a FROM scratch image).
set -euo pipefail
BIN=$(realpath "${1:-dist/chalk}")
(ldd "$BIN" 2>&1 || true) | grep -q "not a dynamic executable" || { echo "smoke: $BIN is dynamic" >&2; exit 1; }
if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null; then
  echo "smoke: not root, skipping the empty-root run" >&2; exit 0
fi
ROOT=$(mktemp -d); trap 'rm -rf "$ROOT"' EXIT
mkdir -p "$ROOT/proc" "$ROOT/tmp"
cp "$BIN" "$ROOT/chalk"
out=$(unshare -fpm --propagation private /bin/sh -c \
  'mount -t proc proc "$0/proc" && exec /usr/bin/env -i PATH=/ /usr/sbin/chroot "$0" /chalk --version' "$ROOT")
echo "smoke: dist/chalk --version in an empty root: $out" >&2
[ -n "$out" ]

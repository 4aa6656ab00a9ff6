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
mkdir -p "$ROOT/proc" "$ROOT/tmp" "$ROOT/work"
cp "$BIN" "$ROOT/chalk"
cp /bin/true "$ROOT/work/true"
cp /bin/busybox "$ROOT/work/busybox"   # a static workload (busybox-static)
inroot() {
  unshare -fpm --propagation private /bin/sh -c \
    'mount -t proc proc "$0/proc" && exec /usr/bin/env -i PATH=/ HOME=/tmp /usr/sbin/chroot "$0" "$@"' "$ROOT" "$@"
}
out=$(inroot /chalk --version)
echo "smoke: dist/chalk --version in an empty root: $out" >&2
[ -n "$out" ]
# Mark an ELF, validate it, and run a workload under chalk exec, all in the empty root.
inroot /chalk insert --log-level error /work/true
inroot /chalk extract --log-level error /work/true
inroot /chalk exec -- /work/busybox true
grep -q '"_VALIDATED_METADATA" : true' "$ROOT/tmp/.local/chalk/chalk.log" \
  || { echo "smoke: extract in the empty root did not validate" >&2; exit 1; }
echo "smoke: insert, extract and exec work in an empty root" >&2

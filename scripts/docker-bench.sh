#!/usr/bin/env bash
# Benchmark (not a test): the cost of `chalk docker build` over docker's own floor.
# Times, alternating in one run:
#   (a) chalk docker build of a small cached Dockerfile,
#   (b) plain docker build of the same Dockerfile with a fresh COPY chalk.json + LABEL added by hand
#       (the floor: what marking costs docker itself),
#   (c) the plain cached build,
# and prints the medians and a/b, a/c. Target: a/b <= 1.2.
#
# usage: scripts/docker-bench.sh [CHALK_BINARY] [ROUNDS]
# Uses DOCKER_HOST if set, else starts a private dockerd with scripts/docker-test-env.sh.
# Set DOCKER_BUILDKIT=1 to measure BuildKit. The docker client is /usr/bin/docker (20.10).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CHALK=${1:-$ROOT/.build/debug/chalk}
ROUNDS=${2:-10}
DOCKER=/usr/bin/docker
WORK=$(mktemp -d /tmp/chalk-docker-bench.XXXXXX)
cleanup() {
  if [ -n "${OWN_ENV:-}" ]; then bash "$ROOT/scripts/docker-test-env.sh" stop "$WORK/env" >/dev/null 2>&1 || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
if [ -z "${DOCKER_HOST:-}" ]; then
  OWN_ENV=1
  export "$(bash "$ROOT/scripts/docker-test-env.sh" start "$WORK/env" | tail -1)"
fi
export HOME=$WORK/home PATH=/usr/bin:/bin:/usr/sbin:/sbin
mkdir -p "$HOME"

# A local base image (nothing can be pulled).
if ! $DOCKER image inspect chalk-bench/busybox >/dev/null 2>&1; then
  R=$WORK/root; mkdir -p "$R/bin" "$R/tmp"; cp /usr/bin/busybox "$R/bin/"
  (cd "$R/bin" && for a in $(./busybox --list); do [ -e "$a" ] || ln -s busybox "$a"; done)
  tar -C "$R" -c . | $DOCKER import - chalk-bench/busybox >/dev/null
fi
C=$WORK/ctx; mkdir -p "$C"
echo data >"$C/a.txt"
printf 'FROM chalk-bench/busybox\nCOPY a.txt /a.txt\nRUN cat /a.txt > /b.txt\nCMD ["cat", "/b.txt"]\n' >"$C/Dockerfile"
NET=(); if [ "${DOCKER_BUILDKIT:-0}" = 1 ]; then NET=(--network host); fi
$DOCKER build -q "${NET[@]}" -t bench:c "$C" >/dev/null   # warm the cache

now() { date +%s%N; }
declare -a A B Cc
for i in $(seq 1 "$ROUNDS"); do
  t=$(now); "$CHALK" docker build -q "${NET[@]}" -t bench:a "$C" >/dev/null; A+=($(( $(now) - t )))
  head -c 600 /dev/urandom | base64 -w0 >"$C/chalk.json"
  cp "$C/Dockerfile" "$C/Dockerfile.b"
  printf 'COPY chalk.json /chalk.json\nLABEL run.crashoverride.bench="%s"\n' "$i-$RANDOM" >>"$C/Dockerfile.b"
  t=$(now); $DOCKER build -q "${NET[@]}" -f "$C/Dockerfile.b" -t bench:b "$C" >/dev/null; B+=($(( $(now) - t )))
  t=$(now); $DOCKER build -q "${NET[@]}" -t bench:c "$C" >/dev/null; Cc+=($(( $(now) - t )))
done
median() { printf "%s\n" "$@" | sort -n | awk '{a[NR]=$1} END {printf "%d\n", (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
ma=$(median "${A[@]}"); mb=$(median "${B[@]}"); mc=$(median "${Cc[@]}")
echo "median ms: a (chalk docker build) $((ma/1000000))  b (plain + COPY/LABEL) $((mb/1000000))  c (plain cached) $((mc/1000000))"
awk -v a="$ma" -v b="$mb" -v c="$mc" 'BEGIN { printf "a/b = %.2f   a/c = %.2f   (target a/b <= 1.2)\n", a/b, a/c }'

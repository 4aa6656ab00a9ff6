#!/usr/bin/env bash
# CPU cost of loading the configuration, seen from whole runs: `perf stat` task-clock of
# `chalk exec -- /bin/true` (the exec reporter loads the config on every container start) and
# of `chalk config`, for one or more chalk binaries (e.g. before and after a change).
#
# usage: Benchmarks/config-bench.sh [CHALK_BINARY...]   (default: .build/release/chalk)
#        RUNS=200 by default.
# needs: perf (apt-get install -y linux-perf)
set -euo pipefail
cd "$(dirname "$0")/.."
BINS=("$@")
[ ${#BINS[@]} -gt 0 ] || BINS=(.build/release/chalk)
command -v perf >/dev/null || { echo "missing perf: apt-get install -y linux-perf" >&2; exit 1; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# Reports go to $HOME/.local/chalk/chalk.log: keep them in the scratch dir. No warning about
# not being PID 1.
export HOME=$WORK/home CHALK_SUBREAPER=1
mkdir -p "$HOME"
for b in "${BINS[@]}"; do
  [ -x "$b" ] || { echo "not executable: $b" >&2; exit 1; }
  echo "== $b"
  for cmd in "exec -- /bin/true" "config"; do
    # shellcheck disable=SC2086
    ms=$(perf stat -r "${RUNS:-200}" -e task-clock -x, -- "$b" $cmd 2>&1 >/dev/null | awk -F, '/task-clock/ {print $1}')
    printf '  %-22s %8.2f ms task-clock\n' "chalk $cmd" "$ms"
  done
done

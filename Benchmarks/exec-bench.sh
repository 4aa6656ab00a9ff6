#!/usr/bin/env bash
# Benchmark of `chalk exec` against tini (Debian's dynamically linked package, RULINGS 12):
#   1. the whole run: one hyperfine session of `chalk exec -- /bin/true`, `tini -- /bin/true` and
#      `/bin/true`; prints chalk's added cost (over /bin/true) as a ratio of tini's. For chalk
#      this includes its exec and postexec reports, written before it exits;
#  1b. start-up as the workload sees it (RULINGS 2: what sits in front of the workload): from
#      fork() to the workload's first instruction, and to a dynamic workload's main();
#   2. the supervisor's RSS while the workload sleeps (chalk: after its exec report is written);
#   3. SIGTERM-to-exit latency (signal to the supervisor, workload `sleep`, until it has exited).
# Targets (the exec issue): start-up overhead <= tini's (1b); RSS within 3x tini's.
#
# usage: Benchmarks/exec-bench.sh [CHALK_BINARY]   (default: dist/chalk, else .build/release/chalk)
# needs: apt-get install -y tini hyperfine
set -euo pipefail
cd "$(dirname "$0")/.."
CHALK=${1:-}
if [ -z "$CHALK" ]; then
  for c in dist/chalk .build/release/chalk .build/debug/chalk; do [ -x "$c" ] && { CHALK=$c; break; }; done
fi
[ -x "${CHALK:-}" ] || { echo "no chalk binary (run scripts/build-static.sh)" >&2; exit 1; }
CHALK=$(realpath "$CHALK")
for t in tini hyperfine; do command -v $t >/dev/null || { echo "missing $t: apt-get install -y tini hyperfine" >&2; exit 1; }; done
TINI=$(command -v tini)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# chalk writes its reports to $HOME/.local/chalk/chalk.log: keep them in the scratch dir.
export HOME=$WORK/home
mkdir -p "$HOME"
# Neither tool should warn about not being PID 1 during the runs.
export TINI_SUBREAPER=1 CHALK_SUBREAPER=1
# On a busy machine (CI, builds running) wall-clock start-up figures mostly measure the run
# queue; with real-time priority (root or CAP_SYS_NICE) they measure the programs. NO_RT=1 turns
# this off.
RT=()
if [ -z "${NO_RT:-}" ] && command -v chrt >/dev/null && chrt -f 50 true 2>/dev/null; then
  RT=(chrt -f 50)
  echo "(start-up runs at SCHED_FIFO priority 50: chrt -f 50)"
fi
echo "chalk: $CHALK"
echo "tini:  $TINI ($($TINI --version 2>&1 | head -1))"

echo; echo "== 1. whole run, start-up to exit (hyperfine)"
# From a scratch directory, as a container's workload usually starts (WORKDIR /app, /): run from
# inside a git checkout, chalk's exec report also carries that repository's keys, work-tree
# status included (the default templates ask for _VCS_*), which walks the checkout; that case
# is measured on its own below.
(cd "$WORK" && "${RT[@]}" hyperfine -N --warmup 20 --runs ${RUNS:-300} --export-json "$WORK/h.json" \
  "$CHALK exec -- /bin/true" "$TINI -- /bin/true" "/bin/true" >&2)
# Medians as well as means: this kind of machine is often shared, and means catch the noise.
stat_of() { awk -v key="\"$1\"" '
  /"command"/ { c++ } index($0, key) { v = $2; gsub(/[^0-9.e-]/, "", v); m[c] = v * 1000 }
  END { printf "%.4f %.4f %.4f\n", m[1], m[2], m[3] }' "$WORK/h.json"; }
for stat in mean median; do
  read -r chalk_ms tini_ms true_ms < <(stat_of $stat)
  awk -v s=$stat -v c="$chalk_ms" -v t="$tini_ms" -v b="$true_ms" 'BEGIN {
    printf "%s: chalk exec %.3f ms, tini %.3f ms, /bin/true %.3f ms; ", s, c, t, b
    printf "added cost: chalk %.3f ms, tini %.3f ms, ratio chalk/tini = %.2f\n", c - b, t - b, (c - b) / (t - b) }'
done
echo "(chalk's run includes writing its exec and postexec reports to \$HOME/.local/chalk/chalk.log:"
echo " with /bin/true the workload is gone before the report, so chalk waits for it, up to exec.report_deadline)"
"${RT[@]}" hyperfine -N --warmup 5 --runs 50 --export-json "$WORK/h-repo.json" "$CHALK exec -- /bin/true" >/dev/null 2>&1
awk '/"median"/ { v = $2; gsub(/[^0-9.e-]/, "", v); printf "from this git checkout (%s): chalk exec median %.3f ms\n", ENVIRON["PWD"], v * 1000; exit }' "$WORK/h-repo.json"

echo; echo "== 1b. start-up: launch-to-workload latency (median of ${START_RUNS:=300} runs, Benchmarks/tools/launch.c)"
# What the workload feels: from fork() in the launcher to (a) the workload's first instruction
# (stamp_first: static, no libc, so nothing of its own start-up is counted), and (b) the
# workload's main() (stamp: dynamically linked, so its ld.so start-up runs while the supervisor
# finishes its own start-up, and any competition for the CPU shows).
ratio_line() {  # label direct chalk tini
  awk -v l="$1" -v d="$2" -v c="$3" -v t="$4" 'BEGIN {
    printf "%s: direct %d us, chalk %d us, tini %d us; added: chalk %d us, tini %d us", l, d, c, t, c - d, t - d
    if (t - d > 0) printf ", ratio chalk/tini = %.2f", (c - d) / (t - d)
    printf "\n" }'
}
if CC=$(command -v cc || command -v gcc || command -v clang); then
  "$CC" -O2 -o "$WORK/launch" Benchmarks/tools/launch.c && "$CC" -O2 -o "$WORK/stamp" Benchmarks/tools/stamp.c
  have_first=0
  if [ "$(uname -m)" = x86_64 ] && "$CC" -O2 -static -nostdlib -fno-stack-protector -o "$WORK/stamp_first" \
       Benchmarks/tools/stamp_first.c 2>/dev/null; then have_first=1; fi
  for stamp in stamp_first stamp; do
    [ "$stamp" = stamp_first ] && [ $have_first = 0 ] && { echo "(first-instruction stamp skipped: not x86_64)"; continue; }
    d_us=$("${RT[@]}" "$WORK/launch" "$START_RUNS" "$WORK/$stamp")
    c_us=$("${RT[@]}" "$WORK/launch" "$START_RUNS" "$CHALK" exec -- "$WORK/$stamp")
    t_us=$("${RT[@]}" "$WORK/launch" "$START_RUNS" "$TINI" -- "$WORK/$stamp")
    if [ "$stamp" = stamp_first ]; then label="to the workload's first instruction"; else label="to the workload's main()"; fi
    ratio_line "$label" "$d_us" "$c_us" "$t_us"
  done
else
  echo "(skipped: no C compiler)"
fi

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
first_child() { local p=$1 c=""; for _ in $(seq 1 500); do c=$(cat "/proc/$p/task/$p/children" 2>/dev/null | awk '{print $1}'); [ -n "$c" ] && break; sleep 0.01; done; echo "$c"; }

echo; echo "== 2. supervisor RSS while the workload sleeps"
rm -f "$HOME/.local/chalk/chalk.log"
"$CHALK" exec -- sleep 30 & CP=$!
for _ in $(seq 1 500); do grep -q '"_OPERATION": "exec"' "$HOME/.local/chalk/chalk.log" 2>/dev/null && break; sleep 0.01; done
sleep 0.3   # the reporter gives memory back right after writing the exec report
"$TINI" -- sleep 30 & TP=$!
sleep 0.3
chalk_rss=$(rss_kb $CP); tini_rss=$(rss_kb $TP)
kill -TERM $CP $TP; wait $CP $TP 2>/dev/null || true
awk -v c="$chalk_rss" -v t="$tini_rss" 'BEGIN { printf "VmRSS: chalk %d kB, tini %d kB, ratio chalk/tini = %.2f\n", c, t, c / t }'

echo; echo "== 3. SIGTERM-to-exit latency (mean of ${LAT_RUNS:=20} runs)"
latency_ms() {
  local total=0 i pid start end
  for i in $(seq 1 "$LAT_RUNS"); do
    "$@" & pid=$!
    [ -n "$(first_child $pid)" ] || { echo "workload did not start" >&2; exit 1; }
    sleep 0.05
    start=$(date +%s%N); kill -TERM $pid; wait $pid 2>/dev/null || true; end=$(date +%s%N)
    total=$((total + end - start))
  done
  awk -v t=$total -v n="$LAT_RUNS" 'BEGIN { printf "%.3f", t / n / 1e6 }'
}
chalk_lat=$(latency_ms "$CHALK" exec -- sleep 100)
tini_lat=$(latency_ms "$TINI" -- sleep 100)
awk -v c="$chalk_lat" -v t="$tini_lat" 'BEGIN { printf "SIGTERM to exit: chalk %.3f ms, tini %.3f ms, ratio chalk/tini = %.2f\n", c, t, c / t }'
echo "(chalk's includes writing the postexec report, bounded by exec.report_deadline)"

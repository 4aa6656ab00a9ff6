#!/usr/bin/env bash
# Side-by-side ingest benchmark: chalk-server (SQLite) against Chalk's reference server
# (FastAPI + SQLAlchemy + SQLite, set up by ../shared/refserver), then two chalk-server
# instances on one PostgreSQL. The same load for each: insert and exec reports as chalk's post
# sink sends them (Benchmarks/fixtures: captured from chalk, every report new: see
# fixtures/README.md), 1 and 10 per POST, over 1, 8 and 32 keep-alive connections.
# Prints reports/s and p99 for both, the ratios, and for each server how many reports were
# answered 200 and how many its database holds afterwards (they must be equal: the reference
# answers 202 or 400 when it stores nothing, and those are not counted as answered).
#
# Usage: Benchmarks/server-bench.sh [--seconds S] [--no-reference] [--no-postgres]
# Env:   REFSERVER_DIR (default: ../shared/refserver next to the repo, or /work/shared/refserver)
#        MIRROR_ROOT / CHALK_MIRROR: where a clone of crashappsec/chalk is (for the reference)
# Everything runs on 127.0.0.1 and stops by itself; scratch files go under a temp dir.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

SECONDS_PER_POINT=5
WITH_REF=1
WITH_PG=1
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECONDS_PER_POINT=$2; shift 2 ;;
    --no-reference) WITH_REF=0; shift ;;
    --no-postgres) WITH_PG=0; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done

say() { echo "server-bench: $*" >&2; }
WORK=$(mktemp -d /tmp/server-bench.XXXXXX)
PIDS=()
PG_DIR=""
cleanup() {
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  [ -n "$REF_PORT_STARTED" ] && "$REFSERVER_DIR/run.sh" stop --port "$REF_PORT_STARTED" >/dev/null 2>&1 || true
  if [ -n "$PG_DIR" ]; then
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$WORK"
}
REF_PORT_STARTED=""
trap cleanup EXIT

# --- build ------------------------------------------------------------------------------------
say "building chalk-server (release) and the load generator"
swift build -c release --product chalk-server >"$WORK/build.log" 2>&1 || { tail -30 "$WORK/build.log" >&2; exit 1; }
SERVER=$(swift build -c release --show-bin-path)/chalk-server
swiftc -O Benchmarks/server-bench.swift -lcrypto -o "$WORK/server-bench" 2>&1 | grep -v warning >&2 || true
LOAD=$WORK/server-bench
RESULTS=$WORK/results.jsonl
: > "$RESULTS"

# The disk's fsync latency right now: the reference server fsyncs several times per commit, so
# its figures follow this (0.3 ms on a fresh machine here; 4 ms once a few GB were written, as
# the virtual disk throttles). Printed before each server so the table can be read with it.
fsync_probe() {
  python3 - "$WORK/fsync-probe" <<'PY'
import os, sys, time
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
t = []
for _ in range(40):
    os.write(fd, b"x" * 4096)
    s = time.monotonic(); os.fsync(fd); t.append(time.monotonic() - s)
os.close(fd); os.unlink(sys.argv[1])
t.sort()
print(f"{t[len(t) // 2] * 1000:.2f}")
PY
}
# Lets the kernel write back what a server left dirty before the next one starts, so no server
# pays for another's writes.
quiesce() { sync; sleep 2; }
note_disk() {
  local ms; ms=$(fsync_probe)
  say "disk before $1: fsync p50 $ms ms"
  echo "{\"server\":\"$1\",\"fsync_ms\":$ms}" >> "$RESULTS"
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_chalk_server DBURL VAR: starts a server, waits for its "listening" line, sets VAR to its
# port and LAST_PID to its PID (no subshell, so PIDS reaches the cleanup trap).
start_chalk_server() {
  local db=$1 log=$WORK/server-$RANDOM
  "$SERVER" serve --host 127.0.0.1 --port 0 --database "$db" >"$log.out" 2>"$log.err" &
  LAST_PID=$!
  PIDS+=("$LAST_PID")
  for _ in $(seq 1 300); do
    if grep -q "listening on" "$log.out" 2>/dev/null; then
      printf -v "$2" '%s' "$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log.out")"
      return 0
    fi
    sleep 0.1
  done
  cat "$log.err" >&2; return 1
}

# run_points NAME PORTS TOKEN CONNECTION_LIST
run_points() {
  local name=$1 ports=$2 token=$3 conns=$4
  for per in 1 10; do
    for c in $conns; do
      local line
      line=$("$LOAD" --fixtures "$ROOT/Benchmarks/fixtures" --ports "$ports" --connections "$c" --per-post "$per" --seconds "$SECONDS_PER_POINT" --token "$token")
      say "$name per_post=$per connections=$c: $line"
      echo "{\"server\":\"$name\",\"result\":$line}" >> "$RESULTS"
    done
  done
}

# --- the reference server -----------------------------------------------------------------------
REFSERVER_DIR=${REFSERVER_DIR:-}
for d in "$REFSERVER_DIR" "$ROOT/../shared/refserver" "$ROOT/../../shared/refserver" /work/shared/refserver; do
  if [ -n "$d" ] && [ -x "$d/run.sh" ]; then REFSERVER_DIR=$d; break; fi
done
if [ $WITH_REF = 1 ]; then
  if [ -z "$REFSERVER_DIR" ] || [ ! -x "$REFSERVER_DIR/run.sh" ]; then
    say "SKIP reference: no refserver scripts found (set REFSERVER_DIR)"
  elif ! "$REFSERVER_DIR/setup.sh" --check && ! MIRROR_ROOT=${MIRROR_ROOT:-/work/.mirror} "$REFSERVER_DIR/setup.sh" >&2; then
    say "SKIP reference: could not set it up (it needs a clone of crashappsec/chalk: set CHALK_MIRROR)"
  else
    quiesce
    note_disk reference
    REF_PORT=$(free_port)
    REF_DB=$WORK/ref.sqlite
    "$REFSERVER_DIR/run.sh" start --port "$REF_PORT" --no-access-log --db "$REF_DB" >/dev/null
    REF_PORT_STARTED=$REF_PORT
    run_points reference "$REF_PORT" "" "1 8 32"
    "$REFSERVER_DIR/run.sh" stop --port "$REF_PORT" >/dev/null 2>&1 || true
    REF_PORT_STARTED=""
    REF_STORED=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from reports').fetchone()[0])" "$REF_DB")
    echo "{\"server\":\"reference\",\"stored\":$REF_STORED}" >> "$RESULTS"
    rm -f "$REF_DB" "$REF_DB-journal"
  fi
fi

# --- chalk-server on SQLite ---------------------------------------------------------------------
SQLITE_DB=$WORK/chalk-server.sqlite
quiesce
note_disk chalk-server
TOKEN=$("$SERVER" token create --database "sqlite://$SQLITE_DB" --scope write --name bench)
start_chalk_server "sqlite://$SQLITE_DB" PORT
say "chalk-server on 127.0.0.1:$PORT (sqlite $SQLITE_DB)"
run_points chalk-server "$PORT" "$TOKEN" "1 8 32"
kill -TERM "$LAST_PID"; wait "$LAST_PID" || true
CHALK_STORED=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from reports').fetchone()[0])" "$SQLITE_DB")
echo "{\"server\":\"chalk-server\",\"stored\":$CHALK_STORED}" >> "$RESULTS"
# The next server must not pay for this one's writes.
rm -f "$SQLITE_DB" "$SQLITE_DB-wal" "$SQLITE_DB-shm"

# --- two chalk-server instances on one PostgreSQL ------------------------------------------------
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ $WITH_PG = 1 ]; then
  if [ -z "$PG_BIN" ] || ! id postgres >/dev/null 2>&1; then
    say "SKIP postgres: no PostgreSQL server binaries or postgres user"
  else
    quiesce
    note_disk chalk-server-2x-postgres
    chmod 755 "$WORK"  # initdb runs as postgres and must reach its directory
    PG_DIR=$WORK/pg
    PG_PORT=$(free_port)
    mkdir -p "$PG_DIR" && chown postgres "$PG_DIR"
    runuser -u postgres -- "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust --no-sync >/dev/null
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
      -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
    runuser -u postgres -- "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres chalk
    PG_URL="postgres://postgres@127.0.0.1:$PG_PORT/chalk"
    start_chalk_server "$PG_URL" P1; start_chalk_server "$PG_URL" P2
    PG_TOKEN=$("$SERVER" token create --database "$PG_URL" --scope write --name bench)
    say "two chalk-server instances on 127.0.0.1:$P1 and :$P2 (postgres on :$PG_PORT)"
    run_points chalk-server-2x-postgres "$P1,$P2" "$PG_TOKEN" "8 32"
    PG_STORED=$(runuser -u postgres -- "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d chalk -At -c 'select count(*) from reports')
    echo "{\"server\":\"chalk-server-2x-postgres\",\"stored\":$PG_STORED}" >> "$RESULTS"
  fi
fi

# --- the table ----------------------------------------------------------------------------------
python3 - "$RESULTS" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
points, stored, answered, fsync = {}, {}, {}, {}
for r in rows:
    if "stored" in r:
        stored[r["server"]] = r["stored"]; continue
    if "fsync_ms" in r:
        fsync[r["server"]] = r["fsync_ms"]; continue
    res = r["result"]
    points[(r["server"], res["per_post"], res["connections"])] = res
    answered[r["server"]] = answered.get(r["server"], 0) + res["reports_ok"]
print()
print(f'{"per POST":>8} {"conns":>5} | {"chalk-server rep/s":>18} {"p99 ms":>8} | {"reference rep/s":>15} {"p99 ms":>8} | {"rate x":>7} {"p99 lower":>9}')
for per in (1, 10):
    for c in (1, 8, 32):
        a = points.get(("chalk-server", per, c)); b = points.get(("reference", per, c))
        if not a: continue
        line = f'{per:>8} {c:>5} | {a["reports_per_s"]:>18} {a["p99_ms"]:>8.1f} | '
        if b:
            ratio = a["reports_per_s"] / max(b["reports_per_s"], 1)
            line += f'{b["reports_per_s"]:>15} {b["p99_ms"]:>8.1f} | {ratio:>7.1f} {"yes" if a["p99_ms"] < b["p99_ms"] else "NO":>9}'
        else:
            line += f'{"-":>15} {"-":>8} | {"-":>7} {"-":>9}'
        print(line)
pg = [(k, v) for k, v in points.items() if k[0] == "chalk-server-2x-postgres"]
if pg:
    print("\ntwo chalk-server instances on one PostgreSQL:")
    for (name, per, c), v in sorted(pg, key=lambda x: (x[0][1], x[0][2])):
        print(f'{per:>8} {c:>5} | {v["reports_per_s"]:>18} {v["p99_ms"]:>8.1f}')
print()
others = {}
for (name, per, c), v in points.items():
    for code, n in v.get("statuses", {}).items():
        if code != "200":
            others.setdefault(name, []).append(f'{n} x {code} at per_post={per} connections={c}')
    if v.get("errors"):
        others.setdefault(name, []).append(f'{v["errors"]} connection errors at per_post={per} connections={c}')
for name, ms in fsync.items():
    print(f'disk before {name}: fsync p50 {ms} ms')
for name in answered:
    s = stored.get(name)
    # Every POST a load generator sends is answered before it stops (it checks the clock only
    # between requests), so the database must hold exactly the reports answered 200; more would
    # mean a request was stored without its answer arriving (a connection error).
    if s is None:
        verdict = "NOT COUNTED"
    elif s == answered[name]:
        verdict = "ok: every answered report is stored, and only those"
    elif s > answered[name]:
        verdict = "ok: every answered report is stored (plus ones whose answer was lost)"
    else:
        verdict = "MISSING REPORTS"
    print(f'{name}: {answered[name]} reports answered 200, {s} stored: {verdict}')
    for line in others.get(name, []):
        print(f'  not answered 200: {line}')
PY

#!/usr/bin/env bash
# Starts or stops a private dockerd (Debian's docker.io, 20.10) and an OCI registry
# (docker-registry) on loopback, everything under one scratch directory.
#
# usage: scripts/docker-test-env.sh start DIR   -> prints DOCKER_HOST=unix://DIR/docker.sock
#        scripts/docker-test-env.sh stop DIR
# The daemon runs with --bridge=none --iptables=false --ip-masq=false (no network changes on the
# host); the registry listens on 127.0.0.1:${CHALK_TEST_REGISTRY_PORT:-5000}. Exit 3 when
# dockerd is not installed or can't start (tests skip then).
set -euo pipefail
cmd=${1:?usage: $0 start|stop DIR}
D=${2:?usage: $0 start|stop DIR}
PORT=${CHALK_TEST_REGISTRY_PORT:-5000}

stop() {
  for f in registry.pid pid; do
    if [ -f "$D/$f" ]; then
      pid=$(cat "$D/$f")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
      rm -f "$D/$f"
    fi
  done
  if [ -d "$D" ]; then
    grep -o " $D[^ ]*" /proc/mounts | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
  fi
}

case "$cmd" in
  stop) stop; exit 0 ;;
  start) ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac

# The daemons must not keep the caller's pipes open (a test runner reads them to EOF): close
# every inherited descriptor above 2 first.
for fd in $(ls /proc/$$/fd); do
  if [ "$fd" -gt 2 ] 2>/dev/null; then eval "exec $fd>&-" 2>/dev/null || true; fi
done

command -v dockerd >/dev/null || { echo "dockerd not installed (apt-get install docker.io)" >&2; exit 3; }
mkdir -p "$D/root" "$D/exec" "$D/registry"
dockerd --host "unix://$D/docker.sock" --data-root "$D/root" --exec-root "$D/exec" --pidfile "$D/pid" \
  --bridge=none --iptables=false --ip-masq=false --insecure-registry "127.0.0.1:$PORT" \
  </dev/null >"$D/dockerd.log" 2>&1 &
for _ in $(seq 1 100); do
  if DOCKER_HOST="unix://$D/docker.sock" /usr/bin/docker version >/dev/null 2>&1; then break; fi
  sleep 0.1
done
if ! DOCKER_HOST="unix://$D/docker.sock" /usr/bin/docker version >/dev/null 2>&1; then
  echo "dockerd did not start; see $D/dockerd.log" >&2; tail -5 "$D/dockerd.log" >&2 || true; stop; exit 3
fi

if command -v docker-registry >/dev/null; then
  cat >"$D/registry.yml" <<YML
version: 0.1
storage:
  filesystem:
    rootdirectory: $D/registry
http:
  addr: 127.0.0.1:$PORT
log:
  level: error
YML
  docker-registry serve "$D/registry.yml" </dev/null >"$D/registry.log" 2>&1 &
  echo $! >"$D/registry.pid"
  for _ in $(seq 1 50); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then break; fi
    sleep 0.1
  done
fi
echo "DOCKER_HOST=unix://$D/docker.sock"

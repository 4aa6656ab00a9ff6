#!/usr/bin/env bash
# Verifies Dockerfiles/chalk-server.Dockerfile on a machine that can't pull images (RULINGS 24):
#   1. builds chalk-server the way the Dockerfile's build stage does (swift build -c release
#      --product chalk-server --static-swift-stdlib; this machine is Debian bookworm with Swift
#      6.3, as the swift:6.3-bookworm stage is);
#   2. makes debian:bookworm-slim locally (debootstrap --variant=minbase) and builds the
#      Dockerfile's runtime stage verbatim, its build stage replaced by one that supplies that binary;
#   3. runs the image: `token create` and `serve` on one volume, GET /health, POST /report with
#      the token (200, accepted 1), `docker stop` (exit 0), as the non-root chalk-server user.
# Needs root, dockerd (docker.io), debootstrap, and network access to deb.debian.org (apt inside
# the build). Everything else stays on 127.0.0.1; scratch files go under a temp dir.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
W=$(mktemp -d /tmp/verify-server-image.XXXXXX)
D=$W/docker
export DOCKER_HOST=unix://$D/docker.sock
say() { echo "verify-server-image: $*" >&2; }
cleanup() {
  [ -n "${CID:-}" ] && docker rm -f "$CID" >/dev/null 2>&1 || true
  if [ -f "$D/pid" ]; then kill "$(cat "$D/pid")" 2>/dev/null || true; sleep 1; fi
  mountpoint -q "$D/exec/netns/default" 2>/dev/null && umount "$D/exec/netns/default" || true
  rm -rf "$W"
}
trap cleanup EXIT

say "building chalk-server as the Dockerfile's build stage does"
swift build -c release --product chalk-server --static-swift-stdlib >"$W/build.log" 2>&1 || { tail -20 "$W/build.log" >&2; exit 1; }
BIN=$(swift build -c release --show-bin-path)/chalk-server

say "starting dockerd under $D"
mkdir -p "$D"
dockerd --host "unix://$D/docker.sock" --data-root "$D/root" --exec-root "$D/exec" --pidfile "$D/pid" \
  --bridge=none --iptables=false --ip-masq=false >"$D/dockerd.log" 2>&1 &
for _ in $(seq 1 100); do docker version >/dev/null 2>&1 && break; sleep 0.1; done

say "making debian:bookworm-slim with debootstrap"
debootstrap --variant=minbase bookworm "$W/slim" http://deb.debian.org/debian >"$W/debootstrap.log" 2>&1 \
  || { tail -20 "$W/debootstrap.log" >&2; exit 1; }
rm -rf "$W/slim/var/cache/apt/archives/"*.deb
tar -C "$W/slim" -c . | docker import - debian:bookworm-slim >/dev/null

say "building the runtime stage"
mkdir -p "$W/ctx"
cp "$BIN" "$W/ctx/chalk-server"
{ printf 'FROM debian:bookworm-slim AS build\nCOPY chalk-server /out/chalk-server\n\n'
  sed -n '/^FROM debian:bookworm-slim/,$p' Dockerfiles/chalk-server.Dockerfile; } >"$W/ctx/Dockerfile"
docker build --network host -t chalk-server-verify "$W/ctx" >"$W/docker-build.log" 2>&1 \
  || { tail -20 "$W/docker-build.log" >&2; exit 1; }

say "running it"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
DB=sqlite:///var/lib/chalk-server/db.sqlite
docker volume create verify-data >/dev/null
TOKEN=$(docker run --rm -v verify-data:/var/lib/chalk-server chalk-server-verify token create --database "$DB" --scope write)
CID=$(docker run -d --network host -v verify-data:/var/lib/chalk-server chalk-server-verify \
  serve --host 127.0.0.1 --port "$PORT" --database "$DB")
for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.1; done
health=$(curl -fs "http://127.0.0.1:$PORT/health")
body='[{"_OPERATION":"insert","_CHALKS":[{"METADATA_ID":"VERIFY-1","CHALK_ID":"VERIFY-C1"}]}]'
answer=$(curl -s -X POST "http://127.0.0.1:$PORT/report" -H "Authorization: Bearer $TOKEN" \
  -H 'Content-Type: application/json' -d "$body" -w ' %{http_code}')
docker stop "$CID" >/dev/null
status=$(docker inspect "$CID" --format '{{.State.ExitCode}} {{.Config.User}}')
echo "health: $health"
echo "POST /report: $answer"
echo "docker stop: exit code and user: $status"
[ "$health" = '{"status":"ok"}' ] && [ "$answer" = '{"accepted":1,"rejected":[]} 200' ] && [ "$status" = "0 chalk-server" ] \
  || { say "FAILED"; docker logs "$CID" >&2 || true; exit 1; }
say "ok: the image builds and runs"

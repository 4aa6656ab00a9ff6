#!/usr/bin/env bash
# Installs what building and testing chalk needs on a fresh Debian 12 machine (root or sudo).
# Idempotent: installs only what is missing. Swift 6.2+ must already be on PATH.
set -euo pipefail
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive

# Build: libcurl (dev build links it dynamically), zlib, OpenSSL; static build: curl's sources.
# Tests: tini (peer), busybox-static (container roots), openssl (test certificates), python3 +
# moto (S3), unzip/zip (ZIP fixtures), iproute2/util-linux (namespaces), binutils (readelf,
# strip, objcopy), docker.io + docker-registry (a real dockerd 20.10 and registry on loopback),
# chromium (chalk-server's page) and postgresql (chalk-server on PostgreSQL 15).
PKGS="libcurl4-openssl-dev zlib1g-dev libssl-dev pkg-config gcc make autoconf automake libtool
      dpkg-dev libc-ares-dev tini hyperfine busybox-static openssl python3 python3-pip zip unzip
      util-linux iproute2 git ca-certificates curl binutils docker.io docker-registry
      chromium postgresql"
missing=$(for p in $PKGS; do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done)
if [ -n "$missing" ]; then
  echo "== apt-get install:" $missing >&2
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# moto's S3 server for the s3 sink tests (PyPI).
if ! python3 -c 'import moto.server' 2>/dev/null; then
  echo "== pip install moto[server]" >&2
  # Debian's own python3 refuses system-wide pip installs (PEP 668); allow it for this one tool.
  python3 -m pip install -q 'moto[server]' 2>/dev/null \
    || python3 -m pip install -q --break-system-packages 'moto[server]' >&2
fi

if ! command -v swift >/dev/null; then
  echo "swift is not on PATH: install Swift 6.2 or later (https://www.swift.org/install/linux/)" >&2
  exit 1
fi

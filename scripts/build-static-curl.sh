#!/usr/bin/env bash
# Build a minimal static libcurl (HTTP/HTTPS only, OpenSSL + zlib, AWS SigV4 kept)
# from Debian bookworm's curl source package (upstream 7.88.1 + Debian security patches).
#
# usage: build-static-curl.sh PREFIX [SRC_DIR]
#   PREFIX   install prefix; gets include/curl/*.h and lib/libcurl.a
#   SRC_DIR  directory holding curl_*.dsc + curl_*.orig.tar.gz + curl_*.debian.tar.xz
#            (a local copy, e.g. a cache); if absent they are fetched with `apt-get source`.
# env: CURL_RESOLVER=ares (default: c-ares, no glibc NSS at run time) | threaded (glibc getaddrinfo)
set -euo pipefail
PREFIX=$(realpath -m "$1"); SRC_DIR=${2:-}
RESOLVER=${CURL_RESOLVER:-ares}
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT

need="gcc make autoconf automake libtool dpkg-dev libssl-dev zlib1g-dev"
[ "$RESOLVER" = ares ] && need="$need libc-ares-dev"
missing=$(for p in $need; do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done)
if [ -n "$missing" ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
fi

if [ -z "$SRC_DIR" ]; then
  SRC_DIR=$WORK/dl; mkdir -p "$SRC_DIR"
  list=/etc/apt/sources.list.d/zz-curl-src.sources
  # deb-src twin of the system's own Debian sources (same mirror, same suites), removed again below
  sed -n 's/^Types: deb$/Types: deb-src/; /^#/d; p' /etc/apt/sources.list.d/debian.sources > "$list"
  trap 'rm -f "$list"; rm -rf "$WORK"' EXIT
  apt-get update -qq
  (cd "$SRC_DIR" && apt-get source --download-only -qq curl)
  rm -f "$list"; apt-get update -qq
fi

cd "$WORK"
dpkg-source -x "$(ls "$SRC_DIR"/curl_*.dsc | sort -V | tail -1)" curl >/dev/null
cd curl
# Debian stacks two "flavour" patches last (GnuTLS, NSS: rename the library); drop them for OpenSSL.
patch -R -s -p1 < debian/patches/99_nss.patch
patch -R -s -p1 < debian/patches/90_gnutls.patch
autoreconf -fi >/dev/null 2>&1

if [ "$RESOLVER" = ares ]; then resolver="--enable-ares --disable-threaded-resolver"
else resolver="--enable-threaded-resolver --disable-ares"; fi

mkdir build && cd build
CFLAGS="-O2 -fPIC -ffunction-sections -fdata-sections" ../configure --prefix="$PREFIX" \
  --disable-shared --enable-static --with-pic --disable-dependency-tracking \
  --with-openssl --with-zlib $resolver \
  --without-libpsl --without-nghttp2 --without-nghttp3 --without-ngtcp2 --without-quiche \
  --without-libssh2 --without-libssh --without-librtmp --without-zstd --without-brotli \
  --without-libidn2 --without-libgsasl --without-gssapi --disable-ldap --disable-ldaps \
  --disable-ftp --disable-file --disable-dict --disable-telnet --disable-tftp \
  --disable-pop3 --disable-imap --disable-smtp --disable-gopher --disable-mqtt \
  --disable-rtsp --disable-smb --disable-ntlm --disable-ntlm-wb --disable-netrc \
  --disable-manual --disable-openssl-auto-load-config \
  --without-ca-bundle --without-ca-path --with-ca-fallback >configure.out 2>&1 \
  || { tail -40 configure.out; exit 1; }
grep -E '^  (SSL|resolver|Protocols|Features):' configure.out
make -s -j"$(nproc)" -C lib >/dev/null
make -s -C lib install >/dev/null
make -s -C include install >/dev/null
echo "static libcurl installed in $PREFIX"

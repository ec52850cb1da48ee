#!/bin/sh
# Fetches the i386 material the real-program tests need, from Debian, into .deps/i386
# of the checkout (not committed): musl's static libc and headers (musl, musl-dev) and
# BusyBox (busybox-static). `apt-get download` takes the package of the host's release
# for architecture i386, so dpkg must know that architecture; nothing is installed.
# Idempotent: a complete .deps/i386 is left alone.
set -eu
cd "$(dirname "$0")/.."

DEST=.deps/i386
PACKAGES="musl:i386 musl-dev:i386 busybox-static:i386"
STAMP="$DEST/.complete"

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$PACKAGES" ]; then exit 0; fi

if ! dpkg --print-foreign-architectures | grep -qx i386; then
    $SUDO dpkg --add-architecture i386
    $SUDO apt-get update -q
fi

rm -rf "$DEST"
mkdir -p "$DEST/debs" "$DEST/root"
# apt's download user cannot write into a folder owned by another user: fetch in a
# folder of its own, then move the files.
tmp=$(mktemp -d)
chmod 0777 "$tmp"
# shellcheck disable=SC2086
(cd "$tmp" && apt-get download -q $PACKAGES) || {
    echo "fetch_i386: apt-get download $PACKAGES failed" >&2; rm -rf "$tmp"; exit 1; }
mv "$tmp"/*.deb "$DEST/debs/"
rm -rf "$tmp"
for deb in "$DEST"/debs/*.deb; do
    dpkg-deb -x "$deb" "$DEST/root"
done
for f in usr/lib/i386-linux-musl/libc.a usr/include/i386-linux-musl/stdio.h bin/busybox; do
    [ -f "$DEST/root/$f" ] || { echo "fetch_i386: $f missing after unpacking" >&2; exit 1; }
done
echo "$PACKAGES" > "$STAMP"

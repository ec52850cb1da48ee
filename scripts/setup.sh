#!/bin/sh
# Installs every Debian package forkscope needs on a fresh Debian 12 machine.
# Idempotent: running it again changes nothing. Unicorn must be >= 2.1 (Debian 12's
# 2.0.1 cannot translate guest-virtual addresses), so it comes from Debian 13 "trixie"
# with an apt pin of priority 100: nothing else is upgraded from that suite.
# qemu-user's qemu-i386 runs the guest programs "natively" for the tests when the
# host's kernel cannot run i386 programs itself (tests/i386_runner.py).
# nlohmann-json3-dev writes the JSON of pt/ps/frames; python3-jsonschema checks it
# against docs/pt-json-schema.json in the tests.
# scripts/fetch_i386.sh downloads (not installs) the i386 packages of tests/corpus.
set -eu

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

TRIXIE_LIST=/etc/apt/sources.list.d/forkscope-trixie.sources
TRIXIE_PIN=/etc/apt/preferences.d/forkscope-trixie

if [ ! -f "$TRIXIE_LIST" ]; then
    $SUDO tee "$TRIXIE_LIST" >/dev/null <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi
if [ ! -f "$TRIXIE_PIN" ]; then
    $SUDO tee "$TRIXIE_PIN" >/dev/null <<'PIN'
Package: *
Pin: release n=trixie
Pin-Priority: 100
PIN
fi

# libpng, Mesa's EGL and DRI drivers and python3-pil: forkscope gui renders off screen
# (--screenshot) and its tests read the pictures.
PACKAGES="build-essential gcc-multilib meson ninja-build pkg-config
 libcapstone-dev libsdl2-dev libimgui-dev libcli11-dev libspdlog-dev libfmt-dev
 libdw-dev libelf-dev libgtest-dev libgmock-dev qemu-system-x86 qemu-user gdb cpio python3
 nlohmann-json3-dev python3-jsonschema libedit-dev clang
 libpng-dev libegl-mesa0 libgl1-mesa-dri python3-pil"

need_install=0
for p in $PACKAGES libunicorn-dev; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need_install=1
done
if ! pkg-config --atleast-version=2.1.0 unicorn 2>/dev/null; then need_install=1; fi

if [ "$need_install" = 1 ]; then
    export DEBIAN_FRONTEND=noninteractive
    # A mirror being synced serves index files of the wrong size for a while: retry,
    # then go on with what was fetched (the install below fails clearly if that is too little).
    for attempt in 1 2 3 4; do
        $SUDO apt-get update -q && break
        echo "setup: apt-get update failed (attempt $attempt of 4)" >&2
        [ "$attempt" = 4 ] || sleep 30
    done
    # shellcheck disable=SC2086
    $SUDO apt-get install -y -q --no-install-recommends $PACKAGES
    $SUDO apt-get install -y -q --no-install-recommends -t trixie libunicorn-dev
fi
pkg-config --atleast-version=2.1.0 unicorn || { echo "setup: libunicorn-dev >= 2.1.0 is required" >&2; exit 1; }

# The real-program tests' i386 material (musl, BusyBox) from Debian: .deps/i386.
"$(dirname "$0")/fetch_i386.sh"

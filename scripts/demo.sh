#!/bin/bash
# Installs what forkscope needs, builds it, and runs the demo in the emulator.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
[ -f build/build.ninja ] || meson setup build
ninja -C build
exec ./build/frontend/forkscope run --stats "$@"

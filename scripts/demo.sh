#!/bin/bash
# Installs what forkscope needs, builds it, and runs the demo in the emulator: the fork
# demo once the image has it, else hello. Arguments replace the program and its args.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
[ -f build/build.ninja ] || meson setup build
ninja -C build
forkscope=./build/frontend/forkscope
if [ $# -eq 0 ]; then
    if "$forkscope" run --list | grep -qx forktest; then set -- forktest; else set -- hello; fi
fi
exec "$forkscope" run --stats "$@"

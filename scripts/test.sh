#!/bin/bash
# Installs what forkscope needs, builds it twice (warnings as errors; and with address
# and undefined-behaviour sanitizers on the host code) and runs the whole test suite:
# unit, integration and differential (QEMU) tests, then the unit and integration tests
# again under the sanitizers. Ends with the line "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }

status=0
build() {  # build DIR [meson options...]
    local dir=$1; shift
    if [ ! -f "$dir/build.ninja" ]; then
        meson setup "$dir" "$@" || return 1
    else
        meson configure "$dir" "$@" || return 1
    fi
    ninja -C "$dir"
}

export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp:print_suppressions=0

if build build-test -Dwerror=true -Dbuildtype=debugoptimized; then
    meson test -C build-test --print-errorlogs --num-processes 2 || status=1
else
    echo "build-test: build failed"; status=1
fi

if build build-asan -Dwerror=true -Dbuildtype=debug -Db_sanitize=address,undefined -Db_lundef=false; then
    meson test -C build-asan --print-errorlogs --num-processes 2 --suite unit --suite integration \
        --timeout-multiplier 3 || status=1
else
    echo "build-asan: build failed"; status=1
fi

python3 scripts/count_tests.py build-test build-asan || status=1
exit $status

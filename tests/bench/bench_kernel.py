#!/usr/bin/env python3
"""bench_kernel.py - the guest kernel's system calls, context switches and page faults,
forkscope against qemu-system-i386 on the same kernel and initramfs, and the same
program natively on the host.

Usage:
    python3 tests/bench/bench_kernel.py --forkscope build/frontend/forkscope \\
        --kernel build/images/kernel.elf --initramfs build/images/initramfs.cpio \\
        --kbench build/images/programs/kbench [--repeat 3] [--qemu qemu-system-i386] \\
        [--counts getpid=200000,pipe=20000,fault=20000]

A benchmark, never a test: it prints figures and ratios and exits 0 (1 only when a run
itself fails). `meson test --benchmark` runs it with the built files.

The guest program is images/programs/kbench ("kbench getpid|pipe|fault N"):
  getpid   N getpid() system calls: a ring 3 -> 0 -> 3 round trip doing nothing
  pipe     N one-byte round trips between two processes over two pipes (2N switches)
  fault    N demand-zero page faults on fresh anonymous memory

Method. Each machine boots the kernel with "-- /bin/kbench NAME N" and with N = 0 (the
same boot, fork and setup without the loop), best of --repeat each, runs interleaved.
Host wall time per operation = (best wall(N) - best wall(0)) / N: boot and setup cancel.
The program also prints its own time per operation from CLOCK_MONOTONIC inside the
machine; under QEMU (no -icount) that clock follows the host, under forkscope it counts
instructions (1 ns each), so "guest ns/op" on forkscope is an instruction count, not a
speed. The native column runs the same static binary on the host, directly or, where
the host cannot run i386 programs, under qemu-i386 (tests/i386_runner.py); its heading
names what ran.
"""

import argparse
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_machine import (RunFailed, add_program_bench_arguments, checked_run, machine_info,  # noqa: E402
                           native_peer, native_run, program_machines)

KBENCH_RE = re.compile(r"kbench: (\w+): (\d+) in (\d+) us: (\d+) ns per")
DEFAULT_COUNTS = "getpid=200000,pipe=20000,fault=20000"


def guest_ns_per_op(stdout):
    m = KBENCH_RE.search(stdout.decode("utf-8", errors="replace"))
    return int(m.group(4)) if m else None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    add_program_bench_arguments(ap, "kbench")
    ap.add_argument("--counts", default=DEFAULT_COUNTS, help="NAME=N,... (default %s)" % DEFAULT_COUNTS)
    args = ap.parse_args()

    counts = {}
    for item in args.counts.split(","):
        name, _, n = item.partition("=")
        if name not in ("getpid", "pipe", "fault") or not n.isdigit() or int(n) == 0:
            ap.error("bad --counts item %r" % item)
        counts[name] = int(n)
    qemu = shutil.which(args.qemu)

    machines = program_machines(args.forkscope, args.kernel, args.initramfs, qemu)
    peer = native_peer()
    if not qemu:
        print("bench_kernel: %s not found; forkscope and %s only" % (args.qemu, peer))

    print("bench_kernel: guest kernel micro-benchmarks, forkscope vs qemu-system-i386 vs %s" % peer)
    for k, v in machine_info(args, qemu or args.qemu).items():
        print("  %-13s %s" % (k, v))
    print("  repeat        %d (best of N; wall per op = (wall(N) - wall(0)) / N)" % args.repeat)
    print()

    def run(argv, expected):
        wall, _, out = checked_run(argv, expected, args.timeout)
        return wall, guest_ns_per_op(out)

    rows = []
    for name, n in counts.items():
        row = {"name": name, "n": n}
        for mname, argv_for, expected in machines:
            walls = {0: [], n: []}
            guest = []
            for _ in range(args.repeat):
                for count in (0, n):
                    wall, g = run(argv_for("-- /bin/kbench %s %d" % (name, count)), expected)
                    walls[count].append(wall)
                    if count:
                        guest.append(g)
            row[mname] = (min(walls[n]) - min(walls[0])) / n * 1e9
            row[mname + "_guest"] = min(g for g in guest if g is not None) if any(guest) else None
        native = []
        for _ in range(args.repeat):
            native.append(guest_ns_per_op(native_run(args.kbench, [name, str(n)], args.timeout)))
        row["native"] = min(native)
        rows.append(row)

    print("%-7s %8s %14s %14s %9s %14s %14s %12s %12s" % (
        "bench", "N", "forkscope ns", "qemu ns", "fs/qemu", "fs ops/s", "qemu ops/s",
        peer + " ns", "fs guest ns"))
    for r in rows:
        fs, qm = r["forkscope"], r.get("qemu")
        print("%-7s %8d %14.0f %14s %9s %14.0f %14s %12d %12s" % (
            r["name"], r["n"], fs, "%.0f" % qm if qm else "-",
            "%.2f" % (fs / qm) if qm and qm > 0 else "-", 1e9 / fs if fs > 0 else 0,
            "%.0f" % (1e9 / qm) if qm and qm > 0 else "-", r["native"],
            r["forkscope_guest"] if r["forkscope_guest"] is not None else "-"))
    print()
    print("  ns: host wall time per operation (boot subtracted); fs/qemu < 1: forkscope faster.")
    print("  fs guest ns: the program's own clock under forkscope = instructions per operation.")
    if qemu:
        print("  qemu guest ns (the program's clock, host time):",
              ", ".join("%s %s" % (r["name"], r["qemu_guest"]) for r in rows))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except RunFailed as e:
        print("bench_kernel: run failed: %s" % e, file=sys.stderr)
        sys.exit(1)

#!/usr/bin/env python3
"""bench_dump.py - how long forkscope takes to dump the guest's page tables, for 1, 16 and
128 processes of 16 MiB each, against QEMU's monitor walking one CR3 at the same point.

Usage:
    python3 tests/bench/bench_dump.py --forkscope build/frontend/forkscope \\
        --kernel build/images/kernel.elf --initramfs build/images/initramfs.cpio \\
        [--repeat 3] [--qemu qemu-system-i386] [--counts 1,16,128] [--kib 16384] [--ram 256]

A benchmark, never a test: it prints figures and ratios and exits 0 (1 only when a run
itself fails). `meson test --benchmark` runs it with the built files.

The guest program is images/programs/forkwide ("forkwide N KIB"): it writes KIB KiB of
private memory, then forks N - 1 children that all wait on one pipe, so N processes live
at once, each with its own page tables over the same copy-on-write frames. The stop
point is `exit`: the first child entering do_exit once they are released, when all N
address spaces are still there (N = 1: the program's own exit).

forkscope: `pt --at exit --stats` reports the host time it spent reading the snapshot
(every task, mm, VMA, page table and the frame map) and formatting it; "dump" is their
sum, best of --repeat runs, for --pid all as a tree and as JSON, and for the exiting
task's CR3 alone in QEMU's `info tlb` format. Running the guest to the point is not
counted (it is the same run with or without the dump).

QEMU: the same kernel and initramfs halt themselves at the same point (selfhalt=exit,
tests/differential/qemu_halt.py), and QMP's `human-monitor-command "info tlb"` is timed
from the request to the answer, best of --repeat; it walks the CR3 of the task running
there. fs/qemu compares forkscope's one-CR3 dump (snapshot and format) with it.
The target: the whole tree of the largest case in under 0.2 s.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "differential"))
from bench_machine import machine_info  # noqa: E402
from qemu_halt import halt_in_qemu  # noqa: E402

STATS_RE = re.compile(r"^stats: instructions (\d+), run ([0-9.]+) ms, snapshot ([0-9.]+) ms, format ([0-9.]+) ms$",
                      re.M)
TARGET_S = 0.2
TIMEOUT_S = 600


def dump_ms(args, n, extra):
    """Best snapshot + format time (ms) of `pt --at exit --stats` with `extra`, and the
    output's size."""
    best, size = None, 0
    for _ in range(args.repeat):
        argv = [args.forkscope, "pt", "--kernel", args.kernel, "--initrd", args.initramfs, "--ram", str(args.ram),
                "--at", "exit", "--stats", "-q", *extra, "forkwide", str(n), str(args.kib)]
        p = subprocess.run(argv, capture_output=True, timeout=TIMEOUT_S)
        m = STATS_RE.search(p.stderr.decode(errors="replace"))
        if p.returncode != 0 or not m:
            print("bench_dump: forkscope failed (%d): %s\n%s" % (p.returncode, " ".join(argv), p.stderr.decode()[-2000:]))
            sys.exit(1)
        took = float(m.group(3)) + float(m.group(4))
        best = took if best is None else min(best, took)
        size = len(p.stdout)
    return best, size


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--forkscope", required=True)
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--initramfs", required=True)
    ap.add_argument("--qemu", default="qemu-system-i386", help="looked up to say whether QEMU is there; qemu_halt runs the one on PATH")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--counts", default="1,16,128", help="processes per run (default 1,16,128)")
    ap.add_argument("--kib", type=int, default=16384, help="private memory each process maps (default 16384)")
    ap.add_argument("--ram", type=int, default=256, help="guest RAM in MiB for both machines")
    args = ap.parse_args()
    counts = [int(c) for c in args.counts.split(",") if c.strip()]
    qemu = shutil.which(args.qemu)
    for k, v in machine_info(args, qemu or args.qemu).items():
        print("bench_dump: %s: %s" % (k, v))
    if not qemu:
        print("bench_dump: %s not found: forkscope's figures only" % args.qemu)
    print("bench_dump: pt at the first exit of forkwide N %d (N processes of %d MiB), best of %d; times in ms"
          % (args.kib, args.kib // 1024, args.repeat))
    print("%5s %10s %12s %10s %12s %12s %10s" % ("N", "tree", "tree bytes", "json", "qemu fmt", "QEMU tlb", "fs/qemu"))
    largest = None
    for n in counts:
        tree, tree_bytes = dump_ms(args, n, ["--pid", "all"])
        js, _ = dump_ms(args, n, ["--pid", "all", "--format", "json"])
        one, _ = dump_ms(args, n, ["--format", "qemu"])
        qemu_ms = None
        if qemu:
            h = halt_in_qemu(args.kernel, args.initramfs, "exit", program="/bin/forkwide %d %d" % (n, args.kib),
                             ram_mib=args.ram, timeout=TIMEOUT_S, repeat=args.repeat)
            qemu_ms = h.seconds["info tlb"] * 1000
        ratio = "%.2f" % (one / qemu_ms) if qemu_ms else "-"
        print("%5d %10.1f %12d %10.1f %12.1f %12s %10s" % (n, tree, tree_bytes, js, one,
                                                            "%.1f" % qemu_ms if qemu_ms else "-", ratio))
        largest = (n, tree)
    if largest:
        n, tree = largest
        print("bench_dump: target: all %d processes' tables as a tree in under %.1f s: %.3f s, %s"
              % (n, TARGET_S, tree / 1000, "met" if tree / 1000 < TARGET_S else "NOT met"))
    return 0


if __name__ == "__main__":
    sys.exit(main())

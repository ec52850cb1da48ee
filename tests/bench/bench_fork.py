#!/usr/bin/env python3
"""bench_fork.py - what one fork costs, by the size of the parent's memory: copy-on-write
against eager copying (the guest kernel's cow=0), forkscope against qemu-system-i386 on
the same kernel and initramfs, and the same program natively on the host.

Usage:
    python3 tests/bench/bench_fork.py --forkscope build/frontend/forkscope \\
        --kernel build/images/kernel.elf --initramfs build/images/initramfs.cpio \\
        --forkbench build/images/programs/forkbench [--repeat 3] [--qemu qemu-system-i386] \\
        [--sizes-kib 102,1024,16384,65536] [--forks 200,100,20,10] [--ram 256]

A benchmark, never a test: it prints figures and ratios and exits 0 (1 only when a run
itself fails). `meson test --benchmark` runs it with the built files.

The guest program is images/programs/forkbench ("forkbench KIB N"): it maps KIB KiB of
private anonymous memory, writes every page, then times N rounds of fork + the child's
_exit + the parent's waitpid with CLOCK_MONOTONIC, and prints the time per round.

Method. For every size and both kernel modes (copy-on-write, and "cow=0": fork copies
every private page at once), each machine boots the kernel with
"-- /bin/forkbench KIB N" and with "-- /bin/forkbench KIB 0" (the same boot, exec and
memory setup, no fork), best of --repeat each, runs interleaved. Host wall time per
fork = (best wall(N) - best wall(0)) / N: boot, setup and exit cancel, what is left is
the forks. Both machines get the same --ram (guest RAM must hold the parent's memory and,
with cow=0, the child's copy). "guest us" is the program's own figure: under QEMU (no
-icount) its clock follows the host; under forkscope it counts instructions (1 ns each),
so there it measures the guest kernel's work, not host speed. The native column runs the
same static binary on the host's Linux, directly or, where the host cannot run i386
programs, under qemu-i386 (tests/i386_runner.py); its heading names what ran.

The same difference is also taken of the host CPU time (user + system) each run used,
from getrusage(RUSAGE_CHILDREN): on a busy host that figure is steadier than wall time.

Ratios: fs/qemu compares host wall time per fork (below 1: forkscope faster); cow/eager
compares the two kernel modes on the same machine (wall time; for native, Linux always
uses copy-on-write, so it has no eager column).
"""

import argparse
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_machine import (RunFailed, add_program_bench_arguments, checked_run, machine_info,  # noqa: E402
                           native_peer, native_run, program_machines)

FORKBENCH_RE = re.compile(r"forkbench: (\d+) KiB: (\d+) forks in (\d+) us: (\d+) ns per fork")
DEFAULT_SIZES_KIB = "102,1024,16384,65536"   # 0.1, 1, 16 and 64 MiB
DEFAULT_FORKS = "400,200,100,50"            # forks per timed run, for each size
MODES = (("cow", ""), ("eager", "cow=0"))


def guest_ns_per_fork(stdout):
    m = FORKBENCH_RE.search(stdout.decode("utf-8", errors="replace"))
    return int(m.group(4)) if m else None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    add_program_bench_arguments(ap, "forkbench")
    ap.add_argument("--sizes-kib", default=DEFAULT_SIZES_KIB, help="default %s" % DEFAULT_SIZES_KIB)
    ap.add_argument("--forks", default=DEFAULT_FORKS,
                    help="forks per timed run, one per size (default %s)" % DEFAULT_FORKS)
    ap.add_argument("--ram", type=int, default=256, help="guest RAM in MiB for both machines")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes_kib.split(",") if s.strip()]
    forks = [int(s) for s in args.forks.split(",") if s.strip()]
    if not sizes or len(forks) != len(sizes) or min(sizes + forks) <= 0:
        ap.error("--sizes-kib and --forks: positive numbers, as many of one as of the other")
    qemu = shutil.which(args.qemu)

    machines = program_machines(args.forkscope, args.kernel, args.initramfs, qemu, args.ram)
    peer = native_peer()
    if not qemu:
        print("bench_fork: %s not found; forkscope and %s only" % (args.qemu, peer))

    print("bench_fork: fork of a process with S bytes of touched private memory, "
          "copy-on-write vs eager copy (cow=0), forkscope vs qemu-system-i386 vs %s" % peer)
    for k, v in machine_info(args, qemu or args.qemu).items():
        print("  %-13s %s" % (k, v))
    print("  repeat        %d (best of N; wall per fork = (wall(N) - wall(0)) / N)" % args.repeat)
    print("  forks N       %s" % ", ".join("%d for %d KiB" % (n, k) for k, n in zip(sizes, forks)))
    print("  guest RAM     %d MiB on both machines" % args.ram)
    print()

    def run(argv, expected):
        wall, cpu, out = checked_run(argv, expected, args.timeout)
        return wall, cpu, guest_ns_per_fork(out)

    rows = []
    for kib, n in zip(sizes, forks):
        for mode, option in MODES:
            row = {"kib": kib, "mode": mode}
            for mname, argv_for, expected in machines:
                walls = {0: [], n: []}
                cpus = {0: [], n: []}
                guest = []
                for _ in range(args.repeat):
                    for count in (0, n):
                        append = ("%s -- /bin/forkbench %d %d" % (option, kib, count)).strip()
                        wall, cpu, g = run(argv_for(append), expected)
                        walls[count].append(wall)
                        cpus[count].append(cpu)
                        if count and g is not None:
                            guest.append(g)
                row[mname] = max(0.0, min(walls[n]) - min(walls[0])) / n
                row[mname + "_cpu"] = max(0.0, min(cpus[n]) - min(cpus[0])) / n
                row[mname + "_guest"] = min(guest) if guest else None
            print("  %6d KiB %-5s " % (kib, mode) + "  ".join(
                "%s %.3f ms/fork (cpu %.3f)" % (m, row[m] * 1e3, row[m + "_cpu"] * 1e3)
                for m, _, _ in machines), flush=True)
            rows.append(row)
        native = []
        for _ in range(args.repeat):
            native.append(guest_ns_per_fork(native_run(args.forkbench, [str(kib), str(n)], args.timeout)))
        for r in rows:
            if r["kib"] == kib:
                r["native"] = min(native) if r["mode"] == "cow" else None
    print()

    def us(x):
        return "%.0f" % (x * 1e6) if x is not None else "-"

    def guest_us(ns):
        return "%.0f" % (ns / 1e3) if ns is not None else "-"

    def ratio(a, b):
        return "%.3f" % (a / b) if a is not None and b else "-"

    by_key = {(r["kib"], r["mode"]): r for r in rows}
    print("Per fork, microseconds. wall, cpu: host wall and CPU time (boot subtracted); guest: the")
    print("program's own clock (forkscope: instructions / 1000)")
    print("%9s %-5s %8s %8s %7s %8s %8s %7s %8s %8s %9s %9s %9s" % (
        "size", "mode", "fs wall", "qm wall", "fs/qm", "fs cpu", "qm cpu", "fs/qm",
        "fs guest", "qm guest", "cow/eager", "(qemu)", peer))
    for r in rows:
        other = by_key.get((r["kib"], "eager"))
        cow_eager_fs = ratio(r["forkscope"], other["forkscope"]) if r["mode"] == "cow" and other else ""
        cow_eager_qm = (ratio(r.get("qemu"), other.get("qemu")) if r["mode"] == "cow" and other else "")
        print("%6.1f MiB %-5s %8s %8s %7s %8s %8s %7s %8s %8s %9s %9s %9s" % (
            r["kib"] / 1024, r["mode"], us(r["forkscope"]), us(r.get("qemu")),
            ratio(r["forkscope"], r.get("qemu")), us(r["forkscope_cpu"]), us(r.get("qemu_cpu")),
            ratio(r["forkscope_cpu"], r.get("qemu_cpu")), guest_us(r["forkscope_guest"]),
            guest_us(r.get("qemu_guest")), cow_eager_fs, cow_eager_qm,
            guest_us(r["native"]) if r.get("native") is not None else "-"))
    print()
    print("  fs/qm < 1: forkscope faster. cow/eager: copy-on-write wall time / eager-copy wall time")
    print("  (forkscope; (qemu) the same on QEMU). %s: %s, the program's clock." % (
        peer, "the host's own fork" if peer == "native" else "the host's fork through qemu-i386's user mode"))
    print()

    print("Targets")
    largest = max(sizes)
    cow, eager = by_key[(largest, "cow")], by_key[(largest, "eager")]
    for name in [m for m, _, _ in machines]:
        for what, key in (("wall", name), ("cpu", name + "_cpu")):
            if cow[key] is not None and eager[key]:
                r = cow[key] / eager[key]
                print("  %s: COW fork of %d KiB under 1/20 of the eager copy (%s): cow/eager %.4f -> %s"
                      % (name, largest, what, r, "met" if r < 1 / 20 else "MISSED"))
    if qemu:
        for what, suffix in (("wall", ""), ("cpu", "_cpu")):
            worse = [(r["kib"], r["mode"], r["forkscope" + suffix] / r["qemu" + suffix]) for r in rows
                     if r.get("qemu" + suffix) and r["forkscope" + suffix] > r["qemu" + suffix]]
            print("  forkscope %s time per fork no worse than QEMU's: %s" % (what,
                  "met in every row" if not worse else "MISSED in " + ", ".join(
                      "%d KiB %s (%.2fx)" % w for w in worse)))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except RunFailed as e:
        print("bench_fork: run failed: %s" % e, file=sys.stderr)
        sys.exit(1)

#!/usr/bin/env python3
"""bench_memory.py - forkscope's own peak memory (the host process's maximum resident set)
by guest RAM size and by the number of forks the guest makes, against qemu-system-i386 on
the same kernel, initramfs and workload.

Usage:
    python3 tests/bench/bench_memory.py --forkscope build/frontend/forkscope \\
        --kernel build/images/kernel.elf --initramfs build/images/initramfs.cpio \\
        [--ram 16,256,1024] [--forks 2000,20000,100000] [--repeat 1] [--qemu qemu-system-i386]

A benchmark, never a test: it prints figures and ratios and exits 0 (1 only when a run
itself fails). `meson test --benchmark` runs it with the built files.

Workloads (the guest program is images/programs/forkbench, "forkbench KIB N": it maps
KIB KiB of private anonymous memory, writes every page, then makes N rounds of fork +
the child's _exit + the parent's waitpid):
  - RAM: for each --ram size, forkbench with three quarters of that RAM written and one
    fork: what the guest's RAM costs the host once it is used;
  - forks: at the default RAM, forkbench 64 N for each N of --forks: memory that grew
    with every fork (a leak per task, per page table, per translated block of a new
    address space) shows as a peak that climbs with N.

Method: each run is its own process; its peak resident set comes from wait4()'s rusage
(ru_maxrss), so runs do not see each other's. Runs of the two machines are interleaved;
the figure is the smallest of --repeat runs (memory is steadier than time, so one run is
the default). fs/qemu compares the two peaks (below 1: forkscope uses less). For the
forks, "growth" is the last N's peak minus the first's.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_machine import RunFailed, machine_info, program_machines  # noqa: E402

DEFAULT_RAM = "16,256,1024"
DEFAULT_FORKS = "2000,20000,100000"
FORK_KIB = 64


def peak_run(argv, expected, timeout):
    """Runs argv to its end; returns its peak resident set in MiB (wait4's ru_maxrss).
    RunFailed unless it exits with `expected` within `timeout` seconds."""
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != expected:
            out.seek(0)
            text = out.read().decode(errors="replace")
            raise RunFailed("%s: exit status %d, expected %d (a kill after %d s is -9)\n%s" % (
                " ".join(argv), proc.returncode, expected, timeout, text[-2000:]))
    return usage.ru_maxrss / 1024.0   # KiB on Linux


def numbers(text, what):
    values = [int(s) for s in text.split(",") if s.strip()]
    if not values or min(values) <= 0:
        raise SystemExit("bench_memory: %s: a comma-separated list of positive numbers" % what)
    return values


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--forkscope", required=True)
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--initramfs", required=True)
    ap.add_argument("--qemu", default="qemu-system-i386")
    ap.add_argument("--ram", default=DEFAULT_RAM, help="guest RAM sizes in MiB (default %s)" % DEFAULT_RAM)
    ap.add_argument("--forks", default=DEFAULT_FORKS, help="fork counts (default %s)" % DEFAULT_FORKS)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=1200)
    args = ap.parse_args()
    rams, forks = numbers(args.ram, "--ram"), numbers(args.forks, "--forks")
    qemu = shutil.which(args.qemu)
    if not qemu:
        print("bench_memory: %s not found; forkscope only" % args.qemu)

    print("bench_memory: peak resident memory of the host process, forkscope vs qemu-system-i386")
    for k, v in machine_info(args, qemu or args.qemu).items():
        print("  %-13s %s" % (k, v))
    print("  repeat        %d (the smallest peak of N runs)" % args.repeat)
    print()

    # (label, RAM in MiB or None for the default, forkbench arguments)
    workloads = [("RAM %d MiB, %d MiB written" % (ram, ram * 3 // 4), ram, (ram * 3 // 4 * 1024, 1))
                 for ram in rams]
    workloads += [("%d fork+wait of %d KiB" % (n, FORK_KIB), None, (FORK_KIB, n)) for n in forks]

    rows = []
    try:
        for label, ram, (kib, n) in workloads:
            machines = program_machines(args.forkscope, args.kernel, args.initramfs, qemu, ram)
            peaks = {name: [] for name, _, _ in machines}
            for _ in range(args.repeat):
                for name, argv_for, expected in machines:
                    argv = argv_for("-- /bin/forkbench %d %d" % (kib, n))
                    peaks[name].append(peak_run(argv, expected, args.timeout))
            row = {"label": label, **{name: min(p) for name, p in peaks.items()}}
            print("  %-34s " % label + "  ".join("%s %.1f MiB" % (name, row[name]) for name in peaks),
                  flush=True)
            rows.append(row)
    except RunFailed as e:
        print("bench_memory: %s" % e, file=sys.stderr)
        return 1
    print()

    def ratio(a, b):
        return "%.2f" % (a / b) if a is not None and b else "-"

    print("Peak resident set of the host process, MiB")
    print("%-34s %10s %10s %8s" % ("workload", "forkscope", "qemu", "fs/qemu"))
    for r in rows:
        q = r.get("qemu")
        print("%-34s %10.1f %10s %8s" % (r["label"], r["forkscope"], "%.1f" % q if q else "-",
                                         ratio(r["forkscope"], q)))
    fork_rows = rows[len(rams):]
    if len(fork_rows) > 1:
        first, last = fork_rows[0], fork_rows[-1]
        print()
        print("growth from %s to %s: " % (first["label"].split(" ")[0], last["label"].split(" ")[0]) +
              ", ".join("%s %+.1f MiB" % (name, last[name] - first[name])
                        for name in ("forkscope", "qemu") if name in first))
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""bench_history.py - what recording the machine's history costs, and how fast a seek is.

Usage:
    python3 tests/bench/bench_history.py --forkscope build/frontend/forkscope \\
        --history-seek build/tests/bench/history_seek --kernel build/images/kernel.elf \\
        --initramfs build/images/initramfs.cpio [--repeat 3] [--intervals 5000000,20000000]

A benchmark, never a test: it prints figures and exits 0 (1 only when a run fails).

  overhead   host CPU time of `forkscope run` with and without --history-mb, best of
             --repeat, on forktest (fork-heavy) and on the kernel's bench=cpu workload
             (CPU-bound), with forkscope's own --stats lines (bytes per 10^6 instructions).
  seek       tests/bench/history_seek: for each snapshot interval, the recording's CPU
             time against a plain run, snapshots, bytes held, bytes per 10^6
             instructions, and the wall time of 40 seeks to random earlier positions
             (median and worst).
"""

import argparse
import os
import re
import resource
import subprocess
import sys

HISTORY_RE = re.compile(r"history: .*")


def cpu_seconds(argv):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        sys.stderr.write("bench_history: %s failed (%d): %s\n" % (" ".join(argv), p.returncode, p.stderr))
        sys.exit(1)
    t = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return t, p.stderr


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--forkscope", required=True)
    ap.add_argument("--history-seek", required=True)
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--initramfs", required=True)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--history-mb", type=int, default=1024)
    ap.add_argument("--intervals", default="2000000,10000000,50000000,200000000")
    args = ap.parse_args()

    base = [args.forkscope, "run", "--rtc-time", "1000000000", "--kernel", args.kernel, "--initrd", args.initramfs]
    workloads = [
        ("forktest", base + ["forktest"], "-- /bin/forktest"),
        ("bench=cpu", base + ["--append", "bench=cpu"], "bench=cpu"),
    ]
    print("bench_history: load average %.2f %.2f %.2f" % os.getloadavg())
    print("overhead: host CPU seconds of forkscope run, best of %d" % args.repeat)
    print("%-12s %10s %10s %8s" % ("workload", "plain", "history", "ratio"))
    for label, argv, _ in workloads:
        best_plain = best_hist = None
        stats = ""
        for _ in range(args.repeat):
            t, _err = cpu_seconds(argv)
            best_plain = t if best_plain is None else min(best_plain, t)
            hist_argv = argv[:2] + ["--history-mb", str(args.history_mb), "--stats"] + argv[2:]
            t, err = cpu_seconds(hist_argv)
            best_hist = t if best_hist is None else min(best_hist, t)
            m = HISTORY_RE.search(err)
            stats = m.group(0) if m else stats
        print("%-12s %10.3f %10.3f %8.2f" % (label, best_plain, best_hist, best_hist / best_plain))
        print("  %s" % stats)

    print("seek: 40 seeks to random earlier positions after recording the whole run")
    for label, _, cmdline in workloads:
        p = subprocess.run([args.history_seek, args.kernel, args.initramfs, cmdline] + args.intervals.split(","),
                           capture_output=True, text=True)
        if p.returncode != 0:
            sys.stderr.write("bench_history: history_seek failed: %s\n" % p.stderr)
            return 1
        for line in p.stdout.splitlines():
            f = line.split()
            v = dict(zip(f[0::2], f[1::2]))
            print("%-10s interval %11s: record/plain CPU %5.2f, %4s snapshots, %7.1f MiB, %9s B/10^6 insns, "
                  "seek median %7.1f ms, max %7.1f ms, snapshots took %7.1f ms (%s instructions)" % (
                      label, v["interval"], float(v["record_cpu_ms"]) / float(v["plain_cpu_ms"]), v["snapshots"],
                      int(v["bytes"]) / 2**20, v["per_million"], float(v["seek_ms_median"]),
                      float(v["seek_ms_max"]), float(v["snapshot_ms"]), v["instructions"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""bench_cpu_time.py - host CPU time per guest operation, forkscope against
qemu-system-i386 on the same image, and optionally against another forkscope build (an
earlier commit's: before and after a change).

Usage:
    python3 tests/bench/bench_cpu_time.py --forkscope build/frontend/forkscope \\
        --kernel build/images/kernel.elf --initramfs build/images/initramfs.cpio \\
        [--base DIR] [--repeat 4] [--qemu qemu-system-i386]

--base DIR: another build folder (its frontend/forkscope, images/kernel.elf and
images/initramfs.cpio), e.g. a worktree of the commit before a change.

A benchmark, never a test: it prints figures and ratios and exits 0 (1 only when a run
itself fails). Method: every machine runs each workload with N operations and with 0
(the same boot and setup), runs interleaved machine by machine, best of --repeat; host
CPU time (user + system, getrusage of the child) per operation = (best(N) - best(0)) / N,
and on the line below the same with medians.
On a shared, noisy host CPU time is steadier than wall time. QEMU runs the head image
(the peer both forkscope builds are compared with), without -icount.
"""

import argparse
import resource
import shutil
import statistics
import subprocess
import sys

# N large enough that the work is several times the boot it is measured against: the
# difference of two noisy totals is otherwise mostly noise. The last field: kernel
# options (vdso=0: no vDSO, so the libc enters through int 0x80; else sysenter).
WORKLOADS = [("getpid int 0x80", ["kbench", "getpid"], 1000000, "vdso=0"),
             ("getpid sysenter", ["kbench", "getpid"], 1000000, ""),
             ("kbench pipe", ["kbench", "pipe"], 50000, ""),
             ("kbench fault", ["kbench", "fault"], 100000, ""),
             ("forkbench 1 MiB", ["forkbench", "1024"], 2000, ""),
             ("kbench loop", ["kbench", "loop"], 20000, "")]


def cpu_seconds(argv, expected):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=600)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != expected:
        print("bench_cpu_time: failed (%d): %s\n%s" % (p.returncode, " ".join(argv), p.stderr.decode()[-1000:]))
        sys.exit(1)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--forkscope", required=True)
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--initramfs", required=True)
    ap.add_argument("--base", help="another build folder to compare with (before a change)")
    ap.add_argument("--qemu", default="qemu-system-i386")
    ap.add_argument("--repeat", type=int, default=4)
    args = ap.parse_args()
    qemu = shutil.which(args.qemu)
    machines = {"head": (args.forkscope, args.kernel, args.initramfs)}
    if args.base:
        machines["base"] = (args.base + "/frontend/forkscope", args.base + "/images/kernel.elf",
                            args.base + "/images/initramfs.cpio")

    def argv(machine, words, options):
        if machine == "qemu":
            return [qemu, "-kernel", args.kernel, "-initrd", args.initramfs, "-append",
                    " ".join(["quiet", options, "--", "/bin/" + " ".join(words)]).replace("  ", " "),
                    "-display", "none", "-serial", "stdio",
                    "-device", "isa-debug-exit,iobase=0xf4,iosize=4", "-no-reboot"]
        fs, kernel, initramfs = machines[machine]
        append = ["--append", options] if options else []
        return [fs, "run", "--rtc-time", "1000000000", "--kernel", kernel, "--initrd", initramfs] + append + words

    names = [m for m in ("base", "head") if m in machines] + (["qemu"] if qemu else [])
    if not qemu:
        print("bench_cpu_time: %s not found: forkscope's figures only" % args.qemu)
    print("bench_cpu_time: host CPU us per operation, best (and median) of %d, interleaved" % args.repeat)
    head = "%-16s" % "workload" + "".join("%11s" % m for m in names)
    if qemu:
        head += "".join("%11s" % (m + "/qemu") for m in names if m != "qemu")
    print(head)
    best = {}
    for label, words, n, options in WORKLOADS:
        samples = {}
        for _ in range(args.repeat):
            for m in names:
                for count in (n, 0):
                    # QEMU's isa-debug-exit makes the guest's status 0 its exit status 1.
                    t = cpu_seconds(argv(m, words + [str(count)], options), 1 if m == "qemu" else 0)
                    samples.setdefault((m, count), []).append(t)
        for name, pick in ((label, min), ("  median", statistics.median)):
            per = {m: (pick(samples[(m, n)]) - pick(samples[(m, 0)])) / n * 1e6 for m in names}
            if pick is min:
                best[label] = per
            line = "%-16s" % name + "".join("%11.3f" % per[m] for m in names)
            if qemu and per["qemu"] > 0:
                line += "".join("%11.2f" % (per[m] / per["qemu"]) for m in names if m != "qemu")
            print(line)
    # The sysenter target is set against QEMU's int 0x80 (what programs paid before).
    int80, sysenter = best.get("getpid int 0x80"), best.get("getpid sysenter")
    if qemu and int80 and sysenter and int80["qemu"] > 0:
        print("getpid sysenter / qemu int 0x80:" +
              "".join(" %s %.2f" % (m, sysenter[m] / int80["qemu"]) for m in names if m != "qemu"))
    return 0


if __name__ == "__main__":
    sys.exit(main())

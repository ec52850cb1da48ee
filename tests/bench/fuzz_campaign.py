#!/usr/bin/env python3
"""A long fuzzing campaign: images/programs/randcall (system calls) or, with --program
randinsn, images/programs/randinsn (random code at ring 3) under forkscope with check=vm,
one boot per seed, several boots at a time. A seed is clean when the guest exits 0 with
the program's summary line, check=vm reports 0 violations, and the kernel printed no
oops. Any other end (an oops, a violation, a machine fault, another exit
status, no end within --timeout) is a failure: the seed is run again, deterministically,
with the system-call trace on, and the failure is printed with its seed, the command
that reproduces it and the last system calls of the trace.

    python3 tests/bench/fuzz_campaign.py --forkscope build/frontend/forkscope \\
        --kernel build/images/kernel.elf --initramfs build/images/initramfs.cpio \\
        --seeds 1-2000 --jobs 2 [--program randinsn] [--count N]

Exit status 1 when any seed failed (the campaign is not a pass/fail test: meson runs
it as a benchmark). Python 3 standard library only."""

import argparse
import concurrent.futures
import os
import re
import resource
import subprocess
import sys
import tempfile
import time

# Each program's summary line, its default count (calls, snippets), and the names of the
# summary's numbers, which the campaign adds up.
PROGRAMS = {
    "randcall": (re.compile(r"randcall: seed \d+: (\d+) workers \((\d+) exited, (\d+) killed by a signal, "
                            r"(\d+) of them timed out\), (\d+) calls\n"), 2000,
                 ("workers", "exited", "killed by a signal", "timed out", "calls made")),
    "randinsn": (re.compile(r"randinsn: seed \d+: (\d+) snippets \((\d+) reached the end, (\d+) exited otherwise, "
                            r"(\d+) killed by a signal, (\d+) of them timed out\)\n"), 200,
                 ("snippets", "reached the end", "exited otherwise", "killed by a signal", "timed out")),
}
CHECK_VM = re.compile(r"^check=vm: (\d+) system calls checked, (\d+) violations$", re.M)
# An oops or panic of the guest kernel, a violation, or forkscope's own one-line error
# (a machine fault: a triple fault, a halt with interrupts off, a bad access).
TROUBLE = re.compile(r"^(?:.*(?:Oops|Kernel panic|check=vm: violation).*|forkscope: .*)$", re.M)
TRACE_TAIL = 8


def parse_seeds(text):
    """"1-2000" or "5,19,40-42"."""
    seeds = []
    for part in text.split(","):
        first, _, last = part.partition("-")
        seeds.extend(range(int(first), int(last or first) + 1))
    return seeds


def command(args, seed, trace_file=None):
    cmd = [args.forkscope, "run", "--kernel", args.kernel, "--initrd", args.initramfs]
    if trace_file:
        cmd += ["--trace", "syscall", "--trace-file", trace_file]
    return cmd + ["--append", "check=vm", args.program, str(seed), str(args.count)]


def judge(args, returncode, out):
    """None when the run was clean, else what went wrong (one line)."""
    trouble = TROUBLE.search(out)
    if trouble:
        return trouble.group(0).strip()
    check = CHECK_VM.search(out)
    if not check:
        return "no check=vm summary (exit status %d)" % returncode
    if int(check.group(2)):
        return "check=vm: %s violations" % check.group(2)
    if not PROGRAMS[args.program][0].search(out):
        return "no %s summary (exit status %d)" % (args.program, returncode)
    if returncode:
        return "exit status %d" % returncode
    return None


def run_seed(args, seed):
    """(seed, failure or None, summary match groups or None, host CPU seconds)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        r = subprocess.run(command(args, seed), capture_output=True, timeout=args.timeout)
        out = (r.stdout + r.stderr).decode(errors="replace").replace("\r\n", "\n")
        failure = judge(args, r.returncode, out)
    except subprocess.TimeoutExpired:
        out, failure = "", "no end within %d s" % args.timeout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    summary = PROGRAMS[args.program][0].search(out)
    return seed, failure, summary.groups() if summary else None, cpu


def reproduce(args, seed, failure):
    """The last system calls of the seed's run, traced: of the process the failure
    names ("(pid N)", as check=vm and an oops say), else of all."""
    with tempfile.TemporaryDirectory(prefix="forkscope-fuzz-") as d:
        trace = os.path.join(d, "trace")
        try:
            subprocess.run(command(args, seed, trace), capture_output=True, timeout=args.timeout)
        except subprocess.TimeoutExpired:
            pass
        try:
            with open(trace, errors="replace") as f:
                lines = f.read().splitlines()
        except OSError as e:
            return ["(no trace: %s)" % e]
    pid = re.search(r"\(pid (\d+)\)", failure)
    if pid:
        lines = [line for line in lines if line.startswith("[pid %s] " % pid.group(1))] or lines
    return lines[-TRACE_TAIL:]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--forkscope", required=True)
    p.add_argument("--kernel", required=True)
    p.add_argument("--initramfs", required=True)
    p.add_argument("--seeds", default="1-200", help="e.g. 1-2000 or 5,19,40-42 (default 1-200)")
    p.add_argument("--program", choices=sorted(PROGRAMS), default="randcall")
    p.add_argument("--count", "--calls", type=int, default=None,
                   help="system calls (randcall, default 2000) or snippets (randinsn, default 200) per seed")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="boots at a time")
    p.add_argument("--timeout", type=int, default=600, help="host seconds per boot (default 600)")
    args = p.parse_args()
    seeds = parse_seeds(args.seeds)
    _, default_count, fields = PROGRAMS[args.program]
    if args.count is None:
        args.count = default_count

    start = time.monotonic()
    failures, totals, cpu = [], [0] * len(fields), 0.0
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for done, (seed, failure, summary, seconds) in enumerate(
                pool.map(lambda s: run_seed(args, s), seeds), 1):
            cpu += seconds
            if summary:
                totals = [t + int(v) for t, v in zip(totals, summary)]
            if failure:
                failures.append((seed, failure))
                print("seed %d: FAILED: %s" % (seed, failure), flush=True)
            if done % 100 == 0:
                print("... %d of %d seeds, %d failed" % (done, len(seeds), len(failures)), flush=True)

    for seed, failure in failures:
        print("\nseed %d: %s\n  reproduce: %s\n  last system calls:" %
              (seed, failure, " ".join(command(args, seed))))
        for line in reproduce(args, seed, failure):
            print("    " + line)
    print("\nfuzz campaign: %s, %d seeds (%s), %d each asked: %d clean, %d failed; %s; "
          "%.0f s host CPU, %.0f s wall, %d jobs"
          % (args.program, len(seeds), args.seeds, args.count, len(seeds) - len(failures), len(failures),
             ", ".join("%d %s" % (t, name) for t, name in zip(totals, fields)), cpu, time.monotonic() - start,
             args.jobs))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""bench_debugger.py - what debugging costs: single steps, going backwards, the history.

Usage:
    python3 tests/bench/bench_debugger.py --forkscope build/frontend/forkscope \\
        --debug-steps build/tests/bench/debug_steps --kernel build/images/kernel.elf \\
        --initramfs build/images/initramfs.cpio [--repeat 3] [--qemu qemu-system-i386]

A benchmark, never a test: it prints figures and exits 0 (1 only when a run fails).

  core   tests/bench/debug_steps at forktest's first fork (copy_process): host CPU time
         per Debugger::stepi without and with a recorded history, reverse-continue back
         over about 10^6 instructions to a breakpoint, reverse-stepi, and the history's
         bytes per 10^6 instructions. Best of --repeat.
  gdb    stock gdb in batch mode, `stepi N` at the same stop, through forkscope's
         gdbstub (forkscope run --gdb) and through qemu-system-i386's (-s -S) on the same
         kernel and initramfs, side by side and interleaved: the emulator's host CPU
         time per step (a run with N steps less one with none), and the ratio.
"""

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import time


def core(args):
    best = {}
    line = ""
    for _ in range(args.repeat):
        p = subprocess.run([args.debug_steps, args.kernel, args.initramfs, str(args.steps), "1000000", "256"],
                           capture_output=True, text=True)
        if p.returncode != 0:
            sys.stderr.write("bench_debugger: debug_steps failed: %s\n" % p.stderr)
            sys.exit(1)
        f = p.stdout.split()
        v = dict(zip(f[0::2], f[1::2]))
        line = v
        for key in ("plain_ms", "history_ms", "reverse_continue_ms", "reverse_stepi_ms"):
            best[key] = min(best.get(key, float("inf")), float(v[key]))
    steps = int(line["steps"])
    went = int(line["went"])
    print("core: Debugger at forktest's first fork, host CPU, best of %d" % args.repeat)
    print("  stepi without history   %8.1f us/step  (%7.0f steps/s)" % (
        best["plain_ms"] * 1e3 / steps, steps / (best["plain_ms"] / 1e3)))
    print("  stepi with history      %8.1f us/step  (%7.0f steps/s), ratio %.2f" % (
        best["history_ms"] * 1e3 / steps, steps / (best["history_ms"] / 1e3), best["history_ms"] / best["plain_ms"]))
    print("  reverse-continue        %8.1f ms back over %d instructions (%.1f ms per 10^6)" % (
        best["reverse_continue_ms"], went, best["reverse_continue_ms"] * 1e6 / went if went else 0.0))
    print("  reverse-stepi           %8.1f ms per step" % best["reverse_stepi_ms"])
    print("  history                 %8.0f bytes per 10^6 instructions (%s snapshots, %.1f MiB over %s instructions)" % (
        float(line["per_million"]), line["snapshots"], int(line["bytes"]) / 2**20, line["recorded"]))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def listening(port):
    """Whether something listens on 127.0.0.1:port, seen in /proc/net/tcp: a probe
    connection would count as a gdb that came and went (forkscope then lets the guest
    run; so does QEMU)."""
    want = ":%04X" % port
    try:
        with open("/proc/net/tcp") as f:
            return any(line.split()[1].endswith(want) and line.split()[3] == "0A" for line in f.readlines()[1:])
    except OSError:
        return False


def emulator_cpu(kind, args, qemu, steps):
    """Host CPU seconds of the emulator process for a gdb session that stops at the
    program's first copy_process and then does `stepi STEPS` (none when 0)."""
    port = free_port()
    if kind == "qemu":
        argv = [qemu, "-kernel", args.kernel, "-initrd", args.initramfs, "-append", "quiet -- /bin/forktest",
                "-display", "none", "-serial", "null", "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
                "-no-reboot", "-gdb", "tcp:127.0.0.1:%d" % port, "-S"]
    else:
        argv = [args.forkscope, "run", "--rtc-time", "1000000000", "--kernel", args.kernel, "--initrd",
                args.initramfs, "--gdb", "127.0.0.1:%d" % port, "--wait", "forktest"]
    emu = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(400):
        if listening(port):
            break
        time.sleep(0.025)
    commands = ["set pagination off", "set confirm off", "file " + args.kernel,
                "target remote 127.0.0.1:%d" % port, "break copy_process", "continue", "continue"]
    if steps:
        commands.append("stepi %d" % steps)
    commands.append("kill")
    gdb_argv = [args.gdb, "-batch", "-nx"]
    for c in commands:
        gdb_argv += ["-ex", c]
    out = subprocess.run(gdb_argv, capture_output=True, text=True, timeout=600).stdout
    if "Breakpoint 1, copy_process" not in out:
        emu.kill()
        sys.stderr.write("bench_debugger: gdb did not stop at copy_process under %s:\n%s\n" % (kind, out[-2000:]))
        sys.exit(1)
    try:
        _, _, usage = os.wait4(emu.pid, 0)
    except ChildProcessError:
        emu.wait()
        return None
    emu.returncode = 0
    return usage.ru_utime + usage.ru_stime


def gdb_steps(args):
    qemu = shutil.which(args.qemu)
    if not shutil.which(args.gdb):
        print("gdb: %s not found: no gdbstub figures" % args.gdb)
        return
    kinds = ["forkscope"] + (["qemu"] if qemu else [])
    if not qemu:
        print("gdb: %s not found: forkscope's figures only" % args.qemu)
    best = {}
    for _ in range(args.repeat):
        for kind in kinds:
            for n in (args.gdb_steps, 0):
                t = emulator_cpu(kind, args, qemu, n)
                if t is not None:
                    best[(kind, n)] = min(best.get((kind, n), t), t)
    print("gdb: stock gdb `stepi %d` at forktest's first copy_process, emulator host CPU per step, best of %d" % (
        args.gdb_steps, args.repeat))
    per = {}
    for kind in kinds:
        if (kind, args.gdb_steps) in best and (kind, 0) in best:
            per[kind] = (best[(kind, args.gdb_steps)] - best[(kind, 0)]) / args.gdb_steps * 1e6
            print("  %-10s %8.1f us/step" % (kind, per[kind]))
    if "qemu" in per and per["qemu"] > 0 and "forkscope" in per:
        print("  forkscope/qemu %.2f" % (per["forkscope"] / per["qemu"]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--forkscope", required=True)
    ap.add_argument("--debug-steps", required=True)
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--initramfs", required=True)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--steps", type=int, default=20000)
    ap.add_argument("--gdb-steps", type=int, default=2000)
    ap.add_argument("--qemu", default="qemu-system-i386")
    ap.add_argument("--gdb", default="gdb")
    args = ap.parse_args()
    print("bench_debugger: load average %.2f %.2f %.2f" % os.getloadavg())
    core(args)
    gdb_steps(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Shared by the differential tests: boot one kernel image under qemu-system-i386 and
under forkscope, and compare what the two machines print and how they stop.

The environment names the two things under test (meson's test() sets both):
  FORKSCOPE  the forkscope executable
  KERNEL     the Multiboot kernel ELF (build/images/kernel.elf)
Both machines get the SAME kernel path string: Multiboot loaders pass "<image> <append>"
as the command line, and the kernel prints what follows the first word, so different
path strings would already be a (meaningless) difference.

QEMU is the oracle. Its isa-debug-exit device makes it exit with (V << 1) | 1 when the
guest writes V to port 0xf4; forkscope exits with V.

Run one file by hand:
  FORKSCOPE=build/frontend/forkscope KERNEL=build/images/kernel.elf \\
      python3 tests/differential/test_boot.py -v
"""

import os
import shutil
import subprocess
import unittest
from dataclasses import dataclass, field

QEMU = "qemu-system-i386"

# Seconds a single boot may take before it counts as hung. The default boot takes
# ~0.3 s under QEMU (200 ms of it is the self-check's real-time wait) and ~10 ms
# under forkscope; the workloads are run at small scales here.
BOOT_TIMEOUT_S = 60

# Both machines run on the same deterministic clock, so that every line can be compared:
#  - QEMU with "-icount shift=0,sleep=off": guest time advances 1 ns per instruction and
#    never waits for the host, which is exactly forkscope's default VirtualClock;
#  - "-rtc base=...,clock=vm" and "--rtc-time": the CMOS clock starts from the same
#    time of day on both and follows guest time, not the host's.
# Without this, QEMU's timers follow the host clock, and under load its PIT and RTC
# interrupts arrive in bursts that change what the kernel's self-check counts.
RTC_BASE_ISO = "2026-01-01T12:00:00"
RTC_BASE_UNIX = 1767268800


def qemu_clock(rtc_iso=RTC_BASE_ISO):
    return ["-icount", "shift=0,sleep=off", "-rtc", f"base={rtc_iso},clock=vm"]


def forkscope_clock(rtc_unix=RTC_BASE_UNIX):
    return ["--rtc-time", str(rtc_unix)]

# Nothing is excluded: with the clocks above, every line (self-check counts, the RTC
# date, oops registers and backtraces) is deterministic for a given image and command
# line on both machines.
EXCLUDED_PREFIXES = ()


def qemu_path():
    return shutil.which(QEMU)


def require_env(name):
    value = os.environ.get(name)
    if not value:
        raise unittest.SkipTest(f"{name} is not set (meson test sets it)")
    if not os.path.exists(value):
        raise AssertionError(f"{name}={value} does not exist")
    return value


@dataclass
class Run:
    """One boot: its console transcript and exit status."""

    argv: list
    status: int
    stdout: str
    stderr: str
    lines: list = field(default_factory=list)      # normalised, excluded lines removed
    excluded: list = field(default_factory=list)   # the lines that were removed

    def describe(self):
        return (f"$ {' '.join(self.argv)}\n-> exit status {self.status}\n"
                f"--- stdout ---\n{self.stdout}--- stderr ---\n{self.stderr}")


def normalise(raw):
    """Console bytes -> (compared lines, excluded lines)."""
    text = raw.decode("utf-8", errors="replace").replace("\r\n", "\n")
    kept, excluded = [], []
    for line in text.split("\n"):
        if line == "":
            continue
        (excluded if EXCLUDED_PREFIXES and line.startswith(EXCLUDED_PREFIXES) else kept).append(line)
    return kept, excluded


def qemu_argv(kernel, append=None, ram_mib=None, extra=(), rtc_iso=RTC_BASE_ISO):
    argv = [QEMU, "-kernel", kernel, "-display", "none", "-serial", "stdio",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=4", "-no-reboot"] + qemu_clock(rtc_iso)
    if append is not None:
        argv += ["-append", append]
    if ram_mib is not None:
        argv += ["-m", str(ram_mib)]
    return argv + list(extra)


def forkscope_argv(forkscope, kernel, append=None, ram_mib=None, extra=(), rtc_unix=RTC_BASE_UNIX):
    argv = [forkscope, "run", "--kernel", kernel] + forkscope_clock(rtc_unix)
    if append is not None:
        argv += ["--append", append]
    if ram_mib is not None:
        argv += ["--ram", str(ram_mib)]
    return argv + list(extra)


def run_both(qemu, forkscope, timeout=BOOT_TIMEOUT_S):
    """Start both machines at once (they are independent), wait for both with a timeout
    each, and return (qemu_run, forkscope_run)."""
    procs = []
    for argv in (qemu, forkscope):
        procs.append((argv, subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)))
    runs, hung = [], []
    for argv, proc in procs:
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            hung.append(f"{' '.join(argv)}: no exit within {timeout} s\n"
                        f"stdout so far:\n{out.decode(errors='replace')}")
        kept, excluded = normalise(out)
        runs.append(Run(argv, proc.returncode, out.decode("utf-8", errors="replace"),
                        err.decode("utf-8", errors="replace"), kept, excluded))
    if hung:
        raise AssertionError("\n".join(hung))
    return runs[0], runs[1]


class DifferentialCase(unittest.TestCase):
    """Base class: finds QEMU, forkscope and the kernel, and compares two runs."""

    maxDiff = None

    @classmethod
    def setUpClass(cls):
        if qemu_path() is None:
            raise unittest.SkipTest(f"{QEMU} is not installed")
        cls.forkscope = require_env("FORKSCOPE")
        cls.kernel = require_env("KERNEL")

    def boot_both(self, append=None, ram_mib=None, qemu_extra=(), forkscope_extra=()):
        return run_both(qemu_argv(self.kernel, append, ram_mib, qemu_extra),
                        forkscope_argv(self.forkscope, self.kernel, append, ram_mib,
                                       forkscope_extra))

    def assert_same(self, append=None, ram_mib=None, expect_status=0,
                    qemu_extra=(), forkscope_extra=()):
        """Boot both; the transcripts (minus EXCLUDED_PREFIXES) and exit statuses must
        match, and forkscope's status must be expect_status. Returns the two runs."""
        q, f = self.boot_both(append, ram_mib, qemu_extra, forkscope_extra)
        context = f"\n\n=== QEMU ===\n{q.describe()}\n=== forkscope ===\n{f.describe()}"
        self.assertTrue(f.lines, "forkscope printed nothing" + context)
        self.assertEqual(q.lines, f.lines,
                         "console transcripts differ (QEMU first, forkscope second)" + context)
        # The exclusion rule must not hide a missing or extra line.
        self.assertEqual([l.split(" ")[0] for l in q.excluded],
                         [l.split(" ")[0] for l in f.excluded],
                         "excluded lines differ in number or kind" + context)
        # A process exit status has 8 bits: QEMU's (V << 1) | 1 is cut to them.
        self.assertEqual(q.status, ((f.status << 1) | 1) & 0xff,
                         f"exit status: QEMU {q.status}, forkscope {f.status}; expected "
                         f"QEMU == ((forkscope << 1) | 1) & 0xff" + context)
        self.assertEqual(f.status, expect_status, "forkscope exit status" + context)
        return q, f

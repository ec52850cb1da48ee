"""kbench and forkbench, the programs behind tests/bench/bench_kernel.py and
bench_fork.py, do what their figures claim: each benchmark runs to completion with the
kernel's self-check on and finds nothing leaked (the pipe benchmark and forkbench fork,
the fault benchmark maps and unmaps memory), with copy-on-write and with cow=0, and its
result line has the same form in the guest as natively on the host. The figures
themselves are the benchmarks' business, not a test's.
"""

import os
import unittest

from forkscope_testlib import ForkscopeTestCase, forkscope, run_native

PROGRAMS_DIR = os.environ.get("PROGRAMS_DIR", "")
LINE = r"kbench: %s: %d in \d+ us: \d+ ns per %s\n"
BENCHES = [("getpid", 500, "call"), ("pipe", 200, "round trip"), ("fault", 1500, "fault")]


class Kbench(ForkscopeTestCase):

    def test_each_benchmark_in_the_guest(self):
        for name, n, unit in BENCHES:
            with self.subTest(name):
                run = forkscope("--rtc-time", "1000000000", "--append", "check=vm", "kbench", name, str(n))
                self.assertExit(run, 0)
                text = run.text
                self.assertRegex(text, LINE % (name, n, unit))
                self.assertRegex(text, r"check=vm: \d+ system calls checked, 0 violations\n")

    def test_bad_arguments(self):
        for args, needle in [((), "usage"), (("getpid", "x"), "usage"), (("walk", "1"), "unknown benchmark")]:
            with self.subTest(args):
                run = forkscope("--rtc-time", "1000000000", "kbench", *args)
                self.assertExit(run, 2)
                self.assertIn(needle, run.text)

    def test_natively(self):
        if not PROGRAMS_DIR:
            raise unittest.SkipTest("PROGRAMS_DIR is not set (run through meson test)")
        for name, n, unit in BENCHES:
            with self.subTest(name):
                r = run_native(os.path.join(PROGRAMS_DIR, "kbench"), name, str(n))
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertRegex(r.text, r"\A" + LINE % (name, n, unit) + r"\Z")


FORKBENCH_LINE = r"forkbench: 1024 KiB: 5 forks in \d+ us: \d+ ns per fork\n"


class Forkbench(ForkscopeTestCase):

    def test_copy_on_write_and_eager(self):
        for options in ("check=vm", "check=vm cow=0"):
            with self.subTest(options):
                run = forkscope("--rtc-time", "1000000000", "--append", options, "forkbench", "1024", "5")
                self.assertExit(run, 0)
                self.assertRegex(run.text, FORKBENCH_LINE)
                self.assertRegex(run.text, r"check=vm: \d+ system calls checked, 0 violations\n")

    def test_bad_arguments(self):
        run = forkscope("--rtc-time", "1000000000", "forkbench", "x")
        self.assertExit(run, 2)
        self.assertIn("usage: forkbench KIB N", run.text)

    def test_natively(self):
        if not PROGRAMS_DIR:
            raise unittest.SkipTest("PROGRAMS_DIR is not set (run through meson test)")
        r = run_native(os.path.join(PROGRAMS_DIR, "forkbench"), "1024", "5")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.text, r"\A" + FORKBENCH_LINE + r"\Z")


if __name__ == "__main__":
    unittest.main()

"""Determinism: with the instruction-counted clock (the default), the same image, options
and --rtc-time give the same console output, byte for byte, and the same instruction
count on every run (DESIGN.md: tests and replays depend on this)."""

import unittest

from forkscope_testlib import ForkscopeTestCase, forkscope, test_kernel


class DeterminismTest(ForkscopeTestCase):

    def run_twice(self, *args):
        a = forkscope("--stats", *args)
        b = forkscope("--stats", *args)
        return a, b

    def assertSameRun(self, a, b):
        self.assertEqual(a.returncode, b.returncode, a.describe() + "\n---\n" + b.describe())
        self.assertEqual(a.stdout, b.stdout)
        sa, sb = a.stats(), b.stats()
        self.assertIsNotNone(sa, a.describe())
        self.assertIsNotNone(sb, b.describe())
        for key in ("instructions", "interrupts", "exceptions", "guest_ms"):
            self.assertEqual(sa[key], sb[key], "%s differs between identical runs: %s vs %s" % (key, sa, sb))
        # Any error line is the same too (it names EIPs and instruction counts). Log lines
        # carry host timestamps: they are not compared.
        err_a = [l for l in a.stderr_lines if l.startswith("forkscope: ")]
        err_b = [l for l in b.stderr_lines if l.startswith("forkscope: ")]
        self.assertEqual(err_a, err_b)

    def assertBootedWithStats(self, run):
        self.assertExit(run, 0)
        self.assertIn("selfcheck: ok", run.lines, run.describe())

    def test_same_rtc_time_gives_identical_output_and_instruction_count(self):
        for rtc in ("0", "1000000000", "4102444800"):
            with self.subTest(rtc_time=rtc):
                a, b = self.run_twice("--rtc-time", rtc)
                self.assertBootedWithStats(a)
                self.assertSameRun(a, b)

    def test_same_options_give_the_same_run_with_append_and_ram(self):
        a, b = self.run_twice("--rtc-time", "1234567890", "--append", "a b c", "--ram", "64")
        self.assertBootedWithStats(a)
        self.assertSameRun(a, b)

    def test_different_rtc_times_differ_only_in_the_rtc_line(self):
        runs = {rtc: forkscope("--rtc-time", rtc) for rtc in ("0", "1000000000", "1700000000")}
        expected_rtc = {"0": "rtc: 1970-01-01 00:00:00", "1000000000": "rtc: 2001-09-09 01:46:40",
                        "1700000000": "rtc: 2023-11-14 22:13:20"}
        base = None
        for rtc, run in runs.items():
            self.assertExit(run, 0)
            self.assertIn(expected_rtc[rtc], run.lines, run.describe())
            others = [l for l in run.lines if not l.startswith("rtc: ")]
            self.assertEqual(len(others), len(run.lines) - 1, "expected exactly one rtc: line\n" + run.describe())
            if base is None:
                base = others
            else:
                self.assertEqual(others, base, "runs with different --rtc-time differ outside the rtc: line")

    def test_port_fuzzing_is_reproducible(self):
        kernel = test_kernel("portfuzz")
        for append in ("seed=3", "irq seed=3"):
            with self.subTest(append=append):
                # The fuzzer reads the CMOS clock: pin it, or the host's time leaks in.
                a, b = self.run_twice("--kernel", kernel, "--append", append, "--max-instructions", "50000000",
                                      "--rtc-time", "0")
                self.assertSameRun(a, b)

    def test_garbage_code_is_reproducible(self):
        kernel = test_kernel("garbage")
        for seed in ("1", "9", "18"):
            with self.subTest(seed=seed):
                a, b = self.run_twice("--kernel", kernel, "--append", "seed=" + seed, "--max-instructions", "50000000",
                                      "--rtc-time", "0")
                self.assertSameRun(a, b)


if __name__ == "__main__":
    unittest.main()

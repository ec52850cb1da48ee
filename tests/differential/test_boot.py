#!/usr/bin/env python3
"""Differential: the default boot under qemu-system-i386 and forkscope.

Same kernel image, same command line, same RAM size: the console transcripts must be
equal apart from the lines oracle.EXCLUDED_PREFIXES names (and explains), and QEMU's
exit status must be (forkscope's << 1) | 1.

  FORKSCOPE=build/frontend/forkscope KERNEL=build/images/kernel.elf \\
      python3 tests/differential/test_boot.py -v
"""

import calendar
import datetime
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oracle import DifferentialCase, run_both, qemu_argv, forkscope_argv  # noqa: E402


class Boot(DifferentialCase):
    def test_no_append(self):
        q, f = self.assert_same()
        self.assertIn("cmdline: (none)", f.lines)
        self.assertIn("selfcheck: ok", f.lines)

    def test_append_hello_world(self):
        q, f = self.assert_same(append="hello world")
        self.assertIn("cmdline: hello world", f.lines)

    def test_ram_32(self):
        q, f = self.assert_same(ram_mib=32)
        self.assertTrue(any(l.startswith("multiboot: mem_lower") for l in f.lines))

    def test_ram_512(self):
        self.assert_same(ram_mib=512)


RTC_LINE = re.compile(r"^rtc: (\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)$")


class RtcTime(DifferentialCase):
    """Both machines start their CMOS clock from the same, unusual time of day (QEMU
    -rtc base=, forkscope --rtc-time) and follow guest time: the date conversions (BCD,
    12/24 h, two-digit year, leap days) must agree to the second."""

    def check(self, when):
        epoch = calendar.timegm(when.timetuple())
        q, f = run_both(
            qemu_argv(self.kernel, rtc_iso=when.strftime("%Y-%m-%dT%H:%M:%S")),
            forkscope_argv(self.forkscope, self.kernel, rtc_unix=epoch))
        times = []
        for run in (q, f):
            lines = [RTC_LINE.match(l) for l in run.lines if l.startswith("rtc:")]
            self.assertEqual(len(lines), 1, run.describe())
            self.assertIsNotNone(lines[0], run.describe())
            times.append(datetime.datetime(*map(int, lines[0].groups())))
        self.assertEqual(times[0], times[1], f"{q.describe()}\n{f.describe()}")
        for name, t in zip(("QEMU", "forkscope"), times):
            self.assertTrue(datetime.timedelta(0) <= t - when <= datetime.timedelta(seconds=5),
                            f"{name} printed {t}, started at {when}\n{q.describe()}\n{f.describe()}")

    def test_leap_day_2024(self):
        self.check(datetime.datetime(2024, 2, 29, 12, 34, 10))

    def test_last_century(self):
        self.check(datetime.datetime(1999, 12, 31, 23, 58, 10))

    def test_morning(self):   # 12/24 h: an hour below 12
        self.check(datetime.datetime(2031, 7, 4, 7, 5, 10))


if __name__ == "__main__":
    unittest.main(verbosity=2)

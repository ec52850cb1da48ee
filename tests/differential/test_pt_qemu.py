#!/usr/bin/env python3
"""Differential: `forkscope pt --format qemu` and `qemu-mem` against QEMU's own `info tlb`
and `info mem`, for the same kernel image stopped at the same point.

QEMU: the guest halts itself at the point (selfhalt=POINT, qemu_halt.py) and QMP's
human-monitor-command asks the monitor. forkscope: the host stops at the same point
(--at POINT) with the same kernel command line and dumps the running task's tables.
Both run on the differential tests' deterministic clock, so the runs are the same
instruction for instruction up to there, and the outputs must be equal line for line:
the kernel half as well as the user half, addresses, frames and every flag letter.
Accessed and dirty bits are compared as they are, not masked: the page-table words are
the same RAM words written by the same instructions on both machines (QEMU's softmmu
and Unicorn set A and D the same way), and the halt adds no access after the point.

  FORKSCOPE=build/frontend/forkscope KERNEL=build/images/kernel.elf \\
  INITRAMFS=build/images/initramfs.cpio python3 tests/differential/test_pt_qemu.py -v
"""

import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oracle import forkscope_clock, qemu_path, require_env  # noqa: E402
from qemu_halt import halt_in_qemu  # noqa: E402

TIMEOUT_S = 120


class PtQemuTest(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        if not qemu_path():
            self.fail("qemu-system-i386 is missing (scripts/setup.sh installs it)")
        self.forkscope = require_env("FORKSCOPE")
        self.kernel = require_env("KERNEL")
        self.initramfs = require_env("INITRAMFS")

    def forkscope_pt(self, point, program, fmt):
        argv = [self.forkscope, "pt", "--kernel", self.kernel, "--initrd", self.initramfs, *forkscope_clock(),
                "--append", "selfhalt=" + point, "--at", point, "--format", fmt, "-q", program]
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=TIMEOUT_S)
        self.assertEqual(p.returncode, 0, "%s\n%s" % (" ".join(argv), p.stderr.decode(errors="replace")))
        return p.stdout.decode()

    def compare(self, point, program):
        # The same command line on both: forkscope puts "quiet" first, as for any program.
        h = halt_in_qemu(self.kernel, self.initramfs, point, program="/bin/" + program, options="quiet")
        qemu_tlb = h.tlb.replace("\r\n", "\n")
        qemu_mem = h.mem.replace("\r\n", "\n")
        self.assertGreater(len(qemu_tlb.splitlines()), 10, qemu_tlb)
        self.assertEqual(self.forkscope_pt(point, program, "qemu"), qemu_tlb, "info tlb at " + point)
        self.assertEqual(self.forkscope_pt(point, program, "qemu-mem"), qemu_mem, "info mem at " + point)

    def test_after_the_first_fork(self):
        self.compare("fork#1", "forktest")

    def test_after_the_first_copy_on_write_fault(self):
        self.compare("cow#1", "forktest")

    def test_after_an_exec(self):
        self.compare("exec#1", "forkexec")

    def test_at_the_first_exit(self):
        self.compare("exit", "forkexec")


if __name__ == "__main__":
    unittest.main()

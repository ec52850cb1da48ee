#!/usr/bin/env python3
"""Differential: `forkscope pt --format qemu` and `qemu-mem` against QEMU's own `info tlb`
and `info mem`, for the same kernel image stopped at the same point.

QEMU: the guest halts itself at the point (selfhalt=POINT, qemu_halt.py) and QMP's
human-monitor-command asks the monitor. forkscope: the same kernel command line, so the
same run instruction for instruction (both on the differential tests' deterministic
clock), dumped by the host at two places:
- at the entry of selfhalt_forever, where QEMU's guest is when the monitor looks: after
  the kernel's report. Here the outputs must be equal line for line, the kernel half as
  well as the user half, addresses, frames and every flag letter, Accessed and Dirty
  included (the page-table words are the same RAM words written by the same
  instructions; QEMU's softmmu and Unicorn set A and D alike).
- at POINT itself (--at POINT), before the report. The report's own code and data set
  Accessed and Dirty on kernel pages QEMU shows and forkscope, which stopped before it,
  does not; so there the kernel half's A and D letters are left out of the comparison,
  and everything else, the user half whole, must be equal.

  FORKSCOPE=build/frontend/forkscope KERNEL=build/images/kernel.elf \\
  INITRAMFS=build/images/initramfs.cpio python3 tests/differential/test_pt_qemu.py -v
"""

import os
import re
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oracle import forkscope_clock, qemu_path, require_env  # noqa: E402
from qemu_halt import halt_in_qemu  # noqa: E402

TIMEOUT_S = 120
TASK_SIZE = 0xC0000000
TLB_LINE = re.compile(r"^([0-9a-f]+): ([0-9a-f]+) (.)(.)(.)(.)(.)(.)(.)(.)(.)$")


def without_kernel_accessed_dirty(tlb):
    """info tlb with the D and A letters of kernel-half lines replaced by '-'."""
    out = []
    for line in tlb.splitlines():
        m = TLB_LINE.match(line)
        if m and int(m.group(1), 16) >= TASK_SIZE:
            f = list(m.groups()[2:])
            f[3] = f[4] = "-"   # X G P D A C T U W
            line = "%s: %s %s" % (m.group(1), m.group(2), "".join(f))
        out.append(line)
    return "\n".join(out)


class PtQemuTest(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        if not qemu_path():
            self.fail("qemu-system-i386 is missing (scripts/setup.sh installs it)")
        self.forkscope = require_env("FORKSCOPE")
        self.kernel = require_env("KERNEL")
        self.initramfs = require_env("INITRAMFS")

    def forkscope_pt(self, point, program, fmt, at):
        argv = [self.forkscope, "pt", "--kernel", self.kernel, "--initrd", self.initramfs, *forkscope_clock(),
                "--append", "selfhalt=" + point, "--at", at, "--format", fmt, "-q", program]
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=TIMEOUT_S)
        self.assertEqual(p.returncode, 0, "%s\n%s" % (" ".join(argv), p.stderr.decode(errors="replace")))
        return p.stdout.decode()

    def compare(self, point, program):
        # The same command line on both: forkscope puts "quiet" first, as for any program.
        h = halt_in_qemu(self.kernel, self.initramfs, point, program="/bin/" + program, options="quiet")
        qemu_tlb = h.tlb.replace("\r\n", "\n")
        qemu_mem = h.mem.replace("\r\n", "\n")
        self.assertGreater(len(qemu_tlb.splitlines()), 10, qemu_tlb)
        self.assertEqual(self.forkscope_pt(point, program, "qemu", "selfhalt_forever"), qemu_tlb,
                         "info tlb once halted at " + point)
        self.assertEqual(self.forkscope_pt(point, program, "qemu-mem", "selfhalt_forever"), qemu_mem,
                         "info mem once halted at " + point)
        at_point = self.forkscope_pt(point, program, "qemu", point)
        self.assertEqual(without_kernel_accessed_dirty(at_point), without_kernel_accessed_dirty(qemu_tlb),
                         "info tlb at " + point)
        self.assertEqual(self.forkscope_pt(point, program, "qemu-mem", point), qemu_mem, "info mem at " + point)

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

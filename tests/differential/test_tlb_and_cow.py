#!/usr/bin/env python3
"""Differential: fork's parent TLB flush and eager copying, under qemu-system-i386 and
forkscope. With fork_tlb_flush=0 the guest kernel leaves out the parent's TLB flush
after fork (a deliberate bug): QEMU keeps the stale writable translation, so cowtest's
stale-TLB check fails there, and it must fail the same way, line for line, under
forkscope. With cow=0 (fork copies private pages at once) cowtest passes on both.

  FORKSCOPE=build/frontend/forkscope KERNEL=build/images/kernel.elf \\
  INITRAMFS=build/images/initramfs.cpio python3 tests/differential/test_tlb_and_cow.py -v
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oracle import DifferentialCase, require_env  # noqa: E402

STALE_TLB_LINE = "cowtest: child still sees the value from before the fork: %s"


class TlbAndCow(DifferentialCase):
    def setUp(self):
        super().setUp()
        self.initramfs = require_env("INITRAMFS")

    def run_cowtest(self, options, expect_status):
        return self.assert_same(append=f"{options} -- /bin/cowtest", expect_status=expect_status,
                                qemu_extra=["-initrd", self.initramfs],
                                forkscope_extra=["--initrd", self.initramfs])

    def test_cowtest_passes_with_the_flush(self):
        q, _ = self.run_cowtest("check=vm", 0)
        self.assertIn(STALE_TLB_LINE % "ok", q.lines)

    def test_cowtest_fails_the_same_way_without_the_flush(self):
        q, _ = self.run_cowtest("fork_tlb_flush=0", 1)
        self.assertIn(STALE_TLB_LINE % "FAIL", q.lines)

    def test_cowtest_passes_with_eager_copy(self):
        q, _ = self.run_cowtest("cow=0 check=vm", 0)
        self.assertIn("cowtest: all ok", q.lines)


if __name__ == "__main__":
    unittest.main()

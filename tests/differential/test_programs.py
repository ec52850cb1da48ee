#!/usr/bin/env python3
"""Differential: the image's programs, run by the guest kernel's init from the
initramfs, under qemu-system-i386 (-kernel K -initrd I -append "-- /bin/PROGRAM ...")
and forkscope (the same flags): the whole console, boot lines, program output and the
kernel's exit line, and the exit status must be the same on both machines.

  FORKSCOPE=build/frontend/forkscope KERNEL=build/images/kernel.elf \\
  INITRAMFS=build/images/initramfs.cpio python3 tests/differential/test_programs.py -v
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oracle import DifferentialCase, require_env  # noqa: E402


class Programs(DifferentialCase):
    def setUp(self):
        super().setUp()
        self.initramfs = require_env("INITRAMFS")

    def run_program(self, command, expect_status=0, append=""):
        return self.assert_same(append=f"{append} -- {command}".strip(), expect_status=expect_status,
                                qemu_extra=["-initrd", self.initramfs],
                                forkscope_extra=["--initrd", self.initramfs])

    def test_hello(self):
        q, _ = self.run_program("/bin/hello")
        self.assertIn("hello, world", q.lines)

    def test_echo_with_a_quoted_argument(self):
        q, _ = self.run_program('/bin/echo a "b c" d')
        self.assertIn("a b c d", q.lines)

    def test_ls_root(self):
        self.run_program("/bin/ls /")

    def test_cat_motd(self):
        self.run_program("/bin/cat /etc/motd")

    def test_memtest_with_the_vm_checker(self):
        q, _ = self.run_program("/bin/memtest", append="check=vm")
        self.assertIn("memtest: ok", q.lines)

    def test_segv_is_killed_by_signal_11(self):
        self.run_program("/bin/segv", expect_status=139)

    def test_exectest(self):
        self.run_program("/bin/exectest")

    def test_pipes(self):
        self.run_program("/bin/pipes")

    def test_sigtest(self):
        self.run_program("/bin/sigtest")

    def test_fputest(self):
        # x87 and SSE state across preemption, fork, exec and signal handlers; an
        # unmasked x87 divide-by-zero is SIGFPE on both machines (neither raises #XM).
        for args in ("", " signals", " handler-state", " fpe"):
            with self.subTest(args=args):
                q, _ = self.run_program("/bin/fputest" + args)
                self.assertFalse([l for l in q.lines if "FAIL" in l], q.describe())


if __name__ == "__main__":
    unittest.main()

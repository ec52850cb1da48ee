#!/usr/bin/env python3
"""Differential: the image's programs, run by the guest kernel's init from the
initramfs, under qemu-system-i386 (-kernel K -initrd I -append "-- /bin/PROGRAM ...")
and forkscope (the same flags): the whole console, boot lines, program output and the
kernel's exit line, and the exit status must be the same on both machines.

  FORKSCOPE=build/frontend/forkscope KERNEL=build/images/kernel.elf \\
  INITRAMFS=build/images/initramfs.cpio python3 tests/differential/test_programs.py -v
"""

import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oracle import DifferentialCase, normalise, require_env  # noqa: E402


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


class Quiet(DifferentialCase):
    """`quiet`, as `forkscope run PROGRAM` boots: the boot lines and the closing
    "exit: status" line stay off the console on both machines; what the program prints,
    init's report of a signal, check=vm's summary and an oops still show."""

    def setUp(self):
        super().setUp()
        self.initramfs = require_env("INITRAMFS")

    def run_program(self, append, expect_status=0):
        return self.assert_same(append=append, expect_status=expect_status,
                                qemu_extra=["-initrd", self.initramfs],
                                forkscope_extra=["--initrd", self.initramfs])

    def test_hello_prints_only_its_line(self):
        q, _ = self.run_program("quiet -- /bin/hello")
        self.assertEqual(q.lines, ["hello, world"])

    def test_forkscope_run_program_boots_with_the_same_command_line(self):
        q, _ = self.run_program("quiet -- /bin/hello")
        run = subprocess.run([self.forkscope, "run", "--kernel", self.kernel, "--initrd", self.initramfs, "hello"],
                             stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(normalise(run.stdout)[0], q.lines)

    def test_check_vm_summary_and_a_signal_still_show(self):
        q, _ = self.run_program("quiet check=vm -- /bin/segv", expect_status=139)
        self.assertEqual(q.lines[0], "segv: reading 0xc0000000")
        self.assertEqual(q.lines[1], "init: /bin/segv killed by signal 11 (Segmentation fault)")
        self.assertRegex(q.lines[2], r"^check=vm: \d+ system calls checked, 0 violations$")
        self.assertEqual(len(q.lines), 3, q.lines)

    def test_a_later_loglevel_wins(self):
        q, _ = self.run_program("quiet loglevel=6 -- /bin/hello")
        self.assertIn("selfcheck: ok", q.lines)
        self.assertEqual(q.lines[-1], "exit: status 0")

    def test_an_oops_at_boot_shows(self):
        q, _ = self.assert_same(append="quiet test_fault=ud", expect_status=0x46)
        self.assertTrue(any(l.startswith("Oops: ") for l in q.lines), q.lines)
        self.assertNotIn("selfcheck: ok", q.lines)


if __name__ == "__main__":
    unittest.main()

#!/usr/bin/env python3
"""Differential: the image's programs, run by the guest kernel's init from the
initramfs, under qemu-system-i386 (-kernel K -initrd I -append "-- /bin/PROGRAM ...")
and forkscope (the same flags): the whole console, boot lines, program output and the
kernel's exit line, and the exit status must be the same on both machines.

  FORKSCOPE=build/frontend/forkscope KERNEL=build/images/kernel.elf \\
  INITRAMFS=build/images/initramfs.cpio python3 tests/differential/test_programs.py -v
"""

import os
import shutil
import subprocess
import sys
import tempfile
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

    def test_fputest(self):
        # x87 and SSE state across preemption, fork, exec and signal handlers; an
        # unmasked x87 divide-by-zero is SIGFPE on both machines (neither raises #XM);
        # with nofxsr, the x87 registers saved with fnsave.
        for args, append in (("", ""), (" signals", ""), (" handler-state", ""), (" fpe", ""),
                             (" x87", "nofxsr")):
            with self.subTest(args=args, append=append):
                q, _ = self.run_program("/bin/fputest" + args, append=append)
                self.assertFalse([l for l in q.lines if "FAIL" in l], q.describe())


GLIBC_C = r"""
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	char buf[200];
	int status = -1;
	pid_t pid;

	memset(buf, 'y', sizeof(buf) - 1);
	buf[sizeof(buf) - 1] = 0;
	printf("glibc: strlen %zu, %.3f\n", strlen(buf), 2.5 * strlen(buf));
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		return 9;
	waitpid(pid, &status, 0);
	printf("glibc: child exited with %d\n", WEXITSTATUS(status));
	return 0;
}
"""


def with_file(archive, name, data):
    """The newc archive `archive` with one more regular file (mode 0755) before its
    TRAILER!!! entry."""
    def entry(ino, path, mode, body):
        nb = path.encode() + b"\0"
        fields = [ino, mode, 0, 0, 1, 0, len(body), 0, 0, 0, 0, len(nb), 0]
        out = b"070701" + b"".join(b"%08X" % f for f in fields) + nb
        out += b"\0" * (-len(out) % 4) + body
        return out + b"\0" * (-len(out) % 4)
    trailer = archive.rindex(b"070701")
    return archive[:trailer] + entry(0x7fff, name, 0o100755, data) + entry(0, "TRAILER!!!", 0, b"")


class GlibcProgram(DifferentialCase):
    """A gcc -m32 -static program: glibc's start-up uses SSE2 (the kernel turns SSE on)."""

    def test_glibc_hello_and_fork(self):
        gcc = shutil.which("gcc")
        self.assertTrue(gcc, "no gcc on the host (scripts/setup.sh installs gcc-multilib)")
        with tempfile.TemporaryDirectory() as d:
            src, prog = os.path.join(d, "glibc.c"), os.path.join(d, "glibc")
            with open(src, "w") as f:
                f.write(GLIBC_C)
            r = subprocess.run([gcc, "-m32", "-static", "-O2", src, "-o", prog], capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, "gcc -m32 -static cannot build here (scripts/setup.sh "
                             "installs gcc-multilib): " + r.stderr.strip()[:300])
            with open(require_env("INITRAMFS"), "rb") as f, open(prog, "rb") as p:
                archive = with_file(f.read(), "bin/glibc", p.read())
            initramfs = os.path.join(d, "initramfs.cpio")
            with open(initramfs, "wb") as f:
                f.write(archive)
            q, _ = self.assert_same(append="-- /bin/glibc", qemu_extra=["-initrd", initramfs],
                                    forkscope_extra=["--initrd", initramfs])
        self.assertIn("glibc: strlen 199, 497.500", q.lines)
        self.assertIn("glibc: child exited with 9", q.lines)


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

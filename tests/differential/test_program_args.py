#!/usr/bin/env python3
"""Differential: arguments the kernel command line cannot carry, under qemu-system-i386
and forkscope with the SAME initramfs and command line. `forkscope run --write-initrd
FILE -v PROGRAM ARGS...` saves the initramfs it boots (the program's argv in
/etc/forkscope/argv, its environment changes in /etc/forkscope/environ) and prints the
command line it boots with ("cmdline: -- -a /etc/forkscope/argv"); both machines then
boot exactly that, and must print the same transcript as that first run, line for line,
and end with the same status. The guest's own execve limit is the same on both machines:
an argument file one byte over MAX_ARG_BYTES fails with E2BIG there, where forkscope run
would have refused it.

  FORKSCOPE=build/frontend/forkscope KERNEL=build/images/kernel.elf \\
  INITRAMFS=build/images/initramfs.cpio python3 tests/differential/test_program_args.py -v
"""

import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oracle import DifferentialCase, forkscope_clock, normalise, require_env  # noqa: E402
from test_programs import with_file  # noqa: E402

AWKWARD = ['say "hi"', "it's", "back\\slash", "tab\there", "", "caf\u00e9 \u65e5\u672c", "two\nlines", "--", "-a"]


class SameInitramfsAndCommandLine(DifferentialCase):

    def setUp(self):
        super().setUp()
        self.initramfs = require_env("INITRAMFS")
        self.tmp = tempfile.TemporaryDirectory(prefix="forkscope-args-")
        self.addCleanup(self.tmp.cleanup)

    def forkscope_run(self, *words, expect_status=0):
        """`forkscope run -v --write-initrd FILE WORDS...`: (its transcript lines, the
        command line the kernel printed, the saved initramfs)."""
        saved = os.path.join(self.tmp.name, "run.cpio")
        argv = [self.forkscope, "run", "--kernel", self.kernel, "--initrd", self.initramfs, *forkscope_clock(),
                "-v", "--write-initrd", saved, *words]
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
        self.assertEqual(p.returncode, expect_status, p.stderr.decode(errors="replace"))
        lines = normalise(p.stdout)[0]
        cmdline = [l[len("cmdline: "):] for l in lines if l.startswith("cmdline: ")]
        self.assertEqual(len(cmdline), 1, lines)
        return lines, cmdline[0], saved

    def assert_boots_the_same(self, *words, expect_status=0):
        lines, cmdline, saved = self.forkscope_run(*words, expect_status=expect_status)
        q, f = self.assert_same(append=cmdline, expect_status=expect_status,
                                qemu_extra=["-initrd", saved], forkscope_extra=["--initrd", saved])
        self.assertEqual(q.lines, lines, "QEMU's transcript differs from forkscope run's own")
        return q, cmdline

    def test_awkward_arguments(self):
        q, cmdline = self.assert_boots_the_same("echo", *AWKWARD)
        self.assertEqual(cmdline, "-- -a /etc/forkscope/argv")
        out = " ".join(AWKWARD)
        i = q.lines.index(out.split("\n")[0])
        self.assertEqual(q.lines[i:i + 2], out.split("\n"))

    def test_1000_arguments(self):
        args = ["w%d" % i for i in range(1000)]
        q, cmdline = self.assert_boots_the_same("echo", *args)
        self.assertEqual(cmdline, "-- -a /etc/forkscope/argv")
        self.assertIn(" ".join(args), q.lines)

    def test_environment_and_a_shell_script(self):
        script = 'echo "A=[$A] HOME=[$HOME] TERM=[$TERM]"; echo \'single "quoted"\''
        q, cmdline = self.assert_boots_the_same("-E", 'A=x "y"', "-U", "HOME", "sh", "-c", script)
        self.assertEqual(cmdline, "-- -e /etc/forkscope/environ -a /etc/forkscope/argv")
        self.assertIn('A=[x "y"] HOME=[] TERM=[linux]', q.lines)
        self.assertIn('single "quoted"', q.lines)

    def test_plain_arguments_stay_on_the_command_line(self):
        q, cmdline = self.assert_boots_the_same("echo", "a b", "it's")
        self.assertEqual(cmdline, '-- /bin/echo "a b" it\'s')
        self.assertIn("a b it's", q.lines)


class ExecLimit(DifferentialCase):
    """An argument file written by hand, at MAX_ARG_BYTES (131072: the file name, each
    string, its NUL and its pointer, and init's HOME=/ TERM=linux) and one byte over."""

    FIXED = (10 + 1) + (10 + 1 + 4) + (6 + 1 + 4) + (10 + 1 + 4)   # "/bin/hello" twice, the environment
    BIGGEST = 131072 - FIXED - 1 - 4

    def boot(self, size, expect_status):
        with open(require_env("INITRAMFS"), "rb") as f:
            archive = f.read()
        archive = with_file(archive, "etc/forkscope/argv", b"/bin/hello\0" + b"x" * size + b"\0")
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "limit.cpio")
            with open(path, "wb") as f:
                f.write(archive)
            q, _ = self.assert_same(append="quiet -- -a /etc/forkscope/argv", expect_status=expect_status,
                                    qemu_extra=["-initrd", path], forkscope_extra=["--initrd", path])
        return q

    def test_the_biggest_argument_runs(self):
        self.assertEqual(self.boot(self.BIGGEST, 0).lines, ["hello, world"])

    def test_one_byte_more_is_e2big(self):
        self.assertEqual(self.boot(self.BIGGEST + 1, 127).lines,
                         ["init: cannot run /bin/hello: Argument list too long"])


if __name__ == "__main__":
    unittest.main()

"""The writable root file system (guestkernel/fs/ramfs.c and the VFS calls around it).

1. fstest (images/programs/fstest.c) in the guest's /tmp with check=vm: files, holes,
   truncation, open flags, rename/link/symlink/mkdir/rmdir/unlink and their *at forms,
   stat/fstatat64/statx, chmod/chown/utimensat, sendfile, fsync, statfs, getdents while
   removing, fork with one shared offset, MAP_SHARED/MAP_PRIVATE mappings, the error
   cases. The same binary prints the same transcript natively (tests/i386_runner.py:
   directly or under qemu-i386) in a temporary directory.
2. The image's sh writing with > and >> into /tmp, and reading back; a file made by one
   program is there for the next.
3. Filling the file system with a small --ram until ENOSPC, removing everything, and
   getting every frame back (sysinfo), with check=vm.
4. The initramfs as unpacked: the archive's frames given back after the copy.

Every guest run has check=vm and must report 0 violations.
"""

import os
import tempfile
import unittest

import i386_runner  # tests/, on PYTHONPATH
from forkscope_testlib import RUN_TIMEOUT
from test_programs import ProgramCase, boot

PROGRAMS_DIR = os.environ.get("PROGRAMS_DIR", "")


class FsCase(ProgramCase):

    def assertClean(self, b):
        self.assertEqual(b.violations, 0, b.run.describe())
        self.assertNotIn("Oops", b.run.text)
        self.assertNotIn("BUG", b.run.text)


class FstestTest(FsCase):

    def guest(self):
        b = boot("/bin/fstest /tmp", options="check=vm", timeout=300)
        self.assertClean(b)
        return b

    def test_in_the_guest(self):
        b = self.guest()
        self.assertExit(b.run, 0)
        self.assertNotIn("FAIL", b.output)
        self.assertTrue(b.output.endswith("fstest: all ok\n"), b.output[-500:])
        # A few of the lines, so that a transcript that lost its checks fails too.
        for line in ["fstest: a hole reads as zeros: ok",
                     "fstest: renameat2 RENAME_NOREPLACE onto a file: EEXIST: ok",
                     "fstest: rename a directory into itself: EINVAL: ok",
                     "fstest: a 256-byte name: ENAMETOOLONG: ok",
                     "fstest: fstatat64 AT_EMPTY_PATH: the descriptor itself: ok",
                     "fstest: statx agrees with fstat: ok",
                     "fstest: sendfile to a pipe: ok",
                     "fstest: getdents64 while removing: 2 dot entries, every name once: yes, others 0",
                     "fstest: the child's lseek moves the parent's offset: ok",
                     "fstest: a store through MAP_SHARED reaches the file: ok",
                     "fstest: touching a shared page past the end: SIGBUS: ok",
                     "fstest: everything removed: ok"]:
            self.assertIn(line + "\n", b.output)
        self.assertGreater(b.output.count(": ok\n"), 150)

    def test_same_transcript_natively(self):
        if not PROGRAMS_DIR:
            self.skipTest("PROGRAMS_DIR is not set (run through meson test)")
        i386_runner.skip_if_deviates(self, "fstest")
        b = self.guest()
        with tempfile.TemporaryDirectory() as d:
            p = i386_runner.run(os.path.join(PROGRAMS_DIR, "fstest"), d, text=True, timeout=RUN_TIMEOUT,
                                env={"LANG": "C"})
            self.assertEqual(os.listdir(d), [], "fstest left files behind natively")
        if os.geteuid() != 0:
            # chown needs root natively; the guest runs as root.
            guest = [line for line in b.output.splitlines() if "chown" not in line]
            native = [line for line in p.stdout.splitlines() if "chown" not in line]
            self.assertEqual(guest, native)
        else:
            self.assertEqual(b.output, p.stdout)
        self.assertEqual(p.returncode, 0, p.stderr)


class ShellRedirectionTest(FsCase):

    def sh(self, command):
        return boot('/bin/sh -c "%s"' % command, options="check=vm")

    def test_redirections_into_tmp(self):
        b = self.sh("echo one > /tmp/log; echo two >> /tmp/log; cat /tmp/log; echo three > /tmp/log; cat /tmp/log")
        self.assertProgram(b, "one\ntwo\nthree\n")
        self.assertClean(b)

    def test_relative_names_and_listing(self):
        b = self.sh("cd /tmp && echo data > f && cat < f | cat > g && ls && cat g && ls /tmp")
        self.assertProgram(b, "f\ng\ndata\nf\ng\n")
        self.assertClean(b)

    def test_stderr_into_a_file(self):
        b = self.sh("cat /nonexistent 2> /tmp/err; echo $?; cat /tmp/err")
        self.assertProgram(b, "1\ncat: /nonexistent: No such file or directory\n")
        self.assertClean(b)

    def test_errors(self):
        b = self.sh("echo x > /tmp; echo $?; echo x > /nodir/f; echo $?; echo x > /bin/sh/x; echo $?")
        self.assertProgram(b, "sh: cannot create /tmp: Is a directory\n1\n"
                              "sh: cannot create /nodir/f: No such file or directory\n1\n"
                              "sh: cannot create /bin/sh/x: Not a directory\n1\n")
        self.assertClean(b)


class FullTest(FsCase):

    def test_writes_until_enospc_then_frees_everything(self):
        # 16 MiB: the file system may hold half of it (tmpfs's default size).
        b = boot("/bin/fstest --fill /tmp", options="check=vm", extra=("--ram", "16"), timeout=300)
        self.assertProgram(b, "fill: No space left on device after more than 10 files: yes\n"
                              "fill: all memory back after removing them: yes\n")
        self.assertClean(b)

    def test_fill_twice_in_one_boot(self):
        b = boot('/bin/sh -c "fstest --fill /tmp && fstest --fill /tmp"', options="check=vm",
                 extra=("--ram", "16"), timeout=300)
        line = ("fill: No space left on device after more than 10 files: yes\n"
                "fill: all memory back after removing them: yes\n")
        self.assertProgram(b, line + line)
        self.assertClean(b)


class UnpackedInitramfsTest(FsCase):

    def test_archive_frames_are_given_back(self):
        b = boot("/bin/hello", options="check=vm loglevel=7")
        self.assertRegex(b.run.text, r"initramfs: \d+ files \(\d+ bytes\), \d+ directories, \d+ inodes\r?\n"
                                     r"initramfs: freed \d+ KiB of archive")
        self.assertIn("hello, world", b.output)
        self.assertClean(b)


if __name__ == "__main__":
    unittest.main()

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
5. /proc: proctest (self, exe and its re-execution, cmdline, status, stat, maps, fd
   links, a zombie's directory, getcwd inside, another file system), /proc/PID/maps
   in Linux's exact layout, meminfo against the kernel's figures, and no /proc inode
   left behind (check=vm counts them after every call).

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
                     "fstest: a write from a bad pointer to an empty file: EFAULT, still empty: ok",
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


class ProcTest(FsCase):

    def test_proctest_in_the_guest(self):
        b = boot("/bin/proctest /tmp", options="check=vm")
        self.assertExit(b.run, 0)
        self.assertNotIn("FAIL", b.output)
        self.assertIn("proctest: run again through /proc/self/exe\n", b.output)
        self.assertTrue(b.output.endswith("proctest: all ok\n"), b.output)
        self.assertGreater(b.output.count(": ok\n"), 30)
        self.assertClean(b)

    def test_same_transcript_natively(self):
        if not PROGRAMS_DIR:
            self.skipTest("PROGRAMS_DIR is not set (run through meson test)")
        i386_runner.skip_if_deviates(self, "proctest")
        b = boot("/bin/proctest /tmp", options="check=vm")
        with tempfile.TemporaryDirectory() as d:
            p = i386_runner.run(os.path.join(PROGRAMS_DIR, "proctest"), d, text=True, timeout=RUN_TIMEOUT,
                                env={"LANG": "C"})
        self.assertEqual(b.output, p.stdout)

    def test_maps_layout(self):
        # cat's own maps: the program's four segments, bss, the stack; a name starts in
        # column 49 (25 + 6 * sizeof(void *) - 1 characters, then a blank), as a 32-bit
        # Linux prints it; an anonymous area's line ends in a blank.
        b = boot("/bin/cat /proc/self/maps", options="check=vm")
        lines = b.output.split("\n")[:-1]
        self.assertEqual(len(lines), 6, b.output)
        for line in lines:
            self.assertRegex(line, r"^[0-9a-f]{8}-[0-9a-f]{8} [r-][w-][x-][ps] [0-9a-f]{8} [0-9a-f]{2}:[0-9a-f]{2} \d+ ")
        self.assertEqual([line[49:] for line in lines], ["/bin/cat"] * 4 + ["", "[stack]"])
        self.assertEqual(lines[4][-2:], "0 ")
        self.assertEqual(lines[0][:37], "08048000-08049000 r--p 00000000 00:01")
        self.assertEqual([line[18:22] for line in lines], ["r--p", "r-xp", "r--p", "rw-p", "rw-p", "rw-p"])
        self.assertClean(b)

    def test_meminfo_and_friends(self):
        b = boot('/bin/sh -c "cat /proc/meminfo /proc/uptime /proc/loadavg; ls /proc/self /proc/self/fd"',
                 options="check=vm", extra=("--ram", "64"))
        self.assertRegex(b.output, r"^MemTotal: +\d+ kB\nMemFree: +\d+ kB\nMemAvailable: +\d+ kB\n")
        total = int(b.output.split()[1])
        self.assertGreater(total, 60000)
        self.assertLessEqual(total, 65536)
        for line in b.output.splitlines()[:12]:
            self.assertEqual(len(line), 27, line)   # "%-16s%8lu kB"
        self.assertRegex(b.output, r"\n\d+\.\d\d \d+\.\d\d\n\d\.\d\d \d\.\d\d \d\.\d\d \d+/\d+ \d+\n"
                                   r"/proc/self:\ncmdline\nexe\nfd\nmaps\nstat\nstatus\n\n/proc/self/fd:\n0\n1\n2\n3\n\Z")
        self.assertClean(b)

    def test_a_process_leaves_nothing_in_proc(self):
        # Every /proc inode a command looked up is gone when its call ends; check=vm
        # would name one that stayed. A working directory in /proc holds its inode.
        b = boot('/bin/sh -c "cd /proc/self && cat status > /tmp/s && cd fd && ls && cd /proc && cat /tmp/s"',
                 options="check=vm")
        self.assertIn("\nPPid:\t", b.output)
        self.assertTrue(b.output.startswith("0\n1\n2\n"), b.output)
        self.assertClean(b)


if __name__ == "__main__":
    unittest.main()

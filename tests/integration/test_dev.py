"""/dev: character devices (guestkernel/fs/char_dev.c, drivers/mem.c, drivers/tty.c),
mknod and named pipes (fs/namei.c, fs/fifo.c), /proc/PID/fd/N opening the file itself.

1. devtest (images/programs/devtest.c) in the guest's /tmp with check=vm, and the same
   binary natively (tests/i386_runner.py: qemu-i386 on this host, as root, in a
   temporary directory with its own fifos and nodes; the host's /dev is real): the same
   transcript.
2. Debian's BusyBox (`forkscope run .deps/i386/root/bin/busybox ...`, the image's
   initramfs under it): a background job's status through `wait` (its stdin is
   /dev/null), `ls -l` of the nodes as on Linux, `id` naming root from /etc/passwd,
   /dev/tty, /dev/stdin and /dev/stdout through pipes, mkfifo between two processes.

Every guest run has check=vm and must report 0 violations.
"""

import os
import re
import tempfile
import unittest

import i386_runner  # tests/, on PYTHONPATH
from forkscope_testlib import RUN_TIMEOUT, forkscope
from test_programs import ProgramCase, boot

PROGRAMS_DIR = os.environ.get("PROGRAMS_DIR", "")
SOURCE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUSYBOX = os.path.join(SOURCE_ROOT, ".deps", "i386", "root", "bin", "busybox")
CHECK_RE = re.compile(r"check=vm: (\d+) system calls checked, (\d+) violations")


class DevtestTest(ProgramCase):

    def guest(self):
        b = boot("/bin/devtest /tmp", options="check=vm", timeout=300)
        self.assertEqual(b.violations, 0, b.run.describe())
        self.assertNotIn("Oops", b.run.text)
        return b

    def test_in_the_guest(self):
        b = self.guest()
        self.assertTrue(b.output.endswith("devtest: all ok\n"), b.output[-1500:])
        for line in ["devtest: /dev/null is a character device 1, 3 owned by root: ok",
                     "devtest: shared mapping of /dev/zero: the child's store is seen: ok",
                     "devtest: /dev/full: write fails with ENOSPC: ok",
                     "devtest: /dev/tty without a controlling terminal: ENXIO: ok",
                     "devtest: a user: mknod S_IFCHR is EPERM, S_IFIFO is allowed: ok",
                     "devtest: fifo: a blocking reader and writer meet; end of file after the writer closes: ok",
                     "devtest: fifo: a signal ends a blocked open with EINTR: ok",
                     "devtest: /dev/stdout when fd 1 is a pipe: ok",
                     "devtest: /proc/self/fd/N of a removed file opens the file: ok"]:
            self.assertIn(line + "\n", b.output)

    def test_same_transcript_natively(self):
        if not PROGRAMS_DIR:
            self.skipTest("PROGRAMS_DIR is not set (run through meson test)")
        if os.geteuid() != 0:
            self.skipTest("devtest makes device nodes: natively that needs root")
        b = self.guest()
        with tempfile.TemporaryDirectory() as d:
            os.chmod(d, 0o777)   # the part that runs as nobody makes a fifo there
            p = i386_runner.run(os.path.join(PROGRAMS_DIR, "devtest"), d, text=True, timeout=RUN_TIMEOUT,
                                env={"LANG": "C"})
            self.assertEqual(os.listdir(d), [], "devtest left files behind natively")
        # The program's lines (a boot without quiet also shows the kernel's "initramfs:" line).
        guest = [line for line in b.output.splitlines() if line.startswith("devtest: ")]
        self.assertEqual(guest, p.stdout.splitlines())
        self.assertEqual(p.returncode, 0, p.stderr)


class BusyBoxDevTest(ProgramCase):

    def sh(self, command):
        if not os.path.exists(BUSYBOX):
            self.skipTest("Debian's BusyBox is not in .deps (%s)" % BUSYBOX)
        run = forkscope("--append", "check=vm", BUSYBOX, "sh", "-c", command, timeout=300)
        m = CHECK_RE.search(run.text)
        self.assertTrue(m and m.group(2) == "0", run.describe())
        return run, CHECK_RE.sub("", run.text).rstrip("\n") + "\n"

    def test_background_job_and_wait(self):
        run, out = self.sh("sleep 1 & wait $!; echo $?; (exit 3) & wait $!; echo $?")
        self.assertEqual(out, "0\n3\n", run.describe())
        self.assertNotIn("can't open", run.text)

    def test_ls_shows_the_nodes(self):
        run, out = self.sh("ls -l /dev/null /dev/console /dev/ttyS0 /dev/stdout /dev/fd")
        self.assertRegex(out, r"(?m)^crw-rw-rw- +1 root +root +1, +3 .* /dev/null$")
        self.assertRegex(out, r"(?m)^crw------- +1 root +root +5, +1 .* /dev/console$")
        self.assertRegex(out, r"(?m)^crw-rw---- +1 root +root +4, +64 .* /dev/ttyS0$")
        self.assertRegex(out, r"(?m)^lrwxrwxrwx +1 root +root +15 .* /dev/stdout -> /proc/self/fd/1$")
        self.assertRegex(out, r"(?m)^lrwxrwxrwx +1 root +root +13 .* /dev/fd -> /proc/self/fd$")

    def test_id_names_root(self):
        run, out = self.sh("id; id -un; grep nobody /etc/passwd")
        self.assertEqual(out, "uid=0(root) gid=0(root)\nroot\n"
                              "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n", run.describe())

    def test_tty_stdin_stdout(self):
        run, out = self.sh("echo to-tty > /dev/tty; echo abc | cat /dev/stdin; "
                           "echo def > /dev/stdout | cat; echo err > /dev/stderr; "
                           "head -c 4 /dev/zero | od -An -tx1; echo x > /dev/full; echo $?")
        self.assertIn("to-tty\nabc\ndef\nerr\n 00 00 00 00\n", out, run.describe())
        self.assertTrue(out.endswith("1\n"), run.describe())

    def test_mkfifo_between_two_processes(self):
        run, out = self.sh("mkfifo /tmp/f && ls -l /tmp/f | cut -c1-10 && "
                           "(echo through-fifo > /tmp/f &) && cat /tmp/f && rm /tmp/f && echo done")
        self.assertEqual(out, "prw-r--r--\nthrough-fifo\ndone\n", run.describe())


if __name__ == "__main__":
    unittest.main()

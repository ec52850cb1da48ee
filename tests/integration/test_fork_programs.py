"""The fork programs in the guest, and fork fault injection by site.

- vforktest, forkbomb, orphans, waittest, forkexec: each booted with check=vm prints
  exactly its native transcript (tests/native), exits 0, and check=vm reports 0
  violations (which includes the per-user process counts of RLIMIT_NPROC balancing);
  the same through `forkscope run --append check=vm NAME`.
- waittest's table of W* macro results equals what the host's C library says (Python's
  os.W* functions are the host's macros).
- fail_site=NAME with fail_nth=N: for every site of fork, a sweep N = 1, 2, ... over
  init's fork of /bin/hello until the fork succeeds. While N is within that site's
  allocations the fork fails with ENOMEM (init, the parent, reports it and exits 1),
  the kernel names the failing allocation and site, the unwinding starts at the label
  that undoes the steps before that site, and check=vm finds nothing leaked.
- An unknown site is reported once at boot and ignored.
- The five programs print the same under qemu-system-i386 (when installed).

meson passes FORKSCOPE, KERNEL, INITRAMFS, PROGRAMS_DIR. Python 3 stdlib only.
"""

import os
import re
import unittest

from forkscope_testlib import KERNEL, forkscope, qemu
from test_programs import INITRAMFS, Boot, ProgramCase, TRANSCRIPTS, TRAILER_RE, boot

PROGRAMS = ["vforktest", "forkbomb", "orphans", "waittest", "forkexec"]

# Each step of fork that allocates, and the unwinding label a failure there starts at.
SITES = {
    "dup_task_struct": "fork_out",
    "copy_files": "bad_fork_cleanup_count",
    "copy_fs": "bad_fork_cleanup_files",
    "copy_sighand": "bad_fork_cleanup_fs",
    "copy_signal": "bad_fork_cleanup_sighand",
    "mm_alloc": "bad_fork_cleanup_signal",
    "pgd_alloc": "bad_fork_cleanup_signal",
    "dup_mmap": "bad_fork_cleanup_signal",
    "copy_page_range": "bad_fork_cleanup_signal",
}


class ForkProgramsTest(ProgramCase):

    def test_transcripts_with_check_vm(self):
        for name in PROGRAMS:
            with self.subTest(program=name):
                b = boot("/bin/" + name, options="check=vm")
                self.assertProgram(b, TRANSCRIPTS[name])
                self.assertEqual(b.violations, 0, b.run.describe())
                self.assertGreater(b.checked, 10, b.run.describe())

    def test_forkscope_run_name(self):
        for name in PROGRAMS:
            with self.subTest(program=name):
                run = forkscope("--append", "check=vm", name, timeout=120)
                self.assertExit(run, 0)
                self.assertIn("check=vm: ", run.text)
                self.assertRegex(run.text, r"check=vm: \d+ system calls checked, 0 violations\n")
                self.assertTrue(run.text.endswith(name + ": all ok\n" +
                                                  TRAILER_RE.search(run.text).group(0)),
                                run.describe())

    def test_same_under_qemu(self):
        # The same image under qemu-system-i386 (instruction-counted clock, as the
        # differential tests run it) prints the same transcript and exits 0.
        for name in PROGRAMS:
            with self.subTest(program=name):
                run = qemu(KERNEL, append="check=vm -- /bin/" + name, timeout=120,
                           extra=["-initrd", INITRAMFS, "-icount", "shift=0,sleep=off",
                                  "-rtc", "clock=vm"])
                q = Boot(run)
                self.assertEqual(q.output, TRANSCRIPTS[name], run.describe())
                self.assertEqual(q.violations, 0, run.describe())
                self.assertEqual(run.returncode, 1, run.describe())   # (0 << 1) | 1

    def test_waittest_macros_equal_the_hosts(self):
        b = boot("/bin/waittest")
        self.assertExit(b.run, 0)
        rows = re.findall(r"^waittest: status 0x([0-9a-f]{4}): (.*)$", b.output, re.M)
        self.assertEqual(len(rows), 9, b.run.describe())
        for word, got in rows:
            s = int(word, 16)
            host = ("WIFEXITED %d WEXITSTATUS %d WIFSIGNALED %d WTERMSIG %d WCOREDUMP %d "
                    "WIFSTOPPED %d WSTOPSIG %d WIFCONTINUED %d" %
                    (os.WIFEXITED(s), os.WEXITSTATUS(s), os.WIFSIGNALED(s), os.WTERMSIG(s),
                     os.WCOREDUMP(s), os.WIFSTOPPED(s), os.WSTOPSIG(s), os.WIFCONTINUED(s)))
            with self.subTest(status=word):
                self.assertEqual(got, host)

    def test_forkbomb_is_stopped_by_the_limit(self):
        # Seven children under a limit of 8 (forkbomb counts too), twice, then EAGAIN.
        b = boot("/bin/forkbomb", options="check=vm")
        self.assertExit(b.run, 0)
        self.assertEqual(b.output.count("fork fails with EAGAIN at the limit: ok\n"), 2)
        self.assertEqual(b.output.count("7 children before that (we count too): ok\n"), 2)
        self.assertEqual(b.violations, 0, b.run.describe())


class FailSiteTest(ProgramCase):

    def sweep(self, site):
        """Returns the number of allocations the site made in init's fork."""
        for n in range(1, 60):
            b = boot("/bin/hello", options="fail_site=%s fail_nth=%d loglevel=7 check=vm" % (site, n))
            self.assertEqual(b.violations, 0, b.run.describe())
            self.assertNotIn("Oops", b.run.text)
            labels = re.findall(r"^fork: unwind (\w+)", b.output, re.M)
            if b.output.endswith("hello, world\n"):
                self.assertExit(b.run, 0)
                self.assertEqual(labels, [], b.run.describe())
                self.assertNotIn("fail_nth: allocation", b.run.text)
                return n - 1
            with self.subTest(site=site, n=n):
                self.assertExit(b.run, 1)
                self.assertIn("fail_nth: allocation %d of %s in this fork fails\n" % (n, site), b.output)
                self.assertIn("init: fork: Cannot allocate memory\n", b.output)
                self.assertTrue(labels, b.run.describe())
                self.assertEqual(labels[0], SITES[site], b.run.describe())
                self.assertEqual(labels[-1], "fork_out")
        self.fail("fork never succeeded with fail_site=" + site)

    def test_every_site(self):
        counts = {}
        for site in SITES:
            counts[site] = self.sweep(site)
        # Every site allocates at least once; these ones a known number of times.
        for site, count in counts.items():
            self.assertGreaterEqual(count, 1, site)
        self.assertGreaterEqual(counts["dup_task_struct"], 2, counts)   # task_struct, stack
        self.assertEqual(counts["pgd_alloc"], 1, counts)
        self.assertGreaterEqual(counts["dup_mmap"], 3, counts)          # text, data, stack at least

    def test_unknown_site(self):
        b = boot("/bin/hello", options="fail_site=no_such_step fail_nth=1 check=vm")
        self.assertEqual(b.run.text.count("fail_site: unknown site 'no_such_step', ignored\n"), 1,
                         b.run.describe())
        # Ignored: fail_nth=1 then counts every allocation, and the first one fails.
        self.assertExit(b.run, 1)
        self.assertIn("init: fork: Cannot allocate memory\n", b.output)
        self.assertEqual(b.violations, 0, b.run.describe())

    def test_site_without_fail_nth_does_nothing(self):
        b = boot("/bin/hello", options="fail_site=copy_files check=vm")
        self.assertProgram(b, "hello, world\n")
        self.assertEqual(b.violations, 0, b.run.describe())


if __name__ == "__main__":
    unittest.main()

"""fork's TLB flush and its two ways of copying memory.

1. The parent's TLB after fork. fork makes the parent's private pages read-only and must
   flush the parent's TLB, or the parent keeps writing through its old writable
   translations into frames the child shares. The kernel option fork_tlb_flush=0 leaves
   that flush out on purpose: cowtest must then FAIL, which shows that cowtest (and the
   emulator, which no longer flushes the TLB on every system call) catch the bug.
2. cow=0: fork copies every private page at once, as xv6 does, instead of sharing it
   copy-on-write. Programs cannot tell the difference: forktest and cowtest print
   exactly what they print natively, and check=vm finds every reference count balanced.
3. The fork fault-injection sweep of test_programs.py, again with cow=0: every
   allocation of the eager copy can fail, and the unwinding leaks nothing.

meson passes FORKSCOPE, KERNEL, INITRAMFS (see test_programs.py).
"""

import unittest

import test_programs
from test_programs import TRANSCRIPTS, ProgramCase, boot

STALE_TLB_LINE = "cowtest: child still sees the value from before the fork: %s\n"


class ForkTlbFlushTest(ProgramCase):

    def test_cowtest_passes_with_the_flush(self):
        b = boot("/bin/cowtest", options="check=vm")
        self.assertProgram(b, TRANSCRIPTS["cowtest"])
        self.assertIn(STALE_TLB_LINE % "ok", b.output)
        self.assertEqual(b.violations, 0, b.run.describe())

    def test_cowtest_fails_without_the_flush(self):
        b = boot("/bin/cowtest", options="fork_tlb_flush=0")
        self.assertIn(STALE_TLB_LINE % "FAIL", b.output, b.run.describe())
        self.assertTrue(b.output.endswith("cowtest: FAILED\n"), b.run.describe())
        self.assertEqual(b.status_line, 1, b.run.describe())
        self.assertExit(b.run, 1)


class EagerCopyTest(ProgramCase):

    def test_forktest(self):
        b = boot("/bin/forktest", options="cow=0 check=vm")
        self.assertProgram(b, TRANSCRIPTS["forktest"])
        self.assertEqual(b.violations, 0, b.run.describe())

    def test_cowtest(self):
        b = boot("/bin/cowtest", options="cow=0 check=vm")
        self.assertProgram(b, TRANSCRIPTS["cowtest"])
        self.assertEqual(b.violations, 0, b.run.describe())

    def test_fork_needs_no_tlb_flush_when_nothing_is_shared(self):
        # The parent's entries are not touched by an eager copy: leaving the flush out
        # changes nothing.
        b = boot("/bin/cowtest", options="cow=0 fork_tlb_flush=0 check=vm")
        self.assertProgram(b, TRANSCRIPTS["cowtest"])
        self.assertEqual(b.violations, 0, b.run.describe())

    def test_eager_copy_allocates_at_fork(self):
        # The same sweep position that lets a copy-on-write fork succeed makes an eager
        # fork fail: it allocates a frame per private page of init.
        def first_success(options):
            for n in range(1, 400):
                b = boot("/bin/hello", options="fail_nth=%d %s" % (n, options))
                if b.output.endswith("hello, world\n"):
                    return n
            self.fail("fork never succeeded with " + options)
        self.assertGreater(first_success("cow=0"), first_success(""))


class EagerCopyForkFaultInjectionTest(test_programs.ForkFaultInjectionTest):
    OPTIONS = "cow=0 loglevel=7 check=vm"


if __name__ == "__main__":
    unittest.main()

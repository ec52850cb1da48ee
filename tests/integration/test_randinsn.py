"""The instruction fuzzer (images/programs/randinsn.c) under check=vm, for a fixed set of
seeds, few and short: snippets of random code at ring 3, mixed with the instructions
that reach the emulator's own paths (segment loads, far transfers, iret frames with any
flags, popf, int n, sysenter, syscall, port I/O, descriptor-table and FPU-state
instructions). Each boot must end with randinsn's summary, exit status 0, check=vm's 0
violations, and neither an oops nor a line of forkscope's own (a machine fault). The
long campaign over many seeds is tests/bench/fuzz_campaign.py --program randinsn.

What the fuzzer found is kept as minimal cases where the subject lives: an iret with VM
in its image (test_cpu RingThreeIretTest, test_hostile frames), a sysenter after bytes
Capstone cannot read (test_delivery), the same with a lock-prefixed iret. The seeds here
are plain ones.

The same seed makes the same run (forkscope is deterministic), so a failure here is
reproduced with the command the assertion message shows. "randinsn 5 12" is the
supervisor's own regression: check=vm's work after a system call is guest time, so
the supervisor used up a snippet's 50 ms between setitimer and waitpid, and the one
alarm came before waitpid blocked; it then waited for ever on a snippet that spins.
The alarm now repeats. Also: the usage errors. Never run natively: randinsn executes
random code.

meson passes FORKSCOPE, KERNEL, INITRAMFS. Python 3 stdlib only.
"""

import re
import unittest

from forkscope_testlib import forkscope
from test_programs import RTC, ProgramCase

SNIPPETS = 40
SUMMARY = re.compile(r"randinsn: seed (\d+): (\d+) snippets \((\d+) reached the end, (\d+) exited otherwise, "
                     r"(\d+) killed by a signal, (\d+) of them timed out\)\n")
CHECK_VM = re.compile(r"check=vm: (\d+) system calls checked, 0 violations\n\Z")
SEEDS = [1, 2, 4, 6]


class Randinsn(ProgramCase):
    maxDiff = None

    def fuzz(self, seed, snippets=SNIPPETS, timeout=600):
        r = forkscope("--rtc-time", RTC, "--append", "check=vm", "randinsn", str(seed), str(snippets),
                      timeout=timeout)
        self.assertExit(r, 0)
        self.assertNotIn("Oops", r.text, r.describe())
        self.assertNotIn("violation after", r.text, r.describe())
        self.assertNotIn("forkscope: ", r.text, r.describe())
        m = SUMMARY.search(r.text)
        self.assertIsNotNone(m, r.describe())
        self.assertEqual(int(m.group(1)), seed)
        total, ended, exited, signalled, timed_out = (int(g) for g in m.group(2, 3, 4, 5, 6))
        self.assertEqual(total, snippets, r.describe())
        self.assertEqual(ended + exited + signalled, total, r.describe())
        self.assertLessEqual(timed_out, signalled, r.describe())
        # Snippets that catch their faults go on to the end; the others die of one.
        self.assertGreater(ended, 0, r.describe())
        self.assertGreater(signalled, 0, r.describe())
        self.assertIsNotNone(CHECK_VM.search(r.text), r.describe())
        return r.text

    def test_seeds(self):
        for seed in SEEDS:
            with self.subTest(seed=seed):
                self.fuzz(seed)

    def test_alarm_before_waitpid(self):
        """Seed 5's snippet 11 spins while the supervisor, slowed by check=vm, gets its
        alarm before waitpid: a repeating alarm still ends it, in seconds."""
        self.fuzz(5, 12, timeout=120)

    def test_same_seed_same_run(self):
        """A seed is a reproducer: two boots print the same lines."""
        self.assertEqual(self.fuzz(3, 10), self.fuzz(3, 10))

    def test_usage(self):
        for args in [(), ("1", "2", "3"), ("x",), ("1", "0")]:
            with self.subTest(args=args):
                r = forkscope("randinsn", *args)
                self.assertExit(r, 2)
                self.assertIn("usage: randinsn SEED [SNIPPETS]\n", r.text, r.describe())


if __name__ == "__main__":
    unittest.main()

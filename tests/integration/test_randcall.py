"""The system-call fuzzer (images/programs/randcall.c) under check=vm, for a fixed set of
seeds: each boot must end with randcall's summary, exit status 0, check=vm's 0
violations and no oops. The long campaign over thousands of seeds is a benchmark
(tests/bench/fuzz_campaign.py). A seed's calls depend on randcall's code and on the
kernel (addresses, pids, what earlier calls left), so a seed that found a bug stops
finding it once either changes: the bugs the fuzzer found are kept as minimal cases in
the programs that own the subject (fstest: a write from a bad pointer left a page past
the end of the file; mmtest: shared anonymous pages first touched after fork were not
shared), and the seeds here are plain ones.

The same seed makes the same run (forkscope is deterministic), so a failure here is
reproduced with the command the assertion message shows; `--trace syscall` adds the
calls. Also: the usage errors. Never run natively: randcall makes random system calls.

meson passes FORKSCOPE, KERNEL, INITRAMFS. Python 3 stdlib only.
"""

import re
import unittest

from forkscope_testlib import forkscope
from test_programs import RTC, ProgramCase

CALLS = "2000"
SUMMARY = re.compile(r"randcall: seed (\d+): (\d+) workers \((\d+) exited, (\d+) killed by a signal, "
                     r"(\d+) of them timed out\), (\d+) calls\n")
CHECK_VM = re.compile(r"check=vm: (\d+) system calls checked, 0 violations\n\Z")
SEEDS = [1, 2, 3, 4]


class Randcall(ProgramCase):
    maxDiff = None

    def fuzz(self, seed):
        r = forkscope("--rtc-time", RTC, "--append", "check=vm", "randcall", str(seed), CALLS, timeout=600)
        self.assertExit(r, 0)
        self.assertNotIn("Oops", r.text, r.describe())
        self.assertNotIn("violation after", r.text, r.describe())
        m = SUMMARY.search(r.text)
        self.assertIsNotNone(m, r.describe())
        self.assertEqual(int(m.group(1)), seed)
        workers, exited, signalled, timed_out = (int(g) for g in m.group(2, 3, 4, 5))
        self.assertEqual(workers, 20, r.describe())
        self.assertEqual(exited + signalled, workers, r.describe())
        self.assertLessEqual(timed_out, signalled, r.describe())
        checks = CHECK_VM.search(r.text)
        self.assertIsNotNone(checks, r.describe())
        # check=vm ran after every call from user mode, the workers' included.
        self.assertGreater(int(checks.group(1)), 1000, r.describe())
        return r.text

    def test_seeds(self):
        for seed in SEEDS:
            with self.subTest(seed=seed):
                self.fuzz(seed)

    def test_same_seed_same_run(self):
        """A seed is a reproducer: two boots print the same lines."""
        self.assertEqual(self.fuzz(5), self.fuzz(5))

    def test_usage(self):
        for args in [(), ("1", "2", "3", "4"), ("x",), ("1", "0"), ("1", "10", "0")]:
            with self.subTest(args=args):
                r = forkscope("randcall", *args)
                self.assertExit(r, 2)
                self.assertIn("usage: randcall SEED [CALLS [PER_WORKER]]\n", r.text, r.describe())


if __name__ == "__main__":
    unittest.main()

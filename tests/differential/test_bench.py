#!/usr/bin/env python3
"""Differential: the kernel's workloads (init/bench.c) under qemu-system-i386 and
forkscope, at small scales. The "bench: ... checksum" lines must be identical: they
depend only on the work done (memory contents after hashing, sorting and linear passes;
values read back from the UART scratch register, CMOS and the PIC masks).

  FORKSCOPE=build/frontend/forkscope KERNEL=build/images/kernel.elf \\
      python3 tests/differential/test_bench.py -v
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oracle import DifferentialCase  # noqa: E402


class Bench(DifferentialCase):
    def bench_line(self, run, name):
        lines = [l for l in run.lines if l.startswith(f"bench: {name} checksum 0x")]
        self.assertEqual(len(lines), 1, run.describe())
        return lines[0]

    def test_cpu(self):
        q, f = self.assert_same(append="bench=cpu bench_scale=2")
        self.assertEqual(self.bench_line(q, "cpu"), self.bench_line(f, "cpu"))

    def test_cpu_small_working_set(self):
        q, f = self.assert_same(append="bench=cpu bench_scale=2 bench_ws_kb=64")
        self.assertTrue(self.bench_line(f, "cpu").endswith("ws 64 KiB"))

    def test_io(self):
        q, f = self.assert_same(append="bench=io bench_scale=5")
        self.assertEqual(self.bench_line(q, "io"), self.bench_line(f, "io"))

    def test_io_ram_32(self):   # CMOS extended-memory bytes follow the RAM size
        self.assert_same(append="bench=io bench_scale=1", ram_mib=32)


if __name__ == "__main__":
    unittest.main(verbosity=2)

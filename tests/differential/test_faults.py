#!/usr/bin/env python3
"""Differential: the kernel's oops path (test_fault=..., init/main.c and arch/traps.c)
under qemu-system-i386 and forkscope. The exception is delivered by QEMU's CPU on one
side and by forkscope's host-side IDT delivery on the other; the oops lines (vector,
error code, EIP, CR2, every register including ESP, the control registers, the
backtrace) and the exit status 0x40 + vector must be identical. None of them is
excluded: for one image and command line they are deterministic on both machines.

  FORKSCOPE=build/frontend/forkscope KERNEL=build/images/kernel.elf \\
      python3 tests/differential/test_faults.py -v
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oracle import DifferentialCase  # noqa: E402

OOPS_BASE = 0x40

# test_fault= name -> vector
FAULTS = {
    "pf": 14,   # write to NULL (not mapped)
    "wp": 14,   # write to read-only kernel text (CR0.WP)
    "ud": 6,    # ud2
    "gp": 13,   # load of a selector beyond the GDT
    "de": 0,    # divide by zero
    "bp": 3,    # int3
}


class Faults(DifferentialCase):
    def check(self, name):
        vector = FAULTS[name]
        q, f = self.assert_same(append=f"test_fault={name}", expect_status=OOPS_BASE + vector)
        self.assertIn(f"test_fault: {name}", f.lines)
        oops = [l for l in f.lines if l.startswith("Oops: ")]
        self.assertTrue(oops and f", vector {vector}," in oops[0], f.describe())
        self.assertEqual(oops[-1], f"Oops: stopping the machine, exit status 0x{OOPS_BASE + vector:02x}")


for _name in FAULTS:
    setattr(Faults, f"test_{_name}", lambda self, n=_name: self.check(n))


if __name__ == "__main__":
    unittest.main(verbosity=2)

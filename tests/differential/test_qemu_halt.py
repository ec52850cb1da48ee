#!/usr/bin/env python3
"""Differential: the guest's own report against QEMU's monitor at the same stop point.

qemu_halt.halt_in_qemu boots the image under qemu-system-i386 with selfhalt=POINT; the
kernel prints its selfdump report and halts; QEMU's `info tlb` then walks the page
tables CR3 points to. At fork#1 (the program's first fork has just copied its tables) the
user half of `info tlb` must be exactly the current task's present pages as the report
lists them: the same virtual pages, each on the same frame with the same bits.

A and D bits are compared too, not masked: both views read the same page-table words in
the same RAM at the same instant (the kernel touches no user page between its report
and the halt), so they cannot differ. Only the bits `info tlb` shows are compared (G P
D A C T U W and present); the PTE's software bits (9-11) are not shown by QEMU.

  FORKSCOPE=build/frontend/forkscope KERNEL=build/images/kernel.elf \\
  INITRAMFS=build/images/initramfs.cpio python3 tests/differential/test_qemu_halt.py -v
"""

import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oracle import qemu_path, require_env  # noqa: E402
from qemu_halt import halt_in_qemu  # noqa: E402

SHOWN_BITS = 0x1 | 0x2 | 0x4 | 0x8 | 0x10 | 0x20 | 0x40 | 0x80 | 0x100
TASK_SIZE = 0xC0000000
PTE_RE = re.compile(r"^pte mm=0x([0-9a-f]{8}) vaddr=0x([0-9a-f]{8}) entry=0x([0-9a-f]{8}) count=(-?\d+)$")
MM_RE = re.compile(r"^mm 0x([0-9a-f]{8}) pgd=0x([0-9a-f]{8}) ")
TASK_RE = re.compile(r"^task pid=(\d+) .* mm=0x([0-9a-f]{8}) active_mm=0x([0-9a-f]{8}) ")


class QemuHaltTest(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        if qemu_path() is None:
            raise unittest.SkipTest("qemu-system-i386 is not installed")
        cls.kernel = require_env("KERNEL")
        cls.initramfs = require_env("INITRAMFS")

    def current_mm(self, report):
        """(mm address, pgd physical, {vaddr: pte}) of the current task in the report."""
        current = int(next(l for l in report if l.startswith("current pid="))[len("current pid="):])
        mm = next(int(m.group(2), 16) for m in map(TASK_RE.match, report)
                  if m and int(m.group(1)) == current)
        pgd = next(int(m.group(2), 16) for m in map(MM_RE.match, report) if m and int(m.group(1), 16) == mm)
        ptes = {int(m.group(2), 16): int(m.group(3), 16) for m in map(PTE_RE.match, report)
                if m and int(m.group(1), 16) == mm}
        return mm, pgd, ptes

    def halt_and_compare(self, point, min_pages=5, program="/bin/forktest"):
        """Halts the program's run at `point` under QEMU; the user half of info tlb must
        be the current mm's present pages in the report, and CR3 its page directory."""
        h = halt_in_qemu(self.kernel, self.initramfs, point, program=program)
        context = "\n--- console ---\n%s\n--- info tlb ---\n%s" % (h.console[-3000:], h.tlb)
        self.assertIn("selfdump: point " + point, h.console.splitlines())
        mm, pgd, ptes = self.current_mm(h.selfdump)
        self.assertGreaterEqual(len(ptes), min_pages, context)
        self.assertEqual(h.cr3(), pgd, "CR3 is not the current task's page directory" + context)
        user = {vaddr: (paddr, bits) for vaddr, paddr, bits in h.tlb_entries() if vaddr < TASK_SIZE}
        guest = {vaddr: (pte & 0xfffff000, pte & SHOWN_BITS) for vaddr, pte in ptes.items()}
        self.assertEqual(sorted(user), sorted(guest), "user pages differ" + context)
        for vaddr in guest:
            self.assertEqual(user[vaddr], guest[vaddr],
                             "page 0x%08x: QEMU (frame, bits) vs the report%s" % (vaddr, context))
        return h, user, context

    def test_info_tlb_agrees_with_the_report_at_fork1(self):
        h, user, context = self.halt_and_compare("fork#1")
        # After fork's copy_page_range the parent's private data is read-only: at least
        # one user page QEMU shows without W.
        self.assertTrue(any(not bits & 0x2 for _, bits in user.values()), context)
        # The kernel half is there too (4 MiB pages), and info mem lists the user ranges.
        self.assertTrue(any(vaddr >= TASK_SIZE for vaddr, _, _ in h.tlb_entries()), context)
        self.assertRegex(h.mem, r"(?m)^0*8048000-", context + "\n--- info mem ---\n" + h.mem)

    def test_info_tlb_agrees_at_the_first_cow_fault(self):
        # forktest's first write after its first fork has its own writable page again.
        _, user, context = self.halt_and_compare("cow#1")
        self.assertTrue(any(bits & 0x2 for _, bits in user.values()), context)

    def test_info_tlb_agrees_after_exec(self):
        # exec#1: forkexec's first stage has become echo; CR3 is its new page directory,
        # in which only the stack page exec wrote the arguments to is present yet.
        h, user, _ = self.halt_and_compare("exec#1", min_pages=1, program="/bin/forkexec")
        self.assertEqual([v for v in user if v < 0xbf000000], [], h.tlb)


if __name__ == "__main__":
    unittest.main()

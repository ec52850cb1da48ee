"""The layout-test kernel: build/images/kernel-layout-test.elf is the same kernel built
with -DFORKSCOPE_LAYOUT_TEST, which puts a field at the front of struct task_struct,
struct mm_struct and struct page, so every offset the host reads moves. It must behave
exactly as kernel.elf does: the same transcripts, and, because mem_map gets the same room
and the image ends on the same page, the same physical frames for everything (the two
kernels' selfdump reports at a fork are the same line for line). The host, which learns
offsets from the kernel-info table, must trace it as it traces kernel.elf.

meson passes FORKSCOPE, KERNEL, LAYOUT_TEST_KERNEL, INITRAMFS (see test_programs.py).
"""

import os
import re
import subprocess
import unittest

from forkscope_testlib import FORKSCOPE, KERNEL, ForkscopeTestCase, forkscope, run_command
from test_programs import GUARD, RTC, TRANSCRIPTS

LAYOUT_TEST_KERNEL = os.environ.get("LAYOUT_TEST_KERNEL", "")
INITRAMFS = os.environ.get("INITRAMFS", "")


def load_end(path):
    """The end of the image's last PT_LOAD in physical memory, page aligned: where the
    loader puts the boot information and the initramfs."""
    out = subprocess.run(["readelf", "-lW", path], check=True, stdout=subprocess.PIPE,
                         text=True, timeout=60).stdout
    end = 0
    for line in out.splitlines():
        f = line.split()
        if f and f[0] == "LOAD":
            end = max(end, int(f[3], 16) + int(f[5], 16))
    return (end + 4095) & ~4095


class LayoutTestKernelTest(ForkscopeTestCase):

    def setUp(self):
        if not FORKSCOPE or not LAYOUT_TEST_KERNEL or not INITRAMFS:
            raise unittest.SkipTest("LAYOUT_TEST_KERNEL/INITRAMFS are not set (run through meson test)")

    def run_program(self, kernel, program, options=""):
        """forkscope run --kernel KERNEL --initrd INITRAMFS PROGRAM, as a user types it."""
        argv = ["--kernel", kernel, "--initrd", INITRAMFS, "--rtc-time", RTC,
                "--max-instructions", GUARD]
        if options:
            argv += ["--append", options]
        return forkscope(*argv, program)

    def test_forktest_runs_as_on_the_normal_kernel(self):
        normal = self.run_program(KERNEL, "forktest")
        layout = self.run_program(LAYOUT_TEST_KERNEL, "forktest")
        self.assertExit(layout, 0)
        self.assertEqual(layout.text, TRANSCRIPTS["forktest"], layout.describe())
        self.assertEqual(layout.stdout, normal.stdout)

    def test_programs_with_check_vm(self):
        for program in ("cowtest", "clonetest", "vforktest", "pipes"):
            normal = self.run_program(KERNEL, program, "check=vm")
            layout = self.run_program(LAYOUT_TEST_KERNEL, program, "check=vm")
            self.assertEqual(layout.returncode, normal.returncode, layout.describe())
            self.assertEqual(layout.stdout, normal.stdout, program + "\n" + layout.describe())
            self.assertIn("0 violations", layout.text, layout.describe())

    def test_same_frames_as_the_normal_kernel(self):
        # The loader places the initramfs after the image, mem_map comes after that: the
        # images must end on the same page for the frames to match.
        self.assertEqual(load_end(LAYOUT_TEST_KERNEL), load_end(KERNEL),
                         "the two images end on different pages: every frame after them "
                         "moves (see guestkernel/README.md, 'The layout-test kernel')")
        reports = []
        for kernel in (KERNEL, LAYOUT_TEST_KERNEL):
            run = run_command([FORKSCOPE, "run", "--kernel", kernel, "--initrd", INITRAMFS, "--rtc-time", RTC, "--max-instructions", GUARD,
                               "--append", "selfdump=fork#1 -- /bin/forktest"])
            self.assertExit(run, 0)
            reports.append([l for l in run.lines if re.match(r"selfdump: (pde|pte|frames|frame-kinds|vma) ", l)])
        self.assertGreater(len(reports[0]), 20)
        self.assertEqual(reports[1], reports[0], "the kernels' address spaces and frames differ at fork#1")

    def test_syscall_trace_reads_the_moved_offsets(self):
        # --trace syscall finds the running task's pid and name through the kernel-info
        # table: with every offset moved it must still name the right tasks.
        traces = []
        for kernel in (KERNEL, LAYOUT_TEST_KERNEL):
            run = run_command([FORKSCOPE, "run", "--kernel", kernel, "--initrd", INITRAMFS,
                               "--rtc-time", RTC, "--max-instructions", GUARD, "--trace", "syscall",
                               "--append", "quiet -- /bin/forktest"])
            self.assertExit(run, 0)
            traces.append(run.stderr_lines)
        self.assertTrue(any("fork" in l for l in traces[0]), traces[0][:20])
        self.assertEqual(traces[1], traces[0])


if __name__ == "__main__":
    unittest.main()

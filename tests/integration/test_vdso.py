"""The vDSO and sysenter: tests/integration/vdso.c, built with glibc (gcc -m32 -static)
and with musl (Debian's, .deps/i386: I386_ROOT), in the guest with check=vm, with the
vDSO (the default) and without (vdso=0), and natively (tests/i386_runner.py).

With the vDSO the program finds the page through AT_SYSINFO_EHDR (an ELF shared object
whose __kernel_vsyscall is AT_SYSINFO), cannot write it, and makes its calls through it
(sysenter): all six arguments, fork, restarts after a signal handler, single steps,
sysenter with a stack the kernel cannot read (EFAULT, then SIGSEGV in the vDSO, the
kernel unharmed), a handler without a restorer. The C libraries themselves call through
it: --stats counts their sysenters. Without it, int 0x80 only and the same results.

Natively: real i386 Linux gives a vDSO (the whole transcript); qemu-i386 gives none
(i386_runner.DEVIATIONS["vdso"]), and its transcript must then be the vdso=0 one.

meson passes FORKSCOPE, KERNEL, INITRAMFS, I386_ROOT. Python 3 stdlib only.
"""

import os
import re
import unittest

import i386_runner
import musl
from forkscope_testlib import TempDir, forkscope, run_native
from test_programs import RTC, ProgramCase

SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "vdso.c")

WITH_VDSO = """\
vdso: AT_SYSINFO_EHDR: an ELF shared object: ok
vdso: its __kernel_vsyscall is AT_SYSINFO: ok
vdso: its __kernel_sigreturn and __kernel_rt_sigreturn are there: ok
vdso: a write to the page: SIGSEGV: ok
vdso: sysenter with a kernel address as its stack: EFAULT, then SIGSEGV: ok
vdso: sysenter with an unmapped stack: EFAULT, then SIGSEGV: ok
"""
NO_VDSO = "vdso: none (no AT_SYSINFO, AT_SYSINFO_EHDR): int 0x80 only\n"
BOTH = """\
vdso: getpid: ok
vdso: mmap2 with a page offset of 1 (the sixth argument): ok
vdso: fork: the child returns 0 and exits: ok
vdso: read interrupted by a SA_RESTART handler: restarted, then the byte: ok
vdso: read interrupted by a handler without SA_RESTART: EINTR: ok
vdso: getpid single-stepped: the result, and traps after it: ok
vdso: rt_sigaction without SA_RESTORER: ok
vdso: its handler ran and returned: ok
vdso: all ok
"""
CHECK_VM = re.compile(r"check=vm: \d+ system calls checked, 0 violations\n\Z")


def build(d, toolchain):
    return musl.build_static(toolchain, SOURCE, d.path("vdso." + toolchain))


class Vdso(ProgramCase):
    maxDiff = None

    def guest(self, exe, options):
        r = forkscope("--rtc-time", RTC, "--stats", "--append", options, exe)
        self.assertExit(r, 0)
        m = CHECK_VM.search(r.text)
        self.assertIsNotNone(m, r.describe())
        stats = r.stats()
        self.assertIsNotNone(stats, r.describe())
        return r.text[:m.start()], stats

    def test_guest_and_native(self):
        for toolchain in ("glibc", "musl"):
            with self.subTest(toolchain=toolchain), TempDir() as d:
                exe = build(d, toolchain)
                text, stats = self.guest(exe, "check=vm")
                self.assertEqual(text, WITH_VDSO + BOTH)
                # The C library's own calls (printf's writes, exit) take sysenter too.
                self.assertGreater(stats["sysenters"], 20)
                text, stats = self.guest(exe, "check=vm vdso=0")
                self.assertEqual(text, NO_VDSO + BOTH)
                self.assertEqual(stats["sysenters"], 0)
                native = run_native(exe)
                self.assertExit(native, 0)
                vdso = not i386_runner.runner().deviations("vdso")
                self.assertEqual(native.text, (WITH_VDSO if vdso else NO_VDSO) + BOTH)


if __name__ == "__main__":
    unittest.main()

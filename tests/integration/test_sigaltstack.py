"""sigaltstack (186): tests/integration/sigaltstack.c, built with glibc (gcc -m32 -static)
and with musl (Debian's, .deps/i386: I386_ROOT), in the guest with check=vm and natively
(tests/i386_runner.py), against one literal transcript: the errors (ENOMEM below
MINSIGSTKSZ, EINVAL, EFAULT), SA_ONSTACK delivery and uc_stack, a nested handler,
EPERM while on the stack, a handler without SA_ONSTACK, fork keeping the stack, and a
SIGSEGV handler for a stack overflow on the alternate stack. `exec` (guest only: the
runner's qemu-i386 cannot execve an i386 program on this host) adds that exec clears it.

meson passes FORKSCOPE, KERNEL, INITRAMFS, I386_ROOT. Python 3 stdlib only.
"""

import os
import re
import unittest

import musl
from forkscope_testlib import TempDir, forkscope, run_native
from test_programs import RTC, ProgramCase

SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sigaltstack.c")

BEFORE_EXEC = """\
sigalt: at start: SS_DISABLE, no stack: ok
sigalt: size 2047 (below MINSIGSTKSZ): ENOMEM: ok
sigalt: flags 5: EINVAL: ok
sigalt: bad uss: EFAULT: ok
sigalt: bad uoss: EFAULT: ok
sigalt: size 2048: set: ok
sigalt: size 64 KiB: set, the old one reported: ok
sigalt: SA_ONSTACK handler runs on the alternate stack: ok
sigalt: in it, sigaltstack says SS_ONSTACK: ok
sigalt: in it, setting a stack: EPERM: ok
sigalt: in it, SS_DISABLE: EPERM: ok
sigalt: uc_stack: the stack, interrupted off it: ok
sigalt: a nested SA_ONSTACK handler goes below the first, still on it: ok
sigalt: back from the handler: flags 0: ok
sigalt: a handler without SA_ONSTACK runs on the normal stack: ok
sigalt: fork: the child has the same alternate stack: ok
"""
EXEC = "sigalt: after exec: SS_DISABLE, no stack: ok\n"
AFTER_EXEC = """\
sigalt: stack overflow: the SIGSEGV handler ran on the alternate stack: ok
sigalt: and again after siglongjmp: ok
sigalt: SS_DISABLE: disabled, the old one reported: ok
sigalt: now: SS_DISABLE, no stack: ok
"""
CHECK_VM = re.compile(r"check=vm: \d+ system calls checked, 0 violations\n\Z")


def build(d, toolchain):
    return musl.build_static(toolchain, SOURCE, d.path("sigalt." + toolchain))


class Sigaltstack(ProgramCase):
    maxDiff = None

    def guest(self, exe, *args):
        r = forkscope("--rtc-time", RTC, "--append", "check=vm", exe, *args)
        self.assertExit(r, 0)
        m = CHECK_VM.search(r.text)
        self.assertIsNotNone(m, r.describe())
        return r.text[:m.start()]

    def test_guest_and_native(self):
        for toolchain in ("glibc", "musl"):
            with self.subTest(toolchain=toolchain), TempDir() as d:
                exe = build(d, toolchain)
                self.assertEqual(self.guest(exe), BEFORE_EXEC + AFTER_EXEC)
                self.assertEqual(self.guest(exe, "exec"), BEFORE_EXEC + EXEC + AFTER_EXEC)
                native = run_native(exe)
                self.assertExit(native, 0)
                self.assertEqual(native.text, BEFORE_EXEC + AFTER_EXEC)


if __name__ == "__main__":
    unittest.main()

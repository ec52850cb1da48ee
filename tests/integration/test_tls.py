"""Thread-local storage through %gs while processes block and the machine idles.

The guest kernel used to switch to the idle task with a user's TLS selector still in
%gs and that slot emptied in the GDT: the first interrupt during idle faulted reloading
%gs, and every fault saved the same selector again until the stack ran out (a triple
fault, e.g. any musl program that sleeps). switch_to now nulls %fs/%gs before it
changes the TLS descriptors, set_thread_area and exec do the same for a slot a register
names, and entry.S's restore loads a null selector for one that cannot be loaded.

tls/tlsblock.c (built with forkscope cc) sets a TLS slot with set_thread_area and
checks %gs and %gs:0 after nanosleep, a read waiting for a sleeping writer, wait4 for a
sleeping child, a futex wait that times out and computing across timer interrupts; then
(guest only, qemu-i386 deviates, tests/i386_runner.py) the slot %gs names is cleared
(Linux reloads %gs: null) and a signal frame's %gs cannot be loaded (null). tls/tls_musl.c
is built with musl (.deps/i386, scripts/fetch_i386.sh) and does the same with __thread.
Both also run natively; the outputs must be equal.

meson passes FORKSCOPE, KERNEL, INITRAMFS, PROGRAMS_DIR, I386_ROOT. Python 3 stdlib only.
"""

import os
import subprocess
import unittest

import i386_runner  # tests/, on PYTHONPATH
import musl
from forkscope_testlib import FORKSCOPE, KERNEL, RUN_TIMEOUT, TempDir, forkscope, run_native
from test_programs import INITRAMFS, RTC, Boot, ProgramCase, have_cc

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tls")

TLSBLOCK = """\
tlsblock: set_thread_area, %gs loaded, %gs:0 reads the block: ok
tlsblock: after nanosleep (the machine idles meanwhile): ok
tlsblock: after a read that waited for a sleeping writer: ok
tlsblock: the forked writer's TLS after its own sleep: ok
tlsblock: after wait4 for a sleeping child: ok
tlsblock: after a futex wait that timed out: ok
tlsblock: after computing across timer interrupts: ok
tlsblock: all ok
"""

TLSBLOCK_CLEAR = """\
tlsblock: set_thread_area, %gs loaded, %gs:0 reads the block: ok
tlsblock: clearing the slot %gs uses leaves %gs null: ok
tlsblock: and the process runs on across timer interrupts: ok
tlsblock: all ok
"""

TLSBLOCK_SIGRETURN = """\
tlsblock: set_thread_area, %gs loaded, %gs:0 reads the block: ok
tlsblock: a handler runs with the interrupted %gs: ok
tlsblock: a frame's %gs that cannot be loaded comes back null: ok
tlsblock: and the process runs on across timer interrupts: ok
tlsblock: all ok
"""

TLS_MUSL = """\
musl tls: start 1
musl tls: after nanosleep 1
musl tls: after a read that waited 1 (x)
musl tls: the sleeping writer's own tls 1
musl tls: after wait4 for a child in sleep(1) 1, its status 5
musl tls: after a futex wait that timed out 1
"""


def in_guest(path, *args):
    return Boot(forkscope("--kernel", KERNEL, "--initrd", INITRAMFS, "--rtc-time", RTC,
                          "--append", "check=vm", path, *args))


class TlsTest(ProgramCase):

    def assertGuest(self, b, output):
        self.assertProgram(b, output)
        self.assertEqual(b.violations, 0, b.run.describe())

    def build_tlsblock(self, d):
        if not have_cc():
            self.skipTest("forkscope cc needs gcc and ld on the host")
        out = d.path("tlsblock")
        r = subprocess.run([FORKSCOPE, "cc", os.path.join(HERE, "tlsblock.c"), "-o", out],
                           capture_output=True, text=True, timeout=RUN_TIMEOUT)
        self.assertEqual(r.returncode, 0, r.stderr)
        return out

    def build_musl(self, d):
        return musl.build(os.path.join(HERE, "tls_musl.c"), d.path("tls_musl"))

    def test_set_thread_area_while_blocking(self):
        with TempDir() as d:
            path = self.build_tlsblock(d)
            self.assertGuest(in_guest(path), TLSBLOCK)
            native = run_native(path)
        self.assertEqual((native.returncode, native.text), (0, TLSBLOCK), native.describe())

    def test_clearing_the_slot_gs_names(self):
        with TempDir() as d:
            self.assertGuest(in_guest(self.build_tlsblock(d), "clear"), TLSBLOCK_CLEAR)

    def test_a_signal_frame_with_a_gs_that_cannot_be_loaded(self):
        with TempDir() as d:
            self.assertGuest(in_guest(self.build_tlsblock(d), "sigreturn"), TLSBLOCK_SIGRETURN)

    def test_natively_the_bad_selector_cases(self):
        for mode, want in (("clear", TLSBLOCK_CLEAR), ("sigreturn", TLSBLOCK_SIGRETURN)):
            with self.subTest(mode=mode):
                i386_runner.skip_if_deviates(self, "tlsblock " + mode)
                with TempDir() as d:
                    native = run_native(self.build_tlsblock(d), mode)
                self.assertEqual((native.returncode, native.text), (0, want), native.describe())

    def test_musl_thread_locals_while_blocking(self):
        with TempDir() as d:
            path = self.build_musl(d)
            self.assertGuest(in_guest(path), TLS_MUSL)
            native = run_native(path)
        self.assertEqual((native.returncode, native.text), (0, TLS_MUSL), native.describe())


if __name__ == "__main__":
    unittest.main()

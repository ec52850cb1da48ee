"""The x87 and SSE state in the guest kernel (guestkernel/arch/i387.c).

fputest (images/programs) checks that each process keeps its own xmm0-7, MXCSR and x87
state across preemption (three processes computing at once), fork and exec, and across
signal handlers that clobber every register; here it also runs with check=vm, with
the x87 registers only on a kernel booted with nofxsr (fnsave, no SSE), and in
the modes that show what Linux does and qemu-i386 does not (tests/i386_runner.py): a
handler starts from the initial FPU state, and an unmasked x87 error is SIGFPE with
Linux's si_code. A glibc program (gcc -m32 -static, built here: glibc's string
functions use SSE2 from the first instructions of start-up) runs in forkscope and
natively and prints the same.

meson passes FORKSCOPE, KERNEL, INITRAMFS, PROGRAMS_DIR. Python 3 stdlib only.
"""

import os
import shutil
import subprocess
import sys
import unittest

from forkscope_testlib import KERNEL, RUN_TIMEOUT, TempDir, forkscope, run_native
from test_programs import INITRAMFS, RTC, Boot, ProgramCase, boot

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "native"))
from test_programs_native import FPUTEST_SIGNALS, FPUTEST_X87, TRANSCRIPTS  # noqa: E402


class FputestTest(ProgramCase):

    def test_preemption_fork_exec_with_the_vm_checker(self):
        b = boot("/bin/fputest", options="check=vm")
        self.assertProgram(b, TRANSCRIPTS["fputest"])
        self.assertEqual(b.violations, 0, b.run.describe())

    def test_signal_handlers_clobbering_every_register(self):
        b = boot("/bin/fputest signals", options="check=vm")
        self.assertProgram(b, FPUTEST_SIGNALS)
        self.assertEqual(b.violations, 0, b.run.describe())

    def test_a_handler_starts_with_the_initial_state(self):
        # Linux resets the FPU for a handler (the interrupted state is in the frame).
        b = boot("/bin/fputest handler-state")
        self.assertProgram(b, "fputest: handler starts with MXCSR 0x1f80, x87 control word 0x37f, "
                              "xmm0-7 zero\n"
                              "fputest: after the handler the registers are the program's again: ok\n")

    def test_unmasked_floating_point_exceptions(self):
        # x87: #MF at the fwait, SIGFPE with FPE_FLTDIV (3) and si_addr there, as on Linux.
        # SSE: on a real CPU divss raises #XM and Linux sends the same SIGFPE (the kernel
        # handles vector 19 like vector 16), but Unicorn 2.1.1 never raises #XM (nor
        # sets MXCSR's exception flags), and neither do qemu-i386 or qemu-system-i386 7.2.
        b = boot("/bin/fputest fpe", options="check=vm")
        self.assertProgram(b, "fputest: x87 1.0/0.0 with zero-divide unmasked: signal 8, si_code 3, "
                              "si_addr the faulting instruction\n"
                              "fputest: SSE divss 1.0/0.0 with zero-divide unmasked: no signal\n")
        self.assertEqual(b.violations, 0, b.run.describe())

    def test_x87_only_with_and_without_fxsr(self):
        # nofxsr (as on Linux): the state is saved with fnsave, x87 only, and SSE is off.
        for options in ("check=vm", "nofxsr check=vm"):
            with self.subTest(options=options):
                b = boot("/bin/fputest x87", options=options)
                self.assertProgram(b, FPUTEST_X87)
                self.assertEqual(b.violations, 0, b.run.describe())

    def test_no_sse_with_nofxsr(self):
        b = boot("/bin/fputest", options="nofxsr")
        self.assertProgram(b, "init: /bin/fputest killed by signal 4 (Illegal instruction)\n", 132)


GLIBC_C = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	char buf[300];
	double d = 1.0;
	int status = -1;
	pid_t pid;

	memset(buf, 'x', sizeof(buf) - 1);
	buf[sizeof(buf) - 1] = 0;
	printf("glibc: hello, strlen %zu, strrchr at %td\n", strlen(buf), strrchr(buf, 'x') - buf);
	for (int i = 0; i < 20; i++)
		d = d * 1.5 + 0.25;
	printf("glibc: %.6f %s\n", d, strstr("needle in a haystack", "hay"));
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		printf("glibc: child %d\n", strcmp("abc", "abd") < 0);
		exit(7);
	}
	waitpid(pid, &status, 0);
	printf("glibc: child exited with %d\n", WEXITSTATUS(status));
	return 0;
}
"""

GLIBC_OUT = """\
glibc: hello, strlen 299, strrchr at 298
glibc: 4987.385095 haystack
glibc: child 1
glibc: child exited with 7
"""


class GlibcTest(ProgramCase):

    def build(self, d):
        gcc = shutil.which("gcc")
        if not gcc:
            self.skipTest("no gcc on the host")
        src = d.write("glibc_hello.c", GLIBC_C.encode())
        out = d.path("glibc_hello")
        r = subprocess.run([gcc, "-m32", "-static", "-O2", src, "-o", out], capture_output=True, text=True,
                           timeout=RUN_TIMEOUT)
        if r.returncode != 0:
            self.skipTest("gcc -m32 -static cannot build here: " + r.stderr.strip()[:300])
        return out

    def test_a_glibc_program_gets_past_start_up_and_forks(self):
        with TempDir() as d:
            path = self.build(d)
            b = Boot(forkscope("--kernel", KERNEL, "--initrd", INITRAMFS, "--rtc-time", RTC,
                               "--append", "check=vm", path))
            native = run_native(path)
        self.assertProgram(b, GLIBC_OUT)
        self.assertEqual(b.violations, 0, b.run.describe())
        self.assertEqual((native.returncode, native.text), (0, GLIBC_OUT), native.describe())


if __name__ == "__main__":
    unittest.main()

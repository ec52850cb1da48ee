"""The system calls static glibc, musl and BusyBox programs make at once: timetest
(clocks, clock_nanosleep, the time64 calls, interval timers, pause, the first i386
signal calls), polltest (poll, ppoll, select, pselect6 on pipes, a file and the
console), systest (uname, groups, getrandom, prctl, scheduling calls), mmtest (madvise,
mremap) and futextest (bitsets, requeue, wake-op, futex_time64, robust lists).

Each program boots with check=vm and must print its transcript (the same the native
run prints: tests/native/test_programs_native.py) with no violation; the native runs
(tests/i386_runner.py: directly, or under qemu-i386) must print it too, except where
the runner lists a deviation from Linux. The parts qemu-i386 does not do as Linux does
run in the guest only, against the literal transcripts below: sigsuspend's ABI,
FUTEX_WAIT with FUTEX_CLOCK_REALTIME, robust lists, and the calls that are ENOSYS on
purpose. getrandom's bytes depend only on the CMOS clock at boot (--rtc-time). A
program built against musl (when MUSL_ROOT has it) prints the same in the guest and
natively.

meson passes FORKSCOPE, KERNEL, INITRAMFS, PROGRAMS_DIR. Python 3 stdlib only.
"""

import os
import shutil
import subprocess
import unittest

import i386_runner  # tests/, on PYTHONPATH
from forkscope_testlib import FORKSCOPE, KERNEL, Console, TempDir, forkscope, run_native
from test_programs import GUARD, RTC, ProgramCase, boot
from test_programs_native import TRANSCRIPTS

PROGRAMS_DIR = os.environ.get("PROGRAMS_DIR", "")
PROGRAMS = ["timetest", "polltest", "systest", "mmtest", "futextest"]

FUTEX_FORKSCOPE = """\
futextest: FUTEX_WAIT | FUTEX_CLOCK_REALTIME, 20 ms: ETIMEDOUT: ok
futextest: FUTEX_LOCK_PI: ENOSYS: ok
futextest: set_robust_list, length 8: EINVAL: ok
futextest: set_robust_list: ok
futextest: get_robust_list(0): the head, length 12: ok
futextest: get_robust_list, no such pid: ESRCH: ok
futextest: get_robust_list, bad pointer: EFAULT: ok
futextest: the waiter on the dead thread's lock wakes: ok
futextest: the lock says FUTEX_OWNER_DIED, waiters kept: ok
futextest: the pending lock says FUTEX_OWNER_DIED: ok
"""

ENOSYS = """\
systest: rseq: ENOSYS: ok
systest: clone3: ENOSYS: ok
systest: membarrier: ENOSYS: ok
"""


class GuestTranscripts(ProgramCase):
    """Each program in the guest: its transcript, check=vm clean."""

    def test_programs(self):
        for name in PROGRAMS:
            with self.subTest(program=name):
                b = boot("/bin/" + name, options="check=vm")
                self.assertProgram(b, TRANSCRIPTS[name])
                self.assertEqual(b.violations, 0, b.run.describe())

    def test_sigsuspend_takes_its_mask_from_edx(self):
        b = boot("/bin/timetest sigsuspend-abi", options="check=vm")
        self.assertProgram(b, "timetest: sigsuspend (72) takes its mask from EDX: ok\n")
        self.assertEqual(b.violations, 0)

    def test_futex_parts_qemu_lacks(self):
        b = boot("/bin/futextest forkscope", options="check=vm")
        self.assertProgram(b, FUTEX_FORKSCOPE)
        self.assertEqual(b.violations, 0)

    def test_enosys_on_purpose(self):
        self.assertProgram(boot("/bin/systest enosys"), ENOSYS)

    def test_getrandom_depends_on_the_boot_time_only(self):
        first = boot("/bin/systest random")
        again = boot("/bin/systest random")
        self.assertRegex(first.output, r"^systest: random( [0-9a-f]{2}){16}\n$")
        self.assertEqual(first.output, again.output)
        other = boot("/bin/systest random", extra=("--rtc-time", "1000000001"))
        self.assertNotEqual(first.output, other.output)


class ConsolePoll(ProgramCase):
    """poll on the console: nothing to read until a line is typed; then POLLIN."""

    def test_poll_waits_for_a_typed_line(self):
        if not FORKSCOPE or not KERNEL:
            raise unittest.SkipTest("FORKSCOPE/KERNEL are not set (run through meson test)")
        c = Console([FORKSCOPE, "run", "--rtc-time", RTC, "--max-instructions", GUARD,
                     "--append", "check=vm", "--input", "-", "polltest", "tty"])
        at = c.expect(b"polltest: type a line\r\n")
        self.assertNotIn(b"a line typed", c.out)
        c.send(b"hello poll\n")
        c.expect(b"polltest: read 11 bytes: hello poll\r\n", at)
        r = c.finish()
        self.assertExit(r, 0)
        text = r.text
        self.assertIn("polltest: poll, console without input: 0: ok\n"
                      "polltest: poll, console output: POLLOUT: ok\n"
                      "polltest: type a line\n"
                      "hello poll\n"
                      "polltest: poll, console: a line typed, POLLIN: ok\n"
                      "polltest: read 11 bytes: hello poll\n", text)
        self.assertIn("check=vm: ", text)
        self.assertIn(" 0 violations\n", text)


# A program built against musl (Debian's musl-dev:i386, unpacked under MUSL_ROOT): the
# calls musl makes for these functions, none of which sleeps.
MUSL_ROOT = os.environ.get("MUSL_ROOT", "/tmp/debs/root")
MUSL_C = r"""/* A musl program: the calls musl makes for poll, select, clocks, uname, groups,
 * getrandom and prctl, none of which sleeps. */
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/select.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <errno.h>
#include <grp.h>

int main(void)
{
	struct utsname u;
	struct timespec t;
	int p[2];
	unsigned char r[16];
	char name[16];
	gid_t g[4];

	uname(&u);
	printf("sysname %s\n", u.sysname);
	printf("clock_gettime %s\n", clock_gettime(CLOCK_MONOTONIC, &t) == 0 ? "ok" : strerror(errno));
	pipe(p);
	write(p[1], "x", 1);
	struct pollfd ps[2] = { { p[0], POLLIN, 0 }, { p[1], POLLOUT, 0 } };
	int n = poll(ps, 2, 0);
	printf("poll %d %d %d\n", n, ps[0].revents, ps[1].revents);
	fd_set in;
	FD_ZERO(&in);
	FD_SET(p[0], &in);
	struct timeval tv = { 0, 0 };
	n = select(p[0] + 1, &in, NULL, NULL, &tv);
	printf("select %d %d\n", n, FD_ISSET(p[0], &in));
	printf("getrandom %zd\n", getrandom(r, sizeof(r), 0));
	printf("prctl %d ", prctl(PR_SET_NAME, "musl-prog"));
	prctl(PR_GET_NAME, name);
	printf("%s\n", name);
	n = setgroups(2, (gid_t[]){ 7, 3 });
	printf("setgroups %d getgroups %d\n", n, getgroups(4, g));
	printf("groups %u %u\n", g[0], g[1]);
	return 0;
}
"""

MUSL_OUTPUT = """\
sysname Linux
clock_gettime ok
poll 2 1 4
select 1 1
getrandom 16
prctl 0 musl-prog
setgroups 0 getgroups 2
groups 3 7
"""


class MuslProgram(ProgramCase):
    """The same musl program in the guest (check=vm) and natively."""

    def build(self, d):
        lib = os.path.join(MUSL_ROOT, "usr/lib/i386-linux-musl")
        inc = os.path.join(MUSL_ROOT, "usr/include/i386-linux-musl")
        if not os.path.exists(os.path.join(lib, "libc.a")) or not shutil.which("gcc"):
            raise unittest.SkipTest("no musl for i386 under %s (MUSL_ROOT)" % MUSL_ROOT)
        gcc_inc = subprocess.run(["gcc", "-m32", "-print-file-name=include"], capture_output=True,
                                 text=True, check=True).stdout.strip()
        libgcc = subprocess.run(["gcc", "-m32", "-print-libgcc-file-name"], capture_output=True,
                                text=True, check=True).stdout.strip()
        src, obj, exe = d.write("m.c", MUSL_C.encode()), d.path("m.o"), d.path("muslprog")
        subprocess.run(["gcc", "-m32", "-nostdinc", "-isystem", inc, "-isystem", gcc_inc, "-O2", "-c", src,
                        "-o", obj], check=True)
        subprocess.run(["ld", "-m", "elf_i386", "-static", "-o", exe, os.path.join(lib, "crt1.o"),
                        os.path.join(lib, "crti.o"), obj, os.path.join(lib, "libc.a"), libgcc,
                        os.path.join(lib, "crtn.o")], check=True)
        return exe

    def test_guest_and_native(self):
        with TempDir() as d:
            exe = self.build(d)
            r = forkscope("--boot-log", "--rtc-time", RTC, "--append", "check=vm", exe)
            self.assertExit(r, 0)
            text = r.text
            self.assertIn("\nrtc: ", text, r.describe())
            out = text[text.index("\n", text.index("\nrtc: ") + 1) + 1:]
            self.assertEqual(out, MUSL_OUTPUT + "check=vm: 28 system calls checked, 0 violations\nexit: status 0\n",
                             r.describe())
            native = run_native(exe)
            self.assertEqual(native.text, MUSL_OUTPUT, native.describe())


class NativeTranscripts(unittest.TestCase):
    """The same programs as Linux runs them (or qemu-i386, outside its deviations)."""

    maxDiff = None

    def test_programs(self):
        if not PROGRAMS_DIR:
            raise unittest.SkipTest("PROGRAMS_DIR is not set (run through meson test)")
        for name in PROGRAMS:
            with self.subTest(program=name):
                i386_runner.skip_if_deviates(self, name)
                r = run_native(os.path.join(PROGRAMS_DIR, name))
                self.assertEqual(r.text, TRANSCRIPTS[name], r.describe())
                self.assertEqual(r.returncode, 0, r.describe())


if __name__ == "__main__":
    unittest.main()

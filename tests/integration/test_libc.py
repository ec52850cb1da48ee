"""The guest libc against glibc: programs in tests/integration/libc/ are built with
forkscope cc and run in the guest (with check=vm) and natively (tests/i386_runner.py:
directly or under qemu-i386); both must print exactly what the same source prints when
built with the host's gcc against its glibc (x86-64: the same x87 long double, the same
correctly rounded printf and strtod, the same libm results to 12 digits).

  printf_float  %f %e %g (and F E G), precision, width, flags, %Lf, inf and nan
  strtod        strtod/strtof bit patterns, errno, end pointers, round trips
  calendar      gmtime/localtime (UTC), mktime, strftime, asctime
  math          <math.h> values, special cases and errno
  scanf         sscanf over a table of inputs and formats, fscanf from a pipe
  clocks        gettimeofday, clock, difftime, alarm + pause (SIGALRM): its own
                transcript
  pthreads_timed  timed waits that time out and a thread that sleeps: every thread
                asleep at once, so the guest kernel's idle task runs while the threads'
                %gs names their TLS slot
  pthreads      threads, mutexes, condition variables, once, keys, __thread, semaphores,
                barriers, detached threads, fork in a thread, stdio locking,
                pthread_exit from main: its own transcript

meson passes FORKSCOPE, KERNEL, INITRAMFS, PROGRAMS_DIR. Python 3 stdlib only.
"""

import os
import shutil
import subprocess
import unittest

from forkscope_testlib import RUN_TIMEOUT, TempDir, run_native
from test_programs import CompiledPrograms, boot

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "libc")

PTHREADS_TRANSCRIPT = """\
pthreads: 4 threads created: ok
pthreads: 80000 increments under a mutex, count exact: ok
pthreads: each thread had its own errno, __thread variable and key value: ok
pthreads: the main thread's errno and __thread variable are unchanged: ok
pthreads: pthread_once ran its function once: ok
pthreads: key destructors ran at each thread's exit: ok
pthreads: joining oneself: EDEADLK: ok
pthreads: producer and consumer through a 4-slot ring and two semaphores: ok
pthreads: recursive mutex: ok
pthreads: error-checking mutex: EDEADLK: ok
pthreads: trylock of a held mutex: EBUSY: ok
pthreads: the child of a thread runs alone: 1
pthreads: fork in a thread: the child's exit status 3: ok
pthreads: 4 threads x 40 fprintf lines to one stream, none torn: ok
pthreads: barrier of 3: one PTHREAD_BARRIER_SERIAL_THREAD: ok
pthreads: detached thread created: ok
pthreads: detached thread ran: ok
pthreads: all ok
pthreads: main called pthread_exit; the last thread ends the process
"""

CLOCKS_START = "gettimeofday: ok\nclock: ok\ndifftime: ok\n"
CLOCKS_TRANSCRIPT = CLOCKS_START + "pause: ok\nalarm cancelled: ok\n"

TIMED_TRANSCRIPT = """\
timed: join a thread that sleeps: ok
timed: pthread_cond_timedwait times out: ETIMEDOUT: ok
timed: sem_timedwait times out: ETIMEDOUT: ok
timed: pthread_mutex_timedlock times out: ETIMEDOUT: ok
timed: the mutex is free once its holder is gone: ok
"""


def source(name):
    with open(os.path.join(HERE, name + ".c")) as f:
        return f.read()


class LibcTest(CompiledPrograms):

    def glibc_output(self, d, name):
        """What the program prints built by the host's gcc against glibc (TZ=UTC)."""
        self.assertIsNotNone(shutil.which("gcc"), "no host gcc (scripts/setup.sh installs it)")
        exe = d.path(name + "-glibc")
        built = subprocess.run(["gcc", "-O2", "-o", exe, os.path.join(HERE, name + ".c"), "-lm"],
                               capture_output=True, text=True, timeout=RUN_TIMEOUT)
        self.assertEqual(built.returncode, 0, built.stderr)
        run = subprocess.run([exe], capture_output=True, text=True, timeout=RUN_TIMEOUT,
                             env=dict(os.environ, TZ="UTC"))
        self.assertEqual(run.returncode, 0, run.stderr)
        return run.stdout

    def check_everywhere(self, name, expected):
        """The forkscope cc build prints `expected` and exits 0 in the guest (check=vm,
        no violation) and natively."""
        with TempDir() as d:
            if expected is None:
                expected = self.glibc_output(d, name)
            data = self.build(d, name, source(name))
            b = boot("/bin/" + name, options="check=vm", initrd=self.archive(d, name, data), timeout=600)
            native = run_native(d.path(name))
        self.assertEqual(b.output, expected, b.run.describe())
        self.assertExit(b.run, 0)
        self.assertEqual(b.violations, 0, b.run.describe())
        self.assertEqual(native.text, expected, native.stderr)
        self.assertEqual(native.returncode, 0)

    def test_printf_floating_point_matches_glibc(self):
        self.check_everywhere("printf_float", None)

    def test_strtod_matches_glibc(self):
        self.check_everywhere("strtod", None)

    def test_calendar_time_matches_glibc(self):
        self.check_everywhere("calendar", None)

    def test_math_matches_glibc(self):
        self.check_everywhere("math", None)

    def test_scanf_matches_glibc(self):
        self.check_everywhere("scanf", None)

    def test_clocks_and_alarm(self):
        self.check_everywhere("clocks", CLOCKS_TRANSCRIPT)

    def test_pthreads_that_sleep_on_timers(self):
        with TempDir() as d:
            data = self.build(d, "pthreads_timed", source("pthreads_timed"))
            native = run_native(d.path("pthreads_timed"))
            self.assertEqual(native.text, TIMED_TRANSCRIPT, native.stderr)
            self.assertEqual(native.returncode, 0)
            b = boot("/bin/pthreads_timed", options="check=vm",
                     initrd=self.archive(d, "pthreads_timed", data), timeout=600)
        self.assertEqual(b.output, TIMED_TRANSCRIPT, b.run.describe())
        self.assertExit(b.run, 0)
        self.assertEqual(b.violations, 0, b.run.describe())

    def test_pthreads(self):
        self.check_everywhere("pthreads", PTHREADS_TRANSCRIPT)


if __name__ == "__main__":
    unittest.main()

"""The console's signal keys, typed at a running program as a person would: ^C sends
SIGINT and ^\\ SIGQUIT to the foreground process group (guestkernel/drivers/tty.c). The
group holds init and the program; init, like Linux's pid 1, gets no signal it has no
handler for, so the key ends the program and init reports it, 128 + the signal, as a
shell does. The kernel's self-check runs throughout and must find nothing leaked by
the killed program.

forkscope runs with --input -: the test types into forkscope's stdin and waits for the
guest's echo before the next key (forkscope_testlib.Console), so the key reaches the
program while it is blocked reading the console, whatever the host's speed. The same
through a pseudo-terminal, as a person at a terminal runs forkscope: raw mode, every
key to the guest, Ctrl-A x to quit, the terminal's settings restored afterwards.
"""

import os
import pty
import select
import signal
import subprocess
import termios
import time
import unittest

from forkscope_testlib import FORKSCOPE, KERNEL, RUN_TIMEOUT, Console, ForkscopeTestCase, HungError

def console(program):
    if not FORKSCOPE or not KERNEL:
        raise unittest.SkipTest("FORKSCOPE/KERNEL are not set (run through meson test)")
    # -v: the boot lines show, and "rtc: " says the machine is up; "exit: status" ends it.
    return Console([FORKSCOPE, "run", "-v", "--rtc-time", "1000000000", "--max-instructions", "3000000000",
                    "--append", "check=vm", "--input", "-", program])


class SignalKeys(ForkscopeTestCase):

    def interrupt_cat(self, key, echo, status, name):
        c = console("cat")
        at = c.expect(b"rtc: ")
        c.send(b"one line\n")
        # The line discipline echoes it, then cat writes it back: cat is in read() again.
        at = c.expect(b"one line\r\none line\r\n", at)
        c.send(key)
        at = c.expect(echo + b"\r\n", at)
        run = c.finish()
        self.assertExit(run, status)
        tail = run.stdout[at:]
        self.assertIn(b"init: /bin/cat killed by signal %d (%s)\r\n" % (status - 128, name), tail)
        self.assertRegex(tail, rb"check=vm: \d+ system calls checked, 0 violations\r\nexit: status %d\r\n\Z"
                         % status)

    def test_ctrl_c_ends_the_program_with_sigint(self):
        self.interrupt_cat(b"\x03", b"^C", 130, b"Interrupt")

    def test_ctrl_backslash_ends_the_program_with_sigquit(self):
        self.interrupt_cat(b"\x1c", b"^\\", 131, b"Quit")

    def test_input_before_the_key_is_discarded_with_the_line(self):
        # A half-typed line is thrown away with the signal: cat never sees it.
        c = console("cat")
        at = c.expect(b"rtc: ")
        c.send(b"typed but not ended")
        at = c.expect(b"typed but not ended", at)
        c.send(b"\x03")
        at = c.expect(b"^C\r\n", at)
        run = c.finish()
        self.assertExit(run, 130)
        self.assertNotIn(b"typed but not ended", run.stdout[at:])


class Terminal:
    """forkscope with a pseudo-terminal as its stdin and stdout (stderr kept apart)."""

    def __init__(self, *args):
        if not FORKSCOPE:
            raise unittest.SkipTest("FORKSCOPE is not set (run through meson test)")
        self.master, self.slave = pty.openpty()
        self.settings_before = termios.tcgetattr(self.slave)
        self.proc = subprocess.Popen([FORKSCOPE, "run", "-v", "--rtc-time", "1000000000", *args],
                                     stdin=self.slave, stdout=self.slave, stderr=subprocess.PIPE)
        self.out = b""

    def expect(self, needle, start=0):
        deadline = time.monotonic() + RUN_TIMEOUT
        while needle not in self.out[start:]:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self.master], [], [], max(left, 0))
            if not ready:
                self.proc.kill()
                raise HungError("%r never appeared; output so far:\n%s" % (needle, self.out.decode("utf-8", "replace")))
            try:
                self.out += os.read(self.master, 4096)
            except OSError:  # EIO: every writer closed
                raise HungError("%r never appeared (the machine ended); output:\n%s" % (
                    needle, self.out.decode("utf-8", "replace")))
        return self.out.index(needle, start) + len(needle)

    def type(self, data):
        os.write(self.master, data)

    def finish(self):
        try:
            status = self.proc.wait(timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise HungError("forkscope did not end")
        stderr = self.proc.stderr.read().decode("utf-8", "replace")
        self.proc.stderr.close()
        settings_after = termios.tcgetattr(self.slave)
        os.close(self.master)
        os.close(self.slave)
        return status, stderr, settings_after


class AtATerminal(unittest.TestCase):

    def test_ctrl_c_reaches_the_guest(self):
        t = Terminal("cat")
        at = t.expect(b"rtc: ")
        t.type(b"line\r")  # a terminal's Enter: the guest's ICRNL makes it '\n'
        at = t.expect(b"line", t.expect(b"line", at))
        t.type(b"\x03")
        t.expect(b"killed by signal 2", at)
        status, stderr, after = t.finish()
        self.assertEqual(status, 130, stderr)
        self.assertEqual(after, t.settings_before, "the terminal's settings were not restored")

    def test_ctrl_a_x_quits_and_restores_the_terminal(self):
        t = Terminal("cat")
        at = t.expect(b"rtc: ")
        t.type(b"\x01x")
        status, stderr, after = t.finish()
        self.assertEqual(status, 0, stderr)
        self.assertIn("forkscope: quit from the console (Ctrl-A x)", stderr)
        self.assertEqual(after, t.settings_before, "the terminal's settings were not restored")

    def test_sigterm_and_sighup_restore_the_terminal_and_end_forkscope_by_that_signal(self):
        for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            with self.subTest(signal=sig.name):
                t = Terminal("cat")
                t.expect(b"rtc: ")
                t.proc.send_signal(sig)
                status, stderr, after = t.finish()
                self.assertEqual(status, -sig, stderr)
                self.assertEqual(after, t.settings_before, "the terminal's settings were not restored")

    def test_ctrl_a_ctrl_a_types_one_ctrl_a(self):
        t = Terminal("cat")
        at = t.expect(b"rtc: ")
        t.type(b"\x01\x01\r")  # the guest's tty echoes a control character as ^A
        at = t.expect(b"^A", at)
        t.type(b"\x03")
        t.expect(b"killed by signal 2", at)
        status, stderr, _ = t.finish()
        self.assertEqual(status, 130, stderr)


if __name__ == "__main__":
    unittest.main()

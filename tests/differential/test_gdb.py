#!/usr/bin/env python3
"""Differential: stock gdb (the oracle of the remote protocol) against forkscope's
gdbstub, in batch mode, with the kernel ELF for symbols and source lines.

forkscope run --gdb 127.0.0.1:0 --wait forktest; gdb breaks at copy_process, continues,
shows a backtrace with file:line, steps a line, shows registers and disassembly, goes
backwards through the history forkscope records under gdb (reverse-stepi puts back the
registers of one instruction before, reverse-continue returns to the breakpoint's hit),
lists the guest's tasks as threads, switches to a sleeping task and unwinds its stack,
runs a monitor command, and kills the guest. Read and access watchpoints (Z3, Z4) stop
gdb at the next read of a kernel variable. A second client is refused while gdb is
attached, and a client that disconnects in the middle of a packet leaves the server
serving.

  FORKSCOPE=build/frontend/forkscope KERNEL=build/images/kernel.elf \\
      python3 tests/differential/test_gdb.py -v
"""

import os
import re
import shutil
import socket
import subprocess
import unittest

FORKSCOPE = os.environ.get("FORKSCOPE", "")
KERNEL = os.environ.get("KERNEL", "")
GDB = shutil.which("gdb")
TIMEOUT = 240


def frame(data):
    return "$%s#%02x" % (data, sum(data.encode()) % 256)


class Stub:
    """forkscope run [OPTIONS] --gdb on a free port, waiting for gdb. `said` holds what
    it wrote on stderr up to and including the server line."""

    def __init__(self, program="forktest", options=()):
        self.proc = subprocess.Popen([FORKSCOPE, "run", *options, "--gdb", "127.0.0.1:0", "--wait", program],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.said = ""
        while True:
            line = self.proc.stderr.readline()
            self.said += line
            m = re.search(r"gdb server on 127\.0\.0\.1:(\d+)", line)
            if m:
                break
            if not line:
                self.proc.kill()
                raise AssertionError("no server line from forkscope: %r" % self.said)
        self.port = int(m.group(1))

    def close(self):
        """After a failed assertion: the server must not outlive the test."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()

    def finish(self):
        try:
            out, err = self.proc.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, err = self.proc.communicate()
        return self.proc.returncode, out, err


def gdb_batch(port, commands):
    argv = [GDB, "-batch", "-nx", "-ex", "set pagination off", "-ex", "set confirm off",
            "-ex", "file " + KERNEL, "-ex", "target remote 127.0.0.1:%d" % port]
    for c in commands:
        argv += ["-ex", c]
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=TIMEOUT)
    return r.stdout


def raw_client(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=60)
    return s


def read_packet(s):
    data = b""
    while not data.endswith(b"#"):
        c = s.recv(1)
        if not c:
            return None
        if data or c == b"$":
            data += c
    s.recv(2)
    s.sendall(b"+")
    return data[1:-1].decode()


@unittest.skipUnless(GDB and FORKSCOPE and KERNEL, "needs gdb, FORKSCOPE and KERNEL")
class GdbSession(unittest.TestCase):
    def test_fork_under_gdb(self):
        stub = Stub()
        self.addCleanup(stub.close)
        # While gdb is attached a second client is refused: closed without a word.
        probe = ("import socket; s = socket.create_connection(('127.0.0.1', %d)); "
                 "print('second client:', 'refused' if s.recv(16) == b'' else 'served')" % stub.port)
        out = gdb_batch(stub.port, [
            "break copy_process",
            "continue",      # init forks the program
            "continue",      # the program's first fork
            "bt",
            "next",
            "info registers",
            "x/4i $pc",
            "stepi",
            "p/x $pc",       # $1
            "p/x $esp",      # $2
            "stepi",
            "p/x $pc",       # $3
            "reverse-stepi",
            "p/x $pc",       # $4
            "p/x $esp",      # $5
            "reverse-continue",
            "p/x $pc",       # $6
            "info threads",
            "thread 2",
            "bt",
            "monitor ps",
            'shell python3 -c "%s"' % probe,
            "kill",
        ])
        status, stdout, stderr = stub.finish()
        msg = "\n--- gdb ---\n" + out + "\n--- forkscope stderr ---\n" + stderr

        # The breakpoint, with the source line gdb found through the kernel's DWARF.
        self.assertRegex(out, r"Breakpoint 1 at 0x[0-9a-f]+: file .*fork\.c, line \d+\.", msg)
        self.assertRegex(out, r"Thread \d+ hit Breakpoint 1, copy_process \(.*\) at .*fork\.c:\d+", msg)
        # bt: copy_process called from do_fork, called from the system call.
        self.assertRegex(out, r"#0 +copy_process \(.*\) at .*fork\.c:\d+", msg)
        self.assertRegex(out, r"#1 +0x[0-9a-f]+ in do_fork \(.*\) at .*fork\.c:\d+", msg)
        # next: a later line of copy_process, printed with its number.
        bp_line = int(re.search(r"Breakpoint 1 at .*line (\d+)\.", out).group(1))
        lines = [int(n) for n in re.findall(r"^(\d+)\t", out, re.M)]
        self.assertTrue(any(n > bp_line for n in lines), msg)
        # info registers: the general registers, eip symbolized, and the control registers.
        self.assertRegex(out, r"eax +0x[0-9a-f]+ +-?\d+", msg)
        self.assertRegex(out, r"eip +0x[0-9a-f]+ +0x[0-9a-f]+ <copy_process\+\d+>", msg)
        self.assertRegex(out, r"cs +0x8 +8", msg)
        self.assertRegex(out, r"cr0 +0x[0-9a-f]+ +\[ PE .*PG \]", msg)
        self.assertRegex(out, r"cr3 +0x[0-9a-f]+", msg)
        # x/4i $pc: four instructions, the first marked as the current one.
        self.assertRegex(out, r"=> 0x[0-9a-f]+ <copy_process\+\d+>:\t\S+", msg)
        self.assertEqual(len(re.findall(r"^(?:=>| ) +0x[0-9a-f]+ <copy_process\+\d+>:\t", out, re.M)), 4, msg)
        # reverse-stepi: the registers as one instruction before; reverse-continue: back
        # at the breakpoint's address.
        values = dict((int(n), int(v, 16)) for n, v in re.findall(r"^\$(\d+) = 0x([0-9a-f]+)$", out, re.M))
        self.assertEqual(sorted(values), [1, 2, 3, 4, 5, 6], msg)
        self.assertNotEqual(values[3], values[1], msg)
        self.assertEqual(values[4], values[1], msg)
        self.assertEqual(values[5], values[2], msg)
        bp_addr = int(re.search(r"Breakpoint 1 at 0x([0-9a-f]+)", out).group(1), 16)
        self.assertEqual(values[6], bp_addr, msg)
        self.assertNotIn("Target remote does not support", out, msg)
        # info threads: every task, named by pid and command, the running one marked.
        self.assertRegex(out, r"Thread 32768 \(pid 0 swapper R\)", msg)
        self.assertRegex(out, r"Thread 1 \(pid 1 init S\)", msg)
        self.assertRegex(out, r"\* \d+ +Thread (\d+) \(pid \1 forktest R\) +copy_process", msg)
        # thread 2 (gdb's number for init): a sleeping task, unwound from where its last
        # context switch saved it.
        self.assertRegex(out, r"\[Switching to thread 2 \(Thread 1\)\]", msg)
        self.assertRegex(out, r"#0 +(?:0x[0-9a-f]+ in )?switch_to \(.*\) at .*process\.c:\d+", msg)
        self.assertRegex(out, r"#\d+ +0x[0-9a-f]+ in schedule \(\) at .*sched\.c:\d+", msg)
        self.assertRegex(out, r"#\d+ +0x[0-9a-f]+ in sys_wait4 \(.*\) at .*exit\.c:\d+", msg)
        # monitor ps: the kernel's tasks at this stop.
        self.assertRegex(out, r"PID +PPID", msg)
        self.assertRegex(out, r"\n +\d+ +1 +\d+ +R +forktest", msg)
        self.assertIn("second client: refused", out, msg)
        self.assertIn("refused a second connection", stderr)
        # kill ends forkscope as a killed process.
        self.assertEqual(status, 137, msg)
        self.assertIn("killed from gdb", stderr)

    def test_read_and_access_watchpoints(self):
        stub = Stub()
        self.addCleanup(stub.close)
        out = gdb_batch(stub.port, ["break copy_process", "continue", "delete", "rwatch nr_free_pages", "continue",
                                    "delete", "awatch nr_free_pages", "continue", "kill"])
        status, _, stderr = stub.finish()
        msg = "\n--- gdb ---\n" + out + "\n--- forkscope stderr ---\n" + stderr
        # gdb asks for Z3 and Z4 and hears where they hit (rwatch:, awatch: in the stop reply).
        self.assertIn("Hardware read watchpoint 2: nr_free_pages", out, msg)
        self.assertRegex(out, r"Thread \d+ hit Hardware read watchpoint 2: nr_free_pages\n\nValue = \d+", msg)
        self.assertIn("Hardware access (read/write) watchpoint 3: nr_free_pages", out, msg)
        self.assertRegex(out, r"Thread \d+ hit Hardware access \(read/write\) watchpoint 3: nr_free_pages\n\n"
                              r"(Value = \d+|Old value = \d+\nNew value = \d+)", msg)
        self.assertEqual(status, 137, msg)

    def test_a_client_that_leaves_mid_packet(self):
        # cat waits for input that never comes: the guest runs until a gdb stops it.
        stub = Stub("cat")
        self.addCleanup(stub.close)
        first = raw_client(stub.port)
        first.sendall(frame("qSupported:swbreak+").encode())
        self.assertIn("PacketSize=", read_packet(first))
        first.sendall(b"$m c01")
        first.close()
        # The guest ran on (as after a detach); the next client stops it and is served.
        again = raw_client(stub.port)
        again.sendall(frame("?").encode())
        self.assertRegex(read_packet(again), r"^T02thread:[0-9a-f]+;$")
        again.sendall(frame("k").encode())
        status, stdout, stderr = stub.finish()
        self.assertEqual(status, 137, stderr)


@unittest.skipUnless(FORKSCOPE and KERNEL, "needs FORKSCOPE and KERNEL")
class ReverseOffer(unittest.TestCase):
    """Reverse execution is offered (qSupported) when the run is recorded: under gdb by
    default, not with --history-mb 0, and not with --realtime (no replay), which says so."""

    def supported(self, options):
        stub = Stub(options=options)
        self.addCleanup(stub.close)
        s = raw_client(stub.port)
        s.sendall(frame("qSupported:swbreak+").encode())
        reply = read_packet(s)
        s.sendall(frame("k").encode())
        stub.finish()
        s.close()
        return reply, stub.said

    def test_offered_when_recorded(self):
        reply, _ = self.supported([])
        self.assertIn("ReverseStep+", reply)
        self.assertIn("ReverseContinue+", reply)

    def test_not_offered_without_history(self):
        reply, _ = self.supported(["--history-mb", "0"])
        self.assertNotIn("Reverse", reply)
        reply, said = self.supported(["--realtime"])
        self.assertNotIn("Reverse", reply)
        self.assertIn("--realtime: no history recorded", said)


if __name__ == "__main__":
    unittest.main()

"""The QEMU halt harness: stop the guest under qemu-system-i386 at a stop point and ask
QEMU's monitor what the machine looks like there.

The guest kernel does the stopping itself: `selfhalt=POINT` on its command line makes it
print its own report (`selfdump: ...` lines), then `forkscope: halted at POINT`, then
halt for good with interrupts off (guestkernel/README.md, "selfdump"). Nothing changes
in memory after that line, so QEMU's `info tlb` (the page tables CR3 points to, read
from RAM), `info mem` and `info registers` describe exactly the state the report
describes, and exactly the state forkscope's host-side stop point POINT sees.

Use:
    from qemu_halt import halt_in_qemu
    h = halt_in_qemu(kernel, initramfs, "fork#1", program="/bin/forktest")
    h.tlb, h.mem, h.registers    # the monitor's text
    h.selfdump                   # the guest's report: "selfdump: " stripped
    h.tlb_entries()              # [(vaddr, paddr, flags)] parsed from info tlb

QEMU runs on the differential tests' deterministic clock (oracle.qemu_clock), so the
same point is reached after the same instructions on every run.
"""

import json
import os
import re
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field

from oracle import qemu_argv

HALT_TIMEOUT_S = 60   # wall-clock limit for reaching the point; catches hangs only

# info tlb, 32-bit paging (QEMU's target/i386/monitor.c print_pte): "VADDR: PADDR FLAGS",
# both addresses in hex (16 digits on a 64-bit hwaddr build), FLAGS nine letters or '-':
# X (NX) G (global) P (PSE) D (dirty) A (accessed) C (PCD) T (PWT) U (user) W (writable).
TLB_RE = re.compile(r"^([0-9a-f]+): ([0-9a-f]+) ([-X][-G][-P][-D][-A][-C][-T][-U][-W])$")
TLB_FLAG_BITS = {"G": 0x100, "P": 0x80, "D": 0x40, "A": 0x20, "C": 0x10, "T": 0x08,
                 "U": 0x04, "W": 0x02}


@dataclass
class Halted:
    """QEMU stopped at a point: the monitor's answers and the serial console up to the
    halt line."""

    point: str
    console: str                 # serial output, CR LF turned into LF
    tlb: str                     # `info tlb`
    mem: str                     # `info mem`
    registers: str               # `info registers`
    selfdump: list = field(default_factory=list)   # the report's lines without "selfdump: "
    # Host wall time of each monitor command, best of `repeat` (benchmarks use it).
    seconds: dict = field(default_factory=dict)

    def tlb_entries(self):
        """info tlb as [(vaddr, paddr, flags)]; flags as the PTE bits the letters name
        (G P D A C T U W; present is implied)."""
        out = []
        for line in self.tlb.splitlines():
            m = TLB_RE.match(line.strip())
            if not m:
                continue
            bits = 0x1
            for letter in m.group(3):
                bits |= TLB_FLAG_BITS.get(letter, 0)
            out.append((int(m.group(1), 16), int(m.group(2), 16), bits))
        return out

    def cr3(self):
        m = re.search(r"\bCR3=([0-9a-f]+)", self.registers)
        return int(m.group(1), 16) if m else None


class QmpError(AssertionError):
    pass


class _Qmp:
    """A minimal QMP client: one command at a time, events skipped."""

    def __init__(self, path, timeout):
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.settimeout(timeout)
                self.sock.connect(path)
                break
            except (FileNotFoundError, ConnectionRefusedError):
                self.sock.close()
                if time.monotonic() > deadline:
                    raise QmpError(f"QMP socket {path} never accepted a connection")
                time.sleep(0.05)   # QEMU creates the socket at start-up
        self.buf = b""
        self._read()   # the greeting
        self.command("qmp_capabilities")

    def _read(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise QmpError("QMP connection closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def command(self, name, **arguments):
        msg = {"execute": name}
        if arguments:
            msg["arguments"] = arguments
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            reply = self._read()
            if "return" in reply:
                return reply["return"]
            if "error" in reply:
                raise QmpError(f"QMP {name}: {reply['error']}")
            # an event ({"event": ...}): not ours

    def hmp(self, command_line):
        return self.command("human-monitor-command", **{"command-line": command_line})

    def close(self):
        self.sock.close()


def halt_in_qemu(kernel, initrd, point, program="", options="", ram_mib=None,
                 timeout=HALT_TIMEOUT_S, repeat=1):
    """Boots `kernel` with `initrd` under qemu-system-i386 (the differential tests'
    deterministic clock, a QMP socket) with `selfhalt=POINT` on the kernel command line,
    plus `options` and, when given, `-- program` (init runs it); waits until the serial
    console prints `forkscope: halted at POINT`, then returns a Halted with the text of
    the monitor's `info tlb`, `info mem` and `info registers` (through QMP
    human-monitor-command) and the guest's own selfdump report; each command is sent
    `repeat` times and Halted.seconds keeps its best wall time. QEMU is killed before
    returning. POINT is one of fork[#N], cow[#N], exec[#N], exit, exit:PID, end.

    Raises AssertionError when QEMU ends, or the line does not come within `timeout`
    seconds, or QMP fails; the message carries the console output so far.
    """
    append = f"selfhalt={point} {options}".strip()
    if program:
        append += f" -- {program}"
    needle = f"forkscope: halted at {point}\r\n".encode()
    with tempfile.TemporaryDirectory(prefix="forkscope-qmp-") as tmp:
        qmp_path = os.path.join(tmp, "qmp.sock")
        argv = qemu_argv(kernel, append, ram_mib,
                         ["-initrd", initrd, "-qmp", f"unix:{qmp_path},server=on,wait=off"])
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        out = bytearray()
        seen = threading.Event()

        def reader():
            while True:
                chunk = proc.stdout.read1(65536)
                if not chunk:
                    break
                out.extend(chunk)
                if needle in out:
                    seen.set()
            seen.set()   # EOF: wake the waiter, which sees the needle is missing

        thread = threading.Thread(target=reader, daemon=True)
        thread.start()
        try:
            seen.wait(timeout)
            if needle not in out:
                status = proc.poll()
                raise AssertionError(
                    f"QEMU never printed {needle.decode().strip()!r} "
                    f"({'it exited with status %s' % status if status is not None else 'timeout'})\n"
                    f"$ {' '.join(argv)}\n--- console ---\n{out.decode(errors='replace')}")
            qmp = _Qmp(qmp_path, timeout)
            answers, seconds = {}, {}
            try:
                for command in ("info tlb", "info mem", "info registers"):
                    for _ in range(max(1, repeat)):
                        start = time.perf_counter()
                        answers[command] = qmp.hmp(command)
                        took = time.perf_counter() - start
                        seconds[command] = min(seconds.get(command, took), took)
            finally:
                qmp.close()
        finally:
            proc.kill()
            proc.wait()
            thread.join(5)
            proc.stdout.close()
            proc.stderr.close()
    console = out.decode("utf-8", errors="replace").replace("\r\n", "\n")
    report = [l[len("selfdump: "):] for l in console.splitlines() if l.startswith("selfdump: ")]
    return Halted(point, console, answers["info tlb"], answers["info mem"], answers["info registers"], report,
                  seconds)

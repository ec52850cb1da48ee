"""Shared helpers for forkscope's integration tests (Python 3 standard library only).

meson passes the paths in the environment:
  FORKSCOPE            the forkscope executable
  KERNEL               build/images/kernel.elf (the image forkscope also embeds)
  TEST_KERNEL_<NAME>   the test kernels built from tests/integration/kernels/<name>.*
Every subprocess has a timeout; a run that times out is a test failure ("hung"), and
the child is killed. Nothing here sleeps on wall-clock time.
"""

import os
import re
import shutil
import struct
import subprocess
import tempfile
import threading
import time
import unittest

import i386_runner  # tests/, on PYTHONPATH

FORKSCOPE = os.environ.get("FORKSCOPE", "")
KERNEL = os.environ.get("KERNEL", "")

# Generous wall-clock limits: they catch hangs, they do not measure speed.
RUN_TIMEOUT = 60
QEMU_TIMEOUT = 30

# Exit statuses (DESIGN.md): the guest's DebugExit value on success, then these.
EXIT_USAGE = 2
EXIT_BAD_IMAGE = 3
EXIT_MACHINE_FAULT = 4

STATS_RE = re.compile(
    r"^stats: instructions (?P<instructions>\d+), interrupts (?P<interrupts>\d+), "
    r"exceptions (?P<exceptions>\d+) \(page faults (?P<page_faults>\d+), system calls (?P<system_calls>\d+)\), "
    r"sysenter (?P<sysenters>\d+), guest time (?P<guest_ms>[0-9.]+) ms, "
    r"wall time (?P<wall_ms>[0-9.]+) ms, guest MIPS (?P<mips>[0-9.]+)"
    r"(?:, first console byte (?P<first_byte_ms>[0-9.]+) ms)?"
    r", delivery (?P<delivery>in place|through saved contexts) \((?P<in_run>\d+) inside runs\)"
    r", translation flushes (?P<flushes>\d+)$")


def test_kernel(name):
    """Path of the test kernel `name` (kernels/<name>.S or .c), from TEST_KERNEL_<NAME>."""
    path = os.environ.get("TEST_KERNEL_" + name.upper(), "")
    if not path:
        raise unittest.SkipTest("TEST_KERNEL_%s is not set (run through meson test)" % name.upper())
    return path


class Run:
    """The result of one forkscope (or QEMU) run."""

    def __init__(self, argv, returncode, stdout, stderr):
        self.argv = argv
        self.returncode = returncode
        self.stdout = stdout            # bytes: the guest's console, byte for byte
        self.stderr = stderr.decode("utf-8", "replace")

    @property
    def text(self):
        """stdout as text, with the guest's CR LF line ends turned into LF."""
        return self.stdout.decode("utf-8", "replace").replace("\r\n", "\n")

    @property
    def lines(self):
        return self.text.splitlines()

    @property
    def stderr_lines(self):
        return self.stderr.splitlines()

    def stats(self):
        """The --stats line parsed into a dict of numbers, or None."""
        for line in self.stderr_lines:
            m = STATS_RE.match(line)
            if m:
                def value(v):
                    if v[0].isdigit():
                        return float(v) if "." in v else int(v)
                    return v  # the delivery path's name
                return {k: value(v) for k, v in m.groupdict().items() if v is not None}
        return None

    def describe(self):
        out = self.text
        if len(out) > 2000:
            out = "..." + out[-2000:]
        words = [w if len(w) <= 200 else "%s...(%d bytes)" % (w[:60], len(w))
                 for w in (a.decode("utf-8", "replace") if isinstance(a, bytes) else str(a) for a in self.argv)]
        if len(words) > 100:
            words = words[:100] + ["...(%d words)" % len(words)]
        return "command: %s\nexit status: %s\nstderr:\n%s\nstdout (tail):\n%s" % (
            " ".join(words), self.returncode, self.stderr, out)


class HungError(AssertionError):
    pass


SOURCE_ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def source_line(path, text):
    """The number of the first line holding `text` in `path` (relative to the checkout's
    top folder, or absolute)."""
    with open(os.path.join(SOURCE_ROOT, path)) as f:
        for n, line in enumerate(f, 1):
            if text in line:
                return n
    raise AssertionError("no line with %r in %s" % (text, path))


def fork_c_line(text):
    """The first line of guestkernel/kernel/fork.c holding `text`."""
    return source_line("guestkernel/kernel/fork.c", text)


def run_command(argv, timeout=RUN_TIMEOUT, stdin_bytes=None):
    """Runs argv with stdin closed (or fed), capturing both streams. Raises HungError
    (an AssertionError, so the test fails rather than errors) if it does not end in
    `timeout` seconds; subprocess.run kills the child then."""
    try:
        p = subprocess.run(argv, input=stdin_bytes,
                           stdin=None if stdin_bytes is not None else subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        raise HungError("hung: %s did not finish within %s s (killed)\nstderr so far:\n%s" % (
            " ".join(argv), timeout, (e.stderr or b"").decode("utf-8", "replace")))
    return Run(argv, p.returncode, p.stdout, p.stderr)


def run_native(path, *args):
    """Runs a static i386 program "as Linux would" (tests/i386_runner.py: directly, or
    under qemu-i386); fails the test when the host can do neither."""
    r = i386_runner.runner()
    run = run_command(r.command(path, *args))
    run.stderr = r.clean(run.stderr)
    return run


def forkscope(*args, global_args=(), timeout=RUN_TIMEOUT, stdin_bytes=None):
    """`forkscope [global_args] run args...`."""
    if not FORKSCOPE:
        raise unittest.SkipTest("FORKSCOPE is not set (run through meson test)")
    return run_command([FORKSCOPE, *global_args, "run", *args], timeout=timeout, stdin_bytes=stdin_bytes)


class Console:
    """`forkscope run --input - ...` driven like a person at the serial console: bytes
    are typed with send() and the test waits for what the guest prints with expect()
    (event-driven, bounded by a timeout, never a sleep). A reader thread collects
    stdout so the guest never blocks on a full pipe."""

    def __init__(self, argv, timeout=RUN_TIMEOUT):
        self.argv = argv
        self.timeout = timeout
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        self.out = b""
        self.cond = threading.Condition()
        self.eof = False
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        while True:
            chunk = self.proc.stdout.read1(4096)
            with self.cond:
                if not chunk:
                    self.eof = True
                else:
                    self.out += chunk
                self.cond.notify_all()
            if not chunk:
                return

    def expect(self, needle, start=0):
        """Waits until `needle` (bytes) appears in the output after offset `start`;
        returns the offset just past it. Fails (HungError) after the timeout or if the
        machine ends first."""
        deadline = time.monotonic() + self.timeout
        with self.cond:
            while True:
                i = self.out.find(needle, start)
                if i >= 0:
                    return i + len(needle)
                left = deadline - time.monotonic()
                if self.eof or left <= 0:
                    self.kill()
                    raise HungError("%r never appeared (%s); output so far:\n%s" % (
                        needle, "the machine ended" if self.eof else "timeout",
                        self.out.decode("utf-8", "replace")))
                self.cond.wait(left)

    def send(self, data):
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()

    def finish(self):
        """Closes stdin and waits for the machine to end; returns a Run."""
        try:
            self.proc.stdin.close()
        except BrokenPipeError:
            pass
        try:
            self.proc.wait(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise HungError("hung: %s did not end within %s s" % (" ".join(self.argv), self.timeout))
        self.reader.join(self.timeout)
        stderr = self.proc.stderr.read()
        self.proc.stdout.close()
        self.proc.stderr.close()
        return Run(self.argv, self.proc.returncode, self.out, stderr)


def qemu_path():
    return shutil.which("qemu-system-i386")


def qemu(kernel, append=None, timeout=QEMU_TIMEOUT, extra=()):
    """Boots `kernel` under qemu-system-i386 the way DESIGN.md describes (serial on
    stdout, isa-debug-exit at 0xf4, no reboot on a triple fault)."""
    exe = qemu_path()
    if not exe:
        raise unittest.SkipTest("qemu-system-i386 is not installed")
    argv = [exe, "-display", "none", "-serial", "stdio", "-monitor", "none", "-no-reboot",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=4", "-kernel", kernel, *extra]
    if append is not None:
        argv += ["-append", append]
    return run_command(argv, timeout=timeout)


class ForkscopeTestCase(unittest.TestCase):
    """Assertions shared by the integration tests."""

    maxDiff = None

    def assertExit(self, run, status):
        self.assertGreaterEqual(run.returncode, 0, "forkscope was killed by a signal\n" + run.describe())
        self.assertEqual(run.returncode, status, run.describe())

    def assertBooted(self, run):
        """The real kernel's successful boot: exit 0, self-check passed, nothing on stderr."""
        self.assertExit(run, 0)
        self.assertRegex(run.lines[0] if run.lines else "", r"^forkscope kernel 0\.1 ", run.describe())
        self.assertIn("selfcheck: timer ticks 20", run.lines, run.describe())
        self.assertIn("selfcheck: ok", run.lines, run.describe())
        self.assertEqual(run.stderr, "", run.describe())

    def assertErrorLine(self, run, status, *needles, allow_log_lines=False):
        """Exit status `status`, not a signal, and exactly one stderr line of the form
        'forkscope: ...' that contains every needle (case-insensitive). With
        allow_log_lines, spdlog lines ('[time] [logger] [level] ...') may come before it."""
        self.assertGreaterEqual(run.returncode, 0, "forkscope was killed by a signal\n" + run.describe())
        self.assertEqual(run.returncode, status, run.describe())
        lines = run.stderr_lines
        if allow_log_lines:
            lines = [l for l in lines if not re.match(r"^\[[^\]]*\] \[[a-z0-9_-]+\] \[[a-z]+\] ", l)]
        self.assertEqual(len(lines), 1, "expected exactly one error line\n" + run.describe())
        line = lines[0]
        self.assertTrue(line.startswith("forkscope: "), "error line must start with 'forkscope: '\n" + run.describe())
        self.assertLess(len(line), 600, "error line is unreasonably long\n" + run.describe())
        for needle in needles:
            self.assertIn(needle.lower(), line.lower(), "error line must mention %r\n%s" % (needle, run.describe()))
        return line


# ---- Crafting kernel files --------------------------------------------------------------

MULTIBOOT_MAGIC = 0x1BADB002

# mov al, 7; out 0xf4, al; cli; hlt; jmp $-2: exits with status 7 (QEMU: 15).
EXIT7_CODE = bytes([0xB0, 0x07, 0xE6, 0xF4, 0xFA, 0xF4, 0xEB, 0xFD])


def multiboot_header(flags=0, checksum_delta=0):
    checksum = (-(MULTIBOOT_MAGIC + flags) + checksum_delta) & 0xFFFFFFFF
    return struct.pack("<III", MULTIBOOT_MAGIC, flags, checksum)


def elf32(payload, paddr=0x100000, vaddr=None, entry=None, memsz=None, machine=3, etype=2,
          elf_class=1, data_encoding=1, data_offset=0x60, flags=5):
    """A minimal ELF32 file: the ELF header, one PT_LOAD program header, and `payload`
    at `data_offset`, loaded at `paddr` (virtual address `vaddr`, default the same)."""
    if vaddr is None:
        vaddr = paddr
    if entry is None:
        entry = paddr
    if memsz is None:
        memsz = len(payload)
    ident = b"\x7fELF" + bytes([elf_class, data_encoding, 1, 0]) + bytes(8)
    ehdr = ident + struct.pack("<HHIIIIIHHHHHH", etype, machine, 1, entry, 52, 0, 0, 52, 32, 1, 0, 0, 0)
    phdr = struct.pack("<IIIIIIII", 1, data_offset, vaddr, paddr, len(payload), memsz, flags, 4)
    head = ehdr + phdr
    assert len(head) <= data_offset
    return head + bytes(data_offset - len(head)) + payload


def multiboot_elf(code=EXIT7_CODE, paddr=0x100000, flags=0, **kw):
    """A valid Multiboot ELF32 whose only segment is the Multiboot header and `code`;
    the entry is right after the header. With EXIT7_CODE it exits with status 7."""
    return elf32(multiboot_header(flags) + code, paddr=paddr, entry=paddr + 12, **kw)


def elf64(payload, paddr=0x100000, machine=62):
    """A minimal x86-64 ELF64 executable with a Multiboot header inside its first 8 KiB."""
    data_offset = 0x80
    ident = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    ehdr = ident + struct.pack("<HHIQQQIHHHHHH", 2, machine, 1, paddr + 12, 64, 0, 0, 64, 56, 1, 0, 0, 0)
    phdr = struct.pack("<IIQQQQQQ", 1, 5, data_offset, paddr, paddr, len(payload), len(payload), 4)
    head = ehdr + phdr
    return head + bytes(data_offset - len(head)) + payload


def elf32_load_segments(data):
    """(file offset, file size, paddr, memsz) of each PT_LOAD of an ELF32 file."""
    (phoff,) = struct.unpack_from("<I", data, 28)
    phentsize, phnum = struct.unpack_from("<HH", data, 42)
    segs = []
    for i in range(phnum):
        p_type, p_offset, _vaddr, p_paddr, p_filesz, p_memsz = struct.unpack_from("<IIIIII", data, phoff + i * phentsize)
        if p_type == 1:
            segs.append((p_offset, p_filesz, p_paddr, p_memsz))
    return segs


class TempDir:
    """A temporary directory for crafted files, removed afterwards."""

    def __enter__(self):
        self._td = tempfile.TemporaryDirectory(prefix="forkscope-it-")
        return self

    def __exit__(self, *exc):
        self._td.cleanup()

    def write(self, name, data):
        path = os.path.join(self._td.name, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def path(self, name):
        return os.path.join(self._td.name, name)

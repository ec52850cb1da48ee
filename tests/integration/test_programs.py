"""The guest kernel runs the user programs: every built-in program booted explicitly
(--kernel, --initrd, --append "<options> -- /bin/NAME ARGS"), its exact output and exit
status, the same as natively (tests/native holds the native transcripts); segv dying by
SIGSEGV with the kernel carrying on; check=vm finding no violation; bad input (corrupt
archives, files that are not executables, garbage system call arguments, argument lists
over the limit) giving clear errors and no panic.

What the console shows (guestkernel/README.md): the boot lines up to and including
"rtc: ...", then exactly what the programs write, then, when pid 1 exits,
"check=vm: N system calls checked, M violations" (with check=vm) and "exit: status N".
The kernel writes its own lines at the default log level only for errors. With
"quiet" (what `forkscope run PROGRAM` puts on the command line) the boot lines and the
"exit: status" line are left out; check=vm's line stays.

init forks and execs the program (pid 2) and waits for it; the fork-dependent parts
of pipes and sigtest run, so their transcripts equal the native ones exactly.

meson passes FORKSCOPE, KERNEL, INITRAMFS, PROGRAMS_DIR. Python 3 stdlib only; every run
has a wall-clock timeout and --max-instructions as a guard.
"""

import os
import re
import shutil
import subprocess
import sys
import unittest

from forkscope_testlib import FORKSCOPE, KERNEL, RUN_TIMEOUT, ForkscopeTestCase, TempDir, run_command

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "native"))
from test_programs_native import FORKWIDE_16_1024, TRANSCRIPTS  # noqa: E402

INITRAMFS = os.environ.get("INITRAMFS", "")
PROGRAMS_DIR = os.environ.get("PROGRAMS_DIR", "")
MOTD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "images", "programs", "motd.txt")

RTC = "1000000000"
GUARD = "3000000000"   # instructions: far more than any program here needs

TRAILER_RE = re.compile(r"(?:check=vm: (\d+) system calls checked, (\d+) violations\n)?(?:exit: status (\d+)\n)?\Z")

BIN = sorted(["cat", "clonetest", "echo", "exectest", "hello", "init", "libctest", "ls", "memtest", "notelf",
              "pipes", "segv", "sigtest", "sleep", "forktest", "cowtest", "kbench", "forkbench",
              "vforktest", "forkbomb", "orphans", "waittest", "forkexec", "sh", "fputest",
              "timetest", "polltest", "systest", "mmtest", "futextest",
              "fstest", "proctest", "devtest", "forkwide", "randcall", "randinsn"])


class Boot:
    """One boot of a program: the run, the program's output, the trailer's numbers."""

    def __init__(self, run):
        self.run = run
        text = run.text
        # The boot lines end with the "rtc:" line; a quiet boot has none.
        m = re.search(r"^rtc: [^\n]*\n", text, re.M)
        self.quiet = m is None
        self.output = text[m.end():] if m else text
        t = TRAILER_RE.search(self.output)
        self.status_line = int(t.group(3)) if t and t.group(3) else None
        self.checked = int(t.group(1)) if t and t.group(1) else None
        self.violations = int(t.group(2)) if t and t.group(2) else None
        if t:
            self.output = self.output[:t.start()]


def boot(program_and_args="", options="", initrd=None, stdin_file=None, extra=(), timeout=RUN_TIMEOUT):
    """forkscope run with everything explicit; program_and_args goes after "--"."""
    if not FORKSCOPE or not KERNEL:
        raise unittest.SkipTest("FORKSCOPE/KERNEL are not set (run through meson test)")
    initrd = INITRAMFS if initrd is None else initrd
    if not initrd:
        raise unittest.SkipTest("INITRAMFS is not set (run through meson test)")
    append = options
    if program_and_args:
        append = (append + " -- " + program_and_args).strip()
    argv = [FORKSCOPE, "run", "--kernel", KERNEL, "--initrd", initrd, "--rtc-time", RTC,
            "--max-instructions", GUARD, "--append", append, *extra]
    if stdin_file:
        argv += ["--input", stdin_file]
    return Boot(run_command(argv, timeout=timeout))


class ProgramCase(ForkscopeTestCase):

    def assertProgram(self, b, output, status=0):
        self.assertEqual(b.run.stderr, "", b.run.describe())
        self.assertEqual(b.output, output, b.run.describe())
        # A quiet boot ends without "exit: status": the exit status says it.
        self.assertEqual(b.status_line, None if b.quiet else status, b.run.describe())
        self.assertExit(b.run, status)

    def assertOneOf(self, b, outputs, status=0):
        self.assertEqual(b.run.stderr, "", b.run.describe())
        self.assertIn(b.output, outputs, b.run.describe())
        self.assertExit(b.run, status)


class TranscriptTest(ProgramCase):
    """The self-checking programs print what they print natively."""

    def test_hello(self):
        self.assertProgram(boot("/bin/hello"), "hello, world\n")

    def test_memtest(self):
        self.assertProgram(boot("/bin/memtest"), TRANSCRIPTS["memtest"])

    def test_libctest(self):
        self.assertProgram(boot("/bin/libctest"), TRANSCRIPTS["libctest"])

    def test_exectest(self):
        self.assertProgram(boot("/bin/exectest"), TRANSCRIPTS["exectest"])

    def test_pipes_and_sigtest(self):
        for name in ("pipes", "sigtest"):
            with self.subTest(program=name):
                native = TRANSCRIPTS[name]
                # fork works: the fork-dependent parts run, the transcript is native's.
                self.assertProgram(boot("/bin/" + name), native)

    def test_forktest(self):
        # Children write inherited memory and exit with distinct codes; the parent's
        # memory is unchanged. With check=vm: every COW reference count balances.
        b = boot("/bin/forktest", options="check=vm")
        self.assertProgram(b, TRANSCRIPTS["forktest"])
        self.assertEqual(b.violations, 0, b.run.describe())

    def test_both_delivery_paths(self):
        # Events delivered inside runs with the CPU state written in place (the default)
        # and after each run through saved contexts: the same native transcripts, no
        # violation, the same exit.
        for name in ("forktest", "cowtest", "pipes", "sigtest", "exectest"):
            for delivery in ("in-place", "saved-contexts"):
                with self.subTest(program=name, delivery=delivery):
                    b = boot("/bin/" + name, options="check=vm", extra=("--delivery", delivery))
                    self.assertProgram(b, TRANSCRIPTS[name])
                    self.assertEqual(b.violations, 0, b.run.describe())

    def test_forkwide(self):
        # 16 processes at once over the same copy-on-write memory, then reaped.
        b = boot("/bin/forkwide 16 1024", options="check=vm")
        self.assertProgram(b, FORKWIDE_16_1024)
        self.assertEqual(b.violations, 0, b.run.describe())

    def test_cowtest(self):
        # Nested forks, a shared mapping, and the parent writing right after fork.
        b = boot("/bin/cowtest", options="check=vm")
        self.assertProgram(b, TRANSCRIPTS["cowtest"])
        self.assertEqual(b.violations, 0, b.run.describe())

    def test_clonetest_threads_and_futex(self):
        # Nothing is skipped any more: vfork, clone, TLS, threads with CLONE_SETTLS and
        # CLONE_CHILD_CLEARTID, a futex lock, exit_group from a thread; all as natively.
        b = boot("/bin/clonetest", options="check=vm")
        self.assertProgram(b, TRANSCRIPTS["clonetest"])
        self.assertNotIn("skipped", b.output)
        self.assertEqual(b.violations, 0, b.run.describe())


class ForkFaultInjectionTest(ProgramCase):
    """fail_nth=N fails the N-th allocation of the next fork (init's fork of the
    program). Sweep N = 1, 2, ... until the fork succeeds: every failed fork returns
    ENOMEM or EAGAIN to init, which reports it and carries on to exit 1, and check=vm
    finds nothing leaked; every unwinding label is reached by some N. (The one label
    below which no allocation is made, bad_fork_cleanup_mm, is reached by a bad
    CLONE_SETTLS argument in test_threads.py.)"""

    LABELS = ["bad_fork_cleanup_signal", "bad_fork_cleanup_sighand", "bad_fork_cleanup_fs",
              "bad_fork_cleanup_files", "bad_fork_cleanup_count", "bad_fork_free", "fork_out"]
    OPTIONS = "loglevel=7 check=vm"   # test_tlb_and_cow.py runs the sweep with cow=0 too

    def test_sweep(self):
        reached = set()
        for n in range(1, 200):
            b = boot("/bin/hello", options="fail_nth=%d %s" % (n, self.OPTIONS))
            self.assertEqual(b.violations, 0, b.run.describe())
            self.assertNotIn("Oops", b.run.text)
            labels = set(re.findall(r"^fork: unwind (\w+)", b.output, re.M))
            if b.output.endswith("hello, world\n"):
                self.assertExit(b.run, 0)
                self.assertEqual(labels, set(), b.run.describe())
                break
            with self.subTest(n=n):
                self.assertExit(b.run, 1)
                self.assertRegex(b.output, r"init: fork: (Cannot allocate memory|Resource temporarily unavailable)\n")
                self.assertIn("fork_out", labels)
            reached |= labels
        else:
            self.fail("fork never succeeded")
        self.assertGreater(n, 1)
        self.assertEqual(reached, set(self.LABELS))


class EchoTest(ProgramCase):

    def test_arguments(self):
        # Double quotes on the kernel command line group words, like a shell's.
        for args, out in (("", "\n"), ('a "b  c" d', "a b  c d\n"), ("-n no newline", "no newline"),
                          ("-n -n x", "x"), ("x -n", "x -n\n"), ('""', "\n"), ('a"b c"d', "ab cd\n")):
            with self.subTest(args=args):
                self.assertProgram(boot(("/bin/echo " + args).strip()), out)

    def test_program_name_without_a_slash(self):
        self.assertProgram(boot("echo via bin"), "via bin\n")


class CatTest(ProgramCase):

    def test_motd(self):
        with open(MOTD) as f:
            motd = f.read()
        self.assertProgram(boot("/bin/cat /etc/motd"), motd)
        self.assertProgram(boot("/bin/cat /etc/motd /etc/motd"), motd + motd)

    def test_missing_file_and_directory(self):
        self.assertProgram(boot("/bin/cat /nonexistent/file"),
                           "cat: /nonexistent/file: No such file or directory\n", 1)
        self.assertProgram(boot("/bin/cat /bin"), "cat: /bin: Is a directory\n", 1)
        self.assertProgram(boot("/bin/cat /etc/motd/x"), "cat: /etc/motd/x: Not a directory\n", 1)

    # The host feeds --input from a thread: a byte it pushes in the instant before the
    # kernel switches the UART's FIFOs on (which empties them) is lost. Each input starts
    # with a newline that may go that way; empty lines are not compared.

    def test_stdin_from_the_console(self):
        # Input typed ahead is echoed by the terminal; ^D at the start of a line is EOF.
        with TempDir() as d:
            path = d.write("input", b"\nline 1\nline 2\n\x04")
            b = boot("/bin/cat", stdin_file=path)
        self.assertExit(b.run, 0)
        out = b.output.replace("\n\n", "\n").lstrip("\n")
        self.assertEqual(out.count("line 1\n"), 2, b.run.describe())
        self.assertEqual(out.count("line 2\n"), 2, b.run.describe())
        self.assertEqual(out.replace("line 1\n", "").replace("line 2\n", ""), "", b.run.describe())

    def test_line_editing(self):
        # Backspace erases (the echo rubs it out), ^U kills the line.
        with TempDir() as d:
            path = d.write("input", b"\nabd\x7fc\nxyz\x15ok\n\x04")
            b = boot("/bin/cat", stdin_file=path)
        self.assertExit(b.run, 0)
        self.assertTrue(b.output.endswith("abc\nok\n"), b.run.describe())


class LsTest(ProgramCase):

    def test_listings(self):
        self.assertProgram(boot("/bin/ls /"), "bin\ndev\netc\nproc\ntmp\n")
        self.assertProgram(boot("/bin/ls"), "bin\ndev\netc\nproc\ntmp\n")   # cwd is the root
        self.assertProgram(boot("/bin/ls -a /"), ".\n..\nbin\ndev\netc\nproc\ntmp\n")
        self.assertProgram(boot("/bin/ls /bin"), "".join(n + "\n" for n in BIN))
        self.assertProgram(boot("/bin/ls -a /tmp"), ".\n..\n")
        self.assertProgram(boot("/bin/ls /etc/ /tmp"), "/etc/:\ngroup\nmotd\npasswd\n\n/tmp:\n")
        self.assertProgram(boot("/bin/ls /etc/motd"), "/etc/motd\n")
        self.assertProgram(boot("/bin/ls /bin/../etc/./"), "group\nmotd\npasswd\n")

    def test_errors(self):
        self.assertProgram(boot("/bin/ls /nonexistent"),
                           "ls: cannot access '/nonexistent': No such file or directory\n", 1)


class SleepTest(ProgramCase):

    def guest_ms(self, b):
        s = b.run.stats()
        self.assertIsNotNone(s, b.run.describe())
        return s["guest_ms"]

    def test_sleeps_on_the_virtual_clock(self):
        zero = boot("/bin/sleep 0", extra=("--stats",))
        some = boot("/bin/sleep 0.15", extra=("--stats",))
        for b in (zero, some):
            self.assertEqual(b.output, "", b.run.describe())
            self.assertExit(b.run, 0)
        slept = self.guest_ms(some) - self.guest_ms(zero)
        self.assertGreaterEqual(slept, 150.0)
        self.assertLess(slept, 200.0)

    def test_usage(self):
        for args in ("", "x", "1s", "1 2"):
            with self.subTest(args=args):
                self.assertProgram(boot(("/bin/sleep " + args).strip()), "usage: sleep SECONDS[.FRACTION]\n", 1)


class SegvTest(ProgramCase):

    def test_dies_by_sigsegv_and_the_kernel_carries_on(self):
        b = boot("/bin/segv", options="check=vm")
        self.assertProgram(b, "segv: reading 0xc0000000\n"
                              "init: /bin/segv killed by signal 11 (Segmentation fault)\n", 128 + 11)
        # The process was torn down cleanly: no frame leaked, no invariant broken.
        self.assertEqual(b.violations, 0, b.run.describe())
        self.assertNotIn("Oops", b.run.text)

    def test_the_fault_is_logged_at_loglevel_7(self):
        b = boot("/bin/segv", options="loglevel=7")
        self.assertExit(b.run, 139)
        self.assertRegex(b.output, r"segv\[2\]: segfault at c0000000 ip [0-9a-f]{8} sp [0-9a-f]{8} error 5\n")


class InitTest(ProgramCase):

    def test_no_program(self):
        self.assertProgram(boot(""), "init: no program given\n")

    def test_missing_program(self):
        self.assertProgram(boot("/bin/nonexistent"),
                           "init: cannot run /bin/nonexistent: No such file or directory\n", 127)

    def test_not_an_executable(self):
        self.assertProgram(boot("/bin/notelf"), "init: cannot run /bin/notelf: Exec format error\n", 127)
        self.assertProgram(boot("/etc"), "init: cannot run /etc: Permission denied\n", 127)
        self.assertProgram(boot("/etc/motd"), "init: cannot run /etc/motd: Permission denied\n", 127)

    def test_init_option(self):
        self.assertProgram(boot(options="init=/bin/hello"), "hello, world\n")
        self.assertProgram(boot("a b", options="init=/bin/echo"), "a b\n")
        b = boot(options="init=/bin/nonexistent")
        self.assertEqual(b.output, "init: cannot run /bin/nonexistent: error -2\n", b.run.describe())
        self.assertExit(b.run, 127)

    def test_exit_status_passes_through(self):
        self.assertProgram(boot("/bin/cat /nonexistent"), "cat: /nonexistent: No such file or directory\n", 1)


class LogLevelTest(ProgramCase):

    def test_quiet_by_default_everything_at_7(self):
        quiet = boot("/bin/hello")
        loud = boot("/bin/hello", options="loglevel=7")
        self.assertNotIn("Run /bin/init as init process", quiet.run.lines)
        self.assertIn("Run /bin/init as init process", loud.run.lines)
        self.assertTrue(any(l.startswith("exec: pid 2 /bin/hello") for l in loud.run.lines), loud.run.describe())
        self.assertIn("selfcheck: ok", quiet.run.lines)
        self.assertTrue(any(l.startswith("mem: ") for l in quiet.run.lines))
        self.assertTrue(loud.output.endswith("hello, world\n"), loud.run.describe())


ALL_RUNS = [
    ("/bin/hello", 0), ("/bin/echo x y", 0), ("/bin/cat /etc/motd", 0), ("/bin/cat /nonexistent", 1),
    ("/bin/ls -a /bin", 0), ("/bin/sleep 0.05", 0), ("/bin/memtest", 0), ("/bin/segv", 139),
    ("/bin/pipes", 0), ("/bin/sigtest", 0), ("/bin/exectest", 0), ("/bin/libctest", 0),
    ("/bin/clonetest", 0), ("/bin/notelf", 127),
]


class CheckVmTest(ProgramCase):
    """check=vm verifies the memory invariants after every system call."""

    def test_no_violations_and_the_same_output(self):
        for prog, status in ALL_RUNS:
            with self.subTest(program=prog):
                checked = boot(prog, options="check=vm")
                plain = boot(prog)
                self.assertExit(checked.run, status)
                self.assertIsNotNone(checked.checked, checked.run.describe())
                self.assertGreater(checked.checked, 0)
                self.assertEqual(checked.violations, 0, checked.run.describe())
                self.assertNotIn("check=vm: violation", checked.run.text)
                self.assertEqual(checked.output, plain.output)
                self.assertIsNone(plain.checked)

    def test_small_memory(self):
        b = boot("/bin/memtest", options="check=vm", extra=("--ram", "16"))
        self.assertProgram(b, TRANSCRIPTS["memtest"])
        self.assertEqual(b.violations, 0)


class DeterminismTest(ProgramCase):

    def test_same_run_twice(self):
        a = boot("/bin/sigtest", extra=("--stats",))
        b = boot("/bin/sigtest", extra=("--stats",))
        self.assertEqual(a.run.stdout, b.run.stdout)
        self.assertEqual(a.run.stats()["instructions"], b.run.stats()["instructions"])


# ---- bad input ---------------------------------------------------------------------------

def newc(entries):
    """A cpio "newc" archive of (name, mode, data) entries, with the trailer."""
    out = bytearray()

    def entry(ino, name, mode, data):
        nb = name.encode() + b"\0"
        fields = [ino, mode, 0, 0, 2 if mode & 0o040000 else 1, 0, len(data), 0, 0, 0, 0, len(nb), 0]
        out.extend(b"070701" + b"".join(b"%08X" % f for f in fields) + nb)
        out.extend(b"\0" * (-len(out) % 4))
        out.extend(data)
        out.extend(b"\0" * (-len(out) % 4))

    for i, (name, mode, data) in enumerate(entries, start=1):
        entry(i, name, mode, data)
    entry(0, "TRAILER!!!", 0, b"")
    return bytes(out)


def program_bytes(name):
    if not PROGRAMS_DIR:
        raise unittest.SkipTest("PROGRAMS_DIR is not set (run through meson test)")
    with open(os.path.join(PROGRAMS_DIR, name), "rb") as f:
        return f.read()


def base_entries(*programs):
    entries = [(".", 0o040755, b""), ("bin", 0o040755, b"")]
    for p in ("init",) + programs:
        entries.append(("bin/" + p, 0o100755, program_bytes(p)))
    return entries


def elf_variants():
    """(what, bytes) of files that are not static i386 executables, made from hello."""
    import struct
    good = bytearray(program_bytes("hello"))
    phoff, = struct.unpack_from("<I", good, 28)
    phnum, = struct.unpack_from("<H", good, 44)

    def patched(offset, fmt, value):
        b = bytearray(good)
        struct.pack_into(fmt, b, offset, value)
        return bytes(b)

    def first_load(field, value):
        for i in range(phnum):
            if struct.unpack_from("<I", good, phoff + 32 * i)[0] == 1:
                return patched(phoff + 32 * i + field, "<I", value)
        raise AssertionError("no PT_LOAD")

    return [
        ("empty", b""),
        ("short header", bytes(good[:20])),
        ("64-bit class", patched(4, "<B", 2)),
        ("big endian", patched(5, "<B", 2)),
        ("x86-64 machine", patched(18, "<H", 62)),
        ("shared object", patched(16, "<H", 3)),
        ("bad phentsize", patched(42, "<H", 56)),
        ("no program headers", patched(44, "<H", 0)),
        ("program headers past the end", patched(28, "<I", len(good) - 8)),
        ("segment past the end of the file", first_load(16, 0x7fffffff)),
        ("filesz above memsz", first_load(20, 1)),
        ("segment in the kernel half", first_load(8, 0xC0000000)),
        ("misaligned segment", first_load(4, 0x123)),
        ("interpreter", patched(phoff, "<I", 3)),
        ("text", b"#!/bin/sh\necho hi\n"),
    ]


class BadInputTest(ProgramCase):

    def test_corrupt_initramfs_is_reported_and_the_rest_runs(self):
        entries = base_entries("hello", "echo")
        archive = newc(entries)
        with TempDir() as d:
            # Garbage: not an archive at all; the kernel says so and stops cleanly.
            b = boot("/bin/hello", initrd=d.write("garbage", bytes(range(256)) * 16))
            self.assertExit(b.run, 0)
            self.assertIn("initramfs: corrupt archive at offset 0: bad magic (not a cpio newc header)",
                          b.run.lines)
            self.assertIn("init: no usable initramfs, nothing to run", b.run.lines)
            # Cut inside the last file: what came before is still there.
            cut = archive[:len(archive) - 200]
            b = boot("/bin/hello", initrd=d.write("cut", cut))
            self.assertExit(b.run, 0)
            self.assertRegex(b.output, r"^initramfs: corrupt archive at offset \d+: data runs past the end "
                                       r"of the archive\nhello, world\n\Z")
            # A header field that is not hexadecimal, in the middle.
            bad = newc(entries[:3] + [("bin/x", 0o100644, b"data")] + entries[3:])
            pos = bad.index(b"bin/x") - 110
            bad = bad[:pos + 6 + 8] + b"zzzzzzzz" + bad[pos + 6 + 16:]
            b = boot("/bin/init", initrd=d.write("hex", bad))
            self.assertExit(b.run, 0)
            self.assertRegex(b.output, r"^initramfs: corrupt archive at offset \d+: a header field is not "
                                       r"hexadecimal\ninit: no program given\n\Z")
            # No trailer.
            b = boot("/bin/hello", initrd=d.write("notrailer", archive[:archive.rindex(b"070701")]))
            self.assertExit(b.run, 0)
            self.assertRegex(b.output, r"^initramfs: corrupt archive at offset \d+: no TRAILER!!! entry\n"
                                       r"hello, world\n\Z")

    def test_files_that_are_not_executables(self):
        entries = base_entries("hello")
        variants = elf_variants()
        for i, (what, data) in enumerate(variants):
            entries.append(("bin/bad%d" % i, 0o100755, data))
        entries.append(("bin/noexec", 0o100644, program_bytes("hello")))
        with TempDir() as d:
            path = d.write("bad.cpio", newc(entries))
            for i, (what, data) in enumerate(variants):
                with self.subTest(file=what):
                    b = boot("/bin/bad%d" % i, options="check=vm", initrd=path)
                    self.assertEqual(b.output, "init: cannot run /bin/bad%d: Exec format error\n" % i,
                                     b.run.describe())
                    self.assertExit(b.run, 127)
                    self.assertEqual(b.violations, 0)
            b = boot("/bin/noexec", initrd=path)
            self.assertProgram(b, "init: cannot run /bin/noexec: Permission denied\n", 127)
            # The good one, from the same archive, still runs.
            self.assertProgram(boot("/bin/hello", initrd=path), "hello, world\n")


# ---- programs compiled for the test with forkscope cc ------------------------------------

SWEEP_C = r"""
/* Every system call number with garbage arguments: kernel addresses, unmapped user
 * addresses, huge values. The kernel must answer each with a result or a clear errno,
 * never crash. Calls that would end or replace this process are left out. */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

static const unsigned long patterns[] = { 0xC0000000UL, 0xFFFFFFFFUL, 0x1000UL, 0xDEADBEEFUL, 0xBFFF0000UL };

static int skipped(long nr)
{
	switch (nr) {
	case 1: case 252:            /* exit, exit_group */
	case 2: case 120: case 190:  /* fork, clone, vfork: would make children */
	case 11:                     /* execve */
	case 119: case 173:          /* sigreturn, rt_sigreturn: restore garbage registers */
	case 29: case 72:            /* pause, sigsuspend: wait for a signal, by design */
	case 82:                     /* old select: its argument block may be readable stack (no fds, no timeout: waits forever) */
	case 162:                    /* nanosleep: so may its timespec, a valid sleep of years (uname writes "Linux" there) */
		return 1;
	}
	return 0;
}

int main(void)
{
	int calls = 0, weird = 0;
	for (long nr = 0; nr < 451; nr++) {
		if (skipped(nr))
			continue;
		for (unsigned i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
			unsigned long p = patterns[i];
			long r = syscall(nr, p, p, p, p, p, p);
			calls++;
			if (r == -1 && (errno <= 0 || errno >= 4096))
				weird++;
		}
	}
	static const long out_of_range[] = { -1, 451, 1000, 0x7fffffff, (long)0x80000000UL };
	for (unsigned i = 0; i < sizeof(out_of_range) / sizeof(out_of_range[0]); i++) {
		calls++;
		if (syscall(out_of_range[i], 0, 0, 0, 0, 0, 0) != -1 || errno != 38)
			weird++;
	}
	printf("sweep: %d calls, %d without a clear result\n", calls, weird);
	return weird ? 1 : 0;
}
"""

EXECLIMITS_C = r"""
/* execve's limits and errors, inside the guest. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int failures;

static void expect(const char *what, int r, int want)
{
	int ok = r == -1 && errno == want;
	printf("execlimits: %s: %s\n", what, ok ? "ok" : "FAIL");
	if (!ok) {
		printf("execlimits: (got %d, errno %d)\n", r, errno);
		failures++;
	}
}

int main(int argc, char **argv)
{
	char *envp[] = { NULL };
	if (argc > 1) { /* re-executed with a large argument: it arrived whole */
		size_t n = strlen(argv[1]);
		printf("execlimits: a %u-byte argument arrived: %s\n", (unsigned)n, n == 100000 ? "ok" : "FAIL");
		return n == 100000 ? 0 : 1;
	}
	char *big = malloc(200 * 1024);
	memset(big, 'x', 200 * 1024 - 1);
	big[200 * 1024 - 1] = 0;
	char *one[] = { "echo", big, NULL };
	expect("one 200 KiB argument: E2BIG", execve("/bin/echo", one, envp), E2BIG);

	static char *many[50001];
	many[0] = "echo";
	for (int i = 1; i < 50000; i++)
		many[i] = "ab";
	expect("50000 small arguments: E2BIG", execve("/bin/echo", many, envp), E2BIG);
	expect("environment over the limit: E2BIG", execve("/bin/echo", one + 2, one), E2BIG);

	char *badarg[] = { "echo", (char *)0xC0000000, NULL };
	expect("an argument in the kernel half: EFAULT", execve("/bin/echo", badarg, envp), EFAULT);
	expect("argv itself unmapped: EFAULT", execve("/bin/echo", (char **)0x1000, envp), EFAULT);
	expect("path unmapped: EFAULT", execve((char *)0x1000, one + 2, envp), EFAULT);
	char *longpath = malloc(5000);
	memset(longpath, 'a', 4999);
	longpath[0] = '/';
	longpath[4999] = 0;
	expect("path of 5000 bytes: ENAMETOOLONG", execve(longpath, one + 2, envp), ENAMETOOLONG);
	expect("missing file: ENOENT", execve("/bin/nothing", one + 2, envp), ENOENT);
	expect("a directory: EACCES", execve("/bin", one + 2, envp), EACCES);
	expect("not an ELF: ENOEXEC", execve("/bin/notelf", one + 2, envp), ENOEXEC);
	expect("through a file: ENOTDIR", execve("/bin/notelf/x", one + 2, envp), ENOTDIR);
	if (failures)
		return 1;

	big[100000] = 0;
	char *again[] = { argv[0], big, NULL };
	fflush(stdout);
	execve(argv[0], again, envp);
	printf("execlimits: re-exec: %s\n", strerror(errno));
	return 1;
}
"""


FEATURES_C = r"""/* Kernel features one process can check alone, with their Linux errors. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static int failures;
static void check(int ok, const char *what)
{
	printf("features: %s: %s\n", what, ok ? "ok" : "FAIL");
	if (!ok)
		failures++;
}

static volatile int usr1, segvs;
static void on_usr1(int s) { (void)s; usr1++; }

/* 1 KiB frames, so the stack must grow well past its first pages. */
static int depth(int n)
{
	volatile char buf[1024];
	buf[0] = (char)(n & 0x7f);
	buf[1023] = buf[0];
	return n ? depth(n - 1) + buf[1023] : 0;
}

int main(void)
{
	/* sigsuspend: a blocked pending signal is taken inside, the mask comes back. */
	signal(SIGUSR1, on_usr1);
	sigset_t block, empty, now;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigemptyset(&empty);
	sigprocmask(SIG_BLOCK, &block, NULL);
	raise(SIGUSR1);
	int r = sigsuspend(&empty);
	sigprocmask(SIG_BLOCK, NULL, &now);
	check(r == -1 && errno == EINTR && usr1 == 1 && sigismember(&now, SIGUSR1) == 1,
	      "sigsuspend takes the pending signal, EINTR, mask restored");
	sigprocmask(SIG_UNBLOCK, &block, NULL);

	/* PROT_NONE keeps the data. */
	char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	strcpy(p, "kept");
	check(mprotect(p, 8192, PROT_NONE) == 0 && mprotect(p, 8192, PROT_READ) == 0 && strcmp(p, "kept") == 0,
	      "PROT_NONE and back keeps the page");
	check(mprotect(p + 1, 10, PROT_READ) == -1 && errno == EINVAL, "mprotect unaligned: EINVAL");
	check(munmap(p, 8192) == 0 && mprotect(p, 4096, PROT_READ) == -1 && errno == ENOMEM,
	      "mprotect of an unmapped range: ENOMEM");

	/* File mappings. */
	int fd = open("/etc/motd", O_RDONLY);
	char *m = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	check(m != MAP_FAILED && strncmp(m, "Welcome", 7) == 0, "read-only file mapping");
	char *w = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	w[0] = 'X';
	check(w[0] == 'X' && m[0] == 'W', "private writable file mapping is private");
	check(mprotect(m, 4096, PROT_READ | PROT_WRITE) == 0 && (m[1] = 'Z', m[1] == 'Z'),
	      "a read-only file page made writable gets its own copy");
	char buf[8];
	lseek(fd, 0, SEEK_SET);
	check(read(fd, buf, 7) == 7 && strncmp(buf, "Welcome", 7) == 0, "the file itself is unchanged");
	check(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED && errno == EACCES,
	      "shared writable mapping of a read-only file: EACCES");
	struct stat st;
	check(fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0, "fstat of a file");
	check(ioctl(fd, TCGETS, &st) == -1 && errno == ENOTTY, "TCGETS on a file: ENOTTY");
	close(fd);

	/* The console. */
	struct termios t;
	struct winsize ws;
	check(tcgetattr(1, &t) == 0 && (t.c_lflag & ICANON) && ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_col == 80,
	      "console termios and window size");
	check(isatty(0) && fstat(0, &st) == 0 && S_ISCHR(st.st_mode), "stdin is a character device");

	/* The stack grows on demand (1 MiB of frames). */
	int want = 0;
	for (int i = 1; i <= 1000; i++)
		want += i & 0x7f;
	check(depth(1000) == want, "stack grows to 1 MiB");

	/* Directories. */
	char cwd[64];
	check(chdir("/bin") == 0 && getcwd(cwd, sizeof(cwd)) && strcmp(cwd, "/bin") == 0 &&
	      chdir("..") == 0 && getcwd(cwd, sizeof(cwd)) && strcmp(cwd, "/") == 0,
	      "chdir, getcwd, relative paths");
	fd = open("/tmp/new", O_CREAT | O_WRONLY, 0644);
	check(fd >= 0 && write(fd, "new", 3) == 3 && close(fd) == 0 && unlink("/tmp/new") == 0,
	      "creating, writing and removing a file in /tmp");
	fd = open("/etc/motd", O_RDWR);
	check(fd >= 0 && close(fd) == 0, "opening a file of the archive for writing");

	/* Clocks. */
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	struct timespec d = { 0, 30 * 1000 * 1000 };
	nanosleep(&d, NULL);
	clock_gettime(CLOCK_MONOTONIC, &b);
	long ns = (b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec);
	check(ns >= 30000000 && ns < 60000000, "nanosleep 30 ms on the monotonic clock");
	check(time(NULL) >= 1000000000 && time(NULL) < 1000000100, "time() follows the CMOS clock");
	struct utsname u;
	check(uname(&u) == 0 && strcmp(u.machine, "i686") == 0, "uname");
	check(getppid() == 1 && getpid() == 2, "init (pid 1) forked us as pid 2");

	printf("features: %s\n", failures ? "FAILED" : "all ok");
	return failures != 0;
}
"""


def have_cc():
    return bool(FORKSCOPE) and shutil.which("gcc") is not None and shutil.which("ld") is not None


class CompiledPrograms(ProgramCase):
    """Programs built with forkscope cc and put into an archive of our own (no tests
    here: other files' test cases derive from it too)."""

    def build(self, d, name, source):
        if not have_cc():
            self.skipTest("forkscope cc needs gcc and ld on the host")
        src = d.write(name + ".c", source.encode())
        out = d.path(name)
        r = subprocess.run([FORKSCOPE, "cc", src, "-o", out, "-Wno-error"], capture_output=True, text=True,
                           timeout=RUN_TIMEOUT)
        if r.returncode != 0:
            self.skipTest("forkscope cc could not build %s: %s" % (name, r.stderr.strip()[:300]))
        with open(out, "rb") as f:
            return f.read()

    def archive(self, d, name, data):
        with open(MOTD, "rb") as f:
            motd = f.read()
        entries = base_entries("echo") + [("bin/notelf", 0o100755, program_bytes("notelf")),
                                          ("bin/" + name, 0o100755, data), ("etc", 0o040755, b""),
                                          ("etc/motd", 0o100644, motd), ("tmp", 0o041777, b"")]
        return d.write(name + ".cpio", newc(entries))


class CompiledProgramTest(CompiledPrograms):

    def test_garbage_system_call_arguments(self):
        with TempDir() as d:
            path = self.archive(d, "sweep", self.build(d, "sweep", SWEEP_C))
            # 32 MiB: check=vm walks every frame after each of the ~2000 calls.
            b = boot("/bin/sweep", options="check=vm", initrd=path, extra=("--ram", "32"), timeout=300)
        self.assertExit(b.run, 0)
        self.assertRegex(b.output, r"^sweep: \d+ calls, 0 without a clear result\n\Z")
        self.assertEqual(b.violations, 0, b.run.describe())
        self.assertNotIn("Oops", b.run.text)

    def test_kernel_features(self):
        with TempDir() as d:
            path = self.archive(d, "features", self.build(d, "features", FEATURES_C))
            b = boot("/bin/features", options="check=vm", initrd=path)
        self.assertExit(b.run, 0)
        self.assertNotIn("FAIL", b.output)
        self.assertTrue(b.output.endswith("features: all ok\n"), b.run.describe())
        self.assertEqual(b.violations, 0, b.run.describe())

    def test_exec_limits_and_errors(self):
        with TempDir() as d:
            path = self.archive(d, "execlimits", self.build(d, "execlimits", EXECLIMITS_C))
            b = boot("/bin/execlimits", options="check=vm", initrd=path)
        self.assertExit(b.run, 0)
        self.assertNotIn("FAIL", b.output)
        self.assertTrue(b.output.endswith("execlimits: a 100000-byte argument arrived: ok\n"), b.run.describe())
        self.assertEqual(b.output.count(": ok\n"), 12, b.run.describe())
        self.assertEqual(b.violations, 0, b.run.describe())


if __name__ == "__main__":
    unittest.main()

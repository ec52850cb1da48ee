"""forkscope run PROGRAM ARGS, forkscope run --list, users' own programs and forkscope cc.

What runs today: listing the image, every refusal before the machine boots (unknown
program, a user file that is not a static i386 ELF, a bad --append), arguments the kernel
command line cannot carry (they go in a file), and forkscope cc building programs that
run natively on the host.

What waits for the guest kernel (guestkernel issue 3: init from the initramfs): the
program's output through the emulator, exit statuses, 128+N for a signal, and the users'
loop (forkscope cc, forkscope run ./prog, the same binary natively). Those tests probe
the kernel once (`forkscope run hello` must print "hello, world") and skip with a
message until it does; programs that fork also probe fork. They start running by
themselves when the kernel lands.

meson passes FORKSCOPE, KERNEL and PROGRAMS_DIR (build/images/programs). Python 3 stdlib only.
"""

import os
import shutil
import subprocess
import tempfile
import unittest

from forkscope_testlib import (EXIT_BAD_IMAGE, EXIT_USAGE, FORKSCOPE, KERNEL, RUN_TIMEOUT,
                               ForkscopeTestCase, HungError, Run, TempDir, elf64, forkscope, run_native)

PROGRAMS_DIR = os.environ.get("PROGRAMS_DIR", "")
RTC = "1000000000"  # fixed, so that runs are reproducible
EXIT_HOST = 4       # forkscope cc without the host tools it needs

BUILT_IN = ["cat", "echo", "exectest", "hello", "init", "libctest", "ls", "memtest", "pipes", "segv", "sigtest",
            "sh", "sleep", "vforktest", "forkbomb", "orphans", "waittest", "forkexec"]

# printf with a 64-bit number (libgcc's division helpers), a computation, the arguments
# and an exit status: everything a user's first program exercises.
COMPUTE_C = r"""
#include <stdio.h>
#include <string.h>

static unsigned long long fib(int n)
{
	unsigned long long a = 0, b = 1;
	while (n-- > 0) {
		unsigned long long t = a + b;
		a = b;
		b = t;
	}
	return a;
}

int main(int argc, char **argv)
{
	long squares = 0;
	for (int i = 1; i <= 1000; i++)
		squares += (long)i * i;
	printf("fib(90) = %llu\n", fib(90));
	printf("sum of squares 1..1000 = %ld\n", squares);
	for (int i = 1; i < argc; i++)
		printf("argv[%d] = [%s] (%d bytes)\n", i, argv[i], (int)strlen(argv[i]));
	return 7;
}
"""
COMPUTE_OUT = "fib(90) = 2880067194370816120\nsum of squares 1..1000 = 333833500\n"

EXIT_C = r"""
#include <stdlib.h>
int main(int argc, char **argv) { return argc > 1 ? atoi(argv[1]) : 0; }
"""

SEGV_C = r"""
#include <stdio.h>
int main(void)
{
	printf("about to fault\n");
	fflush(stdout);
	*(volatile int *)0 = 1;
	return 0;
}
"""

# The README's loop, without pids (they differ between the guest and the host).
FORK_C = r"""
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	int x = 1;
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		x = 2;
		printf("child: x = %d\n", x);
		return 3;
	}
	int status;
	waitpid(pid, &status, 0);
	printf("parent: x = %d, child exit status %d\n", x, WEXITSTATUS(status));
	return 0;
}
"""
FORK_OUT = "child: x = 2\nparent: x = 1, child exit status 3\n"

# Users' programs that print and end the same in the guest and natively: name -> (source,
# arguments, output, exit status as init reports it).
USERS_PROGRAMS = {
    "compute": (COMPUTE_C, ("one", "two words", ""),
                COMPUTE_OUT + "argv[1] = [one] (3 bytes)\nargv[2] = [two words] (9 bytes)\nargv[3] = [] (0 bytes)\n", 7),
    "fault": (SEGV_C, (), "about to fault\n", 128 + 11),
    "forkdemo": (FORK_C, (), FORK_OUT, 0),
}

# Built-in programs the same way: (name, arguments, output, exit status).
BUILT_IN_RUNS = [
    ("hello", (), "hello, world\n", 0),
    ("echo", ("x", "y z"), "x y z\n", 0),
    ("segv", (), "segv: reading 0xc0000000\n", 128 + 11),
]
ECHO_ARGS = ("-n", "a b", "", "tab\there", "ls | cat", "$HOME", "--stats", "--")
ECHO_OUT = "a b  tab\there ls | cat $HOME --stats --"

UTIL_C = "int twice(int x) { return 2 * x; }\n"
MAIN_USES_UTIL_C = r"""
#include <stdio.h>
int twice(int x);
int main(void) { printf("twice(21) = %d\n", twice(21)); return 0; }
"""


def run_in(argv, cwd=None, env_extra=None, timeout=RUN_TIMEOUT):
    """Runs argv (stdin closed) like forkscope_testlib.run_command, with a cwd and extra
    environment variables."""
    env = dict(os.environ)
    env.update(env_extra or {})
    try:
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout, cwd=cwd, env=env)
    except subprocess.TimeoutExpired as e:
        raise HungError("hung: %s did not finish within %s s (killed)\nstderr so far:\n%s" % (
            " ".join(argv), timeout, (e.stderr or b"").decode("utf-8", "replace")))
    return Run(argv, p.returncode, p.stdout, p.stderr)


def native_status(run):
    """A native run's status the way init reports it: 128 + N for signal N."""
    return 128 - run.returncode if run.returncode < 0 else run.returncode


class CcWorkspace:
    """A temporary folder with its own XDG_CACHE_HOME, so forkscope cc leaves nothing in
    the user's home."""

    def __init__(self):
        self._td = tempfile.TemporaryDirectory(prefix="forkscope-cc-")
        self.dir = self._td.name
        self.cache = os.path.join(self.dir, "cache")

    def cleanup(self):
        self._td.cleanup()

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def path(self, name):
        return os.path.join(self.dir, name)

    def cc(self, *args, cwd=None, env_extra=None):
        if not FORKSCOPE:
            raise unittest.SkipTest("FORKSCOPE is not set (run through meson test)")
        env = {"XDG_CACHE_HOME": self.cache}
        env.update(env_extra or {})
        return run_in([FORKSCOPE, "cc", *args], cwd=cwd or self.dir, env_extra=env)


def have_host_gcc_m32():
    return shutil.which("gcc") is not None and shutil.which("ld") is not None


# ---- does the guest kernel run programs yet? -------------------------------------------

_probe = {}


def kernel_runs_programs():
    """(True, None) once `forkscope run hello` prints "hello, world" and exits 0;
    otherwise (False, why). Asked once per test run."""
    if "programs" not in _probe:
        run = forkscope("--rtc-time", RTC, "hello")
        ok = run.returncode == 0 and "hello, world" in run.lines
        _probe["programs"] = (ok, None if ok else
                              "the guest kernel does not run programs yet (guestkernel issue 3): "
                              "`forkscope run hello` exited %d without printing 'hello, world'" % run.returncode)
    return _probe["programs"]


def require_programs():
    ok, why = kernel_runs_programs()
    if not ok:
        raise unittest.SkipTest(why)


def require_fork(ws):
    """Skips unless fork works in the guest (the fork issue)."""
    require_programs()
    if "fork" not in _probe:
        src = ws.write("forkprobe.c", FORK_C)
        built = ws.cc(src, "-o", ws.path("forkprobe"))
        if built.returncode != 0:
            raise AssertionError("forkscope cc could not build the fork probe\n" + built.describe())
        run = forkscope("--rtc-time", RTC, ws.path("forkprobe"))
        ok = run.returncode == 0 and "child: x = 2" in run.lines
        _probe["fork"] = (ok, None if ok else "fork does not work in the guest kernel yet (the fork issue): "
                                              "the probe exited %d, ending: %s" % (run.returncode, " | ".join(run.lines[-2:])))
    ok, why = _probe["fork"]
    if not ok:
        raise unittest.SkipTest(why)


# ---- forkscope run --list ----------------------------------------------------------------

def newc(entries):
    """A cpio newc archive of (name, mode, data) entries plus the trailer."""
    out = bytearray()
    for ino, (name, mode, data) in enumerate(entries + [("TRAILER!!!", 0, b"")], start=1):
        raw = name.encode() + b"\0"
        fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(raw), 0]
        out += b"070701" + b"".join(b"%08X" % f for f in fields) + raw
        out += b"\0" * (-len(out) % 4)
        out += data + b"\0" * (-len(data) % 4)
    return bytes(out)


class ListTest(ForkscopeTestCase):

    def test_list_prints_the_programs_in_bin_sorted(self):
        run = forkscope("--list")
        self.assertExit(run, 0)
        self.assertEqual(run.stderr, "")
        for name in BUILT_IN:
            self.assertIn(name, run.lines)
        self.assertEqual(run.lines, sorted(run.lines))
        self.assertNotIn("motd", run.lines)  # etc/motd is not a program
        self.assertFalse(any("/" in l for l in run.lines), run.describe())

    def test_list_does_not_boot(self):
        run = forkscope("--list")
        self.assertNotIn("forkscope kernel", run.text)

    def test_list_with_a_kernel_option_uses_the_built_in_initramfs(self):
        # --kernel alone boots no modules (as qemu -kernel); a program or --list still
        # needs an image, and gets the built-in one.
        if not KERNEL:
            self.skipTest("KERNEL is not set (run through meson test)")
        run = forkscope("--kernel", KERNEL, "--list")
        self.assertExit(run, 0)
        self.assertIn("hello", run.lines)
        self.assertErrorLine(forkscope("--kernel", KERNEL, "nosuch"), EXIT_USAGE, "no program 'nosuch'")

    def test_list_reads_the_initrd_given(self):
        with TempDir() as d:
            path = d.write("mine.cpio", newc([("bin", 0o40755, b""), ("bin/zz", 0o100755, b"x"),
                                              ("./bin/aa", 0o100755, b"y"), ("bin/sub", 0o40755, b""),
                                              ("etc/motd", 0o100644, b"hi")]))
            run = forkscope("--initrd", path, "--list")
        self.assertExit(run, 0)
        self.assertEqual(run.lines, ["aa", "zz"])

    def test_list_with_a_corrupt_initrd_is_one_clear_line(self):
        good = newc([("bin/hello", 0o100755, b"x" * 100)])
        cases = {
            "not a cpio": b"hello, world\n" * 20,
            "truncated": good[:150],
            "no trailer": good[:-124],
            "bad size": good[:54] + b"FFFFFFFF" + good[62:],
        }
        for what, data in cases.items():
            with self.subTest(what), TempDir() as d:
                path = d.write("bad.cpio", data)
                run = forkscope("--initrd", path, "--list")
                self.assertErrorLine(run, EXIT_BAD_IMAGE, "bad.cpio", "cpio")

    def test_list_takes_no_program(self):
        self.assertErrorLine(forkscope("--list", "hello"), EXIT_USAGE, "--list")


# ---- refusals before the machine boots --------------------------------------------------

class UnknownProgramTest(ForkscopeTestCase):

    def test_unknown_program_is_a_usage_error(self):
        run = forkscope("nosuchprogram", "arg")
        line = self.assertErrorLine(run, EXIT_USAGE, "no program 'nosuchprogram' in the image", "--list")
        self.assertEqual(line, "forkscope: no program 'nosuchprogram' in the image (forkscope run --list shows them)")
        self.assertEqual(run.stdout, b"", "nothing boots")

    def test_names_of_subcommands_and_files_outside_bin_are_not_programs(self):
        for name in ("cc", "run", "motd", "bin", ".", ".."):
            with self.subTest(name=name):
                self.assertErrorLine(forkscope(name), EXIT_USAGE, "no program")

    def test_an_option_where_the_program_goes(self):
        self.assertErrorLine(forkscope("--no-such-option", "hello"), EXIT_USAGE, "--no-such-option")

    def test_program_lookup_uses_the_initrd_given(self):
        with TempDir() as d:
            path = d.write("mine.cpio", newc([("bin/only", 0o100755, b"x")]))
            self.assertErrorLine(forkscope("--initrd", path, "hello"), EXIT_USAGE, "no program 'hello'")


class UserFileRefusedTest(ForkscopeTestCase):
    """A host file (PROGRAM with a '/') that is not a static i386 ELF: exit 3, one line
    that names the file and the problem, and the machine never boots."""

    def refused(self, path, *needles):
        run = forkscope(path, "arg")
        line = self.assertErrorLine(run, EXIT_BAD_IMAGE, path, *needles)
        self.assertEqual(run.stdout, b"", "nothing boots\n" + run.describe())
        return line

    def test_text_file(self):
        with TempDir() as d:
            self.refused(d.write("notes.txt", b"just some text\n"), "is not an ELF file")

    def test_empty_file(self):
        with TempDir() as d:
            self.refused(d.write("empty", b""), "is not an ELF file")

    def test_script(self):
        with TempDir() as d:
            self.refused(d.write("run.sh", b"#!/bin/sh\necho hi\n"), "script")

    def test_host_64_bit_program(self):
        path = shutil.which("true") or "/bin/true"
        if not os.path.exists(path):
            self.skipTest("no true(1) on this host")
        self.refused(os.path.realpath(path), "is a 64-bit ELF", "forkscope cc")

    def test_crafted_64_bit_elf(self):
        with TempDir() as d:
            self.refused(d.write("prog64", elf64(b"\x90" * 16, paddr=0x400000)), "64-bit")

    def test_dynamic_i386_program(self):
        if not have_host_gcc_m32():
            self.skipTest("no gcc/ld on this host")
        with TempDir() as d:
            src = d.write("dyn.c", b"int main(void) { return 0; }\n")
            out = d.path("dyn")
            # With the host's 32-bit C library (libc6-dev-i386), or without any libc:
            # both are PIE executables with an interpreter (Debian's gcc default).
            for extra in ([], ["-nostdlib", "-e", "main"]):
                built = run_in(["gcc", "-m32", *extra, src, "-o", out])
                if built.returncode == 0:
                    break
            else:
                self.skipTest("gcc -m32 cannot link a dynamic i386 program here:\n" + built.stderr)
            line = self.refused(out, "dynamically linked (has PT_INTERP)", "forkscope cc prog.c -o prog",
                                "gcc -m32 -static prog.c -o prog")
            # Each of the hint's commands, as written, makes a program that runs.
            commands = line.split("build a static program: ", 1)[1].split(", or ")
            self.assertEqual(len(commands), 2, line)
            require_programs()
            for command in commands:
                words = [{"prog.c": src, "prog": d.path("prog")}.get(w, w) for w in command.split()]
                if words[:2] == ["forkscope", "cc"]:
                    ws = CcWorkspace()
                    try:
                        self.assertExit(ws.cc(*words[2:]), 0)
                    finally:
                        ws.cleanup()
                else:
                    self.assertEqual(words[:3], ["gcc", "-m32", "-static"])
                    self.assertEqual(run_in(words).returncode, 0, command)
                self.assertExit(forkscope("--rtc-time", RTC, d.path("prog")), 0)
                os.unlink(d.path("prog"))

    def test_object_file(self):
        ws = CcWorkspace()
        try:
            src = ws.write("obj.c", "int f(void) { return 1; }\n")
            built = ws.cc("-c", src, "-o", ws.path("obj.o"))
            self.assertExit(built, 0)
            self.refused(ws.path("obj.o"), "object file")
        finally:
            ws.cleanup()

    def test_missing_file_and_directory(self):
        with TempDir() as d:
            self.assertErrorLine(forkscope(d.path("missing")), EXIT_BAD_IMAGE, "cannot open program", "missing")
            os.mkdir(d.path("dir"))
            self.assertErrorLine(forkscope(d.path("dir")), EXIT_BAD_IMAGE, "not a regular file")
            self.assertErrorLine(forkscope(d.path("dir") + "/"), EXIT_USAGE, "directory")

    def test_a_user_program_named_init(self):
        with TempDir() as d:
            path = d.write("init", b"\x7fELF whatever")
            self.assertErrorLine(forkscope(path), EXIT_USAGE, "would replace the image's /bin/init")

    def test_user_file_with_a_corrupt_initrd(self):
        if not PROGRAMS_DIR:
            self.skipTest("PROGRAMS_DIR is not set (run through meson test)")
        with TempDir() as d:
            bad = d.write("bad.cpio", b"\0" * 400)
            self.assertErrorLine(forkscope("--initrd", bad, os.path.join(PROGRAMS_DIR, "hello")), EXIT_BAD_IMAGE,
                                 "bad.cpio")


class ArgumentTest(ForkscopeTestCase):
    """What the kernel command line cannot carry goes to init in a file of the initramfs
    (tests/integration/test_program_args.py has the byte-exact checks); what is wrong
    with --append itself is refused with exit 2 before booting."""

    def test_double_quote_and_newline(self):
        require_programs()
        run = forkscope("--rtc-time", RTC, "echo", "fine", 'say "hi"', "two\nlines")
        self.assertExit(run, 0)
        self.assertEqual(run.text, 'fine say "hi" two\nlines\n')

    def test_quote_in_a_user_program_name(self):
        require_programs()
        if not PROGRAMS_DIR:
            self.skipTest("PROGRAMS_DIR is not set (run through meson test)")
        with TempDir() as d:
            path = d.path('a"b')
            shutil.copyfile(os.path.join(PROGRAMS_DIR, "hello"), path)
            run = forkscope("--rtc-time", RTC, path)
            self.assertExit(run, 0)
            self.assertEqual(run.lines, ["hello, world"])

    def test_more_than_the_command_line_holds(self):
        require_programs()
        run = forkscope("--rtc-time", RTC, "echo", "x" * 1500, "y" * 1000)
        self.assertExit(run, 0)
        self.assertEqual(run.lines, ["x" * 1500 + " " + "y" * 1000])
        run = forkscope("--rtc-time", RTC, "echo", *(["w"] * 128))
        self.assertExit(run, 0)
        self.assertEqual(run.lines, [" ".join(["w"] * 128)])

    def test_long_append_with_a_program(self):
        self.assertErrorLine(forkscope("--append", "a" * 3000, "echo", 'x"'), EXIT_USAGE, "at most 2048")

    def test_append_with_the_mark(self):
        self.assertErrorLine(forkscope("--append", "loglevel=7 -- x", "echo"), EXIT_USAGE, "--append", "'--'")

    def test_long_append_alone(self):
        self.assertErrorLine(forkscope("--append", "a" * 3000), EXIT_USAGE, "2048")

    def test_accepted_arguments_boot(self):
        # Blanks, empty words, shell characters and options after PROGRAM are the
        # program's; they reach the kernel command line (quoted where needed).
        run = forkscope("--rtc-time", RTC, "--max-instructions", "400000000",
                        "echo", "-n", "a b", "", "ls | cat", "--stats")
        self.assertNotIn(run.returncode, (EXIT_USAGE, EXIT_BAD_IMAGE), run.describe())
        self.assertFalse(any(l.startswith("forkscope:") for l in run.stderr_lines), run.describe())
        self.assertFalse(any(l.startswith("stats:") for l in run.stderr_lines), "--stats after PROGRAM is echo's")
        cmdline = [l for l in run.lines if l.startswith("cmdline: ")]
        if cmdline:  # the kernel prints its command line at boot (today, or with loglevel)
            self.assertEqual(cmdline[0], 'cmdline: -- /bin/echo -n "a b" "" "ls | cat" --stats')

    def test_double_dash_before_the_program(self):
        run = forkscope("--rtc-time", RTC, "--max-instructions", "400000000", "--", "echo", "--stats")
        self.assertNotIn(run.returncode, (EXIT_USAGE, EXIT_BAD_IMAGE), run.describe())
        self.assertFalse(any(l.startswith("stats:") for l in run.stderr_lines), run.describe())
        cmdline = [l for l in run.lines if l.startswith("cmdline: ")]
        if cmdline:
            self.assertEqual(cmdline[0], "cmdline: -- /bin/echo --stats")


# ---- forkscope cc (works today: the results run natively) -------------------------------

@unittest.skipUnless(have_host_gcc_m32(), "forkscope cc needs gcc and ld on the host")
class CcTest(ForkscopeTestCase):

    def setUp(self):
        self.ws = CcWorkspace()

    def tearDown(self):
        self.ws.cleanup()

    def test_compiles_a_program_that_runs_natively(self):
        src = self.ws.write("compute.c", COMPUTE_C)
        built = self.ws.cc(src, "-o", self.ws.path("compute"))
        self.assertExit(built, 0)
        self.assertEqual(built.stderr, "")
        with open(self.ws.path("compute"), "rb") as f:
            head = f.read(20)
        self.assertEqual(head[:4], b"\x7fELF")
        self.assertEqual(head[4], 1, "ELF32")
        self.assertEqual(int.from_bytes(head[16:18], "little"), 2, "ET_EXEC")
        self.assertEqual(int.from_bytes(head[18:20], "little"), 3, "EM_386")
        native = run_native(self.ws.path("compute"), "one", "two words")
        self.assertEqual(native.returncode, 7, native.describe())
        self.assertEqual(native.text, COMPUTE_OUT + "argv[1] = [one] (3 bytes)\nargv[2] = [two words] (9 bytes)\n")

    def test_works_from_any_folder_and_caches_the_libc_once(self):
        src = self.ws.write("compute.c", COMPUTE_C)
        os.mkdir(self.ws.path("elsewhere"))
        for out in ("a", "b"):
            built = self.ws.cc(src, "-o", self.ws.path(out), cwd=self.ws.path("elsewhere"))
            self.assertExit(built, 0)
        entries = os.listdir(os.path.join(self.ws.cache, "forkscope"))
        self.assertEqual(len(entries), 1, entries)
        self.assertRegex(entries[0], r"^libc-[0-9a-f]{16}$")
        libc = os.path.join(self.ws.cache, "forkscope", entries[0])
        for rel in ("include/stdio.h", "include/sys/wait.h", "lib/libc.a", "lib/crt0.o"):
            self.assertTrue(os.path.isfile(os.path.join(libc, rel)), rel)
        with open(self.ws.path("a"), "rb") as a, open(self.ws.path("b"), "rb") as b:
            self.assertEqual(a.read(), b.read(), "the same source gives the same program")

    def test_relative_paths(self):
        self.ws.write("compute.c", COMPUTE_C)
        built = self.ws.cc("compute.c", "-o", "rel")
        self.assertExit(built, 0)
        self.assertEqual(run_native(self.ws.path("rel")).text, COMPUTE_OUT)

    def test_without_a_home_it_uses_a_temporary_copy(self):
        src = self.ws.write("compute.c", COMPUTE_C)
        env = {"XDG_CACHE_HOME": "", "HOME": "", "TMPDIR": self.ws.path("")}
        built = run_in([FORKSCOPE, "cc", src, "-o", self.ws.path("t")], env_extra=env)
        self.assertExit(built, 0)
        self.assertEqual(run_native(self.ws.path("t")).text, COMPUTE_OUT)
        leftovers = [e for e in os.listdir(self.ws.dir) if e.startswith("forkscope-")]
        self.assertEqual(leftovers, [], "temporary copies are removed")

    def test_several_files_objects_and_extra_flags(self):
        util = self.ws.write("util.c", UTIL_C)
        main = self.ws.write("main.c", MAIN_USES_UTIL_C)
        built = self.ws.cc(main, util, "-o", self.ws.path("two"), "-O0", "-DUNUSED=1")
        self.assertExit(built, 0)
        self.assertEqual(run_native(self.ws.path("two")).text, "twice(21) = 42\n")
        # -c makes an object file; objects link like sources.
        self.assertExit(self.ws.cc("-c", util, "-o", self.ws.path("util.o")), 0)
        built = self.ws.cc(main, self.ws.path("util.o"), "-o", self.ws.path("linked"))
        self.assertExit(built, 0)
        self.assertEqual(run_native(self.ws.path("linked")).text, "twice(21) = 42\n")

    def test_libraries_with_l_and_L(self):
        if not shutil.which("ar"):
            self.skipTest("no ar on this host")
        util = self.ws.write("util.c", UTIL_C)
        main = self.ws.write("main.c", MAIN_USES_UTIL_C)
        self.assertExit(self.ws.cc("-c", util, "-o", self.ws.path("util.o")), 0)
        os.mkdir(self.ws.path("lib"))
        self.assertExit(run_in(["ar", "rcs", self.ws.path("lib/libutil.a"), self.ws.path("util.o")]), 0)
        built = self.ws.cc(main, "-L" + self.ws.path("lib"), "-lutil", "-o", self.ws.path("withlib"))
        self.assertExit(built, 0)
        self.assertEqual(run_native(self.ws.path("withlib")).text, "twice(21) = 42\n")

    def test_compile_errors_pass_through_with_gccs_status(self):
        src = self.ws.write("broken.c", "int main(void) { return undeclared; }\n")
        built = self.ws.cc(src, "-o", self.ws.path("broken"))
        self.assertEqual(built.returncode, 1, built.describe())
        self.assertIn("undeclared", built.stderr)
        self.assertIn("broken.c", built.stderr)
        self.assertFalse(os.path.exists(self.ws.path("broken")))

    def test_the_images_flags_apply_and_yours_come_after(self):
        # -Wall is one of the image's flags, -Werror is not (as with cc); -Werror after
        # them makes the warning an error.
        src = self.ws.write("warn.c", "int main(void) { int unused; return 0; }\n")
        built = self.ws.cc(src, "-o", self.ws.path("w"))
        self.assertExit(built, 0)
        self.assertIn("unused", built.stderr)
        self.assertEqual(self.ws.cc(src, "-o", self.ws.path("w"), "-Werror").returncode, 1)

    def test_unused_main_parameters_build_quietly(self):
        src = self.ws.write("args.c", "int main(int argc, char **argv) { return 0; }\n")
        built = self.ws.cc(src, "-o", self.ws.path("args"))
        self.assertExit(built, 0)
        self.assertEqual(built.stderr, "")

    def test_without_o_the_program_is_a_out_and_the_object_is_named_after_the_source(self):
        self.ws.write("compute.c", COMPUTE_C)
        self.assertExit(self.ws.cc("compute.c"), 0)
        self.assertTrue(os.access(self.ws.path("a.out"), os.X_OK))
        self.ws.write("exit.c", EXIT_C.replace("main", "exit_main"))
        self.assertExit(self.ws.cc("-c", "compute.c", self.ws.path("exit.c")), 0)
        self.assertTrue(os.path.isfile(self.ws.path("compute.o")))
        self.assertTrue(os.path.isfile(self.ws.path("exit.o")))
        native = run_native(self.ws.path("a.out"))
        self.assertEqual(native.returncode, 7)
        self.assertEqual(native.text, COMPUTE_OUT)

    def test_libc_libraries_and_pthread_are_accepted_others_refused(self):
        src = self.ws.write("m.c", "#include <math.h>\n#include <pthread.h>\n"
                                   "int main(void) { return (int)sqrt(49.0) + (pthread_self() != 0); }\n")
        built = self.ws.cc(src, "-lm", "-pthread", "-lpthread", "-lrt", "-lc", "-o", self.ws.path("m"))
        self.assertExit(built, 0)
        self.assertEqual(run_native(self.ws.path("m")).returncode, 8)
        # A library that is not part of the libc: refused with the reason, not ignored
        # and not taken from the host.
        self.assertErrorLine(self.ws.cc(src, "-lcrypt", "-o", self.ws.path("x")), EXIT_USAGE,
                             "-lcrypt", "links only the guest libc", "-L DIR")
        self.assertFalse(os.path.exists(self.ws.path("x")))

    def test_host_headers_are_not_used(self):
        src = self.ws.write("host.c", "#include <linux/limits.h>\nint main(void) { return 0; }\n")
        built = self.ws.cc(src, "-o", self.ws.path("h"))
        self.assertEqual(built.returncode, 1, built.describe())

    def test_link_errors_pass_through_with_lds_status(self):
        src = self.ws.write("undef.c", "int missing(void);\nint main(void) { return missing(); }\n")
        built = self.ws.cc(src, "-o", self.ws.path("u"))
        self.assertEqual(built.returncode, 1, built.describe())
        self.assertIn("missing", built.stderr)

    def test_usage_errors(self):
        src = self.ws.write("compute.c", COMPUTE_C)
        cases = [
            ((), "no input files"),
            ((src, "-o"), "-o needs"),
            ((src, "notes.txt", "-o", "x"), "notes.txt"),
            ((src, "-S", "-o", "x"), "-S"),
            (("-c", src, src, "-o", "x"), "-c"),
            (("-c", self.ws.path("x.o")), "-c"),
        ]
        for args, needle in cases:
            with self.subTest(args=args):
                self.assertErrorLine(self.ws.cc(*args), EXIT_USAGE, needle)

    def test_missing_gcc(self):
        src = self.ws.write("compute.c", COMPUTE_C)
        built = self.ws.cc(src, "-o", self.ws.path("x"), env_extra={"PATH": self.ws.path("nowhere")})
        self.assertErrorLine(built, EXIT_HOST, "forkscope cc needs gcc with 32-bit support (Debian: gcc-multilib)")

    def test_cc_output_passes_forkscopes_check(self):
        # Today's kernel may not run it yet, but forkscope accepts it and boots.
        src = self.ws.write("compute.c", COMPUTE_C)
        self.assertExit(self.ws.cc(src, "-o", self.ws.path("compute")), 0)
        run = forkscope("--rtc-time", RTC, "--max-instructions", "400000000", self.ws.path("compute"), "a b")
        self.assertNotIn(run.returncode, (EXIT_USAGE, EXIT_BAD_IMAGE), run.describe())
        self.assertFalse(any(l.startswith("forkscope:") for l in run.stderr_lines), run.describe())
        cmdline = [l for l in run.lines if l.startswith("cmdline: ")]
        if cmdline:
            self.assertEqual(cmdline[0], 'cmdline: -- /bin/compute "a b"')

    def test_help(self):
        run = run_in([FORKSCOPE, "cc", "--help"])
        self.assertExit(run, 0)
        self.assertIn("forkscope cc FILE.c... [-o OUT]", run.text)
        self.assertIn("-lm, -lpthread", run.text)


# ---- end to end: needs a guest kernel that runs programs --------------------------------

class RunProgramTest(ForkscopeTestCase):
    """Built-in programs through the emulator."""

    def setUp(self):
        require_programs()

    def test_hello(self):
        run = forkscope("--rtc-time", RTC, "hello")
        self.assertExit(run, 0)
        self.assertIn("hello, world", run.lines)
        self.assertEqual(run.stderr, "")

    def test_no_program_runs_init_alone(self):
        run = forkscope("--rtc-time", RTC)
        self.assertExit(run, 0)
        self.assertIn("init: no program given", run.lines)

    def test_127_arguments_arrive(self):
        run = forkscope("--rtc-time", RTC, "echo", *["w%d" % i for i in range(127)])
        self.assertExit(run, 0)
        self.assertIn(" ".join("w%d" % i for i in range(127)), run.lines)

    def test_echo_arguments_arrive_as_given(self):
        run = forkscope("--rtc-time", RTC, "echo", *ECHO_ARGS)
        self.assertExit(run, 0)
        self.assertIn(ECHO_OUT, run.text)

    def test_double_dash_before_the_program(self):
        run = forkscope("--rtc-time", RTC, "--", "echo", "--list")
        self.assertExit(run, 0)
        self.assertIn("--list", run.lines)

    def test_a_signal_gives_128_plus_n(self):
        run = forkscope("--rtc-time", RTC, "segv")
        self.assertExit(run, 128 + 11)

    def test_same_output_as_natively(self):
        for name, args, output, status in BUILT_IN_RUNS:
            with self.subTest(program=name, args=args):
                run = forkscope("--rtc-time", RTC, name, *args)
                self.assertExit(run, status)
                self.assertIn(output, run.text)


class NativeProgramTest(ForkscopeTestCase):
    """The same built-in programs natively: the output and status the guest must give."""

    def test_same_output_as_in_the_guest(self):
        if not PROGRAMS_DIR:
            self.skipTest("PROGRAMS_DIR is not set (run through meson test)")
        for name, args, output, status in BUILT_IN_RUNS + [("echo", ECHO_ARGS, ECHO_OUT, 0)]:
            with self.subTest(program=name, args=args):
                native = run_native(os.path.join(PROGRAMS_DIR, name), *args)
                self.assertEqual(native.text, output, native.describe())
                self.assertEqual(native_status(native), status, native.describe())


@unittest.skipUnless(have_host_gcc_m32(), "forkscope cc needs gcc and ld on the host")
class UsersLoopTest(ForkscopeTestCase):
    """forkscope cc prog.c -o prog; forkscope run ./prog; ./prog natively: the same."""

    def setUp(self):
        require_programs()
        self.ws = CcWorkspace()

    def tearDown(self):
        self.ws.cleanup()

    def build(self, name, source):
        src = self.ws.write(name + ".c", source)
        built = self.ws.cc(src, "-o", self.ws.path(name))
        self.assertExit(built, 0)
        return self.ws.path(name)

    def assertRunsInTheGuest(self, name):
        """The users' program `name` prints and ends in the guest as USERS_PROGRAMS says
        (and as natively: UsersProgramsNativelyTest)."""
        source, args, output, status = USERS_PROGRAMS[name]
        run = forkscope("--rtc-time", RTC, self.build(name, source), *args)
        self.assertExit(run, status)
        self.assertIn(output, run.text, run.describe())

    def test_compute_program(self):
        self.assertRunsInTheGuest("compute")

    def test_exit_statuses(self):
        prog = self.build("status", EXIT_C)
        for status in (0, 1, 42, 127, 200, 255):
            with self.subTest(status=status):
                self.assertExit(forkscope("--rtc-time", RTC, prog, str(status)), status)

    def test_killed_by_a_signal(self):
        self.assertRunsInTheGuest("fault")

    def test_a_user_program_replaces_a_built_in_of_the_same_name(self):
        prog = self.build("hello", 'int printf(const char *, ...);\nint main(void) { printf("mine\\n"); return 5; }\n')
        run = forkscope("--rtc-time", RTC, prog)
        self.assertExit(run, 5)
        self.assertIn("mine", run.lines)
        self.assertNotIn("hello, world", run.lines)

    def test_fork_program(self):
        require_fork(self.ws)
        self.assertRunsInTheGuest("forkdemo")


@unittest.skipUnless(have_host_gcc_m32(), "forkscope cc needs gcc and ld on the host")
class UsersProgramsNativelyTest(ForkscopeTestCase):
    """The users' loop's programs natively: the output and status the guest must give."""

    def test_natively(self):
        ws = CcWorkspace()
        try:
            for name, (source, args, output, status) in USERS_PROGRAMS.items():
                with self.subTest(program=name):
                    src = ws.write(name + ".c", source)
                    self.assertExit(ws.cc(src, "-o", ws.path(name)), 0)
                    native = run_native(ws.path(name), *args)
                    self.assertEqual(native.text, output, native.describe())
                    self.assertEqual(native_status(native), status, native.describe())
        finally:
            ws.cleanup()


if __name__ == "__main__":
    unittest.main()

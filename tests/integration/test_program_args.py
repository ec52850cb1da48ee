"""forkscope run PROGRAM ARGS... with what the kernel command line cannot carry: double
quotes, newlines, more than 127 words, more than 2048 bytes. Those arguments reach the
program in a file of the initramfs that init reads ("-- -a /etc/forkscope/argv",
guestkernel/include/abi/forkscope.h); --env/--unset go the same way ("-e FILE"). The
program must see exactly the bytes it was given.

A program built for the test with forkscope cc prints its argv (and envp) with escapes,
so every byte shows; its transcript in the guest is compared with the same binary run
as Linux would (tests/i386_runner.py: directly, or under qemu-i386) and with what the
test expects. The guest execve's limits (MAX_ARG_STRLEN, MAX_ARG_BYTES: 128 KiB, the
ARG_MAX of Linux 2.6) are checked before booting: the largest argument list that fits
runs, one byte more is refused with one line and exit status 2.

meson passes FORKSCOPE, KERNEL, INITRAMFS, PROGRAMS_DIR, I386_ROOT (BusyBox). Python 3
stdlib only; every run has a wall-clock timeout and --max-instructions as a guard.
"""

import os
import shutil
import subprocess
import unittest

import i386_runner  # tests/, on PYTHONPATH
from forkscope_testlib import (EXIT_USAGE, FORKSCOPE, RUN_TIMEOUT, ForkscopeTestCase, TempDir, forkscope,
                               run_command)

RTC = "1000000000"
GUARD = "4000000000"
I386_ROOT = os.environ.get("I386_ROOT", "")

# Prints argc, then each argv[i] (i >= 1) and each envp[i] with its length and with C
# escapes for '"', '\\', control bytes and bytes >= 0x7f: the transcript is ASCII and
# shows every byte.
SHOWARGS_C = r"""
#include <stdio.h>
#include <string.h>

static void show(const char *tag, int i, const char *s)
{
	printf("%s[%d] %u \"", tag, i, (unsigned)strlen(s));
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", stdout);
		else if (*p == '\t')
			fputs("\\t", stdout);
		else if (*p < 0x20 || *p >= 0x7f)
			printf("\\x%02x", *p);
		else
			putchar(*p);
	}
	puts("\"");
}

int main(int argc, char **argv, char **envp)
{
	printf("argc %d\n", argc);
	for (int i = 1; i < argc; i++)
		show("argv", i, argv[i]);
	for (int i = 0; envp[i]; i++)
		show("envp", i, envp[i]);
	return fflush(stdout) == 0 ? 0 : 1;
}
"""

# The arguments users write every day, and bytes that are not text at all.
AWKWARD = [
    'say "hi"', "it's", "back\\slash", "two\nlines", "tab\there", "", "\n", " lead and trail ",
    "caf\u00e9 \u65e5\u672c\u8a9e \U0001F600", b"\xff\xfe not UTF-8 \x80", "ctrl \x01\x1b[0m \x7f",
    '"', '""', "\\\"", "$HOME `id` $(x) ;|&", "--", "-a", "-e", "@file", "a=b",
]


def as_bytes(arg):
    return arg if isinstance(arg, bytes) else arg.encode()


def escaped(arg):
    """What SHOWARGS_C prints for the string `arg` (str or bytes)."""
    out = []
    for b in as_bytes(arg):
        c = chr(b)
        if c in '"\\':
            out.append("\\" + c)
        elif c == "\n":
            out.append("\\n")
        elif c == "\t":
            out.append("\\t")
        elif b < 0x20 or b >= 0x7f:
            out.append("\\x%02x" % b)
        else:
            out.append(c)
    return "".join(out)


def expected_argv(args):
    return ["argc %d" % (len(args) + 1)] + ['argv[%d] %d "%s"' % (i, len(as_bytes(a)), escaped(a))
                                            for i, a in enumerate(args, start=1)]


def expected_envp(env):
    return ['envp[%d] %d "%s"' % (i, len(as_bytes(e)), escaped(e)) for i, e in enumerate(env)]


def argv_lines(run_text):
    return [l for l in run_text.splitlines() if l.startswith(("argc ", "argv["))]


def envp_lines(run_text):
    return [l for l in run_text.splitlines() if l.startswith("envp[")]


def guest(*args, timeout=RUN_TIMEOUT):
    return forkscope("--rtc-time", RTC, "--max-instructions", GUARD, *args, timeout=timeout)


def boot_line(run):
    """The command line the kernel printed (a -v boot)."""
    lines = [l for l in run.lines if l.startswith("cmdline: ")]
    return lines[0][len("cmdline: "):] if lines else None


class ShowArgsCase(ForkscopeTestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        if not FORKSCOPE:
            raise unittest.SkipTest("FORKSCOPE is not set (run through meson test)")
        if not shutil.which("gcc") or not shutil.which("ld"):
            raise unittest.SkipTest("forkscope cc needs gcc and ld on the host")
        cls.dir = TempDir()
        d = cls.dir.__enter__()
        src = d.write("showargs.c", SHOWARGS_C.encode())
        env = dict(os.environ, XDG_CACHE_HOME=d.path("cache"))
        p = subprocess.run([FORKSCOPE, "cc", src, "-o", d.path("showargs")], capture_output=True, env=env,
                           timeout=RUN_TIMEOUT)
        if p.returncode != 0:
            raise AssertionError("forkscope cc showargs.c failed:\n" + p.stderr.decode(errors="replace"))
        cls.showargs = d.path("showargs")

    @classmethod
    def tearDownClass(cls):
        cls.dir.__exit__(None, None, None)

    def native(self, *args, env=None):
        p = i386_runner.run(self.showargs, *args, timeout=RUN_TIMEOUT, env=env if env is not None else {})
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout.decode("ascii")

    def assertSameArgv(self, args, *options, timeout=RUN_TIMEOUT):
        """showargs ARGS in the guest prints exactly what it prints natively and what the
        test expects; returns the guest run."""
        run = guest(*options, self.showargs, *args, timeout=timeout)
        self.assertExit(run, 0)
        self.assertEqual(run.stderr, "")
        want = expected_argv(args)
        self.assertEqual(argv_lines(run.text), want)
        self.assertEqual(argv_lines(self.native(*args)), want)
        return run


class AwkwardArgumentsTest(ShowArgsCase):

    def test_each_awkward_argument_alone(self):
        for arg in AWKWARD:
            with self.subTest(arg=arg):
                self.assertSameArgv([arg])

    def test_all_at_once(self):
        self.assertSameArgv(AWKWARD)

    def test_the_command_line_names_the_file_only_when_it_must(self):
        run = guest("-v", self.showargs, 'say "hi"', "x")
        self.assertExit(run, 0)
        self.assertEqual(boot_line(run), "-- -a /etc/forkscope/argv")
        run = guest("-v", self.showargs, "it's", "a b", "", "caf\u00e9")
        self.assertExit(run, 0)
        self.assertEqual(boot_line(run), "-- /bin/showargs it's \"a b\" \"\" caf\u00e9")

    def test_1000_arguments(self):
        args = ["w%d" % i for i in range(1000)]
        args[500] = 'mid "quote"'
        self.assertSameArgv(args)

    def test_128_words_go_in_the_file_and_127_stay_on_the_line(self):
        for n, line in ((127, "-- /bin/showargs w0 "), (128, "-- -a /etc/forkscope/argv")):
            with self.subTest(arguments=n):
                run = self.assertSameArgv(["w%d" % i for i in range(n)], "-v")
                self.assertTrue(boot_line(run).startswith(line), boot_line(run))

    def test_100_kib_argument(self):
        unit = 'x"y\\z\n\t\'q\' \xe9\u65e5'
        big = (unit * (100 * 1024 // len(unit.encode()) + 1)).encode()[:100 * 1024]
        big = big.decode("utf-8", "ignore")
        self.assertGreater(len(big.encode()), 100 * 1024 - 4)
        self.assertSameArgv([big, "after"], timeout=3 * RUN_TIMEOUT)

    def test_a_long_plain_argument_goes_in_the_file(self):
        run = self.assertSameArgv(["y" * 3000], "-v")
        self.assertEqual(boot_line(run), "-- -a /etc/forkscope/argv")

    def test_options_after_the_program_are_its_own(self):
        self.assertSameArgv(["--env", "A=1", "-v", '"'])


class EnvironmentTest(ShowArgsCase):
    """--env NAME=VALUE and --unset NAME, as qemu-i386's -E and -U: init changes its own
    environment (HOME=/ TERM=linux, from the kernel) with them before it runs the program."""

    def test_set_replace_and_remove(self):
        run = guest("-E", 'A=x "y"', "--env", "B=two\nlines", "-E", "TERM=vt100", "-U", "HOME", "-E", "C=",
                    self.showargs, "hi")
        self.assertExit(run, 0)
        env = ['TERM=vt100', 'A=x "y"', "B=two\nlines", "C="]
        self.assertEqual(envp_lines(run.text), expected_envp(env))
        # qemu-i386 hands the environment over in reverse order; Linux keeps it.
        native = self.native("hi", env=dict(e.split("=", 1) for e in env))
        self.assertEqual(sorted(l.split(" ", 1)[1] for l in envp_lines(native)),
                         sorted(l.split(" ", 1)[1] for l in expected_envp(env)))
        self.assertEqual(argv_lines(run.text), expected_argv(["hi"]))

    def test_order_counts(self):
        run = guest("-E", "A=1", "-U", "A", "-E", "B=1", "-U", "B", "-E", "B=2", self.showargs)
        self.assertExit(run, 0)
        self.assertEqual(envp_lines(run.text), expected_envp(["HOME=/", "TERM=linux", "B=2"]))

    def test_without_changes_the_environment_is_inits(self):
        run = guest(self.showargs, '"')
        self.assertEqual(envp_lines(run.text), expected_envp(["HOME=/", "TERM=linux"]))

    def test_the_environment_file_keeps_plain_arguments_on_the_line(self):
        run = guest("-v", "-E", "A=1", self.showargs, "x")
        self.assertExit(run, 0)
        self.assertEqual(boot_line(run), "-- -e /etc/forkscope/environ /bin/showargs x")

    def test_bad_options(self):
        self.assertErrorLine(guest("-E", "NOEQUALS", "hello"), EXIT_USAGE, "--env takes NAME=VALUE")
        self.assertErrorLine(guest("-E", "=x", "hello"), EXIT_USAGE, "--env takes NAME=VALUE")
        self.assertErrorLine(guest("-U", "A=1", "hello"), EXIT_USAGE, "--unset takes a NAME")
        self.assertErrorLine(guest("-E", "A=1"), EXIT_USAGE, "need a PROGRAM")


class LimitTest(ForkscopeTestCase):
    """The guest execve's limits, counted as guestkernel/fs/exec.c counts: each string,
    its NUL and its 4-byte pointer, argv and envp together, at most MAX_ARG_BYTES
    (131072); one string below MAX_ARG_STRLEN (131072)."""

    # The file name "/bin/hello" (exec keeps it for AT_EXECFN), argv[0] "/bin/hello" and
    # init's environment "HOME=/" "TERM=linux".
    FIXED = (10 + 1) + (10 + 1 + 4) + (6 + 1 + 4) + (10 + 1 + 4)
    BIGGEST = 131072 - FIXED - 1 - 4

    def test_the_biggest_argument_that_fits_runs(self):
        run = guest("hello", "x" * self.BIGGEST)
        self.assertExit(run, 0)
        self.assertEqual(run.lines, ["hello, world"])

    def test_one_byte_more_is_refused_before_booting(self):
        run = guest("hello", "x" * (self.BIGGEST + 1))
        self.assertErrorLine(run, EXIT_USAGE, "131073 bytes", "at most 131072", "MAX_ARG_BYTES")
        self.assertEqual(run.stdout, b"")

    def test_the_environment_counts_too(self):
        # argv is "/bin/hello" alone: the entry takes the place of the argument above.
        self.assertExit(guest("-E", "A=" + "v" * (self.BIGGEST - 2), "hello"), 0)
        self.assertErrorLine(guest("-E", "A=" + "v" * (self.BIGGEST - 1), "hello"), EXIT_USAGE,
                             "131073 bytes", "MAX_ARG_BYTES")
        # Removing HOME makes room for 11 bytes more.
        self.assertExit(guest("-U", "HOME", "-E", "A=" + "v" * (self.BIGGEST - 2 + 11), "hello"), 0)

    # MAX_ARG_STRLEN cannot be reached from here: the host's execve refuses a string that
    # long on its way to forkscope (tests/unit/test_program_args.cpp checks it).

    def test_many_small_arguments_count_their_pointers(self):
        # As many empty arguments as fit (each its NUL and its pointer), and one more.
        n = (131072 - self.FIXED) // 5
        run = guest("hello", *([""] * n))
        self.assertExit(run, 0)
        self.assertErrorLine(guest("hello", *([""] * (n + 1))), EXIT_USAGE, "MAX_ARG_BYTES")


class InitOptionsTest(ForkscopeTestCase):
    """init's -a and -e on a command line written by hand: the errors."""

    def boot(self, words):
        return forkscope("--rtc-time", RTC, "--max-instructions", GUARD, "--append", "quiet -- " + words)

    def test_a_missing_file(self):
        for option in ("-a /nothing", "-e /nothing /bin/hello"):
            with self.subTest(option=option):
                run = self.boot(option)
                self.assertExit(run, 127)
                self.assertEqual(run.lines, ["init: cannot read /nothing: No such file or directory"])

    def test_words_after_an_argument_file(self):
        run = self.boot("-a /etc/motd /bin/hello")
        self.assertExit(run, 2)
        self.assertEqual(run.lines, ["init: -a /etc/motd takes no program after it (/bin/hello)"])

    def test_a_directory(self):
        run = self.boot("-a /tmp")
        self.assertExit(run, 127)
        self.assertEqual(run.lines, ["init: cannot read /tmp: Is a directory"])


class WriteInitrdTest(ForkscopeTestCase):
    """--write-initrd FILE saves the initramfs a run boots: booted again with the command
    line the kernel printed, it runs the program the same way."""

    def test_the_saved_initramfs_boots_the_same_way(self):
        args = ['say "hi"', "two\nlines", ""]
        with TempDir() as d:
            first = guest("-v", "--write-initrd", d.path("run.cpio"), "echo", *args)
            self.assertExit(first, 0)
            line = boot_line(first)
            self.assertEqual(line, "-- -a /etc/forkscope/argv")
            with open(d.path("run.cpio"), "rb") as f:
                archive = f.read()
            self.assertIn(b"etc/forkscope/argv\0", archive)
            self.assertIn(b"/bin/echo\0say \"hi\"\0two\nlines\0\0", archive)
            again = run_command([FORKSCOPE, "run", "--rtc-time", RTC, "--max-instructions", GUARD,
                                 "--initrd", d.path("run.cpio"), "--append", line])
            self.assertExit(again, 0)
            self.assertEqual(again.stdout, first.stdout)
            self.assertIn('say "hi" two\nlines \n', first.text)

    def test_without_an_initramfs(self):
        with TempDir() as d:
            run = forkscope("--kernel", os.environ.get("KERNEL", ""), "--write-initrd", d.path("x.cpio"))
            self.assertErrorLine(run, EXIT_USAGE, "--write-initrd", "without an initramfs")


class BusyBoxTest(ForkscopeTestCase):
    """Debian's static BusyBox: an sh -c script, an awk program and a sed script with
    quotes, backslashes and newlines, in the guest and as Linux would run them."""

    MOTD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "images", "programs", "motd.txt")
    SCRIPTS = [
        ["sh", "-c", 'echo "$(echo hi)"; printf \'%s|\' "a b" \'c "d"\' "$0" "$1"; echo\necho \'line 2\'',
         "zero", "one two"],
        ["awk", 'BEGIN { printf "%s=%d\\n", "sum", 1 + 2\n s = "tab\\there"; print length(s), "\\"q\\"" }'],
        ["sed", "-e", 's/e/"E"/g\n1i\\\nfirst\\tline', "-e", "$a\\\nlast \\\\ line"],
    ]

    def test_scripts(self):
        busybox = os.path.join(I386_ROOT, "bin", "busybox") if I386_ROOT else ""
        if not os.path.isfile(busybox):
            self.skipTest("no BusyBox at I386_ROOT/bin/busybox (scripts/setup.sh fetches it)")
        for args in self.SCRIPTS:
            with self.subTest(applet=args[0]):
                file_arg = [self.MOTD] if args[0] == "sed" else []
                native = i386_runner.run(busybox, *args, *file_arg, timeout=RUN_TIMEOUT, env={})
                self.assertEqual(native.returncode, 0, native.stderr)
                run = guest(busybox, *args, *(["/etc/motd"] if file_arg else []))
                self.assertExit(run, 0)
                self.assertEqual(run.stderr, "")
                self.assertEqual(run.text, native.stdout.decode("utf-8", "replace"))
                self.assertGreater(len(run.lines), 1)


if __name__ == "__main__":
    unittest.main()

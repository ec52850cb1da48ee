"""The shell, images/programs/sh.c: `forkscope run sh -c '...'` command lines (pipelines,
;, &&, ||, redirections, $?, builtins, errors and their statuses), `sh FILE` with a
script in an initramfs of the test's own, the interactive shell on the console (prompt,
^C at the prompt and during a command, ^D, exit), and the same transcripts from the same
binary natively with PATH pointing at the built programs (through tests/i386_runner.py:
directly, or under qemu-i386).

Every guest run has check=vm, and the kernel must find 0 violations. The console is
the shell's stdout and stderr both, so native runs merge the two streams to compare.

meson passes FORKSCOPE, KERNEL, INITRAMFS, PROGRAMS_DIR. Python 3 stdlib only; every run
has a wall-clock timeout and --max-instructions as a guard; the interactive runs wait
for what the guest prints (forkscope_testlib.Console), never for a time.
"""

import os
import unittest

import i386_runner  # tests/, on PYTHONPATH
from forkscope_testlib import FORKSCOPE, KERNEL, RUN_TIMEOUT, Console, TempDir, forkscope
from test_programs import GUARD, MOTD, RTC, Boot, ProgramCase, base_entries, boot, newc

PROGRAMS_DIR = os.environ.get("PROGRAMS_DIR", "")


def sh_c(command):
    """`forkscope run sh -c COMMAND` on the built-in image, with check=vm."""
    return Boot(forkscope("--rtc-time", RTC, "--max-instructions", GUARD, "--append", "check=vm",
                          "sh", "-c", command))


def native_sh(*args):
    """The same sh binary natively: (output with stderr merged, exit status)."""
    if not PROGRAMS_DIR:
        raise unittest.SkipTest("PROGRAMS_DIR is not set (run through meson test)")
    path = i386_runner.runner().exec_path(PROGRAMS_DIR)   # where sh finds the programs it runs
    p = i386_runner.run(os.path.join(PROGRAMS_DIR, "sh"), *args, merge_stderr=True, timeout=RUN_TIMEOUT,
                        env={"PATH": path, "LANG": "C"})
    return p.stdout.decode("utf-8", "replace"), p.returncode


class ShCase(ProgramCase):

    def assertSh(self, b, output, status=0):
        """The shell printed exactly `output`, ended with `status`, and check=vm found
        nothing wrong."""
        self.assertProgram(b, output, status)
        self.assertEqual(b.violations, 0, b.run.describe())
        self.assertNotIn("Oops", b.run.text)


class CommandLineTest(ShCase):
    """sh -c in the guest."""

    def test_ls_through_cat_prints_what_ls_prints(self):
        ls = boot("/bin/ls")
        self.assertExit(ls.run, 0)
        self.assertEqual(ls.output, "bin\ndev\netc\nproc\ntmp\n")
        self.assertSh(sh_c("ls | cat"), ls.output)
        ls_bin = boot("/bin/ls /bin")
        self.assertIn("sh\n", ls_bin.output)
        self.assertSh(sh_c("ls /bin | cat | cat"), ls_bin.output)

    def test_pipelines(self):
        self.assertSh(sh_c("echo a b | cat | cat"), "a b\n")
        self.assertSh(sh_c("echo long" + " | cat" * 7), "long\n")
        # The status of a pipeline is its last command's.
        self.assertSh(sh_c("cat /nonexistent | cat; echo $?"),
                      "cat: /nonexistent: No such file or directory\n0\n")
        self.assertSh(sh_c("echo x | cat /nonexistent"), "cat: /nonexistent: No such file or directory\n", 1)

    def test_sequences_and_conditions(self):
        self.assertSh(sh_c("echo one; echo two"), "one\ntwo\n")
        self.assertSh(sh_c("true && echo yes; false && echo no; false || echo or; true || echo never"),
                      "yes\nor\n")
        # Programs' own statuses: cat fails with 1, segv dies by SIGSEGV (139).
        self.assertSh(sh_c("cat /nonexistent && echo no || echo cat failed: $?"),
                      "cat: /nonexistent: No such file or directory\ncat failed: 1\n")
        self.assertSh(sh_c("segv || echo segv gave $?; segv && echo never"),
                      "segv: reading 0xc0000000\nSegmentation fault\nsegv gave 139\n"
                      "segv: reading 0xc0000000\nSegmentation fault\n", 139)
        # && and || bind left to right, a skipped pipeline keeps the status.
        self.assertSh(sh_c("false && echo a || echo b && echo c"), "b\nc\n")

    def test_input_redirection(self):
        with open(MOTD) as f:
            motd = f.read()
        self.assertSh(sh_c("cat < /etc/motd"), motd)
        self.assertSh(sh_c("cat </etc/motd | cat | cat"), motd)
        self.assertSh(sh_c("cat < /nonexistent; echo $?"),
                      "sh: cannot open /nonexistent: No such file or directory\n1\n")

    def test_output_redirection(self):
        # The root is writable (a ramfs, as Linux's initramfs root); the cwd is "/".
        self.assertSh(sh_c("echo hi > out; echo $?; cat out"), "0\nhi\n")
        self.assertSh(sh_c("echo hi >> /tmp/log; echo again >> /tmp/log; cat /tmp/log"), "hi\nagain\n")
        self.assertSh(sh_c("echo hi > /dev/null; echo $?"), "0\n")
        self.assertSh(sh_c("echo hi > /nonexistent/x"), "sh: cannot create /nonexistent/x: No such file or directory\n", 1)
        # Descriptor duplication into a file.
        self.assertSh(sh_c("cat /nonexistent 2>&1 | cat > /tmp/x; echo $?; cat /tmp/x"),
                      "0\ncat: /nonexistent: No such file or directory\n")

    def test_not_found_is_127(self):
        self.assertSh(sh_c("nosuch; echo $?"), "sh: nosuch: not found\n127\n")
        self.assertSh(sh_c("nosuch arg"), "sh: nosuch: not found\n", 127)
        self.assertSh(sh_c("/bin/nosuch"), "sh: /bin/nosuch: not found\n", 127)
        self.assertSh(sh_c("/etc/motd"), "sh: /etc/motd: Permission denied\n", 126)
        self.assertSh(sh_c("notelf"), "sh: notelf: Exec format error\n", 126)

    def test_syntax_errors_are_2_and_nothing_runs(self):
        for command, message in (("echo a; echo b |", "unexpected end of line"),
                                 ("| cat", "unexpected '|'"),
                                 ("echo a ;; echo b", "unexpected ';'"),
                                 ("echo a && || echo b", "unexpected '||'"),
                                 ("echo a >", "unexpected end of line"),
                                 ("echo a > | cat", "unexpected '|'"),
                                 ("echo a & echo b", "unexpected '&'"),
                                 ("echo 'open", "unterminated quoted string")):
            with self.subTest(command=command):
                self.assertSh(sh_c(command), "sh: syntax error: %s\n" % message, 2)

    def test_exit_status_propagates(self):
        self.assertSh(sh_c("exit 3"), "", 3)
        self.assertSh(sh_c("echo a; exit 300; echo b"), "a\n", 300 & 0xff)
        self.assertSh(sh_c("cat /nonexistent"), "cat: /nonexistent: No such file or directory\n", 1)
        self.assertSh(sh_c("false; exit"), "", 1)
        self.assertSh(sh_c("true"), "", 0)
        # A command killed by a signal is 128 + N for the shell, which itself exits
        # normally: init reports no signal.
        self.assertSh(sh_c("segv"), "segv: reading 0xc0000000\nSegmentation fault\n", 139)
        self.assertSh(sh_c("exit x; echo $?"), "sh: exit: x: numeric argument required\n2\n")

    def test_cd_and_quotes(self):
        self.assertSh(sh_c("cd /etc && cat motd > /dev/null; cd /nonexistent; echo $?; ls"),
                      "sh: cd: /nonexistent: No such file or directory\n1\ngroup\nmotd\npasswd\n")
        self.assertSh(sh_c("cd; ls"), "bin\ndev\netc\nproc\ntmp\n")   # HOME=/
        self.assertSh(sh_c("echo 'a  b' $? '$?' \\$? x\\ y $HOME $NONE. # comment"),
                      "a  b 0 $? $? x y / .\n")


SCRIPT = b"""\
# a script with what the kernel command line cannot carry: double quotes
echo "double: $? and 'single' inside"
echo 'single: $? and "double" inside'
echo back\\ slash "esc\\"aped \\$HOME" \\$HOME
false
echo after false: $?
cat /nonexistent/file 2>&1 | cat
echo "$?" && echo chained || echo never
nosuch-program
echo "not found gave $?"
echo a | cat | cat | cat | cat
exit 4
echo never reached
"""

SCRIPT_OUTPUT = """\
double: 0 and 'single' inside
single: $? and "double" inside
back slash esc"aped $HOME $HOME
after false: 1
cat: /nonexistent/file: No such file or directory
0
chained
sh: nosuch-program: not found
not found gave 127
a
"""

BAD_SCRIPT = b"echo before\necho 'open\necho after\n"


class ScriptTest(ShCase):
    """sh FILE, the file in an initramfs made for the test."""

    def boot_script(self, script, *args):
        with TempDir() as d:
            entries = base_entries("sh", "echo", "cat") + [("etc", 0o040755, b""),
                                                           ("etc/script", 0o100644, script)]
            path = d.write("sh.cpio", newc(entries))
            return boot(" ".join(("/bin/sh",) + args), options="check=vm", initrd=path)

    def test_script(self):
        self.assertSh(self.boot_script(SCRIPT, "/etc/script"), SCRIPT_OUTPUT, 4)

    def test_script_as_sh_c(self):
        # The same script as one sh -c argument, quotes and newlines included: forkscope
        # run hands it over in init's argument file (guestkernel/include/abi/forkscope.h).
        self.assertSh(sh_c(SCRIPT.decode()), SCRIPT_OUTPUT, 4)

    def test_script_natively(self):
        with TempDir() as d:
            out, status = native_sh(d.write("script", SCRIPT))
        self.assertEqual(out, SCRIPT_OUTPUT)
        self.assertEqual(status, 4)

    def test_a_syntax_error_ends_the_script(self):
        self.assertSh(self.boot_script(BAD_SCRIPT, "/etc/script"),
                      "before\nsh: syntax error: unterminated quoted string\n", 2)

    def test_missing_script_and_bad_options(self):
        self.assertSh(self.boot_script(SCRIPT, "/etc/nothing"),
                      "sh: cannot open /etc/nothing: No such file or directory\n", 127)
        self.assertSh(self.boot_script(SCRIPT, "-x"), "sh: unknown option -x\nusage: sh [-c COMMANDS | FILE]\n", 2)
        self.assertSh(self.boot_script(SCRIPT, "-c"), "sh: -c needs an argument\n", 2)
        self.assertSh(self.boot_script(SCRIPT, "/etc"), "sh: read: Is a directory\n", 2)


# Command lines whose output does not depend on the file system: (command, output with
# stderr merged, exit status), the same natively and in the guest.
SAME_COMMANDS = [
    ("echo a b | cat | cat", "a b\n", 0),
    ("echo one; echo two && echo three || echo four", "one\ntwo\nthree\n", 0),
    ("false || echo or; true && echo and; false && echo never; echo $?", "or\nand\n1\n", 0),
    ("cat /nonexistent || echo cat failed with $?",
     "cat: /nonexistent: No such file or directory\ncat failed with 1\n", 0),
    ("segv; echo status $?", "segv: reading 0xc0000000\nSegmentation fault\nstatus 139\n", 0),
    ("segv | cat; echo $?", "segv: reading 0xc0000000\n0\n", 0),
    ("nosuch; echo $?", "sh: nosuch: not found\n127\n", 0),
    ("echo 'single $? quoted' $? x\\$y", "single $? quoted 0 x$y\n", 0),
    ("echo a|cat|cat|cat|cat|cat|cat|cat", "a\n", 0),
    ("exit 7", "", 7),
    ("echo a; exit 3; echo b", "a\n", 3),
    ("false", "", 1),
    ("exit 1 | exit 2; echo $?", "2\n", 0),
    ("cat /nonexistent 2>&1 | cat", "cat: /nonexistent: No such file or directory\n", 0),
    ("echo a > /nonexistent/file; echo $?", "sh: cannot create /nonexistent/file: No such file or directory\n1\n", 0),
    ("echo a |", "sh: syntax error: unexpected end of line\n", 2),
    ("echo a && || b", "sh: syntax error: unexpected '||'\n", 2),
    ("echo 'open", "sh: syntax error: unterminated quoted string\n", 2),
]


class SameTranscriptTest(ShCase):
    """The same sh -c command lines print the same in the guest and natively."""

    def test_in_the_guest(self):
        for command, output, status in SAME_COMMANDS:
            with self.subTest(command=command):
                self.assertSh(sh_c(command), output, status)

    def test_natively(self):
        for command, output, status in SAME_COMMANDS:
            with self.subTest(command=command):
                self.assertEqual(native_sh("-c", command), (output, status))


class TypedAheadTest(ShCase):
    """forkscope run sh with its input in a file: the lines are typed ahead (the terminal
    echoes them at once), the shell runs them and ends at the ^D with status 0."""

    def test_input_file_ending_in_ctrl_d(self):
        with TempDir() as d:
            # The first byte may be lost while the kernel turns the UART's FIFOs on.
            path = d.write("input", b"\necho typed ahead | cat\nls /etc\n\x04")
            b = boot("/bin/sh", options="check=vm", stdin_file=path)
        self.assertExit(b.run, 0)
        self.assertEqual(b.violations, 0, b.run.describe())
        self.assertIn("echo typed ahead | cat\nls /etc\n", b.output)   # the terminal's echo
        self.assertEqual(b.output.count("typed ahead\n"), 1, b.run.describe())
        self.assertIn("$ group\nmotd\npasswd\n", b.output)
        self.assertTrue(b.output.endswith("$ \n"), b.run.describe())


class InteractiveTest(ShCase):
    """sh on the console: stdin is a terminal, so it prompts and survives ^C."""

    def console(self):
        if not FORKSCOPE or not KERNEL:
            raise unittest.SkipTest("FORKSCOPE/KERNEL are not set (run through meson test)")
        # -v: the boot lines and the closing "exit: status" line show (assertEnded).
        return Console([FORKSCOPE, "run", "-v", "--rtc-time", RTC, "--max-instructions", GUARD,
                        "--append", "check=vm", "--input", "-", "sh"])

    def command(self, c, at, line, output):
        """Types line; waits for its echo, output and the next prompt."""
        c.send(line + b"\n")
        return c.expect(line + b"\r\n" + output + b"$ ", at)

    def interrupt(self, c, at):
        """Types ^C; the terminal echoes it and the shell prompts again, nothing between."""
        c.send(b"\x03")
        end = c.expect(b"$ ", at)
        self.assertEqual(c.out[at:end], b"^C\r\n$ ")
        return end

    def assertEnded(self, c, status):
        run = c.finish()
        self.assertExit(run, status)
        self.assertRegex(run.stdout, rb"check=vm: \d+ system calls checked, 0 violations\r\nexit: status %d\r\n\Z"
                         % status)
        self.assertNotIn(b"killed by signal", run.stdout)
        self.assertEqual(run.stderr, "", run.describe())
        return run

    def test_session_with_ctrl_c(self):
        c = self.console()
        at = c.expect(b"\r\n$ ")
        at = self.command(c, at, b"echo hello | cat", b"hello\r\n")
        at = self.command(c, at, b"cat /nonexistent; echo $?",
                          b"cat: /nonexistent: No such file or directory\r\n1\r\n")
        # ^C while cat reads the console: cat dies, the shell prints a new prompt.
        c.send(b"cat\n")
        at = c.expect(b"cat\r\n", at)
        c.send(b"typed\n")
        at = c.expect(b"typed\r\ntyped\r\n", at)   # the echo, then cat's copy
        at = self.interrupt(c, at)
        at = self.command(c, at, b"echo $?", b"130\r\n")
        # The same for a pipeline; the rest of the line does not run.
        c.send(b"cat | cat; echo not reached\n")
        at = c.expect(b"cat | cat; echo not reached\r\n", at)
        c.send(b"through two\n")
        at = c.expect(b"through two\r\nthrough two\r\n", at)
        at = self.interrupt(c, at)
        at = self.command(c, at, b"echo $?", b"130\r\n")
        # ^\ is SIGQUIT, which the shell ignores and its commands do not.
        c.send(b"cat\n")
        at = c.expect(b"cat\r\n", at)
        c.send(b"once more\n")
        at = c.expect(b"once more\r\nonce more\r\n", at)
        c.send(b"\x1c")
        end = c.expect(b"$ ", at)
        self.assertEqual(c.out[at:end], b"^\\\r\nQuit\r\n$ ")
        at = self.command(c, end, b"echo $?", b"131\r\n")
        # ^C at the prompt: the half-typed line is dropped, $? is 130 again.
        at = self.command(c, at, b"true", b"")
        c.send(b"half typed")
        at = c.expect(b"half typed", at)
        at = self.interrupt(c, at)
        at = self.command(c, at, b"echo $?", b"130\r\n")
        c.send(b"exit 3\n")
        self.assertEnded(c, 3)

    def test_ctrl_d_ends_with_the_last_status(self):
        c = self.console()
        at = c.expect(b"\r\n$ ")
        at = self.command(c, at, b"false", b"")
        at = self.command(c, at, b"echo 'a  b' | cat", b"a  b\r\n")
        at = self.command(c, at, b"ls | cat", b"bin\r\ndev\r\netc\r\nproc\r\ntmp\r\n")
        at = self.command(c, at, b"echo a |", b"sh: syntax error: unexpected end of line\r\n")
        c.send(b"\x04")
        self.assertEnded(c, 2)


if __name__ == "__main__":
    unittest.main()

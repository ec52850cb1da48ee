"""The corpus: ordinary C programs (tests/corpus/*.c) built the three ways users build
them -- `gcc -m32 -static` (glibc), musl's static libc (Debian's musl-dev:i386, unpacked
by scripts/fetch_i386.sh into .deps/i386) and `forkscope cc` -- each run in forkscope and
"as Linux would" (tests/i386_runner.py: directly, or under qemu-i386), with equal stdout
and exit status. One test per program and toolchain.

KNOWN_DIFFERENT lists the pairs that do not behave as under Linux yet, each with the
reason; their tests assert that they still differ, so a fix must update the list.
"""

import os
import re
import shutil
import subprocess
import tempfile
import unittest

import i386_runner
from forkscope_testlib import ForkscopeTestCase, forkscope, FORKSCOPE

CORPUS_DIR = os.environ.get("CORPUS_DIR", "")
I386_ROOT = os.environ.get("I386_ROOT", "")
BUILD_TIMEOUT = 120

PROGRAMS = ("forkwait", "pipes", "threads", "mallocs", "floats", "timesleep", "alarm",
            "dirlist", "tmpfile")
TOOLCHAINS = ("glibc", "musl", "forkscope-cc")
# What a user passes to the compiler driver for these programs.
EXTRA_FLAGS = {"threads": ["-pthread"], "floats": ["-lm"]}

# (program, toolchain) -> why forkscope does not yet run it as Linux does.
KNOWN_DIFFERENT = {
}

_built = {}      # (program, toolchain) -> path, or Exception
_tmp = []


def _workdir():
    if not _tmp:
        _tmp.append(tempfile.mkdtemp(prefix="forkscope-corpus-"))
    return _tmp[0]


def _musl_build(src, out):
    inc = os.path.join(I386_ROOT, "usr/include/i386-linux-musl")
    lib = os.path.join(I386_ROOT, "usr/lib/i386-linux-musl")
    gcc_inc = subprocess.run(["gcc", "-m32", "-print-file-name=include"], capture_output=True,
                             text=True, check=True).stdout.strip()
    libgcc = subprocess.run(["gcc", "-m32", "-print-libgcc-file-name"], capture_output=True,
                            text=True, check=True).stdout.strip()
    obj = out + ".o"
    return [["gcc", "-m32", "-O2", "-nostdinc", "-isystem", inc, "-isystem", gcc_inc,
             "-c", src, "-o", obj],
            # musl's libc.a has libm and libpthread in it.
            ["ld", "-m", "elf_i386", "-static", "-o", out, os.path.join(lib, "crt1.o"),
             os.path.join(lib, "crti.o"), obj, os.path.join(lib, "libc.a"), libgcc,
             os.path.join(lib, "crtn.o")]]


def build(program, toolchain):
    """The static i386 executable of `program` built with `toolchain` (built once)."""
    key = (program, toolchain)
    if key not in _built:
        src = os.path.join(CORPUS_DIR, program + ".c")
        out = os.path.join(_workdir(), "%s.%s" % (program, toolchain))
        flags = EXTRA_FLAGS.get(program, [])
        if toolchain == "glibc":
            commands = [["gcc", "-m32", "-static", "-O2", src, "-o", out] + flags]
        elif toolchain == "musl":
            commands = _musl_build(src, out)
        else:
            commands = [[FORKSCOPE, "cc", src, "-o", out] + flags]
        try:
            for argv in commands:
                p = subprocess.run(argv, capture_output=True, text=True, timeout=BUILD_TIMEOUT)
                if p.returncode != 0:
                    raise AssertionError("building %s with %s failed (%s, status %d):\n%s%s" % (
                        program, toolchain, " ".join(argv), p.returncode, p.stdout, p.stderr))
            # Each binary in a folder of its own: the guest and the reference see one program.
            _built[key] = out
        except (AssertionError, OSError, subprocess.SubprocessError) as e:
            _built[key] = e if isinstance(e, AssertionError) else AssertionError(str(e))
    if isinstance(_built[key], Exception):
        raise _built[key]
    return _built[key]


_BOOT_END = re.compile(r"^rtc: .*$")
_EXIT_LINE = re.compile(r"^exit: status \d+$")


def program_output(text):
    """What the program printed, from forkscope's console transcript (LF line ends):
    without the kernel's boot lines and its closing 'exit: status' line, if shown."""
    lines = text.split("\n")
    if lines and lines[0].startswith("forkscope kernel "):
        for i, line in enumerate(lines):
            if _BOOT_END.match(line):
                lines = lines[i + 1:]
                break
    while lines and lines[-1] == "":
        lines.pop()
    if lines and _EXIT_LINE.match(lines[-1]):
        lines.pop()
    return "".join(line + "\n" for line in lines)


def reference(program, toolchain):
    """(stdout, exit status) of the binary run as Linux would run it."""
    path = build(program, toolchain)
    # The guest's environment, not the test's: meson sets MALLOC_PERTURB_, which makes
    # glibc fill fresh malloc blocks with a byte that changes from run to run.
    p = i386_runner.run(path, timeout=BUILD_TIMEOUT, env={"HOME": "/", "TERM": "linux"})
    return p.stdout.decode("utf-8", "replace"), p.returncode


def in_guest(program, toolchain):
    """(program output, exit status, the run) in forkscope."""
    path = build(program, toolchain)
    run = forkscope(path)
    return program_output(run.text), run.returncode, run


class CorpusTest(ForkscopeTestCase):

    @classmethod
    def setUpClass(cls):
        if not CORPUS_DIR or not FORKSCOPE:
            raise unittest.SkipTest("CORPUS_DIR or FORKSCOPE not set (run through meson test)")
        if not os.path.isfile(os.path.join(I386_ROOT, "usr/lib/i386-linux-musl/libc.a")):
            raise AssertionError("musl i386 is missing from %r: run scripts/fetch_i386.sh "
                                 "(scripts/setup.sh does)" % I386_ROOT)

    def check(self, program, toolchain):
        known = KNOWN_DIFFERENT.get((program, toolchain))
        if known and toolchain == "forkscope-cc":
            try:
                build(program, toolchain)
            except AssertionError:
                return      # it does not even build yet: still different
        want_out, want_status = reference(program, toolchain)
        self.assertNotEqual(want_out, "", "the reference run printed nothing")
        got_out, got_status, run = in_guest(program, toolchain)
        if known:
            self.assertNotEqual((got_out, got_status), (want_out, want_status),
                                "%s built with %s now runs as under Linux: remove it from "
                                "KNOWN_DIFFERENT (%s)" % (program, toolchain, known))
            return
        self.assertEqual(got_out, want_out, run.describe())
        self.assertEqual(got_status, want_status, run.describe())
        self.assertEqual(run.stderr, "", run.describe())


def _add_tests():
    for program in PROGRAMS:
        for toolchain in TOOLCHAINS:
            def test(self, program=program, toolchain=toolchain):
                self.check(program, toolchain)
            name = "test_%s_%s" % (program, toolchain.replace("-", "_"))
            setattr(CorpusTest, name, test)


_add_tests()


def tearDownModule():
    for d in _tmp:
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()

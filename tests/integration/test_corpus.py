"""The corpus: ordinary C programs (tests/corpus/*.c) built the three ways users build
them -- `gcc -m32 -static` (glibc), musl's static libc (Debian's musl-dev:i386, unpacked
by scripts/fetch_i386.sh into .deps/i386) and `forkscope cc` -- each run in forkscope and
"as Linux would" (tests/i386_runner.py: directly, or under qemu-i386), with equal stdout
and exit status, and check=vm finding nothing wrong in the guest. One test per program
and toolchain.

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
import musl
from forkscope_testlib import ForkscopeTestCase, forkscope, FORKSCOPE

CORPUS_DIR = os.environ.get("CORPUS_DIR", "")
BUILD_TIMEOUT = 120
# A hang detector, not a speed limit: pipes makes 5,000 system calls, each checked by
# check=vm; that takes 6 s in the plain build and nearly a minute in the sanitized one.
GUEST_TIMEOUT = 300

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


def _compile(program, toolchain, src, out):
    flags = EXTRA_FLAGS.get(program, [])
    if toolchain == "musl":
        musl.build(src, out)       # musl's libc.a has libm and libpthread in it
        return
    if toolchain == "glibc":
        argv = ["gcc", "-m32", "-static", "-O2", src, "-o", out] + flags
    else:
        argv = [FORKSCOPE, "cc", src, "-o", out] + flags
    p = subprocess.run(argv, capture_output=True, text=True, timeout=BUILD_TIMEOUT)
    if p.returncode != 0:
        raise AssertionError("%s: status %d\n%s%s" % (" ".join(argv), p.returncode, p.stdout, p.stderr))


def build(program, toolchain):
    """The static i386 executable of `program` built with `toolchain` (built once; a
    failed build fails every test that needs it)."""
    key = (program, toolchain)
    if key not in _built:
        out = os.path.join(_workdir(), "%s.%s" % (program, toolchain))
        try:
            _compile(program, toolchain, os.path.join(CORPUS_DIR, program + ".c"), out)
            _built[key] = out
        except (AssertionError, OSError, subprocess.SubprocessError) as e:
            _built[key] = AssertionError("building %s with %s failed: %s" % (program, toolchain, e))
    if isinstance(_built[key], Exception):
        raise _built[key]
    return _built[key]


def reference(program, toolchain):
    """(stdout, exit status) of the binary run as Linux would run it."""
    path = build(program, toolchain)
    # The guest's environment, not the test's: meson sets MALLOC_PERTURB_, which makes
    # glibc fill fresh malloc blocks with a byte that changes from run to run.
    p = i386_runner.run(path, timeout=BUILD_TIMEOUT, env={"HOME": "/", "TERM": "linux"})
    return p.stdout.decode("utf-8", "replace"), p.returncode


CHECK_VM_LINE = re.compile(r"^check=vm: \d+ system calls checked, (\d+) violations\n", re.M)


def in_guest(program, toolchain):
    """(output, check=vm's violations or None, exit status, the run) in forkscope, with
    check=vm. A program's run boots quietly, so the console holds what the program
    printed and, at the end, check=vm's summary line, which is taken out."""
    path = build(program, toolchain)
    run = forkscope("--append", "check=vm", path, timeout=GUEST_TIMEOUT)
    m = None
    for m in CHECK_VM_LINE.finditer(run.text):
        pass
    if not m:
        return run.text, None, run.returncode, run
    return run.text[:m.start()] + run.text[m.end():], int(m.group(1)), run.returncode, run


class CorpusTest(ForkscopeTestCase):

    @classmethod
    def setUpClass(cls):
        if not CORPUS_DIR or not FORKSCOPE:
            raise unittest.SkipTest("CORPUS_DIR or FORKSCOPE not set (run through meson test)")

    def check(self, program, toolchain):
        known = KNOWN_DIFFERENT.get((program, toolchain))
        if known and toolchain == "forkscope-cc":
            try:
                build(program, toolchain)
            except AssertionError:
                return      # it does not even build yet: still different
        want_out, want_status = reference(program, toolchain)
        self.assertNotEqual(want_out, "", "the reference run printed nothing")
        got_out, violations, got_status, run = in_guest(program, toolchain)
        if known:
            self.assertNotEqual((got_out, got_status), (want_out, want_status),
                                "%s built with %s now runs as under Linux: remove it from "
                                "KNOWN_DIFFERENT (%s)" % (program, toolchain, known))
            return
        self.assertEqual(violations, 0, "check=vm: " + run.describe())
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

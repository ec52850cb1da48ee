"""One way to run a static i386 Linux program "as Linux would", for every test and
benchmark that compares the guest with the real thing (Python 3 standard library only).

The runner is decided once per process: directly when the host runs i386 programs (a
kernel with IA32 emulation), else under QEMU's user mode, `qemu-i386` on PATH (Debian
package qemu-user, which scripts/setup.sh installs). FORKSCOPE_I386_RUNNER=native,
qemu-i386 or auto (the default) forces a choice, so either path can be checked on any
host. When the chosen way does not work, using it raises RunnerError, an
AssertionError: the native half of a test fails, loudly. A lost oracle is not a skip.

qemu-i386 is not Linux everywhere. DEVIATIONS lists where it differs, checked by
running the programs under qemu-i386 7.2; under qemu-i386 a test skips the native half
of a program that hits one (skip_if_deviates), naming it. WORKED_AROUND lists the
differences this module hides, and how.
"""

import atexit
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

ENV_VAR = "FORKSCOPE_I386_RUNNER"
QEMU = "qemu-i386"

# Where qemu-i386 (7.2) differs from Linux: name -> (what differs, the programs whose
# native transcript it changes). Their native halves skip under qemu-i386. The programs
# are images/programs' and "threads" (tests/integration/test_threads.py); none of them
# uses CLONE_VM without CLONE_THREAD today.
DEVIATIONS = {
    "vfork": ("qemu-i386 runs vfork as fork: the parent is not suspended and never sees the child's "
              "stores", ("vforktest", "clonetest", "vfork kill-parent")),
    "clone-vm": ("qemu-i386 refuses CLONE_VM without CLONE_THREAD: clone(CLONE_VM | SIGCHLD) fails "
                 "with EINVAL", ()),
    "clone-settls": ("qemu-i386 loads CLONE_SETTLS's user_desc in the new thread and ignores its errors: "
                     "clone succeeds where Linux fails with EFAULT or EINVAL",
                     ("threads",)),
    "rlimit-nproc": ("qemu-i386's own threads count against RLIMIT_NPROC: a child forked near the limit "
                     "cannot start qemu's RCU thread and aborts", ("forkbomb",)),
    "rlimit-stack": ("qemu-i386 accepts setrlimit(RLIMIT_STACK) but ignores it: the guest's stack is "
                     "qemu's own fixed-size mapping, so deep recursion does not die of SIGSEGV",
                     ("forkbomb",)),
    "signal-fpu": ("qemu-i386 does not restore the x87 registers and control word from a signal "
                   "frame (xmm0-7 and MXCSR it does), and starts a handler with the interrupted "
                   "FPU state where Linux starts it from the initial one", ("fputest signals", "fputest x87")),
    "tls-reload": ("qemu-i386 leaves a selector in %gs when set_thread_area clears the slot it "
                   "names, where Linux reloads %gs (null)", ("tlsblock clear",)),
    "sigreturn-bad-gs": ("qemu-i386 aborts (an RCU assertion) on rt_sigreturn to a %gs that cannot "
                         "be loaded, where Linux loads a null selector", ("tlsblock sigreturn",)),
    "old-getrlimit": ("qemu-i386's old getrlimit (i386 system call 76) reads RLIM_INFINITY as "
                      "0xffffffff where Linux reads 0x7fffffff", ("forkbomb",)),
    "madvise": ("qemu-i386 answers any madvise advice with 0, holes and unknown advice included, "
                "and ignores MADV_WIPEONFORK and MADV_DONTFORK", ("mmtest",)),
    "mremap": ("qemu-i386 keeps its own map of the guest's address space: a mapping cut short by "
               "munmap does not grow in place again, and the move that follows crashes the program",
               ("mmtest",)),
    "vdso": ("qemu-i386 gives i386 programs no vDSO (no AT_SYSINFO, no AT_SYSINFO_EHDR), as Linux "
             "booted with vdso=0 does: their system calls go through int 0x80", ("vdso",)),
    "tls-validate": ("qemu-i386 takes code, not-present and 16-bit TLS descriptors in set_thread_area, "
                     "where Linux refuses them with EINVAL", ("segments tls-kinds",)),
    "segment-reload": ("qemu-i386 does not load CS and SS again on the way back from a system call or "
                       "a sigreturn, where Linux's iret does: a selector whose descriptor is gone, or "
                       "that CPL 3 may not load, does not fault (SIGSEGV on Linux), and a sigreturn to "
                       "such a CS aborts qemu", ("segments ss-cleared", "segments ss-cleared-caught",
                                                 "segments sigreturn-cs", "segments sigreturn-ss",
                                                 "sigframe sigreturn-zero")),
    "phdr-limit": ("qemu-i386 loads a program header table larger than Linux's 64 KiB limit, where "
                   "Linux's execve fails with ENOEXEC", ("phdrs 2049",)),
    "icebp": ("qemu-i386 raises SIGILL for icebp (INT1, 0xf1), where Linux delivers the #DB trap "
              "as SIGTRAP", ("instructions icebp", "instructions icebp-uncaught")),
    "lock-ud": ("qemu-i386 runs most instructions with a lock prefix the SDM does not allow (lock stc, "
                "lock mov, lock iret), where Linux's CPU raises #UD and the program gets SIGILL",
                ("instructions lock", "instructions lock-uncaught")),
    "clone-parent": ("qemu-i386 runs clone without CLONE_VM as a fork of its own: CLONE_PARENT and the "
                     "exit signal are not Linux's (the sibling is the caller's child, an orphan's exit "
                     "is not seen to be reaped)", ("clone_parent sigkill", "clone_parent adopted")),
    "fp-exceptions": ("qemu-i386 raises no unmasked x87 or SSE exception (no SIGFPE for any, the x87 "
                      "zero-divide included), where Linux's CPU raises #MF and #XM", ("fpu all",)),
    "iret-vm": ("qemu-i386 kills a program with SIGSEGV whose iret pops EFLAGS with VM set, where "
                "Linux's CPU ignores VM at CPL 3 and the program goes on", ("frames iret-vm",)),
    "nt-iret": ("qemu-i386 turns the #TS of an iret with EFLAGS.NT set (a task return) into SIGSEGV "
                "with si_code SEGV_MAPERR, where Linux gives SI_KERNEL", ("frames nt-iret",)),
    "proc-self": ("qemu-i386 makes up /proc/self/maps and /proc/self/stat itself (its own layout, "
                  "no state letter) and hands an execve of /proc/self/exe to the host, which finds "
                  "qemu there", ("proctest",)),
}

# Differences this module takes care of, so the programs' own behaviour is compared:
WORKED_AROUND = {
    "execve": "qemu-i386 hands execve to the host kernel, which cannot run i386 programs here. "
              "So a program runs from a mirror of its folder where each i386 program is a small "
              "host wrapper that runs the real one under qemu-i386 with the caller's argv[0] and "
              "environment; other files are symbolic links (notelf still fails with ENOEXEC). "
              "Paths a program is to execve come from exec_path().",
    "signal-report": "qemu-i386 writes 'qemu: uncaught target signal N (NAME) - core dumped' on "
                     "stderr when a core-dumping signal kills the program (even with no core "
                     "file): clean() removes exactly that line.",
}

_REPORT = r"^qemu: uncaught target signal \d+ \([^)\n]*\) - core dumped\r?\n"
_REPORT_TEXT = re.compile(_REPORT, re.M)
_REPORT_BYTES = re.compile(_REPORT.encode(), re.M)

# The wrapper: the program of the same name in the folder ".i386" beside it (a symbolic
# link to the real folder), run under qemu-i386 with our argv[0], arguments and environment.
WRAPPER_C = r"""
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *execfn = (const char *)getauxval(AT_EXECFN);
	const char *slash = strrchr(execfn, '/');
	char real[4096];
	if (slash)
		snprintf(real, sizeof(real), "%.*s/.i386/%s", (int)(slash - execfn), execfn, slash + 1);
	else
		snprintf(real, sizeof(real), ".i386/%s", execfn);
	char **args = calloc(argc + 5, sizeof(*args));
	int n = 0;
	args[n++] = QEMU;
	args[n++] = "-0";
	args[n++] = argc > 0 ? argv[0] : "";
	args[n++] = real;
	for (int i = 1; i < argc; i++)
		args[n++] = argv[i];
	execv(QEMU, args);
	fprintf(stderr, "%s: %s\n", QEMU, strerror(errno));
	return 127;
}
"""


class RunnerError(AssertionError):
    """No way to run i386 programs: the native half of a test fails with this."""


def probe_program():
    """A minimal static i386 ELF: exit(42) through int 0x80."""
    code = bytes([0xB8, 1, 0, 0, 0,       # mov eax, 1 (exit)
                  0xBB, 42, 0, 0, 0,      # mov ebx, 42
                  0xCD, 0x80])            # int 0x80
    base, offset = 0x08048000, 52 + 32
    ehdr = (b"\x7fELF" + bytes([1, 1, 1, 0]) + bytes(8) +
            struct.pack("<HHIIIIIHHHHHH", 2, 3, 1, base + offset, 52, 0, 0, 52, 32, 1, 0, 0, 0))
    phdr = struct.pack("<IIIIIIII", 1, 0, base, base, offset + len(code), offset + len(code), 5, 0x1000)
    return ehdr + phdr + code


def is_i386_elf(path):
    try:
        with open(path, "rb") as f:
            head = f.read(20)
    except OSError:
        return False
    return len(head) == 20 and head[:6] == b"\x7fELF\x01\x01" and head[18:20] == b"\x03\x00"


def _try(argv):
    """None if argv runs the probe (exit status 42), else why not."""
    try:
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
    except OSError as e:
        return e.strerror or str(e)
    except subprocess.SubprocessError as e:
        return str(e)
    if p.returncode != 42:
        return "the probe exited with %d, not 42: %s" % (p.returncode, p.stderr.decode(errors="replace").strip())
    return None


class Runner:
    """Runs i386 programs directly: argv is the program's, paths are themselves."""

    name = "native"

    def command(self, path, *args):
        """The argv that runs the program `path` with `args`."""
        return [path, *args]

    def exec_path(self, path):
        """The path under which a program must execve `path` (a program or a folder of
        them, e.g. for PATH)."""
        return path

    def clean(self, output):
        """The output (str or bytes) without what the runner itself adds."""
        return output

    def deviations(self, program):
        """[(name, what differs)] of DEVIATIONS that change `program`'s native transcript."""
        return []


class QemuRunner(Runner):
    """Runs i386 programs under qemu-i386, from mirrors of their folders (see WORKED_AROUND)."""

    name = QEMU

    def __init__(self, qemu, root):
        self.qemu = qemu
        self.root = root
        self.mirrors = {}
        src = os.path.join(root, "wrapper.c")
        with open(src, "w") as f:
            f.write(WRAPPER_C)
        self.wrapper = os.path.join(root, "wrapper")
        cc = shutil.which("cc") or shutil.which("gcc")
        if not cc:
            raise RunnerError("no C compiler (cc) for the qemu-i386 exec wrapper")
        p = subprocess.run([cc, "-O2", '-DQEMU="%s"' % qemu, src, "-o", self.wrapper],
                           capture_output=True, text=True, timeout=120)
        if p.returncode != 0:
            raise RunnerError("cannot build the qemu-i386 exec wrapper:\n" + p.stderr)

    def mirror(self, folder):
        folder = os.path.abspath(folder)
        m = self.mirrors.get(folder)
        if m is None:
            m = os.path.join(self.root, "m%d" % len(self.mirrors))
            os.mkdir(m)
            os.symlink(folder, os.path.join(m, ".i386"))
            self.mirrors[folder] = m
        # Files may have been added since: bring the mirror up to date.
        for name in os.listdir(folder):
            if name == ".i386":
                continue
            entry, real = os.path.join(m, name), os.path.join(folder, name)
            wrap = os.path.isfile(real) and is_i386_elf(real)
            if os.path.lexists(entry):
                if os.path.islink(entry) != wrap:
                    continue         # a wrapper for a program, a link for anything else
                os.unlink(entry)     # the file changed kind
            if wrap:
                os.link(self.wrapper, entry)
            else:
                os.symlink(real, entry)
        return m

    def exec_path(self, path):
        path = os.path.abspath(path)
        if os.path.isdir(path):
            return self.mirror(path)
        return os.path.join(self.mirror(os.path.dirname(path)), os.path.basename(path))

    def command(self, path, *args):
        return [self.qemu, "-0", self.exec_path(path), os.path.abspath(path), *args]

    def clean(self, output):
        if isinstance(output, bytes):
            return _REPORT_BYTES.sub(b"", output)
        return _REPORT_TEXT.sub("", output)

    def deviations(self, program):
        return [(name, what) for name, (what, programs) in DEVIATIONS.items() if program in programs]


_chosen = []   # [Runner] or [RunnerError]: decided once per process


def _decide():
    choice = os.environ.get(ENV_VAR, "") or "auto"
    if choice not in ("auto", "native", QEMU):
        raise RunnerError("%s=%s: use native, %s or auto" % (ENV_VAR, choice, QEMU))
    root = tempfile.mkdtemp(prefix="forkscope-i386-")
    atexit.register(shutil.rmtree, root, True)
    probe = os.path.join(root, "probe")
    with open(probe, "wb") as f:
        f.write(probe_program())
    os.chmod(probe, 0o755)

    native_why = _try([probe]) if choice in ("auto", "native") else None
    if choice == "native" or (choice == "auto" and native_why is None):
        if native_why:
            raise RunnerError("%s=native, but this host cannot run i386 programs directly: %s"
                              % (ENV_VAR, native_why))
        return Runner(), "natively"
    qemu = shutil.which(QEMU)
    qemu_why = _try([qemu, probe]) if qemu else "%s is not on PATH (Debian: qemu-user)" % QEMU
    if qemu_why:
        if choice == QEMU:
            raise RunnerError("%s=%s, but %s" % (ENV_VAR, QEMU, qemu_why))
        raise RunnerError("this host cannot run i386 programs: directly: %s; and %s. Install qemu-user "
                          "(scripts/setup.sh does) or use a kernel with IA32 emulation"
                          % (native_why, qemu_why))
    why = " (direct execution: %s)" % native_why if native_why else " (%s=%s)" % (ENV_VAR, QEMU)
    return QemuRunner(qemu, root), "under %s%s" % (qemu, why)


def runner():
    """The Runner of this process; raises RunnerError when i386 programs cannot run."""
    if not _chosen:
        try:
            r, how = _decide()
            print("i386_runner: i386 programs run %s" % how, file=sys.stderr, flush=True)
            _chosen.append(r)
        except (RunnerError, OSError, subprocess.SubprocessError) as e:
            _chosen.append(e if isinstance(e, RunnerError) else RunnerError(str(e)))
    if isinstance(_chosen[0], Exception):
        raise _chosen[0]
    return _chosen[0]


def run(path, *args, merge_stderr=False, **kwargs):
    """subprocess.run of the program `path` with `args` through the runner, output
    cleaned (stderr, or stdout when merge_stderr puts stderr there). Keyword arguments
    go to subprocess.run; stdin is closed unless `input` is given. Natively the output
    is the program's own; under qemu-i386, see WORKED_AROUND."""
    r = runner()
    kwargs.pop("capture_output", None)   # captured anyway
    if kwargs.get("input") is None:
        kwargs.pop("input", None)
        kwargs.setdefault("stdin", subprocess.DEVNULL)
    kwargs.setdefault("stdout", subprocess.PIPE)
    kwargs.setdefault("stderr", subprocess.STDOUT if merge_stderr else subprocess.PIPE)
    p = subprocess.run(r.command(path, *args), **kwargs)
    if p.stdout is not None and merge_stderr:
        p.stdout = r.clean(p.stdout)
    if p.stderr is not None:
        p.stderr = r.clean(p.stderr)
    return p


def skip_if_deviates(testcase, program):
    """Skips `testcase` (the native half of `program`) when the runner is known to run
    `program` unlike Linux, naming the deviations."""
    found = runner().deviations(program)
    if found:
        testcase.skipTest("native half of %s skipped: known deviations of %s from Linux: %s" % (
            program, runner().name, "; ".join("%s (%s)" % d for d in found)))

"""Programs that try to bring the kernel down, and must end as on Linux instead, with
the kernel unharmed (check=vm: 0 violations, the machine exits with the program's own
status). tests/integration/hostile/*.c, built with glibc (gcc -m32 -static) and with
musl (Debian's, .deps/i386: I386_ROOT), each case in a run of its own, in the guest and
natively (tests/i386_runner.py).

segments.c: selectors the kernel cannot load on the iret back to user mode. A TLS slot
SS holds, cleared by set_thread_area, or a sigreturn frame's CS or SS that CPL 3 may not
load: the iret faults in the kernel (before, an oops stopped the machine), and the
program gets that fault as its own, SIGSEGV, as x86-64 Linux's fixup_bad_iret gives it.
set_thread_area refuses code, not-present and 16-bit segments, as Linux does.
qemu-i386 checks none of this (i386_runner.DEVIATIONS "tls-validate",
"segment-reload"): there the native half skips, naming them.

instructions.c: syscall is #UD on an i386 CPU (SIGILL at the instruction; before, the
program went on past it), icebp a #DB trap (SIGTRAP after it; before, SIGILL), and so is
a lock prefix on an instruction that cannot take one (SIGILL; before, QEMU ran it). Natively
the syscall cases skip on AMD CPUs, which run syscall in 32-bit compatibility mode as a
system call (Linux's entry_SYSCALL_compat); qemu-i386 raises SIGILL for icebp
(DEVIATIONS "icebp"). code-reuse runs code written into a page whose frame held other
code a moment ago (before, the old code's translations ran).

privileged.c: instructions ring 3 may not execute (hlt, cli, sti, in, out, lgdt, lidt,
ltr, clts, control and debug register moves, rdmsr, wrmsr, invd, wbinvd, int $N through
a gate of DPL 0): each SIGSEGV with si_code SI_KERNEL and si_addr 0 at the instruction,
as Linux gives them (before, si_code was -128: the kernel kept it in a signed byte).

sigframe.c: signals whose frame cannot be built (a stack overflow with a SIGSEGV handler,
on no alternate stack, an unmapped one and a read-only one; a SIGSEGV handler that
faults, with and without SA_NODEFER) end the program with SIGSEGV at once, a storm of
1000 nested signals is handled, and rt_sigreturn over a frame of zeros is SIGSEGV. Run
with the test's time limit, a kernel that retried a delivery for ever fails here.
qemu-i386 aborts on the zero frame (DEVIATIONS "segment-reload").

vfork.c: a vfork parent whose child never execs or exits is killed by SIGKILL at once,
as on Linux since 3.6 (before, it slept uninterruptibly and the run hung). qemu-i386
runs vfork as fork (DEVIATIONS "vfork"): its native half skips.

exhaust.c: memory and processes used up (in 16 and 12 MiB of RAM): the out-of-memory killer
ends the child with SIGKILL, fork fails with EAGAIN at the task limit, and a fork works
again afterwards, with check=vm clean. Natively they would use up the host: skipped.

frames.c: far transfers ring 3 builds itself. iret with EFLAGS.VM set in its image goes
on in protected mode, as the CPU ignores VM at CPL 3 (before, Unicorn entered virtual-8086
mode and the machine stopped: "cannot load segment selector 0x0008"; qemu-i386 kills the
program, DEVIATIONS "iret-vm"), and the image stays as the program wrote it. iret and lret to our CS with RPL 0, to the
null selector or to a data segment, far jumps and calls to a data segment, an LDT
selector with no LDT and the null selector, and iret with EFLAGS.NT (a task return) are
each SIGSEGV with SI_KERNEL at the instruction; iret with IOPL 3 and IF clear in its image
changes neither; a system call with NT set works through int 0x80 and through sysenter,
and NT is kept (before, the sysenter path returned through an iret with NT still set in
the kernel: a task return, and the program got SIGSEGV). qemu-i386 reports the task
return with another si_code (DEVIATIONS "nt-iret").

stepping.c: a program that sets TF on itself traps after every instruction, through a
system call: not after the int 0x80 itself (int clears TF for the kernel), then after
the instruction it returns to, with the call's result in EAX; without a SIGTRAP handler
it dies of SIGTRAP.

threads.c: threads that exit while others fork (200 forks reaped, 50 short-lived
threads joined), a thread that execs while two others fork and reap (the new image runs
alone), and exit() while two threads fork (the process ends with that status).

fpu.c: arithmetic exceptions: x87 and SSE with one kind unmasked each (invalid, stack
overflow, denormal, zero-divide, overflow, underflow, precision), integer divide by zero
and INT_MIN / -1, into and bound: the signal and si_code Linux gives, at the instruction
that reports it. Unicorn raises only the x87 zero-divide of the floating-point kinds
(FPU_NOT_RAISED), qemu-i386 none of them (DEVIATIONS "fp-exceptions").

Program header tables: exec reads up to 64 KiB of them (2048), as Linux does (before:
64, and more were ENOEXEC); 2049 are ENOEXEC. qemu-i386 loads more (DEVIATIONS
"phdr-limit").

clone_parent.c: exit signals a program may not choose for others. A CLONE_PARENT child
reports with its creator's own exit signal (before: SIGKILL killed the caller's parent),
and an orphan adopted by init reports with SIGCHLD, so init's wait reaps it (before: it
stayed a zombie). qemu-i386 runs such clones as forks (DEVIATIONS "clone-parent"); on
Linux the "adopted" orphan goes to the host's init, whose reaping depends on the host,
so its native half always skips, saying so.

meson passes FORKSCOPE, KERNEL, INITRAMFS, I386_ROOT. Python 3 stdlib only.
"""

import errno
import os
import re
import struct
import unittest

import i386_runner
import musl
from forkscope_testlib import TempDir, forkscope, run_native
from test_programs import RTC, ProgramCase

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "hostile")
CHECK_VM = re.compile(r"check=vm: \d+ system calls checked, 0 violations\n\Z")
SIGSEGV = 11

SS_LINE = "segments: SS gets the TLS selector, then the slot is cleared\n"
RAISE_LINE = "segments: raising SIGUSR1\n"
# case -> (output, exit status or -signal)
SEGMENTS = {
    "tls-kinds": ("""\
segments: a code segment: -22
segments: a segment marked not present: -22
segments: a 16-bit segment: -22
segments: a 32-bit data segment: 0
segments: cleared (not present, read-exec-only): 0
segments: cleared (all zero): 0
""", 0),
    "ss-cleared": (SS_LINE, -SIGSEGV),
    "ss-cleared-caught": (SS_LINE + "segments: SIGSEGV handler ran\n", 3),
    "sigreturn-cs": (RAISE_LINE, -SIGSEGV),
    "sigreturn-ss": (RAISE_LINE, -SIGSEGV),
}


# case -> (output, exit status or -signal)
INSTRUCTIONS = {
    "syscall": ("""\
instructions syscall: start
instructions: syscall: SIGILL, si_code ILL_ILLOPN, at the instruction: yes
instructions syscall: went on
""", 0),
    "syscall-uncaught": ("instructions syscall-uncaught: start\n", -4),
    "icebp": ("""\
instructions icebp: start
instructions: icebp: SIGTRAP, si_code TRAP_BRKPT, after the instruction: yes
instructions icebp: went on
""", 0),
    "icebp-uncaught": ("instructions icebp-uncaught: start\n", -5),
    "lock": ("instructions lock: start\n" + "".join(
        "instructions: %s: SIGILL, si_code ILL_ILLOPN, at the instruction: yes\n" % name
        for name in ("lock stc", "lock mov %eax,%ecx", "lock add (%esp),%ecx", "lock iret", "lock sysenter")) +
        "instructions: none of them ran: yes; lock incl of memory: 42\ninstructions lock: went on\n", 0),
    "lock-uncaught": ("instructions lock-uncaught: start\n", -4),
    "code-reuse": ("""\
instructions code-reuse: start
instructions: code-reuse: 64 calls, 0 returned old code's value
instructions code-reuse: went on
""", 0),
}
PRIVILEGED_INSNS = ["hlt", "cli", "sti", "in $0x80, %al", "out %al, $0x80", "lgdt", "lidt", "ltr", "clts",
                    "mov to %cr0", "mov from %cr0", "mov from %cr3", "mov to %dr7", "rdmsr", "wrmsr", "invd",
                    "wbinvd", "int $0x0d", "int $0x0e", "int $0x81", "int $0xff"]
PRIVILEGED = {
    "all": ("".join("privileged: %s: SIGSEGV, si_code SI_KERNEL, si_addr 0, at the instruction: yes\n" % i
                    for i in PRIVILEGED_INSNS) + "privileged: %d signals, went on\n" % len(PRIVILEGED_INSNS), 0),
    "uncaught": ("privileged uncaught: hlt\n", -SIGSEGV),
}
SIGFRAME = {case: ("sigframe %s: start\n" % case, -SIGSEGV)
            for case in ("overflow", "altstack-unmapped", "altstack-readonly", "handler-faults", "nodefer-faults",
                         "sigreturn-zero")}
SIGFRAME["storm"] = ("sigframe storm: start\nsigframe: 1000 signals handled\n", 0)
VFORK = {
    "kill-parent": ("""\
vfork: the vfork child runs, its parent waits
vfork: the waiting parent was killed by SIGKILL: yes
vfork: the child outlived it: yes
""", 0),
}
EXHAUST = {
    "memory": ("exhaust: the child that touched page after page: Killed\nexhaust: fork afterwards: yes\n"),
    "processes": ("exhaust: fork failed with EAGAIN after more than 100 children: yes\n"
                  "exhaust: every child reaped: yes\nexhaust: fork afterwards: yes\n"),
}
OOM_LINE = re.compile(r"Out of memory: killing pid \d+ \(exhaust\.\w+\) at a fault at 0x[0-9a-f]{8}\n")
CLONE_PARENT = {
    "sigkill": ("""\
clone_parent: the sibling is ours: yes
clone_parent: reaped both without __WCLONE (SIGCHLD), exit codes 0 and 7: yes
clone_parent: and we are alive
""", 0),
    "adopted": ("clone_parent: the orphan was reaped by its new parent: yes\n", 0),
}
FRAMES = {case: ("frames %s: SIGSEGV, si_code SI_KERNEL, at the instruction: yes\n" % case, 0)
          for case in ("iret-cs-rpl0", "iret-cs-null", "iret-cs-data", "lret-cs-rpl0", "ljmp-ds", "ljmp-ldt",
                       "lcall-null", "nt-iret")}
FRAMES.update({
    "iret-vm": ("frames iret-vm: went on, flags & 0x20000: 0x20000\n", 0),
    "iret-iopl": ("frames iret-iopl: went on, flags & 0x3200: 0x200\n", 0),
    "iret-own": ("frames iret-own: went on, flags & 0x4000: 0\n", 0),
    "lret-own": ("frames lret-own: went on, flags & 0x4000: 0\n", 0),
    "nt-int80": ("frames nt-int80: getpid with NT set: right pid: yes, NT kept: yes\n", 0),
    "nt-sysenter": ("frames nt-sysenter: getpid with NT set: right pid: yes, NT kept: yes\n", 0),
})
STEPPING = {
    "int80": ("""\
stepping int80: getpid gave the pid: yes
stepping int80: trap 1 at step_nop1+1
stepping int80: trap 2 at step_int80
stepping int80: trap 3 at step_nop2+1, EAX the pid
stepping int80: trap 4 at step_nop2+2
stepping int80: trap 5 at step_popf
stepping int80: trap 6 at step_end
""", 0),
    "uncaught": ("stepping uncaught: TF set\n", -5),
}
THREADS = {
    "fork-exit": ("threads fork-exit: 200 forks reaped, 50 short-lived threads joined\n", 0),
    "exec": ("threads exec: the new image runs\n", 0),
    "exit-group": ("", 5),
}
FPU_KINDS = [("x87_invalid", "FPE_FLTINV"), ("x87_stack", "FPE_FLTINV"), ("x87_denormal", "FPE_FLTUND"),
             ("x87_zero_divide", "FPE_FLTDIV"), ("x87_overflow", "FPE_FLTOVF"), ("x87_underflow", "FPE_FLTUND"),
             ("x87_precision", "FPE_FLTRES"), ("sse_invalid", "FPE_FLTINV"), ("sse_denormal", "FPE_FLTUND"),
             ("sse_zero_divide", "FPE_FLTDIV"), ("sse_overflow", "FPE_FLTOVF"), ("sse_underflow", "FPE_FLTUND"),
             ("sse_precision", "FPE_FLTRES")]
# Unicorn 2.1.1 (QEMU 5.0's x87 and SSE helpers) raises only the x87 zero-divide of these:
# it sets no other x87 exception flag and never raises #XM (test_fpu): under forkscope the
# program goes on with the masked result where Linux sends SIGFPE. README says so.
FPU_NOT_RAISED = {name for name, _ in FPU_KINDS if name != "x87_zero_divide"}
FPU_INTEGER = ("fpu int_divide_zero: SIGFPE, FPE_INTDIV, EIP at the instruction: yes\n"
               "fpu int_divide_overflow: SIGFPE, FPE_INTDIV, EIP at the instruction: yes\n"
               "fpu int_into: SIGSEGV, SI_KERNEL, EIP at the instruction: yes\n"
               "fpu int_bound: SIGSEGV, SI_KERNEL, EIP at the instruction: yes\n")


def fpu_lines(not_raised):
    return "".join("fpu %s: no signal\n" % name if name in not_raised else
                   "fpu %s: SIGFPE, %s, EIP at the instruction: yes\n" % (name, code)
                   for name, code in FPU_KINDS) + FPU_INTEGER


SIGNAL_NAMES = {4: "Illegal instruction", 5: "Trace/breakpoint trap", 8: "Floating point exception",
                11: "Segmentation fault"}


def many_program_headers(count):
    """A static i386 executable with `count` program headers: one PT_LOAD of the whole
    file, then PT_NULL entries, then code that exits with status 7."""
    code = b"\xb8\x01\x00\x00\x00\xbb\x07\x00\x00\x00\xcd\x80"   # exit(7)
    base, code_offset = 0x08048000, 52 + 32 * count
    size = code_offset + len(code)
    ident = b"\x7fELF" + bytes([1, 1, 1, 0]) + bytes(8)
    ehdr = ident + struct.pack("<HHIIIIIHHHHHH", 2, 3, 1, base + code_offset, 52, 0, 0, 52, 32, count, 0, 0, 0)
    load = struct.pack("<IIIIIIII", 1, 0, base, base, size, size, 5, 4096)
    return ehdr + load + bytes(32) * (count - 1) + code


def amd_cpu():
    try:
        with open("/proc/cpuinfo") as f:
            return "AuthenticAMD" in f.read()
    except OSError:
        return False


def build(d, name, toolchain):
    return musl.build_static(toolchain, os.path.join(HERE, name + ".c"), d.path("%s.%s" % (name, toolchain)))


class Hostile(ProgramCase):
    maxDiff = None

    def guest(self, exe, case, output, status):
        # check=vm after each of sigframe storm's 4,000 system calls: 4 s plain, far more
        # with sanitizers on a loaded machine.
        r = forkscope("--rtc-time", RTC, "--append", "check=vm", exe, case, timeout=300)
        name = os.path.basename(exe)
        if status < 0:
            # init reports the signal; forkscope exits with the shell's 128 + signal.
            self.assertExit(r, 128 - status)
            output += "init: /bin/%s killed by signal %d (%s)\n" % (name, -status, SIGNAL_NAMES[-status])
        else:
            self.assertExit(r, status)
        m = CHECK_VM.search(r.text)
        self.assertIsNotNone(m, r.describe())
        self.assertEqual(r.text[:m.start()], output, r.describe())

    def native(self, exe, program, case, output, status):
        with self.subTest(native=case):
            i386_runner.skip_if_deviates(self, program + " " + case)
            if program == "clone_parent" and case == "adopted":
                self.skipTest("native half of clone_parent adopted skipped: the orphan goes to the "
                              "host's init, which may not reap it (a container's init)")
            if case.startswith("syscall") and i386_runner.runner().name == "native" and amd_cpu():
                self.skipTest("native half of instructions %s skipped: on AMD CPUs syscall in 32-bit "
                              "compatibility mode is a system call, not #UD" % case)
            r = run_native(exe, case)
            self.assertEqual(r.returncode, status, r.describe())
            self.assertEqual(r.text, output, r.describe())

    def run_cases(self, program, cases):
        """Every case of hostile/<program>.c, built with both C libraries: guest, then native."""
        for toolchain in ("glibc", "musl"):
            with self.subTest(toolchain=toolchain), TempDir() as d:
                exe = build(d, program, toolchain)
                for case, (output, status) in cases.items():
                    with self.subTest(case=case):
                        self.guest(exe, case, output, status)
                        self.native(exe, program, case, output, status)

    def test_segments(self):
        self.run_cases("segments", SEGMENTS)

    def test_clone_parent(self):
        self.run_cases("clone_parent", CLONE_PARENT)

    def test_instructions(self):
        self.run_cases("instructions", INSTRUCTIONS)

    def test_privileged(self):
        self.run_cases("privileged", PRIVILEGED)

    def test_sigframe(self):
        self.run_cases("sigframe", SIGFRAME)

    def test_frames(self):
        self.run_cases("frames", FRAMES)

    def test_stepping(self):
        self.run_cases("stepping", STEPPING)

    def test_threads(self):
        self.run_cases("threads", THREADS)

    def test_fpu(self):
        """Linux's answers natively; under forkscope the same but for the kinds Unicorn
        does not raise (FPU_NOT_RAISED), which must stay unraised: one that starts
        to be raised fails here, so that this list and README are brought up to date."""
        for toolchain in ("glibc", "musl"):
            with self.subTest(toolchain=toolchain), TempDir() as d:
                exe = build(d, "fpu", toolchain)
                self.guest(exe, "all", fpu_lines(FPU_NOT_RAISED), 0)
                self.native(exe, "fpu", "all", fpu_lines(()), 0)
                self.guest(exe, "uncaught", "fpu uncaught: divide by zero\n", -8)
                self.native(exe, "fpu", "uncaught", "fpu uncaught: divide by zero\n", -8)

    def test_vfork(self):
        self.run_cases("vfork", VFORK)

    def test_exhaust(self):
        """Memory and processes used up under check=vm: the kernel's out-of-memory
        handling kills the child (one line on the console), fork fails with EAGAIN at
        the task limit, and afterwards everything is back. The processes case runs in
        12 MiB (192 tasks, within memory) and with glibc only: check=vm walks every
        address space after every call, and a sanitized build takes minutes at 16 MiB."""
        for toolchain in ("glibc", "musl"):
            with self.subTest(toolchain=toolchain), TempDir() as d:
                exe = build(d, "exhaust", toolchain)
                for case, output in EXHAUST.items():
                    if case == "processes" and toolchain != "glibc":
                        continue
                    with self.subTest(case=case):
                        ram = "12" if case == "processes" else "16"
                        r = forkscope("--rtc-time", RTC, "--ram", ram, "--append", "check=vm", exe, case,
                                      timeout=300)
                        self.assertExit(r, 0)
                        m = CHECK_VM.search(r.text)
                        self.assertIsNotNone(m, r.describe())
                        text = r.text[:m.start()]
                        if case == "memory":
                            self.assertEqual(len(OOM_LINE.findall(text)), 1, r.describe())
                            text = OOM_LINE.sub("", text)
                        self.assertEqual(text, output, r.describe())
                    with self.subTest(native=case):
                        self.skipTest("native half of exhaust %s skipped: it would use up the host's %s the "
                                      "same way" % (case, case))

    def test_program_header_tables(self):
        """exec reads a program header table of up to 64 KiB (2048 entries), as Linux
        does (before: 64 entries; more were ENOEXEC); one more is ENOEXEC."""
        with TempDir() as d:
            for count in (64, 65, 2000, 2048, 2049):
                with self.subTest(program_headers=count):
                    exe = d.path("phdrs%d" % count)
                    with open(exe, "wb") as f:
                        f.write(many_program_headers(count))
                    os.chmod(exe, 0o755)
                    r = forkscope("--rtc-time", RTC, "--append", "check=vm", exe)
                    if count <= 2048:
                        self.assertExit(r, 7)
                        self.assertRegex(r.text, CHECK_VM)
                    else:
                        self.assertExit(r, 127)
                        self.assertIn("init: cannot run /bin/phdrs%d: Exec format error\n" % count, r.text)
                    with self.subTest(native=count):
                        if count <= 2048:
                            n = run_native(exe)
                            self.assertEqual(n.returncode, 7, n.describe())
                            continue
                        i386_runner.skip_if_deviates(self, "phdrs 2049")
                        with self.assertRaises(OSError) as refused:   # execve itself fails
                            run_native(exe)
                        self.assertEqual(refused.exception.errno, errno.ENOEXEC)


if __name__ == "__main__":
    unittest.main()

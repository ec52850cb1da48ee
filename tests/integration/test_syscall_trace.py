"""forkscope run --trace syscall: the system call trace, as strace -f prints it, on stderr
or in --trace-file. A program compiled for the test (forkscope cc) makes one of each
call the trace decodes in its own way: fork, execve (argv shown, the environment
counted), wait4 (the status decoded at exit), a fork-style clone, a number Linux i386
does not have (syscall_0x1f3, ENOSYS) and a pointer that cannot be read (shown as its
address, EFAULT). The same binary runs natively with the same output. Also: a subset
(syscall=fork,clone,execve,wait4), blocking calls printed "<unfinished ...>" and
"<... NAME resumed>" as other tasks' calls come between, the program's output left
alone, the trace the same on every run, and the errors (an unknown name, a kernel
without the kernel-info table).

meson passes FORKSCOPE, KERNEL, INITRAMFS, PROGRAMS_DIR, TEST_KERNEL_*. Python 3 stdlib only.
"""

import re
import subprocess
import unittest

from forkscope_testlib import (EXIT_BAD_IMAGE, EXIT_USAGE, FORKSCOPE, RUN_TIMEOUT, ForkscopeTestCase, TempDir,
                               forkscope, run_native, test_kernel)
from test_programs import GUARD, RTC, have_cc

TRACETEST_C = r"""
/* One of each call the system call trace decodes in its own way. */
#include <errno.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#define NR_open 5
#define NR_clone 120
#define NR_unknown 0x1f3   /* no Linux i386 call has this number */
#define EXIT_SIGCHLD 17

int main(int argc, char **argv)
{
	int status = 0;
	long r;
	pid_t pid;

	if (argc > 1)          /* the exec'd child */
		return 7;
	pid = fork();
	if (pid == 0) {
		/* On the stack: a literal could sit in a page of the program's file that no
		 * one has touched yet, which the trace cannot read before execve does, and
		 * execve's old memory is gone by its exit (the trace then shows the address). */
		char child[] = "child";
		char *args[] = { argv[0], child, NULL };
		char *env[] = { "TRACE=1", NULL };
		execve(argv[0], args, env);
		_exit(127);
	}
	wait4(pid, &status, 0, NULL);
	printf("tracetest: fork, execve, wait4: exit %d\n", WEXITSTATUS(status));
	r = syscall(NR_clone, EXIT_SIGCHLD, 0, 0, 0, 0);   /* like fork */
	if (r == 0)
		_exit(3);
	wait4(r, &status, 0, NULL);
	printf("tracetest: clone, wait4: exit %d\n", WEXITSTATUS(status));
	r = syscall(NR_unknown, 1, 2, 3);
	printf("tracetest: unknown call: %ld, ENOSYS %s\n", r, errno == ENOSYS ? "yes" : "no");
	r = syscall(NR_open, (char *)1, 0);
	printf("tracetest: open of a bad pointer: %ld, EFAULT %s\n", r, errno == EFAULT ? "yes" : "no");
	return 0;
}
"""

TRANSCRIPT = """\
tracetest: fork, execve, wait4: exit 7
tracetest: clone, wait4: exit 3
tracetest: unknown call: -1, ENOSYS yes
tracetest: open of a bad pointer: -1, EFAULT yes
"""

LINE_RE = re.compile(r"^\[pid (\d+)\] (.*)$")


def calls(trace):
    """The trace's calls as (pid, text), each whole: a "<unfinished ...>" line joined
    with its "<... NAME resumed>" line, in the order the calls started."""
    out, open_at = [], {}
    for line in trace.splitlines():
        m = LINE_RE.match(line)
        if not m:
            raise AssertionError("not a trace line: %r" % line)
        pid, text = int(m.group(1)), m.group(2)
        r = re.match(r"^<\.\.\. (\w+) resumed>(.*)$", text)
        if r:
            i = open_at.pop(pid)
            head = out[i][1]
            if not head.startswith(r.group(1) + "("):
                raise AssertionError("%r resumes %r" % (line, head))
            out[i] = (pid, head + r.group(2))
        elif text.endswith(" <unfinished ...>"):
            open_at[pid] = len(out)
            out.append((pid, text[:-len(" <unfinished ...>")]))
        else:
            out.append((pid, text))
    if open_at:
        raise AssertionError("calls never resumed: %r" % [out[i] for i in open_at.values()])
    return out


class SyscallTraceTest(ForkscopeTestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = TempDir()
        cls.dir = cls.tmp.__enter__()
        cls.binary = None
        cls.cc_error = ""
        if not FORKSCOPE or not have_cc():
            return
        src = cls.dir.write("tracetest.c", TRACETEST_C.encode())
        out = cls.dir.path("tracetest")
        r = subprocess.run([FORKSCOPE, "cc", src, "-o", out], capture_output=True, text=True, timeout=RUN_TIMEOUT)
        cls.cc_error = r.stderr
        if r.returncode == 0:
            cls.binary = out

    @classmethod
    def tearDownClass(cls):
        cls.tmp.__exit__(None, None, None)

    def program(self):
        if not FORKSCOPE:
            self.skipTest("FORKSCOPE is not set (run through meson test)")
        if not have_cc():
            self.skipTest("forkscope cc needs gcc and ld on the host")
        if not self.binary:
            self.fail("forkscope cc failed: " + self.cc_error[:2000])
        return self.binary

    def traced(self, *trace_args, program_args=()):
        return forkscope("--rtc-time", RTC, "--max-instructions", GUARD, *trace_args, self.program(), *program_args)

    def test_sysenter_and_int80_calls_trace_alike(self):
        # With the vDSO (the default) the program's libc enters by sysenter, returning
        # through sysexit to the vDSO page; with vdso=0 it uses int 0x80 and iret. The
        # trace is the same either way, stack addresses apart (the auxiliary vector is
        # two entries longer with the vDSO).
        runs = {}
        for append in ("", "vdso=0"):
            with self.subTest(append=append):
                run = self.traced("--trace", "syscall", "--stats", *(("--append", append) if append else ()))
                self.assertExit(run, 0)
                runs[append] = run
        trace = {a: [(p, re.sub(r"0x[0-9a-f]+", "0x", t))
                     for p, t in calls("\n".join(l for l in r.stderr_lines if not l.startswith("stats:")))]
                 for a, r in runs.items()}
        self.assertGreater(len(trace[""]), 10)
        self.assertEqual(trace[""], trace["vdso=0"])
        self.assertGreater(runs[""].stats()["sysenters"], 10)
        self.assertEqual(runs["vdso=0"].stats()["sysenters"], 0)

    def test_every_kind_of_call_as_strace_prints_it(self):
        run = self.traced("--trace", "syscall")
        self.assertExit(run, 0)
        self.assertEqual(run.text, TRANSCRIPT, run.describe())
        got = calls(run.stderr)
        text = [t for _, t in got]
        # init (pid 1) forks the program (pid 2), which forks 3 and clones 4.
        self.assertIn((1, "fork() = 2"), got)
        self.assertIn((2, 'execve("/bin/tracetest", ["/bin/tracetest"], 0xbfffff00 /* 2 vars */) = 0'), got)
        self.assertIn((2, "fork() = 3"), got)
        execs = [t for p, t in got if p == 3 and t.startswith("execve(")]
        self.assertEqual(len(execs), 1, run.stderr)
        self.assertRegex(execs[0], r'^execve\("/bin/tracetest", \["/bin/tracetest", "child"\], 0x[0-9a-f]+ /\* 1 var \*/\) = 0$')
        self.assertIn((3, "exit_group(7) = ?"), got)
        self.assertIn((2, "wait4(3, [{WIFEXITED(s) && WEXITSTATUS(s) == 7}], 0, NULL) = 3"), got)
        self.assertIn((2, "clone(child_stack=NULL, flags=SIGCHLD) = 4"), got)
        self.assertIn((4, "exit_group(3) = ?"), got)
        self.assertIn((2, "wait4(4, [{WIFEXITED(s) && WEXITSTATUS(s) == 3}], 0, NULL) = 4"), got)
        unknown = [t for t in text if t.startswith("syscall_0x1f3(")]
        self.assertEqual(len(unknown), 1, run.stderr)
        self.assertRegex(unknown[0], r"^syscall_0x1f3\(0x1, 0x2, 0x3, [^)]*\) = -1 ENOSYS \(Function not implemented\)$")
        self.assertIn((2, "open(0x1, O_RDONLY) = -1 EFAULT (Bad address)"), got)
        self.assertIn((2, 'write(1, "tracetest: clone, wait4: exit 3\\n", 32) = 32'), got)
        self.assertIn((1, "wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 2"), got)
        self.assertEqual(got[-1], (1, "exit_group(0) = ?"))
        # The calls in the order the program makes them.
        order = [t.split("(")[0] for p, t in got if p == 2 and not t.startswith(("write(", "ioctl(", "brk("))]
        self.assertEqual(order, ["execve", "fork", "wait4", "clone", "wait4", "syscall_0x1f3", "open", "exit_group"],
                         run.stderr)

    def test_a_blocking_call_is_unfinished_while_others_run(self):
        run = self.traced("--trace", "syscall")
        lines = run.stderr.splitlines()
        # The parent waits for its exec'd child: its wait4 is left open, the child's
        # calls come, then the wait4 resumes with the status.
        i = lines.index("[pid 2] wait4(3,  <unfinished ...>")
        j = lines.index("[pid 2] <... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 7}], 0, NULL) = 3")
        self.assertLess(i, j)
        self.assertIn("[pid 3] exit_group(7) = ?", lines[i + 1:j])
        self.assertTrue(all(l.startswith("[pid 3] ") for l in lines[i + 1:j]), "\n".join(lines[i:j + 1]))

    def test_a_subset_of_calls(self):
        run = self.traced("--trace", "syscall=fork,clone,execve,wait4")
        self.assertExit(run, 0)
        self.assertEqual(run.text, TRANSCRIPT, run.describe())
        names = [t.split("(")[0] for _, t in calls(run.stderr)]
        # In the order they started: init's fork and wait4, the program's exec, fork,
        # wait4, the child's exec, the clone and its wait4.
        self.assertEqual(names, ["fork", "wait4", "execve", "fork", "wait4", "execve", "clone", "wait4"], run.stderr)

    def test_trace_file_holds_the_same_trace_as_stderr_and_every_run_is_the_same(self):
        on_stderr = self.traced("--trace", "syscall")
        with TempDir() as d:
            path = d.path("trace.txt")
            in_file = self.traced("--trace", "syscall", "--trace-file", path)
            self.assertExit(in_file, 0)
            self.assertEqual(in_file.stderr, "", in_file.describe())
            with open(path) as f:
                self.assertEqual(f.read(), on_stderr.stderr)
        self.assertEqual(in_file.text, TRANSCRIPT)

    def test_the_program_prints_the_same_without_the_trace_and_natively(self):
        plain = self.traced()
        self.assertExit(plain, 0)
        self.assertEqual(plain.text, TRANSCRIPT, plain.describe())
        self.assertEqual(plain.stderr, "")
        native = run_native(self.program())
        self.assertEqual(native.returncode, 0, native.describe())
        self.assertEqual(native.text, TRANSCRIPT, native.describe())

    def test_threads_and_vfork_resume_in_pairs(self):
        # clonetest: vfork (the parent sleeps until the child execs), threads on futexes.
        run = forkscope("--rtc-time", RTC, "--max-instructions", GUARD, "--trace", "syscall", "clonetest")
        self.assertExit(run, 0)
        got = calls(run.stderr)   # every unfinished call resumes, by the same name
        self.assertTrue(any(t.startswith("vfork() = ") for _, t in got), run.stderr[-3000:])
        self.assertTrue(any(re.match(r"clone\(child_stack=0x[0-9a-f]+, flags=CLONE_VM\|CLONE_FS\|CLONE_FILES\|CLONE_SIGHAND\|"
                                     r"CLONE_THREAD\|", t) for _, t in got), run.stderr[-3000:])
        self.assertTrue(any(t.startswith("futex(0x") for _, t in got))

    def test_unknown_names_and_kinds_are_usage_errors(self):
        self.assertErrorLine(forkscope("--trace", "syscall=fork,nosuchcall", "hello"), EXIT_USAGE,
                             "nosuchcall", "system call")
        self.assertErrorLine(forkscope("--trace", "sycall", "hello"), EXIT_USAGE, "--trace", "sycall")

    def test_a_kernel_without_the_table_is_refused(self):
        run = forkscope("--kernel", test_kernel("exitcode"), "--trace", "syscall")
        self.assertErrorLine(run, EXIT_BAD_IMAGE, ".forkscope_info")


if __name__ == "__main__":
    unittest.main()

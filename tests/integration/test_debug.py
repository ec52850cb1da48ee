"""forkscope debug: the scripted text debugger on the fork demo.

The transcript of a batch session visits copy_process's lines in the order of the code,
finish returns the child's task, watchpoints stop where the value changes, the dump
commands work at a stop, and bad commands get gdb's messages and exit status 1.
"""

import os
import re
import subprocess
import tempfile
import unittest

import forkscope_testlib as lib


def debug(*args, stdin_bytes=None, timeout=lib.RUN_TIMEOUT):
    if not lib.FORKSCOPE:
        raise unittest.SkipTest("FORKSCOPE is not set (run through meson test)")
    return lib.run_command([lib.FORKSCOPE, "debug", *args], stdin_bytes=stdin_bytes, timeout=timeout)


fork_c_line = lib.fork_c_line
source_line = lib.source_line


class ScriptedSession(unittest.TestCase):
    def test_next_walks_copy_process_and_finish_returns_the_child(self):
        nexts = ["-ex", "next"] * 45
        run = debug("-q", "--break", "copy_process", "-ex", "ignore 1 1", "-ex", "continue", *nexts,
                    "forktest")
        self.assertEqual(run.returncode, 0, run.describe())
        out = run.text
        self.assertIn("Breakpoint 1, copy_process at guestkernel/kernel/fork.c:", out)
        # The lines that `next` printed inside copy_process, in order.
        lines = [int(m.group(1)) for m in re.finditer(r"^\(forkscope\) next\n(?:0x[0-9a-f]+\t)?(\d+)\t", out, re.M)]
        order = [fork_c_line("p = dup_task_struct(current);"),
                 fork_c_line("if ((retval = copy_files(clone_flags, p)))"),
                 fork_c_line("if ((retval = copy_mm(clone_flags, p)))"),
                 fork_c_line("if ((retval = copy_thread_user(clone_flags, p, regs)))")]
        positions = [lines.index(n) for n in order]
        self.assertEqual(positions, sorted(positions), lines)
        # Past copy_process's return, next goes on in its caller.
        self.assertIn("do_fork at guestkernel/kernel/fork.c:", out)

    def test_finish_from_copy_process_names_the_child_task(self):
        run = debug("-q", "--break", "fork", "-ex", "break copy_process", "-ex", "disable 1", "-ex", "continue",
                    "-ex", "enable 1", "-ex", "delete 1", "-ex", "continue", "-ex", "finish", "-ex", "ps", "forktest")
        self.assertEqual(run.returncode, 0, run.describe())
        out = run.text
        self.assertIn("Run till exit from #0  copy_process at guestkernel/kernel/fork.c:", out)
        m = re.search(r'^Value returned is \$1 = \(struct task_struct \*\) (0x[0-9a-f]+) <pid (\d+) "forktest" R>$',
                      out, re.M)
        self.assertIsNotNone(m, out)
        pid = int(m.group(2))
        # ps at the stop lists the child as a new task of the program.
        self.assertRegex(out, r"(?m)^\s+%d\s+\d+\s+%d\s+\S+\s+forktest" % (pid, pid))

    def test_pte_watchpoint_stops_at_the_cow_fault_and_reverse_continue_at_copy_page_range(self):
        # At the program's first fork: the child's data page is shared read-only.
        with tempfile.NamedTemporaryFile("w", suffix=".gdb", delete=False) as f:
            f.write("break fork\ncontinue\nmaps 3\n")
            script = f.name
        try:
            run = debug("-q", "--batch", script, "forktest")
            self.assertEqual(run.returncode, 0, run.describe())
            maps = run.text
            m = re.search(r"^([0-9a-f]{8})-[0-9a-f]{8} rw-p [0-9a-f]{8} \S+ \d+\s+/bin/forktest$", maps, re.M)
            self.assertIsNotNone(m, maps)
            data = "0x" + m.group(1)
            run = debug("-q", "-ex", "break fork", "-ex", "continue", "-ex", "delete",
                        "-ex", "watch pte 3 " + data, "-ex", "continue", "-ex", "bt",
                        "-ex", "reverse-continue", "-ex", "bt", "forktest")
            self.assertEqual(run.returncode, 0, run.describe())
            out = run.text
            self.assertRegex(out, r"Watchpoint 2: pte 3 %s \(now 0x[0-9a-f]+\)" % data)
            m = re.search(r"Old value = (0x[0-9a-f]+)\nNew value = (0x[0-9a-f]+)\n", out)
            self.assertIsNotNone(m, out)
            old, new = int(m.group(1), 16), int(m.group(2), 16)
            self.assertEqual(old & 3, 1, "present, read-only after fork")
            self.assertEqual(new & 3, 3, "present and writable after the COW fault")
            self.assertRegex(out, r"\(changed by the block at 0x[0-9a-f]+ <do_(wp|cow)_page\+0x[0-9a-f]+>\)")
            forward, backward = out.split("(forkscope) reverse-continue", 1)
            self.assertRegex(forward, r"#\d+\s+0x[0-9a-f]+ in do_page_fault \(regs=.*\) at guestkernel/")
            self.assertNotIn("in user code", forward.split("(forkscope) bt")[1])
            # reverse-continue: who wrote the entry before the fault? copy_page_range,
            # giving the child the parent's page read-only, inside fork's copy_mm.
            m = re.search(r"Watchpoint 2: pte 3 %s\n\nOld value = (0x[0-9a-f]+)\nNew value = (0x[0-9a-f]+)\n" % data,
                          backward)
            self.assertIsNotNone(m, backward)
            self.assertEqual(int(m.group(2), 16), old, "the value the COW fault found")
            self.assertEqual(int(m.group(2), 16) & 2, 0, "written without W")
            self.assertRegex(backward, r"\(changed by the block at 0x[0-9a-f]+ <copy_(page|pte)_range\+0x[0-9a-f]+>\)")
            self.assertRegex(backward, r"#\d+\s+0x[0-9a-f]+ in dup_mmap \(.*\) at guestkernel/kernel/fork\.c:\d+")
            self.assertRegex(backward, r"#\d+\s+0x[0-9a-f]+ in copy_mm \(.*\) at guestkernel/kernel/fork\.c:\d+")
        finally:
            os.unlink(script)

    def test_event_breakpoints_set_after_the_program_started(self):
        # Stopped in the program's first fork: from here on, its events still count.
        run = debug("-q", "--break", "copy_process", "-ex", "continue", "-ex", "continue", "-ex", "delete 1",
                    "-ex", "break fork", "-ex", "continue", "-ex", "break cow", "-ex", "continue", "forktest")
        self.assertEqual(run.returncode, 0, run.describe())
        after = run.text.split("(forkscope) break fork", 1)[1]
        self.assertRegex(after, r"Event 2 \(fork#1 = 0xc[0-9a-f]{7}\), 0x[0-9a-f]+ in do_fork at guestkernel/kernel/fork\.c:")
        self.assertRegex(after, r"Event 3 \(cow#1 = 0\), handle_mm_fault at guestkernel/mm/memory\.c:")
        self.assertNotIn("[guest exited", after)

    def test_read_and_access_watchpoints(self):
        run = debug("-q", "-ex", "break fork", "-ex", "continue", "-ex", "rwatch nr_free_pages",
                    "-ex", "info breakpoints", "-ex", "continue", "-ex", "delete", "-ex", "awatch nr_free_pages",
                    "-ex", "continue", "forktest")
        self.assertEqual(run.returncode, 0, run.describe())
        out = run.text
        self.assertRegex(out, r"(?m)^Read watchpoint 2: \*0xc[0-9a-f]{7} \(now 0x[0-9a-f]+\)$")
        self.assertRegex(out, r"(?m)^2       read watchpoint keep y +\*0xc[0-9a-f]{7}$")
        # The next allocation reads the count: the block that read it is named.
        self.assertRegex(out, r"\nRead watchpoint 2: \*0xc[0-9a-f]{7}\n\nValue = 0x[0-9a-f]+\n"
                              r"\(read by the block at 0xc[0-9a-f]{7} <[a-z_]+\+0x[0-9a-f]+>\)\n")
        # An access watchpoint stops at the next read or write of it.
        self.assertRegex(out, r"(?m)^Access watchpoint 3: \*0xc[0-9a-f]{7} \(now 0x[0-9a-f]+\)$")
        self.assertRegex(out, r"\nAccess watchpoint 3: \*0xc[0-9a-f]{7}\n\n(Value = |Old value = )0x[0-9a-f]+\n")

    def test_arguments_locals_and_expressions(self):
        run = debug("-q", "--break", "copy_process", "-ex", "ignore 1 1", "-ex", "continue", "-ex", "info args",
                    "-ex", "until fork.c:%d" % fork_c_line("if ((clone_flags & (CLONE_VM | CLONE_VFORK)) == CLONE_VM)"),
                    "-ex", "info locals", "-ex", "print p->comm", "-ex", "print/x clone_flags", "-ex", "print p->mm",
                    "-ex", "bt 2", "-ex", "print nosuchvar", "forktest")
        self.assertEqual(run.returncode, 1, run.describe())  # the last print fails, as in gdb
        out = run.text
        self.assertRegex(out, r"(?m)^clone_flags = 17$")  # fork(): SIGCHLD
        self.assertRegex(out, r"(?m)^pid = \d+$")
        self.assertRegex(out, r'(?m)^p = \(struct task_struct \*\) 0xc[0-9a-f]{7} <pid \d+ "forktest"')
        self.assertRegex(out, r'(?m)^\$1 = "forktest(\\000)+"$')
        self.assertRegex(out, r"(?m)^\$2 = 0x11$")
        self.assertRegex(out, r"(?m)^\$3 = \(struct mm_struct \*\) 0x0$")  # copy_mm has not run yet
        # Frame lines name the arguments, as gdb's bt: scalars, pointers in hex.
        self.assertRegex(out, r"(?m)^#0  copy_process \(clone_flags=17, stack_start=0, regs=0xc[0-9a-f]{7}, "
                              r"parent_tidptr=0x0, child_tidptr=0x0, pid=\d+\) at guestkernel/kernel/fork\.c:\d+$")
        self.assertRegex(out, r"(?m)^#1  0xc[0-9a-f]{7} in do_fork \(clone_flags=[^)]*\) at guestkernel/kernel/fork\.c:\d+$")
        self.assertIn('No symbol "nosuchvar" in current context.', out)

    def test_reverse_next_returns_to_the_same_registers_and_memory(self):
        # Forward: three lines of copy_process, registers and the child pointer at each.
        look = ["-ex", "info registers", "-ex", "x/4xw $esp"]
        forward = ["-ex", "next", *look] * 3
        backward = ["-ex", "reverse-next", *look] * 2
        run = debug("-q", "--break", "copy_process", "-ex", "ignore 1 1", "-ex", "continue", *look, *forward,
                    *backward, "-ex", "reverse-continue", *look, "-ex", "reverse-continue", "-ex", "reverse-continue",
                    "forktest")
        self.assertEqual(run.returncode, 0, run.describe())
        blocks = re.split(r"\(forkscope\) (?=next|reverse-next|reverse-continue)", run.text)
        states = []
        for b in blocks[1:]:
            cmd, rest = b.split("\n", 1)
            line = rest.split("\n(forkscope)", 1)[0]
            regs = rest.split("(forkscope) info registers\n", 1)[1] if "info registers" in rest else ""
            states.append((cmd, line, regs))
        fwd = [s for s in states if s[0] == "next"]
        back = [s for s in states if s[0] == "reverse-next"]
        self.assertEqual(len(fwd), 3)
        self.assertEqual(len(back), 2)
        # reverse-next twice from the third line: the second line, then the first, each
        # with the registers and stack words it had going forward.
        self.assertEqual(back[0][1:], fwd[1][1:])
        self.assertEqual(back[1][1:], fwd[0][1:])
        # reverse-continue: the breakpoint, with the registers it had at the stop; then
        # init's fork of the program; then the start of the history.
        rc = [s for s in states if s[0] == "reverse-continue"]
        self.assertIn("Breakpoint 1, copy_process at guestkernel/kernel/fork.c:", rc[0][1] + rc[0][2])
        first_stop_regs = run.text.split("(forkscope) info registers\n", 1)[1].split("(forkscope)", 1)[0]
        self.assertEqual(rc[0][2].split("(forkscope)", 1)[0], first_stop_regs)
        self.assertIn("Breakpoint 1, copy_process", run.text.split("(forkscope) reverse-continue")[2])
        self.assertIn("No more reverse-execution history.", run.text.split("(forkscope) reverse-continue")[3])

    def test_reverse_nexti_goes_back_over_a_whole_call(self):
        run = debug("-q", "--break", "copy_process", "-ex", "ignore 1 1", "-ex", "continue",
                    "-ex", "break dup_task_struct", "-ex", "continue", "-ex", "finish",
                    "-ex", "info registers esp", "-ex", "reverse-nexti", "-ex", "x/1i $pc",
                    "-ex", "info registers esp", "-ex", "reverse-nexti", "-ex", "x/1i $pc", "forktest")
        self.assertEqual(run.returncode, 0, run.describe())
        after = run.text.split("(forkscope) finish", 1)[1]
        esp = re.findall(r"^esp +(0x[0-9a-f]+)", after, re.M)
        self.assertEqual(len(esp), 2, after)
        self.assertEqual(esp[0], esp[1], "the call's frame, as after it returned")
        insns = re.findall(r"^=> 0x[0-9a-f]+ <copy_process\+0x[0-9a-f]+>:\t(.*)$", after, re.M)
        self.assertEqual(len(insns), 2, after)
        self.assertRegex(insns[0], r"^call 0x[0-9a-f]+ <dup_task_struct>$")
        self.assertNotIn("dup_task_struct", insns[1])  # the instruction before the call

    def test_reverse_step_enters_the_call_of_the_line_before_from_its_end(self):
        # Five lines on, at `if (!p)` after `p = dup_task_struct(current);`: reverse-step goes
        # into dup_task_struct, at its last line; reverse-finish back to the call.
        run = debug("-q", "--break", "copy_process", "-ex", "ignore 1 1", "-ex", "continue",
                    "-ex", "next", "-ex", "next", "-ex", "next", "-ex", "next", "-ex", "next",
                    "-ex", "reverse-step", "-ex", "bt 2",
                    "-ex", "reverse-finish", "-ex", "x/1i $pc", "forktest")
        self.assertEqual(run.returncode, 0, run.describe())
        self.assertIn("\tif (!p)\n(forkscope) reverse-step", run.text)
        back = run.text.split("(forkscope) reverse-step", 1)[1]
        self.assertRegex(back, r"(?m)^#0  dup_task_struct \(.*\) at guestkernel/kernel/fork\.c:\d+$")
        self.assertRegex(back, r"(?m)^#1  0xc[0-9a-f]{7} in copy_process \(.*\) at guestkernel/kernel/fork\.c:%d$"
                         % fork_c_line("p = dup_task_struct(current);"))
        self.assertRegex(back, r"(?m)^=> 0xc[0-9a-f]{7} <copy_process\+0x[0-9a-f]+>:\tcall 0xc[0-9a-f]{7} <dup_task_struct>$")

    def test_reverse_commands_without_history_say_so(self):
        run = debug("-q", "--history-mb", "0", "--break", "copy_process", "-ex", "continue", "-ex", "reverse-stepi",
                    "forktest")
        self.assertEqual(run.returncode, 1, run.describe())
        self.assertIn("reverse execution needs forkscope debug --history-mb N > 0", run.text)

    def test_stepi_registers_and_examine(self):
        run = debug("-q", "--break", "dup_task_struct", "-ex", "continue", "-ex", "stepi", "-ex", "stepi",
                    "-ex", "info registers eip esp", "-ex", "x/2i $pc", "-ex", "x/4xw $esp", "-ex", "x/2xb $pc",
                    "-ex", "x/i $pc", "-ex", "print $eax", "-ex", "info breakpoints", "forktest")
        self.assertEqual(run.returncode, 0, run.describe())
        out = run.text
        self.assertRegex(out, r"(?m)^eip            0xc[0-9a-f]{7}         0xc[0-9a-f]{7} <dup_task_struct\+0x3>$")
        self.assertRegex(out, r"(?m)^=> 0xc[0-9a-f]{7} <dup_task_struct\+0x3>:\t")
        self.assertRegex(out, r"(?m)^0xc[0-9a-f]{7}:\t0x[0-9a-f]{8}\t0x[0-9a-f]{8}\t0x[0-9a-f]{8}\t0x[0-9a-f]{8}$")
        # x/i after x/2i: the format stays, the count is 1 again (as gdb).
        last_x = out.split("(forkscope) x/i $pc\n", 1)[1].split("(forkscope)", 1)[0]
        self.assertEqual(len(last_x.strip().splitlines()), 1, last_x)
        self.assertRegex(out, r"(?m)^\$1 = -?\d+$")  # $eax is an int, as in gdb
        self.assertRegex(out, r"(?m)^1       breakpoint     keep y   0xc[0-9a-f]{7} in dup_task_struct at ")
        self.assertIn("\tbreakpoint already hit 1 time", out)

    def test_commands_from_standard_input_and_the_guest_runs_to_its_end(self):
        run = debug("forktest", stdin_bytes=b"break exec\ncontinue\ncontinue\n")
        self.assertEqual(run.returncode, 0, run.describe())
        out = run.text
        self.assertIn("(forkscope) break exec\nEvent breakpoint 1 (exec)", out)
        self.assertIn("forktest: parent's stack unchanged: ok", out)  # the console, in order
        self.assertTrue(out.rstrip().endswith("[guest exited normally]"), out[-500:])

    def test_bad_commands_get_one_line_and_status_1(self):
        run = debug("-q", "-ex", "frobnicate", "-ex", "break no_such_function", "-ex", "x/4q 0",
                    "-ex", "watch pte 99 0x1000", "-ex", "re", "forktest")
        self.assertEqual(run.returncode, 1, run.describe())
        out = run.text
        self.assertIn('Undefined command: "frobnicate".  Try "help".', out)
        self.assertIn("unknown kernel symbol 'no_such_function'", out)
        self.assertIn('Undefined output format "q".', out)
        self.assertIn("the kernel has not turned paging on yet", out)  # no tasks before the kernel runs
        self.assertIn('Ambiguous command "re": ', out)

    def test_no_program_is_a_usage_error(self):
        run = debug()
        self.assertEqual(run.returncode, lib.EXIT_USAGE, run.describe())
        self.assertIn("a PROGRAM to debug is needed", run.stderr)

    def test_a_kernel_without_debug_information_debugs_by_symbols(self):
        with tempfile.TemporaryDirectory() as d:
            stripped = os.path.join(d, "kernel-nodebug.elf")
            subprocess.run(["objcopy", "--strip-debug", lib.KERNEL, stripped], check=True)
            run = debug("-q", "--kernel", stripped, "--break", "copy_process", "-ex", "continue", "-ex", "next",
                        "-ex", "stepi", "-ex", "x/1i $pc", "forktest")
        self.assertEqual(run.returncode, 1, run.describe())
        out = run.text
        self.assertIn("has no debug information", out)
        self.assertIn("Breakpoint 1, 0xc", out)
        self.assertIn("no source lines: the kernel has no debug information (use stepi or nexti)", out)
        self.assertRegex(out, r"(?m)^=> 0xc[0-9a-f]{7} <copy_process\+0x1>:")


DEBUGGEE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "debuggee.c")
FORKTEST = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "images", "programs", "forktest.c")


class UserPrograms(unittest.TestCase):
    """A user program's lines, variables and breakpoints: the image's (stripped in the
    initramfs, full in the build's programs folder) and one built with forkscope cc -g."""

    def setUp(self):
        self._td = tempfile.TemporaryDirectory(prefix="forkscope-debuggee-")
        self.dir = self._td.name
        self.addCleanup(self._td.cleanup)

    def build_debuggee(self, name="debuggee"):
        out = os.path.join(self.dir, name)
        built = lib.run_command([lib.FORKSCOPE, "cc", DEBUGGEE, "-O0", "-o", out], timeout=120)
        self.assertEqual(built.returncode, 0, built.describe())
        return out

    def test_a_built_in_program_gets_its_lines_from_the_build(self):
        run = debug("-q", "--break", "main", "-ex", "run", "-ex", "next", "-ex", "next", "-ex", "bt",
                    "-ex", "info breakpoints", "-ex", "list", "-ex", "reverse-continue", "-ex", "reverse-continue",
                    "forktest", timeout=180)  # the replay back to the boot: 7 s of CPU plain, far more sanitized
        self.assertEqual(run.returncode, 0, run.describe())
        out = run.text
        first = source_line(FORKTEST, "malloc(WORDS * sizeof(unsigned int))")
        self.assertIn("Breakpoint 1 at 0x8049000: file images/programs/forktest.c, line %d." % first, out)
        self.assertIn("\nBreakpoint 1, main at images/programs/forktest.c:%d\n%d\t" % (first, first), out)
        # next goes on by lines of forktest.c, forwards; the stack ends in crt0's _start.
        lines = [int(m.group(1)) for m in re.finditer(r"^\(forkscope\) next\n(\d+)\t", out, re.M)]
        self.assertEqual(len(lines), 2, out)
        self.assertTrue(first < lines[0] < lines[1], lines)
        self.assertRegex(out, r"(?m)^#0  main \(\) at images/programs/forktest\.c:%d$" % lines[1])
        self.assertRegex(out, r"(?m)^#1  0x0804[0-9a-f]{4} in _start \(\) at images/libc/crt0\.S:\d+$")
        # Only forktest's main stopped: init's, at the same address, ran first and passed.
        self.assertIn("1       breakpoint     keep y   0x08049000 in main at images/programs/forktest.c:%d\n"
                      "\tbreakpoint already hit 1 time" % first, out)
        self.assertRegex(out, r"(?m)^%d\t" % (lines[1] + 3))  # list: around the stop
        # Going back: forktest's main again, then the start of the history; init's pass
        # at the same address is not this breakpoint's.
        back = out[out.index("(forkscope) reverse-continue"):]
        self.assertRegex(back, r"^\(forkscope\) reverse-continue\n\nBreakpoint 1, main at images/programs/forktest\.c:%d\n"
                               r"%d\t.*\n\(forkscope\) reverse-continue\n\nNo more reverse-execution history\.\n" % (first, first))

    def test_a_program_built_with_cc_steps_by_lines_into_calls_and_over_fork(self):
        prog = self.build_debuggee()
        child_line = source_line(DEBUGGEE, "the child's line")
        run = debug("-q", "-ex", "break square", "-ex", "run", "-ex", "bt", "-ex", "info args", "-ex", "x/7i main",
                    "-ex", "next",
                    "-ex", "print x * 2", "-ex", "finish", "-ex", "next", "-ex", "next", "-ex", "info locals",
                    "-ex", "print nr_free_pages > 0", "-ex", "break debuggee.c:%d" % child_line, "-ex", "continue",
                    "-ex", "print pid", "-ex", "bt", "-ex", "continue", prog)
        self.assertEqual(run.returncode, 0, run.describe())
        out = run.text
        square = source_line(DEBUGGEE, "static int square(int x)")
        call = source_line(DEBUGGEE, "int n = square(7);")
        fork = source_line(DEBUGGEE, "pid_t pid = fork();")
        self.assertIn("Breakpoint 1, square at tests/integration/debuggee.c:%d\n" % (square + 1), out)
        self.assertRegex(out, r"(?m)^#0  square \(x=7\) at tests/integration/debuggee\.c:%d$" % (square + 1))
        self.assertRegex(out, r"(?m)^#1  0x0804[0-9a-f]{4} in main \(\) at tests/integration/debuggee\.c:%d$" % call)
        self.assertIn("(forkscope) info args\nx = 7\n", out)
        # The program's code, disassembled with its own symbols.
        self.assertRegex(out, r"(?m)^   0x0804[0-9a-f]{4} <main\+0x[0-9a-f]+>:\tcall 0x804[0-9a-f]{4} <square>$")
        self.assertIn("(forkscope) next\n%d\t\tint y = x * x;\n" % (square + 2), out)
        self.assertIn("(forkscope) print x * 2\n$1 = 14\n", out)
        self.assertIn("Run till exit from #0  square at tests/integration/debuggee.c:%d\n" % (square + 2), out)
        self.assertIn("Value returned is $2 = 49\n", out)
        # next runs the fork system call through, in the parent: the line after it.
        self.assertIn("(forkscope) next\n%d\t\tpid_t pid = fork();\n(forkscope) next\n%d\t" % (fork, fork + 1), out)
        m = re.search(r"\(forkscope\) info locals\nn = 49\npid = (\d+)\nstatus = 0\n", out)
        self.assertTrue(m, out)
        self.assertGreater(int(m.group(1)), 1)
        # A kernel global, by name, from a stop in user code.
        self.assertIn("(forkscope) print nr_free_pages > 0\n$3 = 1\n", out)
        # The child's line stops in the child, where fork returned 0.
        self.assertIn("\nBreakpoint 2, main at tests/integration/debuggee.c:%d\n" % child_line, out)
        self.assertIn("(forkscope) print pid\n$4 = 0\n", out)
        self.assertIn("[guest exited normally]", out)

    def test_programs_a_child_execs_pass_the_programs_breakpoint(self):
        # forkexec's children exec echo and cat, whose main lies at forkexec's address.
        run = debug("-q", "-ex", "break main", "-ex", "run", "-ex", "continue", "-ex", "info breakpoints",
                    "-ex", "break echo.c:3", "forkexec")
        self.assertEqual(run.returncode, 1, run.describe())
        out = run.text
        self.assertEqual(out.count("\nBreakpoint 1, main at images/programs/forkexec.c:"), 1, out)
        self.assertIn("[guest exited normally]", out)
        self.assertRegex(out, r"1       breakpoint     keep y   0x08049000 in main at images/programs/forkexec\.c:\d+\n"
                              r"\tbreakpoint already hit 1 time\n")
        self.assertIn("no source file 'echo.c' in the kernel or /bin/forkexec", out)

    def test_a_line_split_in_pieces_stops_once(self):
        # -O0 code for the WEXITSTATUS line comes in two pieces: one breakpoint place,
        # as gdb's, so that next from it goes to the following line.
        prog = self.build_debuggee()
        line = source_line(DEBUGGEE, 'printf("parent %d')
        run = debug("-q", "-ex", "break debuggee.c:%d" % line, "-ex", "run", "-ex", "next", prog)
        self.assertEqual(run.returncode, 0, run.describe())
        self.assertRegex(run.text, r"(?m)^Breakpoint 1 at 0x804[0-9a-f]{4}: file tests/integration/debuggee\.c, "
                                   r"line %d\.$" % line)
        self.assertIn("(forkscope) next\n%d\t\treturn 0;\n" % (line + 1), run.text)

    def test_a_stripped_program_finds_its_full_copy_with_debug_dir(self):
        full_dir = os.path.join(self.dir, "full")
        os.mkdir(full_dir)
        full = os.path.join(full_dir, "debuggee")
        os.rename(self.build_debuggee(), full)
        stripped = os.path.join(self.dir, "debuggee")
        subprocess.run(["objcopy", "--strip-debug", full, stripped], check=True)
        script = ("-q", "-ex", "break square", "-ex", "run", "-ex", "info args")
        found = debug("--debug-dir", full_dir, *script, stripped)
        self.assertEqual(found.returncode, 0, found.describe())
        self.assertIn("Breakpoint 1, square at tests/integration/debuggee.c:", found.text)
        self.assertIn("x = 7", found.text)
        # Without it: the symbols, no lines, and a clear answer for variables.
        bare = debug(*script, stripped)
        self.assertEqual(bare.returncode, 1, bare.describe())
        self.assertRegex(bare.text, r"(?m)^Breakpoint 1 at 0x804[0-9a-f]{4}\.$")
        self.assertRegex(bare.text, r"\nBreakpoint 1, 0x0804[0-9a-f]{4} in square\n")
        self.assertIn("No symbol table info available (no debug information here).", bare.text)


if __name__ == "__main__":
    unittest.main()

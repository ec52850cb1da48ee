"""The fork path in the kernel image: every function a stop point, a breakpoint or a
backtrace may name (fork, copy-on-write, exec, exit) is a function of its own in
build/images/kernel.elf, under its own name, even though the kernel is built with -O2.

The symbol table is read with binutils' readelf. A function that -O2 inlines again (or
clones into NAME.isra.0 / NAME.constprop.0 / NAME.part.0) has no FUNC symbol of its own
with a size, and the test fails naming it.
"""

import os
import re
import shutil
import subprocess
import unittest

from forkscope_testlib import KERNEL

# The stop points' functions and the rest of the fork path, in the reference fork.c's
# order, then copy-on-write, the fault path, exec and exit.
FORK_PATH = [
    # kernel/fork.c (the reference's structure) and the scheduler's part of fork
    "nr_processes", "alloc_task", "free_task", "put_task_struct", "dup_task_struct",
    "dup_mmap", "mm_alloc", "mmdrop", "mmput", "mm_release", "copy_mm", "copy_fs",
    "copy_files", "copy_sighand", "copy_signal", "copy_process", "do_fork",
    "sched_fork_task",
    # arch/process.c: the child's registers and kernel stack (Linux's copy_thread)
    "copy_thread_user",
    # mm/memory.c: fork's page-table copy, the faults that break the sharing
    "copy_page_range", "handle_mm_fault", "do_no_page", "do_wp_page", "do_cow_page",
    # mm/fault.c
    "do_page_fault",
    # fs/exec.c
    "do_execve",
    # kernel/exit.c
    "do_exit", "exit_mm", "exit_notify",
]

# readelf -sW: "Num: Value Size Type Bind Vis Ndx Name"
SYMBOL_RE = re.compile(r"^\s*\d+:\s+([0-9a-f]+)\s+(\d+|0x[0-9a-f]+)\s+(\w+)\s+(\w+)\s+\w+\s+\S+\s+(\S+)$")


def read_symbols(path):
    """[(name, value, size, type)] of the ELF's symbol table."""
    readelf = shutil.which("readelf")
    if readelf is None:
        raise AssertionError("readelf (binutils) is not installed")
    out = subprocess.run([readelf, "-sW", path], check=True, stdout=subprocess.PIPE,
                         text=True, timeout=60).stdout
    symbols = []
    for line in out.splitlines():
        m = SYMBOL_RE.match(line)
        if m:
            size = int(m.group(2), 0)
            symbols.append((m.group(5), int(m.group(1), 16), size, m.group(3)))
    return symbols


class ForkPathSymbolsTest(unittest.TestCase):

    def check_image(self, path):
        if not path:
            raise unittest.SkipTest("KERNEL is not set (run through meson test)")
        symbols = read_symbols(path)
        self.assertGreater(len(symbols), 100, "no symbol table in %s" % path)
        by_name = {}
        for name, value, size, kind in symbols:
            by_name.setdefault(name, []).append((value, size, kind))
        missing, clones = [], []
        for fn in FORK_PATH:
            funcs = [s for s in by_name.get(fn, []) if s[2] == "FUNC" and s[1] > 0]
            if len(funcs) != 1:
                missing.append("%s: %s" % (fn, by_name.get(fn, "no symbol")))
            clones += [n for n in by_name if n.startswith(fn + ".")]
        self.assertEqual(missing, [], "not a function of its own with a size in %s "
                         "(inlined by the compiler? mark it noinline)" % path)
        self.assertEqual(clones, [], "compiler clones of fork-path functions in %s" % path)

    def test_kernel_image_has_every_fork_path_function(self):
        self.check_image(KERNEL)

    def test_layout_test_kernel_has_them_too(self):
        layout = os.environ.get("LAYOUT_TEST_KERNEL", "")
        if not layout:
            raise unittest.SkipTest("LAYOUT_TEST_KERNEL is not set")
        self.check_image(layout)


if __name__ == "__main__":
    unittest.main()

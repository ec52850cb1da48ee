"""The kernel's own report at a stop point: selfdump=POINT and selfhalt=POINT.

The kernel prints its tasks, address spaces (VMAs, page-directory entries, present user
pages with their frames' counts) and frame counters, one fact a line, every line
starting with "selfdump: ", at the same stop points the host has (fork#N, cow#N,
exec#N, exit, exit:PID, end). These tests boot the image's programs with the switches
and check what must hold at each point: after fork, parent and child map the same
frames, private writable pages read-only on both sides with count 2; at the end only
init and the idle task are left. The report must not disturb the program: its
transcript, minus the report, is the one it prints without it.

meson passes FORKSCOPE, KERNEL, INITRAMFS (see test_programs.py).
"""

import re
import unittest

from forkscope_testlib import EXIT_MACHINE_FAULT
from test_programs import TRANSCRIPTS, ProgramCase, boot

VM_WRITE = 0x2
VM_SHARED = 0x8
PAGE_RW = 0x2
PAGE_USER = 0x4

TASK_RE = re.compile(r"^task pid=(\d+) tgid=(\d+) ppid=(\d+) state=([RSDZX]) exit_state=(-?\d+) "
                     r"exit_code=(-?\d+) flags=0x([0-9a-f]+) comm=(.*) mm=0x([0-9a-f]{8}) "
                     r"active_mm=0x([0-9a-f]{8}) fds=(\d+) utime=(\d+) stime=(\d+)$")
MM_RE = re.compile(r"^mm 0x([0-9a-f]{8}) pgd=0x([0-9a-f]{8}) users=(\d+) count=(\d+) map_count=(\d+) "
                   r"rss=(\d+) total_vm=(\d+) start_code=0x([0-9a-f]{8}) end_code=0x([0-9a-f]{8}) "
                   r"start_data=0x([0-9a-f]{8}) end_data=0x([0-9a-f]{8}) start_brk=0x([0-9a-f]{8}) "
                   r"brk=0x([0-9a-f]{8}) start_stack=0x([0-9a-f]{8})$")
VMA_RE = re.compile(r"^vma mm=0x([0-9a-f]{8}) ([0-9a-f]{8})-([0-9a-f]{8}) flags=0x([0-9a-f]+) "
                    r"pgoff=(\d+) file=(.*)$")
PDE_RE = re.compile(r"^pde mm=0x([0-9a-f]{8}) index=(\d+) entry=0x([0-9a-f]{8})$")
PTE_RE = re.compile(r"^pte mm=0x([0-9a-f]{8}) vaddr=0x([0-9a-f]{8}) entry=0x([0-9a-f]{8}) count=(-?\d+)$")
FRAMES_RE = re.compile(r"^frames free=(\d+) totalram=(\d+)$")
KINDS_RE = re.compile(r"^frame-kinds free=(\d+) reserved=(\d+) kernel=(\d+) pgtable=(\d+) "
                      r"anon=(\d+) cache=(\d+)$")


class Report:
    """One selfdump report, parsed. Raises AssertionError on a line it does not know."""

    def __init__(self, lines):
        self.point = None
        self.current = None
        self.tasks = {}     # pid -> dict
        self.task_order = []
        self.mms = {}       # address -> dict with vmas, pdes, ptes (vaddr -> (entry, count))
        self.frames = self.kinds = None
        self.ended = False
        for line in lines:
            self.parse(line)

    def parse(self, line):
        if self.ended:
            raise AssertionError("a line after 'end': %r" % line)
        if line.startswith("point "):
            self.point = line[len("point "):]
            return
        if line.startswith("current pid="):
            self.current = int(line[len("current pid="):])
            return
        if line == "end":
            self.ended = True
            return
        m = TASK_RE.match(line)
        if m:
            g = m.groups()
            pid = int(g[0])
            self.tasks[pid] = {"pid": pid, "tgid": int(g[1]), "ppid": int(g[2]), "state": g[3],
                               "exit_state": int(g[4]), "exit_code": int(g[5]), "flags": int(g[6], 16),
                               "comm": g[7], "mm": int(g[8], 16), "active_mm": int(g[9], 16),
                               "fds": int(g[10]), "utime": int(g[11]), "stime": int(g[12])}
            self.task_order.append(pid)
            return
        m = MM_RE.match(line)
        if m:
            g = m.groups()
            names = ["pgd", "users", "count", "map_count", "rss", "total_vm", "start_code",
                     "end_code", "start_data", "end_data", "start_brk", "brk", "start_stack"]
            mm = {n: int(v, 16 if n in ("pgd",) or n.startswith(("start", "end")) or n == "brk" else 10)
                  for n, v in zip(names, g[1:])}
            mm.update(vmas=[], pdes={}, ptes={})
            self.mms[int(g[0], 16)] = mm
            return
        m = VMA_RE.match(line)
        if m:
            g = m.groups()
            self.mms[int(g[0], 16)]["vmas"].append(
                {"start": int(g[1], 16), "end": int(g[2], 16), "flags": int(g[3], 16),
                 "pgoff": int(g[4]), "file": g[5]})
            return
        m = PDE_RE.match(line)
        if m:
            self.mms[int(m.group(1), 16)]["pdes"][int(m.group(2))] = int(m.group(3), 16)
            return
        m = PTE_RE.match(line)
        if m:
            self.mms[int(m.group(1), 16)]["ptes"][int(m.group(2), 16)] = (int(m.group(3), 16),
                                                                          int(m.group(4)))
            return
        m = FRAMES_RE.match(line)
        if m:
            self.frames = tuple(int(v) for v in m.groups())
            return
        m = KINDS_RE.match(line)
        if m:
            self.kinds = tuple(int(v) for v in m.groups())
            return
        raise AssertionError("unknown selfdump line: %r" % line)

    def mm_of(self, pid):
        return self.mms[self.tasks[pid]["mm"]]


def reports(text):
    """The reports in a console transcript, in order."""
    out, current = [], None
    for line in text.splitlines():
        if not line.startswith("selfdump: "):
            continue
        body = line[len("selfdump: "):]
        if body.startswith("point "):
            current = []
            out.append(current)
        if current is None:
            raise AssertionError("a selfdump line before any 'point': %r" % line)
        current.append(body)
    return [Report(lines) for lines in out]


def without_report(output):
    return "".join(l for l in output.splitlines(keepends=True) if not l.startswith("selfdump: "))


def vma_of(mm, vaddr):
    for v in mm["vmas"]:
        if v["start"] <= vaddr < v["end"]:
            return v
    return None


class SelfdumpTest(ProgramCase):

    def report_of(self, b, point):
        rs = reports(b.run.text)
        self.assertEqual(len(rs), 1, "expected one report\n" + b.run.describe())
        r = rs[0]
        self.assertEqual(r.point, point, b.run.describe())
        self.assertTrue(r.ended, "the report has no 'end' line\n" + b.run.describe())
        return r

    def check_consistent(self, r):
        """What holds at every point: pid order, the idle task, mms that exist, present
        pages inside VMAs, counts at least the PTEs that map a frame, frame totals."""
        self.assertEqual(r.task_order, sorted(r.task_order))
        self.assertEqual(r.task_order[0], 0)
        idle = r.tasks[0]
        self.assertEqual((idle["ppid"], idle["mm"]), (0, 0))
        self.assertIn(r.current, r.tasks)
        refs = {}
        for addr, mm in r.mms.items():
            users = [t for t in r.tasks.values() if t["mm"] == addr]
            self.assertLessEqual(len(users), mm["users"], "mm 0x%08x" % addr)
            self.assertEqual(mm["map_count"], len(mm["vmas"]))
            self.assertEqual(mm["rss"], len(mm["ptes"]), "rss of mm 0x%08x" % addr)
            self.assertEqual(mm["total_vm"], sum((v["end"] - v["start"]) >> 12 for v in mm["vmas"]))
            for vaddr, (entry, count) in mm["ptes"].items():
                self.assertIsNotNone(vma_of(mm, vaddr), "page 0x%08x outside every VMA" % vaddr)
                self.assertTrue(entry & PAGE_USER, "page 0x%08x not user" % vaddr)
                self.assertIn(vaddr >> 22, mm["pdes"])
                frame = entry >> 12
                refs[frame] = refs.get(frame, 0) + 1
                self.assertGreaterEqual(count, 1)
        counts = {e >> 12: c for mm in r.mms.values() for e, c in mm["ptes"].values()}
        for frame, n in refs.items():
            self.assertGreaterEqual(counts[frame], n, "frame 0x%05x: count below its PTEs" % frame)
        free, totalram = r.frames
        self.assertEqual(r.kinds[0], free, "free frames: counter and mem_map disagree")
        self.assertEqual(totalram, sum(r.kinds[k] for k in (0, 2, 3, 4, 5)))

    def check_fork_shares(self, r, parent_pid):
        """Right after copy_process: the child (the newest task) maps every frame the
        parent maps at the same address; private writable pages are read-only on both
        sides and counted twice."""
        child_pid = max(r.tasks)
        parent, child = r.tasks[parent_pid], r.tasks[child_pid]
        self.assertEqual(r.current, parent_pid)
        self.assertEqual(child["ppid"], parent["tgid"])
        self.assertNotEqual(child["mm"], parent["mm"])
        pmm, cmm = r.mms[parent["mm"]], r.mms[child["mm"]]
        self.assertEqual(pmm["vmas"], cmm["vmas"])
        self.assertEqual(sorted(pmm["ptes"]), sorted(cmm["ptes"]), "present pages differ")
        self.assertEqual((pmm["rss"], pmm["total_vm"], pmm["brk"]), (cmm["rss"], cmm["total_vm"], cmm["brk"]))
        private_writable = 0
        for vaddr, (pentry, pcount) in pmm["ptes"].items():
            centry, ccount = cmm["ptes"][vaddr]
            what = "page 0x%08x: parent 0x%08x count %d, child 0x%08x count %d" % (
                vaddr, pentry, pcount, centry, ccount)
            self.assertEqual(pentry >> 12, centry >> 12, "not the same frame: " + what)
            self.assertEqual(pcount, ccount, what)
            vma = vma_of(pmm, vaddr)
            if (vma["flags"] & VM_WRITE) and not (vma["flags"] & VM_SHARED):
                private_writable += 1
                self.assertFalse(pentry & PAGE_RW, "parent still writable: " + what)
                self.assertFalse(centry & PAGE_RW, "child writable: " + what)
                self.assertEqual(pcount, 2, what)
        self.assertGreaterEqual(private_writable, 3, "too few private writable pages to check")
        return parent, child

    def test_fork1_is_the_programs_first_fork(self):
        # init's fork that started the program is not counted: fork#1 is forktest's.
        b = boot("/bin/forktest", options="selfdump=fork#1 check=vm")
        self.assertEqual(without_report(b.output), TRANSCRIPTS["forktest"], b.run.describe())
        self.assertEqual(b.violations, 0, b.run.describe())
        self.assertExit(b.run, 0)
        r = self.report_of(b, "fork#1")
        self.check_consistent(r)
        self.assertEqual(sorted(r.tasks), [0, 1, 2, 3])
        self.assertEqual(r.current, 2)
        parent, child = self.check_fork_shares(r, 2)
        self.assertEqual((parent["comm"], child["comm"]), ("forktest", "forktest"))
        self.assertEqual(child["fds"], parent["fds"])
        self.assertEqual(r.tasks[1]["state"], "S")   # init waits for its child
        exe = [v for v in r.mm_of(2)["vmas"] if v["file"] != "-"]
        self.assertTrue(exe and exe[0]["file"] == "/bin/forktest", r.mm_of(2)["vmas"])

    def test_fork2_is_the_programs_second_fork(self):
        b = boot("/bin/forktest", options="selfdump=fork#2")
        r = self.report_of(b, "fork#2")
        self.check_consistent(r)
        self.assertEqual(r.current, 2)
        self.assertIn(4, r.tasks)   # the second child exists, not yet run
        self.assertEqual(r.tasks[4]["comm"], "forktest")

    def test_end_leaves_init_and_idle_even_when_quiet(self):
        b = boot("/bin/forktest", options="quiet selfdump=end")
        r = self.report_of(b, "end")
        self.check_consistent(r)
        self.assertEqual(sorted(r.tasks), [0, 1], b.run.describe())
        self.assertEqual(r.current, 1)
        self.assertEqual(list(r.mms), [r.tasks[1]["mm"]])   # init's memory is still there
        self.assertEqual(without_report(b.output), TRANSCRIPTS["forktest"], b.run.describe())
        self.assertExit(b.run, 0)

    def test_exec_and_exit_points(self):
        # exec#1 is the program's first execve: forkexec's first stage becoming echo
        # (the kernel's exec of init and init's child becoming forkexec are not counted).
        b = boot("/bin/forkexec", options="selfdump=exec#1 selfhalt=exit:2")
        rs = reports(b.run.text)
        self.assertEqual([r.point for r in rs], ["exec#1", "exit:2"], b.run.describe())
        execd, exiting = rs
        self.assertGreater(execd.current, 2)
        self.assertEqual(execd.tasks[execd.current]["comm"], "echo")
        self.assertEqual(execd.mm_of(execd.current)["users"], 1)
        # do_exit entered: the program's memory is all still there.
        self.assertEqual(exiting.current, 2)
        self.assertGreater(exiting.mm_of(2)["rss"], 0)
        self.check_consistent(exiting)
        self.assertIn("forkscope: halted at exit:2", b.run.lines)
        self.assertErrorLine(b.run, EXIT_MACHINE_FAULT, "halted with interrupts disabled")

    def test_exit_is_the_first_exit_of_a_task_other_than_init(self):
        b = boot("/bin/hello", options="selfdump=exit")
        r = self.report_of(b, "exit")
        self.assertEqual(r.current, 2)
        self.assertEqual(r.tasks[2]["comm"], "hello")

    def test_cow_point(self):
        b = boot("/bin/forktest", options="selfdump=cow#1")
        r = self.report_of(b, "cow#1")
        self.check_consistent(r)
        self.assertEqual(without_report(b.output), TRANSCRIPTS["forktest"], b.run.describe())
        # forktest's first write after its first fork: one of the two now writes its own
        # frame (or the frame again, when the other side already let go).
        mm = r.mm_of(r.current)
        writable = [v for v, (e, c) in mm["ptes"].items()
                    if e & PAGE_RW and not (vma_of(mm, v)["flags"] & VM_SHARED)]
        self.assertTrue(writable, "no writable private page after the first cow fault")

    def test_selfhalt_stops_after_the_report(self):
        b = boot("/bin/forktest", options="selfhalt=fork#1")
        self.assertErrorLine(b.run, EXIT_MACHINE_FAULT, "halted with interrupts disabled")
        lines = b.run.lines
        self.assertIn("selfdump: end", lines)
        self.assertEqual(lines[-1], "forkscope: halted at fork#1", b.run.describe())
        self.assertEqual(lines.index("selfdump: end") + 1, len(lines) - 1)
        # Nothing ran after the point: the program's output stops before its first fork's.
        out = without_report(b.output)
        self.assertTrue(out.endswith("forkscope: halted at fork#1\n"), b.run.describe())
        self.assertTrue(TRANSCRIPTS["forktest"].startswith(out[:-len("forkscope: halted at fork#1\n")]))
        self.assertNotIn("fork 5 children", out)

    def test_unknown_points_are_ignored(self):
        for bad in ("fork#0", "fork#x", "exit:", "exit:12x", "bogus", "end#2"):
            b = boot("/bin/hello", options="selfdump=" + bad)
            self.assertIn("cmdline: selfdump=%s: unknown stop point, ignored" % bad, b.run.lines,
                          b.run.describe())
            self.assertEqual(reports(b.run.text), [])
            self.assertExit(b.run, 0)


if __name__ == "__main__":
    unittest.main()

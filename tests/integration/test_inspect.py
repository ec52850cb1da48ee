"""forkscope pt, ps, maps and frames: the guest's tasks, page tables and frames at a stop
point, as the host reads them from guest RAM with the layout the kernel exports.

What a user of the fork demo must see: right after forktest's first fork, parent and
child map the same frames, read-only, each with reference count 2; after the first
write, exactly one page on a new frame; after the program, every frame of its processes
free again. The host's view is checked against the guest kernel's own report of itself
at the same point (selfdump=, guestkernel/README.md), against the guest's own
/proc/PID/maps, against the layout-test kernel (every offset moved), and the JSON
against its schema (docs/pt-json-schema.json). QEMU's monitor is the oracle for the
qemu and qemu-mem formats: tests/differential/test_pt_qemu.py.

meson passes FORKSCOPE, KERNEL, LAYOUT_TEST_KERNEL, INITRAMFS (see test_programs.py).
"""

import json
import os
import re
import subprocess
import unittest

from forkscope_testlib import EXIT_BAD_IMAGE, EXIT_USAGE, FORKSCOPE, KERNEL, ForkscopeTestCase, TempDir, run_command
from test_programs import GUARD, RTC

LAYOUT_TEST_KERNEL = os.environ.get("LAYOUT_TEST_KERNEL", "")
INITRAMFS = os.environ.get("INITRAMFS", "")
SCHEMA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "pt-json-schema.json")
EXIT_NOT_REACHED = 5
PAGE_RW = 0x2


def inspect(command, *args, kernel=None, append=None, stdin_bytes=None):
    """`forkscope COMMAND --kernel K --initrd I [--append A] ARGS...` (ARGS end in the
    program and its arguments)."""
    if not FORKSCOPE or not INITRAMFS:
        raise unittest.SkipTest("FORKSCOPE/INITRAMFS are not set (run through meson test)")
    argv = [FORKSCOPE, command, "--kernel", kernel or KERNEL, "--initrd", INITRAMFS, "--rtc-time", RTC,
            "--max-instructions", GUARD]
    if append:
        argv += ["--append", append]
    return run_command(argv + list(args), stdin_bytes=stdin_bytes)


def pages(doc, pid):
    """{vaddr: mapping} of pid's address space in a `pt --no-merge --format json` document."""
    for space in doc["address_spaces"]:
        if pid in [t["pid"] for t in space["tasks"]]:
            return {m["vaddr"]: m for m in space["mappings"]}
    raise AssertionError("pid %d has no address space in the dump" % pid)


def private_writable(mapping):
    perms = mapping["vma"]["perms"] if mapping["vma"] else "----"
    return perms[1] == "w" and perms[3] == "p"


class InspectCase(ForkscopeTestCase):

    def json_of(self, command, *args, **kw):
        run = inspect(command, "-q", "--format", "json", *args, **kw)
        self.assertExit(run, 0)
        doc = json.loads(run.stdout)
        self.assertEqual((doc["format"], doc["version"], doc["command"]), ("forkscope-inspect", 1, command))
        return doc


class ForkDemoTest(InspectCase):
    """The fork demo, as the issue states it."""

    def test_after_the_first_fork_parent_and_child_share_read_only_frames(self):
        doc = self.json_of("pt", "--at", "fork#1", "--pid", "all", "--no-merge", "forktest")
        parent, child = pages(doc, 2), pages(doc, 3)
        self.assertEqual(sorted(parent), sorted(child), "the child maps other pages than its parent")
        shared = 0
        for vaddr, p in parent.items():
            c = child[vaddr]
            what = "page 0x%08x: parent %s, child %s" % (vaddr, p, c)
            self.assertEqual(p["paddr"], c["paddr"], what)
            if private_writable(p):
                shared += 1
                self.assertNotIn("W", p["flags"], what)
                self.assertNotIn("W", c["flags"], what)
                self.assertEqual((p["count_min"], p["count_max"]), (2, 2), what)
                self.assertTrue(p["cow"] and c["cow"], what)
        self.assertGreaterEqual(shared, 3, "too few private writable pages to check")

    def test_the_first_write_copies_exactly_one_page(self):
        before = self.json_of("pt", "--at", "fork#1", "--pid", "all", "--no-merge", "forktest")
        after = self.json_of("pt", "--at", "cow#1", "--pid", "all", "--no-merge", "forktest")
        ps = self.json_of("ps", "--at", "cow#1", "forktest")
        writer = [t["pid"] for t in ps["tasks"] if t["current"]][0]
        self.assertIn(writer, (2, 3))
        old, new = pages(before, writer), pages(after, writer)
        changed = [v for v in new if v not in old or (new[v]["paddr"], new[v]["flags"]) != (old[v]["paddr"], old[v]["flags"])]
        self.assertEqual(len(changed), 1, "pages that changed: %s" % [hex(v) for v in changed])
        page = new[changed[0]]
        self.assertIn("W", page["flags"])
        self.assertEqual(page["count_max"], 1)
        self.assertFalse(page["cow"])
        if changed[0] in old:   # a copy: a new frame; a reuse: the same frame, W back
            self.assertTrue(page["paddr"] != old[changed[0]]["paddr"] or old[changed[0]]["count_max"] == 1)
        # --since shows that page, and nothing else changed.
        since = inspect("pt", "-q", "--since", "fork#1", "--at", "cow#1", "--pid", str(writer), "forktest")
        self.assertExit(since, 0)
        self.assertIn("%08x" % changed[0], since.text.lower(), since.describe())
        for v in set(old) - set(changed):
            self.assertNotIn("%08x" % v, since.text.lower(), since.describe())

    def test_after_the_program_every_frame_of_its_processes_is_free(self):
        frames = self.json_of("frames", "--at", "end", "forktest")
        pt = self.json_of("pt", "--at", "end", "--pid", "all", "--no-merge", "forktest")
        ps = self.json_of("ps", "--at", "end", "forktest")
        self.assertEqual([t["pid"] for t in ps["tasks"]], [0, 1])
        kinds = {k["kind"]: k for k in frames["by_kind"]}
        # Every anonymous frame in use is mapped by init, the one process left: the
        # children's copies and page tables went back to the free lists. init's own
        # anonymous frames are the ones its private writable VMAs hold alone (private
        # copies of file data too); a file page it never wrote is the page cache's,
        # read-only and counted by the cache as well.
        init = [s for s in pt["address_spaces"] if 1 in [t["pid"] for t in s["tasks"]]][0]
        anon_mapped = {m["paddr"] >> 12 for m in init["mappings"]
                       if private_writable(m) and ("W" in m["flags"] or m["count_max"] == 1)}
        self.assertEqual(kinds["anon"]["total"], len(anon_mapped), frames["by_kind"])
        self.assertEqual(kinds["pgtable"]["total"], 1 + len(init["pdes"]))
        self.assertEqual(sum(k["total"] for k in frames["by_kind"]), frames["frames"])
        self.assertEqual(frames["free"], frames["nr_free_pages"])


class GuestViewTest(InspectCase):
    """The host's view equals the guest kernel's own, field for field."""

    def selfdump(self, point, program):
        argv = [FORKSCOPE, "run", "--kernel", KERNEL, "--initrd", INITRAMFS, "--rtc-time", RTC,
                "--max-instructions", GUARD, "--append", "selfdump=" + point, program]
        run = run_command(argv)
        self.assertExit(run, 0)
        return [l[len("selfdump: "):] for l in run.lines if l.startswith("selfdump: ")]

    def test_tasks_address_spaces_and_frames_equal_the_kernels_report(self):
        for point in ("fork#1", "cow#1", "exit", "end"):
            with self.subTest(point=point):
                report = self.selfdump(point, "forktest")
                self.assertTrue(report, "no selfdump report")
                # The same command line: the same run, up to the point.
                ps = self.json_of("ps", "--at", point, "forktest", append="selfdump=" + point)
                pt = self.json_of("pt", "--at", point, "--pid", "all", "--no-merge", "forktest",
                                  append="selfdump=" + point)
                frames = self.json_of("frames", "--at", point, "forktest", append="selfdump=" + point)
                guest_tasks = {}
                for line in report:
                    if line.startswith("task "):
                        head, rest = line.split(" comm=", 1)
                        comm, tail = rest.rsplit(" mm=", 1)   # a name may hold spaces
                        f = dict(kv.split("=", 1) for kv in (head.split()[1:] + ("mm=" + tail).split()))
                        f["comm"] = comm
                        guest_tasks[int(f["pid"])] = f
                host_tasks = {t["pid"]: t for t in ps["tasks"]}
                self.assertEqual(sorted(host_tasks), sorted(guest_tasks))
                for pid, g in guest_tasks.items():
                    h = host_tasks[pid]
                    self.assertEqual((h["tgid"], h["ppid"], h["state"], h["comm"], h["fds"], h["utime"], h["stime"]),
                                     (int(g["tgid"]), int(g["ppid"]), g["state"], g["comm"], int(g["fds"]),
                                      int(g["utime"]), int(g["stime"])), "pid %d" % pid)
                    self.assertEqual(h["mm"] or 0, int(g["mm"], 16), "pid %d" % pid)
                # Every mm (the ones tasks own) and its VMAs.
                guest_mms, guest_vmas = {}, {}
                for line in report:
                    if line.startswith("mm "):
                        f = line.split()
                        guest_mms[int(f[1], 16)] = {k: int(v, 0) for k, v in (kv.split("=") for kv in f[2:])}
                    m = re.match(r"vma mm=0x([0-9a-f]+) ([0-9a-f]+)-([0-9a-f]+) flags=(0x[0-9a-f]+) pgoff=(\d+) file=(.*)$", line)
                    if m:
                        guest_vmas.setdefault(int(m.group(1), 16), []).append(
                            (int(m.group(2), 16), int(m.group(3), 16), int(m.group(4), 16), int(m.group(5)),
                             None if m.group(6) == "-" else m.group(6)))
                for space in pt["address_spaces"]:
                    g = guest_mms[space["mm"]]
                    host = {"pgd": space["cr3"], "users": space["users"], "count": space["count"],
                            "map_count": space["map_count"], "rss": space["rss"], "total_vm": space["total_vm"]}
                    for k in ("start_code", "end_code", "start_data", "end_data", "start_brk", "brk", "start_stack"):
                        host[k] = space[k]
                    self.assertEqual(host, {k: g[k] for k in host}, "mm 0x%08x" % space["mm"])
                    vmas = [(v["start"], v["end"], v["vm_flags"], v["pgoff"], v["file"]) for v in space["vmas"]]
                    self.assertEqual(vmas, guest_vmas.get(space["mm"], []), "mm 0x%08x" % space["mm"])
                # Every present user page: the same entry and frame count.
                guest_ptes = {}
                for line in report:
                    m = re.match(r"pte mm=0x([0-9a-f]+) vaddr=0x([0-9a-f]+) entry=0x([0-9a-f]+) count=(-?\d+)$", line)
                    if m:
                        guest_ptes[(int(m.group(1), 16), int(m.group(2), 16))] = (int(m.group(3), 16), int(m.group(4)))
                host_ptes = {}
                for space in pt["address_spaces"]:
                    for m in space["mappings"]:
                        host_ptes[(space["mm"], m["vaddr"])] = (m["entry"], m["count_min"])
                self.assertEqual(host_ptes, guest_ptes)
                # The frame counters and kinds.
                counters = dict(kv.split("=") for l in report if l.startswith("frames ") for kv in l.split()[1:])
                self.assertEqual(frames["nr_free_pages"], int(counters["free"]))
                self.assertEqual(frames["totalram_pages"], int(counters["totalram"]))
                kinds = dict(kv.split("=") for l in report if l.startswith("frame-kinds ") for kv in l.split()[1:])
                host_kinds = {k["kind"]: k["total"] for k in frames["by_kind"]}
                for kind, total in kinds.items():
                    self.assertEqual(host_kinds.get(kind, 0), int(total), kind)

    def test_maps_equals_the_guests_own_proc_maps(self):
        # cat prints its own /proc/self/maps, then exits: at `exit` (its do_exit, pid 2)
        # the host's maps of pid 2 is the same text.
        run = inspect("maps", "--at", "exit", "--pid", "2", "cat", "/proc/self/maps")
        self.assertExit(run, 0)
        guest = run.stderr.replace("\r\n", "\n")
        self.assertTrue(run.text and run.text in guest, run.describe())
        self.assertRegex(run.text, r"(?m)^[0-9a-f]{8}-[0-9a-f]{8} r-xp [0-9a-f]{8} 00:01 \d+ +/bin/cat$")
        self.assertRegex(run.text, r"(?m)\[stack\]$")


class LayoutTest(InspectCase):
    """A kernel whose task_struct, mm_struct and struct page have a field more at the
    front dumps the same: the host reads every offset from the kernel's own table."""

    def test_the_layout_test_kernel_dumps_the_same(self):
        if not LAYOUT_TEST_KERNEL:
            raise unittest.SkipTest("LAYOUT_TEST_KERNEL is not set (run through meson test)")
        images = [kernel_image_pages(k) for k in (KERNEL, LAYOUT_TEST_KERNEL)]
        # The same end: every frame allocated after the image is the same in both.
        self.assertEqual(images[0][1], images[1][1], "the kernels end on different pages")
        for command, extra in (("ps", ()), ("pt", ("--pid", "all", "--kernel-half")), ("frames", ())):
            docs = []
            for kernel, (start, end) in zip((KERNEL, LAYOUT_TEST_KERNEL), images):
                doc = self.json_of(command, "--at", "fork#1", *extra, "forktest", kernel=kernel)
                del doc["snapshot"]   # eip and the instruction count: the kernels' code differs
                # So does when a timer tick lands, and which task it counts for.
                for task in doc.get("tasks", []):
                    for timing in ("utime", "stime", "ticks"):
                        task.pop(timing, None)
                # The image's own pages: where its text ends and which text pages have run
                # by now (Accessed) follow the code's size, which the extra fields change;
                # so does the frame of an image page mapped elsewhere (the vDSO's).
                if "kernel" in doc:
                    kept = [m for m in doc["kernel"]["mappings"] if not start <= m["vaddr"] < end]
                    for m in kept:
                        if start - 0xc0000000 <= m["paddr"] < end - 0xc0000000:
                            del m["paddr"], m["entry"]
                    doc["kernel"]["mappings"] = kept
                docs.append(doc)
            self.assertEqual(docs[1], docs[0], command)


def kernel_image_pages(kernel):
    """[_text, _end rounded up to a page) of a kernel image, from its symbols."""
    out = subprocess.run(["nm", kernel], capture_output=True, text=True, check=True).stdout
    symbols = {f[2]: int(f[0], 16) for f in (l.split() for l in out.splitlines()) if len(f) == 3}
    return symbols["_text"], (symbols["_end"] + 0xfff) & ~0xfff


class SchemaTest(InspectCase):

    def test_every_document_matches_the_schema(self):
        try:
            import jsonschema
        except ImportError:
            self.fail("python3-jsonschema is missing (scripts/setup.sh installs it)")
        with open(SCHEMA) as f:
            schema = json.load(f)
        validator = jsonschema.validators.validator_for(schema)(schema)
        for command, extra in (("pt", ("--pid", "all", "--kernel-half")), ("pt", ("--pid", "2", "--no-merge")),
                               ("ps", ()), ("frames", ())):
            doc = self.json_of(command, "--at", "fork#1", *extra, "forktest")
            errors = sorted(validator.iter_errors(doc), key=str)
            self.assertEqual(errors, [], "%s %s" % (command, extra))
        # The schema rejects what it must: a document of another version.
        doc["version"] = 2
        self.assertTrue(list(validator.iter_errors(doc)))


class OutputTest(InspectCase):

    def test_ps_at_the_first_fork(self):
        run = inspect("ps", "-q", "--at", "fork#1", "forktest")
        self.assertExit(run, 0)
        lines = run.lines
        self.assertRegex(lines.pop(0), r"^at fork#1 = 0xc[0-9a-f]{7} \(child pid 3\): instruction \d+, pid 2 \(forktest\) running$")
        self.assertEqual(lines[0].split(), ["PID", "PPID", "TGID", "STATE", "NAME", "MM-USERS", "PGD", "RSS",
                                            "COW-SHARED", "VMAS", "FDS", "TICKS"])
        rows = {int(l.split()[0]): l.split() for l in lines[1:] if l.split() and l.split()[0].isdigit()}
        self.assertEqual(sorted(rows), [0, 1, 2, 3])
        self.assertEqual(rows[3][1:5], ["2", "3", "R", "forktest"])   # the child: runnable, not yet run
        self.assertGreater(int(rows[3][8]), 0)   # COW-SHARED
        tree = inspect("ps", "-q", "--tree", "--at", "fork#1", "forktest")
        self.assertExit(tree, 0)
        table = "\n".join(tree.lines[1:])   # after the line that says where it stopped
        self.assertLess(table.index("init"), table.index("forktest"))
        self.assertIn("\\_ forktest", table)

    def test_explain(self):
        # Addresses from the dump itself: a COW data page, a text page, nothing, the kernel.
        doc = self.json_of("pt", "--at", "fork#1", "--pid", "2", "--no-merge", "forktest")
        maps = pages(doc, 2)
        cow = min(v for v, m in maps.items() if m["cow"])
        text = min(v for v, m in maps.items() if m["vma"] and m["vma"]["perms"] == "r-xp")
        cases = [
            (cow, True, ["PTE", "count 2", "do_wp_page", "verdict: copy-on-write"]),
            (cow, False, ["verdict: "]),
            (text, True, ["r-xp", "not writable", "verdict: SIGSEGV (SEGV_ACCERR)"]),
            (0x40000000, False, ["verdict: SIGSEGV (SEGV_MAPERR)"]),
            (0xC0100000, False, ["U=0", "verdict: SIGSEGV (SEGV_MAPERR)"]),
        ]
        for addr, write, needles in cases:
            with self.subTest(addr=hex(addr), write=write):
                args = ["-q", "--at", "fork#1", "--pid", "2", "--explain", hex(addr)] + (["--write"] if write else [])
                run = inspect("pt", *args, "forktest")
                self.assertExit(run, 0)
                for needle in needles:
                    self.assertIn(needle, run.text, run.describe())
        # A read of a COW page is allowed: no fault at all.
        read = inspect("pt", "-q", "--at", "fork#1", "--pid", "2", "--explain", hex(cow), "forktest")
        self.assertNotIn("#PF", read.text, read.describe())

    def test_colour_on_request_only(self):
        plain = inspect("pt", "-q", "--at", "fork#1", "forktest")
        coloured = inspect("pt", "-q", "--color", "always", "--at", "fork#1", "forktest")
        self.assertExit(coloured, 0)
        self.assertNotIn("\x1b[", plain.text)
        self.assertIn("\x1b[", coloured.text)
        self.assertEqual(re.sub(r"\x1b\[[0-9;]*m", "", coloured.text), plain.text)

    def test_the_dump_does_not_change_the_run(self):
        # Up to the stop point the guest runs as under forkscope run: the console so far
        # is a prefix of the whole run's, and --stats' instruction count is the stop's.
        whole = run_command([FORKSCOPE, "run", "--kernel", KERNEL, "--initrd", INITRAMFS, "--rtc-time", RTC,
                             "--max-instructions", GUARD, "forktest"])
        part = inspect("ps", "--stats", "--at", "fork#4", "forktest")
        self.assertExit(part, 0)
        console = "\n".join(l for l in part.stderr_lines if not l.startswith("stats: "))
        self.assertTrue(whole.text.startswith(console.replace("\r", "")), part.describe())
        again = inspect("frames", "--stats", "--at", "fork#4", "forktest")
        stats = [l for l in part.stderr_lines + again.stderr_lines if l.startswith("stats: ")]
        self.assertEqual(len(stats), 2)
        self.assertEqual(stats[0].split(",")[0], stats[1].split(",")[0])   # the same instruction count


class BadInputTest(InspectCase):

    def test_errors_are_one_line_and_a_status(self):
        cases = [
            (("pt", "--at", "copy_proces", "forktest"), EXIT_USAGE, ["copy_proces", "did you mean copy_process"]),
            (("pt", "--at", "fork#0", "forktest"), EXIT_USAGE, ["fork#0"]),
            (("pt", "--at", "fork#1", "--pid", "99", "forktest"), EXIT_USAGE, ["99", "0 1 2 3"]),
            (("pt", "--at", "fork#1", "--range", "5000-2000", "forktest"), EXIT_USAGE, ["5000-2000"]),
            (("pt", "--at", "fork#1", "--range", "x-y", "forktest"), EXIT_USAGE, ["x-y"]),
            (("pt", "--at", "fork#1", "--diff", "2", "forktest"), EXIT_USAGE, ["--diff"]),
            (("pt", "--at", "fork#1000", "forktest"), EXIT_NOT_REACHED, ["fork#1000 was not reached", "8 forks"]),
            (("pt", "--at", "exit:99", "hello"), EXIT_NOT_REACHED, ["exit:99 was not reached"]),
            (("pt", "--explain", "0x08048000", "--format", "qemu", "forktest"), EXIT_USAGE, ["--explain"]),
            (("maps", "--pid", "42", "forktest"), EXIT_USAGE, ["42"]),
            (("frames", "--frame", "zz", "forktest"), EXIT_USAGE, ["zz"]),
            (("ps", "--at", "end"), EXIT_USAGE, ["PROGRAM"]),
        ]
        for args, status, needles in cases:
            with self.subTest(args=args):
                run = inspect(args[0], "-q", *args[1:])
                self.assertErrorLine(run, status, *needles)

    def test_a_kernel_without_the_table_is_refused(self):
        with open(KERNEL, "rb") as f:
            elf = bytearray(f.read())
        at = elf.rfind(b".forkscope_info")
        self.assertGreater(at, 0)
        elf[at + 1:at + 2] = b"X"
        with TempDir() as d:
            path = d.write("kernel.elf", bytes(elf))
            run = inspect("ps", "-q", "--at", "end", "hello", kernel=path)
        self.assertErrorLine(run, EXIT_BAD_IMAGE, "no .forkscope_info section")

    def test_a_kernel_that_lacks_an_entry_is_refused(self):
        # The kernel still boots (the table is not loaded), but the host cannot read its
        # tasks without task_struct.mm: one line naming the entry, before anything runs.
        with open(KERNEL, "rb") as f:
            elf = bytearray(f.read())
        at = elf.find(b"OFFSET(task_struct.mm)\0")
        self.assertGreater(at, 0)
        elf[at:at + 22] = b"OFFSET(task_struct.xx)"
        with TempDir() as d:
            path = d.write("kernel.elf", bytes(elf))
            run = inspect("ps", "-q", "--at", "end", "hello", kernel=path)
        self.assertErrorLine(run, EXIT_BAD_IMAGE, "does not export OFFSET(task_struct.mm)")


if __name__ == "__main__":
    unittest.main()

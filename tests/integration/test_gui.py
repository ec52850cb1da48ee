"""forkscope gui: the window rendered off screen (SDL's offscreen driver, Mesa's EGL) at a
stop, its picture and UI state checked against the kernel's own state from the dump
commands at the same stop: the panels, the source line, the stack, the tasks, and every
cell of the physical memory grid against `forkscope frames` (a COW-shared frame in the
shared colour), not against a stored picture.
"""

import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

import forkscope_testlib as lib

try:
    from PIL import Image
except ImportError:
    Image = None
    # meson may have found another python3 than Debian's (a pyenv), without python3-pil.
    if (sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3") and
            subprocess.run(["/usr/bin/python3", "-c", "import PIL"], capture_output=True).returncode == 0):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)

PANELS = ["Controls", "Tasks", "Address space", "CPU", "Stack", "Source", "Disassembly", "Page tables",
          "Physical memory", "Timeline", "Console"]
# forkscope frames' kind names, as the grid's colour classes name them.
KIND_CLASS = {"pgtable": "pagetable"}
TIMEOUT = 120


def gui(*args, env_extra=None, drop_display=False):
    if not lib.FORKSCOPE:
        raise unittest.SkipTest("FORKSCOPE is not set (run through meson test)")
    env = dict(os.environ)
    env.setdefault("SDL_VIDEODRIVER", "offscreen")
    # Under the sanitizers: Mesa's drivers are unloaded at exit, so LeakSanitizer reports
    # their allocations from an "<unknown module>" no suppression can name, and its
    # tracer can crash on llvmpipe's threads. Memory errors are still checked.
    if "ASAN_OPTIONS" in env:
        env["ASAN_OPTIONS"] = env["ASAN_OPTIONS"].replace("detect_leaks=1", "detect_leaks=0")
    if drop_display:
        for name in ("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER"):
            env.pop(name, None)
    env.update(env_extra or {})
    argv = [lib.FORKSCOPE, "gui", *args]
    p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, env=env, timeout=TIMEOUT)
    return lib.Run(argv, p.returncode, p.stdout, p.stderr)


fork_c_line = lib.fork_c_line


class Screenshots(unittest.TestCase):
    def setUp(self):
        self._td = tempfile.TemporaryDirectory(prefix="forkscope-gui-")
        self.addCleanup(self._td.cleanup)
        self.png = os.path.join(self._td.name, "shot.png")
        self.state_path = os.path.join(self._td.name, "state.json")

    def shoot(self, *args):
        run = gui("--screenshot", self.png, "--ui-state", self.state_path, *args)
        self.assertEqual(run.returncode, 0, run.describe())
        with open(self.state_path) as f:
            state = json.load(f)
        self.assertTrue(os.path.exists(self.png))
        if Image is None:
            self.fail("python3-pil is missing (scripts/setup.sh installs it)")
        picture = Image.open(self.png).convert("RGB")
        self.assertEqual(picture.size, (state["window"]["width"], state["window"]["height"]))
        return state, picture

    def dump(self, command, at):
        run = lib.run_command([lib.FORKSCOPE, command, "-q", "--at", at, "--format", "json", "forktest"])
        self.assertEqual(run.returncode, 0, run.describe())
        return json.loads(run.stdout)

    def test_stopped_in_copy_process_every_panel_shows_that_moment(self):
        state, _ = self.shoot("--break", "copy_process", "--size", "1400x900", "forktest")
        line = fork_c_line("if ((clone_flags & (CLONE_NEWNS | CLONE_FS)) == (CLONE_NEWNS | CLONE_FS))")
        self.assertEqual(state["panels"], PANELS)
        self.assertEqual(state["window"], {"width": 1400, "height": 900})
        self.assertEqual(state["status"], "Breakpoint 1, copy_process at fork.c:%d" % line)
        self.assertFalse(state["running"])
        self.assertEqual(state["source"], {"file": "guestkernel/kernel/fork.c", "line": line})
        self.assertEqual(state["breakpoint_lines"], ["guestkernel/kernel/fork.c:%d" % line])
        self.assertEqual(state["stack"][0], "copy_process at guestkernel/kernel/fork.c:%d" % line)
        self.assertRegex(state["stack"][1], r"^do_fork\+0x[0-9a-f]+ at guestkernel/kernel/fork\.c:\d+$")
        self.assertEqual(state["disassembly"][0]["address"], state["eip"])  # at its entry: nothing before
        # The tasks as forkscope ps sees them at the same stop, the current one selected.
        ps = self.dump("ps", "copy_process")
        self.assertEqual(ps["snapshot"]["instructions"], state["instructions"])
        def columns(t):
            return (t["pid"], t["comm"], t["state"], t.get("mm_users"), t.get("rss"), t.get("cow_shared"))
        self.assertEqual([columns(t) for t in state["tasks"]], [columns(t) for t in ps["tasks"]])
        current = [t["pid"] for t in state["tasks"] if t["current"]]
        self.assertEqual(current, [state["selected_pid"]])


    def test_every_memory_cell_at_the_first_cow_fault_is_the_kernel_frame_map(self):
        state, picture = self.shoot("--at", "cow", "forktest")
        frames = self.dump("frames", "cow")
        self.assertEqual(frames["snapshot"]["instructions"], state["instructions"])
        self.assertTrue(state["status"].startswith("Event 1 (cow#1 = 0), "), state["status"])
        grid = state["grid"]
        self.assertEqual(grid["frames"], frames["frames"])
        # Each class at each shade level (the reference count: 1, 2, 3, 4 or more).
        palette = {tuple(rgb): (name, level) for name, levels in grid["palette"].items()
                   for level, rgb in enumerate(levels)}
        self.assertEqual(len(palette), 4 * len(grid["palette"]), "two cells' colours are the same")
        pixels = picture.load()

        def cell(pfn):
            x = int(grid["x"]) + (pfn % grid["columns"]) * grid["cell"] + grid["cell"] // 2
            y = int(grid["y"]) + (pfn // grid["columns"]) * grid["cell"] + grid["cell"] // 2
            return palette.get(pixels[x, y], "not a cell colour %s" % (pixels[x, y],))

        counts = {}
        for pfn in range(grid["frames"]):
            counts[cell(pfn)] = counts.get(cell(pfn), 0) + 1
        expected = {}
        for kind in frames["by_kind"]:
            name = KIND_CLASS.get(kind["kind"], kind["kind"])
            for count, n in kind["by_count"].items():
                cls = "shared" if name == "anon" and int(count) > 1 else name
                level = min(max(int(count), 1), 4) - 1
                expected[(cls, level)] = expected.get((cls, level), 0) + n
        self.assertEqual(counts, expected)
        # After fork, before the child's copy: frames mapped by both, in the shared colour,
        # shaded by how many map them.
        shared_anon = [f for f in frames["shared"] if f["kind"] == "anon"]
        self.assertGreater(len(shared_anon), 0)
        self.assertEqual({cell(f["pfn"]) for f in shared_anon},
                         {("shared", min(f["count"], 4) - 1) for f in shared_anon})

    def test_at_takes_every_stop_point_of_the_dumps(self):
        """--at SYMBOL#N and return:SYMBOL#N stop where forkscope ps --at stops."""
        for point, function in (("copy_process#2", "copy_process"), ("return:copy_process#2", "do_fork"),
                                ("exit:4", "do_exit"), ("end", "do_exit")):
            state, _ = self.shoot("--at", point, "forktest")
            ps = self.dump("ps", point)
            self.assertEqual(state["instructions"], ps["snapshot"]["instructions"], point)
            self.assertTrue(state["status"].startswith("Event 1 ("), state["status"])
            if function:
                self.assertEqual(state["function"], function, point)

    def test_the_stack_shows_arguments_as_bt_does_with_kernel_objects_decoded(self):
        state, _ = self.shoot("--break", "dup_mmap", "forktest")
        bt = lib.run_command([lib.FORKSCOPE, "debug", "-q", "--break", "dup_mmap", "-ex", "run", "-ex", "bt",
                              "forktest"])
        self.assertEqual(bt.returncode, 0, bt.describe())
        lines = [line for line in bt.text.splitlines() if re.match(r"^#\d+ ", line)]
        self.assertEqual(len(lines), len(state["stack_arguments"]))
        for line, shown in zip(lines, state["stack_arguments"]):
            args = re.match(r"^#\d+\s+(?:0x[0-9a-f]+ in )?\w+ \((.*)\) at ", line).group(1)
            self.assertEqual(re.sub(r" <[^>]*>", "", shown), args)
        # dup_mmap(mm, oldmm): the child's new mm, no task's yet, and the parent's.
        self.assertRegex(state["stack_arguments"][0],
                         r"^mm=0x[0-9a-f]+ <users 1, 0 vmas, no task's>, oldmm=0x[0-9a-f]+ <users 1, \d+ vmas>$")
        self.assertRegex(state["stack_arguments"][1], r'tsk=0x[0-9a-f]+ <pid \d+ "init", not in the task list>')

    def test_a_guest_that_ends_is_shown_ended(self):
        state, _ = self.shoot("hello")
        self.assertEqual(state["status"], "exited with status 0")
        self.assertTrue(state["ended"])


class Scripted(unittest.TestCase):
    """The window driven as a person would: open at copy_process, step three lines, set
    a breakpoint in the gutter's way, continue to it, take the first one away, continue
    to the next fork, select init. Each moment's UI state against forkscope debug's
    transcript of the same commands (the text front end of the same core)."""

    def setUp(self):
        self._td = tempfile.TemporaryDirectory(prefix="forkscope-gui-script-")
        self.addCleanup(self._td.cleanup)
        self.dir = self._td.name

    def path(self, name):
        return os.path.join(self.dir, name)

    def run_script(self, lines, *args):
        with open(self.path("script"), "w") as f:
            f.write("\n".join(lines) + "\n")
        return gui("--script", self.path("script"), *args)

    def state(self, name):
        with open(self.path(name)) as f:
            return json.load(f)

    def test_steps_breakpoints_and_selection_follow_the_text_debugger(self):
        copy_mm = fork_c_line("if ((retval = copy_mm(clone_flags, p)))")
        run = self.run_script(["# a person at the window", "continue", "next", "next", "next",
                               "ui-state " + self.path("stepped.json"),
                               "break fork.c:%d" % copy_mm, "continue", "ui-state " + self.path("at_copy_mm.json"),
                               "break copy_process", "continue", "select 1"],
                              "--break", "copy_process", "--screenshot", self.path("end.png"),
                              "--ui-state", self.path("end.json"), "forktest")
        self.assertEqual(run.returncode, 0, run.describe())
        text = lib.run_command([lib.FORKSCOPE, "debug", "-q", "--break", "copy_process", "-ex", "run",
                                "-ex", "next", "-ex", "next", "-ex", "next", "-ex", "break fork.c:%d" % copy_mm,
                                "-ex", "continue", "-ex", "delete 1", "-ex", "continue", "-ex", "info tasks",
                                "forktest"])
        self.assertEqual(text.returncode, 0, text.describe())
        third_next = int(text.text.split("(forkscope) next\n")[3].split("\t")[0])  # the line it printed
        stepped = self.state("stepped.json")
        self.assertEqual(stepped["source"]["line"], third_next)
        self.assertEqual(stepped["status"], "step, copy_process at fork.c:%d" % third_next)
        at_copy_mm = self.state("at_copy_mm.json")
        self.assertEqual(at_copy_mm["status"], "Breakpoint 2, copy_process at fork.c:%d" % copy_mm)
        self.assertEqual(at_copy_mm["breakpoints"], ["copy_process", "fork.c:%d" % copy_mm])
        self.assertIn("guestkernel/kernel/fork.c:%d" % copy_mm, at_copy_mm["breakpoint_lines"])
        end = self.state("end.json")
        self.assertEqual(end["breakpoints"], ["fork.c:%d" % copy_mm])
        self.assertEqual(end["status"], "Breakpoint 2, copy_process at fork.c:%d" % copy_mm)
        self.assertEqual(end["selected_pid"], 1)
        # The tasks at the second fork, as the text debugger's info tasks lists them.
        rows = text.text.split("PID PPID TGID")[1].splitlines()[1:]
        listed = [(int(r.split()[0]), r.split()[4]) for r in rows if r.strip()]
        self.assertEqual([(t["pid"], t["comm"]) for t in end["tasks"]], listed)
        self.assertEqual([t["pid"] for t in end["tasks"] if t["current"]], [2])
        # The process tree as ps --tree draws it at the same fork (copy_process#2: copy_mm
        # adds nothing to the task list): pids in order, each at its depth.
        tree = lib.run_command([lib.FORKSCOPE, "ps", "-q", "--at", "copy_process#2", "--tree", "forktest"])
        self.assertEqual(tree.returncode, 0, tree.describe())
        header, *rows = tree.text.splitlines()[1:]
        name = header.index("NAME")

        def depth(row):  # ps --forest: "    " a level after the first, then " \\_ "
            return (row.index("\\_") - name - 1) // 4 + 1 if "\\_" in row else 0
        self.assertEqual([tuple(p) for p in end["task_tree"]], [(int(r.split()[0]), depth(r)) for r in rows])
        self.assertEqual([d for _, d in end["task_tree"]], [0, 0, 1])
        self.assertTrue(os.path.exists(self.path("end.png")))

    def test_selecting_a_page_links_page_tables_frame_and_explain_to_the_dumps(self):
        """At the first fork, the child selected: its page tables against its parent's are
        pt --diff's rows; a COW page selected by address selects its frame, and Explain
        says what pt --explain says; a frame selected in the grid selects its address."""
        child, parent = 3, 2
        diff = lib.run_command([lib.FORKSCOPE, "pt", "-q", "--at", "fork", "--diff", "%d,%d" % (child, parent),
                                "forktest"])
        self.assertEqual(diff.returncode, 0, diff.describe())
        # Its columns, cut where the header's names start.
        header, *lines = diff.text.splitlines()[1:]
        starts = [header.index(name) for name in ("VIRTUAL", "STATUS", " A ", " B ", "NOTE", "VMA")]
        starts[2:4] = [starts[2] + 1, starts[3] + 1]
        rows = [[line[a:b].strip() for a, b in zip(starts, starts[1:] + [len(line)])] for line in lines]
        cow = [r for r in rows if r[4] == "cow"]
        self.assertGreater(len(cow), 0, diff.text)
        cow_page = cow[0][0].split("-")[0]
        cow_frame = int(cow[0][2].split()[0].split("-")[0], 16) >> 12
        text_page = rows[0][0].split("-")[0]
        text_frame = int(rows[0][2].split()[0].split("-")[0], 16) >> 12
        run = self.run_script(["continue", "select %d" % child, "select-address " + cow_page,
                               "ui-state " + self.path("page.json"), "explain read",
                               "ui-state " + self.path("read.json"), "select-frame %d" % text_frame],
                              "--at", "fork", "--ui-state", self.path("frame.json"),
                              "--screenshot", self.path("end.png"), "forktest")
        self.assertEqual(run.returncode, 0, run.describe())
        page = self.state("page.json")
        self.assertEqual(page["selected_pid"], child)
        self.assertEqual(page["page_tables"]["header"],
                         "pid 3 (forktest) mm %s CR3 %s; against parent pid 2 (forktest)"
                         % (diff.text.split("mm ")[1].split(",")[0], diff.text.split("CR3 ")[1].split(";")[0]))
        shown = [(r["range"], r["status"], r["note"] or "-") for r in page["page_tables"]["rows"]]
        self.assertEqual(shown, [(r[0], r[1], r[4]) for r in rows])
        self.assertEqual((page["selected_address"], page["selected_frame"]), (cow_page, cow_frame))
        for name, flag in (("page.json", ["--write"]), ("read.json", [])):
            explain = lib.run_command([lib.FORKSCOPE, "pt", "-q", "--at", "fork", "--explain", cow_page,
                                       "--pid", str(child), *flag, "forktest"])
            self.assertEqual(explain.returncode, 0, explain.describe())
            self.assertEqual(self.state(name)["explain"], explain.text)
        self.assertIn("copy-on-write", page["explain"])
        frame = self.state("frame.json")
        self.assertEqual((frame["selected_address"], frame["selected_frame"]), (text_page, text_frame))
        # The child's VMAs, as its maps lists them, with their resident pages.
        maps = lib.run_command([lib.FORKSCOPE, "maps", "-q", "--at", "fork", "--pid", str(child), "forktest"])
        self.assertEqual(maps.returncode, 0, maps.describe())
        vmas = [line.split()[:2] for line in maps.text.splitlines()]
        self.assertEqual([[v["range"], v["perms"]] for v in page["address_space"]],
                         [["0x%s-0x%08x" % (r[0].split("-")[0], int(r[0].split("-")[1], 16) - 1), r[1]]
                          for r in vmas])
        def pages(r):
            lo, hi = r["range"].split("-")
            return (int(hi, 16) + 1 - int(lo, 16)) // 4096
        self.assertEqual(sum(v["resident"] for v in page["address_space"]),
                         sum(pages(r) for r in page["page_tables"]["rows"] if r["this"] != "-"))

    def dump_frames(self, at):
        run = lib.run_command([lib.FORKSCOPE, "frames", "-q", "--at", at, "--format", "json", "forktest"])
        self.assertEqual(run.returncode, 0, run.describe())
        return json.loads(run.stdout)

    def test_the_timeline_is_the_stop_points_and_clicking_it_goes_back(self):
        """The guest run to its end with its events on the Timeline: each where the dumps'
        stop point of that name is, as many forks as the kernel made; going to cow#1 (a
        click on its tick) shows that moment's tasks; Next fork runs on to fork#2."""
        run = self.run_script(["continue", "ui-state " + self.path("end.json"), "goto-event cow#1",
                               "ui-state " + self.path("cow.json"), "run-to fork"],
                              "--ui-state", self.path("fork.json"), "--screenshot", self.path("end.png"), "forktest")
        self.assertEqual(run.returncode, 0, run.describe())
        end = self.state("end.json")
        self.assertEqual(end["status"], "exited with status 0")
        timeline = end["timeline"]
        self.assertEqual(timeline["position"], end["instructions"])
        self.assertEqual(timeline["history"], [0, end["instructions"]])
        events = {e["name"]: e for e in timeline["events"]}
        forks = [e for e in timeline["events"] if e["name"].startswith("fork#")]
        self.assertEqual([e["name"] for e in forks], ["fork#%d" % (i + 1) for i in range(len(forks))])
        # As many forks as the kernel made: the dumps cannot reach one more.
        beyond = lib.run_command([lib.FORKSCOPE, "ps", "-q", "--at", "fork#%d" % (len(forks) + 1), "forktest"])
        self.assertIn("was not reached: the guest exited with status 0 after %d forks" % len(forks), beyond.stderr)
        for name, point in (("fork#1", "fork#1"), ("fork#2", "fork#2"), ("cow#1", "cow#1"), ("exit#1", "exit"),
                            ("end#1", "end")):
            ps = lib.run_command([lib.FORKSCOPE, "ps", "-q", "--at", point, "--format", "json", "forktest"])
            self.assertEqual(ps.returncode, 0, ps.describe())
            self.assertEqual(events[name]["instructions"], json.loads(ps.stdout)["snapshot"]["instructions"], name)
        self.assertEqual(events["end#1"]["pid"], 1)
        # Back at the first COW fault: the machine and the panels are there.
        cow = self.state("cow.json")
        self.assertEqual(cow["instructions"], events["cow#1"]["instructions"])
        self.assertEqual(cow["status"], "went to instruction %d, handle_mm_fault at memory.c:%d"
                         % (events["cow#1"]["instructions"], int(cow["source"]["line"])))
        self.assertFalse(cow["ended"])
        ps = json.loads(lib.run_command([lib.FORKSCOPE, "ps", "-q", "--at", "cow#1", "--format", "json",
                                         "forktest"]).stdout)
        self.assertEqual([(t["pid"], t["state"]) for t in cow["tasks"]], [(t["pid"], t["state"]) for t in ps["tasks"]])
        self.assertEqual(len(cow["timeline"]["events"]), len(timeline["events"]), "the future stays on the timeline")
        # The frames that differ from the last view's (the guest's end), as the grid flashes
        # them on screen: among them those that fork#1 left shared and cow#1 counts anew.
        changed = {pfn for lo, hi in cow["grid"]["changed"] for pfn in range(lo, hi + 1)}
        at_fork = {f["pfn"]: f["count"] for f in self.dump_frames("fork#1")["shared"]}
        at_cow = {f["pfn"]: f["count"] for f in self.dump_frames("cow#1")["shared"]}
        recounted = {pfn for pfn, count in at_fork.items() if at_cow.get(pfn, 1) != count}
        self.assertTrue(recounted & changed, (sorted(recounted), cow["grid"]["changed"]))
        # Next fork from there: the second fork, named as the timeline names it.
        fork = self.state("fork.json")
        self.assertEqual(fork["instructions"], events["fork#2"]["instructions"])
        self.assertTrue(fork["status"].startswith(events["fork#2"]["text"] + ", do_fork at fork.c:"), fork["status"])
        self.assertEqual(len(fork["timeline"]["events"]), len(timeline["events"]), "nothing logged twice")

    def test_disassembly_shows_the_code_before_eip_from_the_functions_start(self):
        run = self.run_script(["continue", "next", "next", "next"], "--break", "dup_mmap",
                              "--ui-state", self.path("code.json"), "--screenshot", self.path("code.png"), "forktest")
        self.assertEqual(run.returncode, 0, run.describe())
        state = self.state("code.json")
        code = state["disassembly"]
        at = [c["address"] for c in code].index(state["eip"])
        self.assertGreater(at, 0, "instructions before EIP are shown")
        # The same instructions as x/Ni from the first one shown: decoded on the CPU's path.
        x = lib.run_command([lib.FORKSCOPE, "debug", "-q", "--break", "dup_mmap", "-ex", "run", "-ex",
                             "x/%di %s" % (len(code), code[0]["address"]), "forktest"])
        self.assertEqual(x.returncode, 0, x.describe())
        lines = [line for line in x.text.splitlines() if re.match(r"^(=> |   )0x", line)]
        self.assertEqual([l.split(":\t")[1] for l in lines], [c["text"] for c in code])
        self.assertEqual([int(l.split()[1 if l.startswith("=>") else 0].rstrip(":"), 16) for l in lines],
                         [int(c["address"], 16) for c in code])

    def test_a_bad_script_line_is_named(self):
        run = self.run_script(["continue", "jump 3"], "hello")
        self.assertEqual(run.returncode, lib.EXIT_USAGE, run.describe())
        self.assertEqual(run.stderr_lines, ["forkscope: script line 2: unknown command 'jump'"])
        run = self.run_script(["break fork.c:1"], "hello")
        self.assertEqual(run.returncode, lib.EXIT_USAGE, run.describe())
        self.assertIn("forkscope: script line 1: no code at fork.c:1", run.stderr)
        run = self.run_script(["continue", "goto-event fork#99"], "hello")
        self.assertEqual(run.returncode, lib.EXIT_USAGE, run.describe())
        self.assertEqual(run.stderr_lines, ["forkscope: script line 2: no event fork#99 in the timeline"])
        run = self.run_script(["continue", "goto-event fork#1"], "--history-mb", "0", "forktest")
        self.assertEqual(run.returncode, lib.EXIT_USAGE, run.describe())
        self.assertIn("forkscope: script line 2: Target does not record its history", run.stderr)


class BadUse(unittest.TestCase):
    def test_no_display_is_one_clear_line(self):
        run = gui("hello", drop_display=True)
        self.assertEqual(run.returncode, lib.EXIT_MACHINE_FAULT, run.describe())
        self.assertEqual(run.stderr_lines, ["forkscope: no display (DISPLAY is not set): forkscope gui needs one, "
                                            "or --screenshot FILE to render off screen"])

    def test_bad_options(self):
        for args, needle in ((["--size", "10x10", "hello"], "--size '10x10'"),
                             (["--ui-state", "x.json", "hello"], "--ui-state is written with a --screenshot"),
                             (["--at", "nosuchplace", "--screenshot", "x.png", "hello"], "--at 'nosuchplace'"),
                             (["--screenshot", "x.png"], "a PROGRAM to debug is needed")):
            run = gui(*args)
            self.assertEqual(run.returncode, lib.EXIT_USAGE, run.describe())
            self.assertIn(needle, run.stderr)


if __name__ == "__main__":
    unittest.main()

"""Debian's BusyBox (busybox-static:i386, unpacked by scripts/fetch_i386.sh into
.deps/i386) under `forkscope run`: shell command lines with pipelines, loops,
subshells, background jobs, redirections into /tmp, and the usual applets, each
compared with the same command run as Linux would run it (tests/i386_runner.py); the
commands whose output depends on the machine (ls /, ps, id) against what the guest
must show; and the interactive shell at the console with ^C. Every guest run has
check=vm, which must find nothing.

BusyBox's sh runs its applets by re-executing itself through /proc/self/exe, so in the
guest only /bin/busybox is needed. The reference runs from a folder of applet links,
which is PATH, because under qemu-i386 the host's kernel cannot execute /proc/self/exe.
"""

import os
import re
import shutil
import subprocess
import tempfile
import unittest

import i386_runner
from forkscope_testlib import Console, ForkscopeTestCase, FORKSCOPE, forkscope

I386_ROOT = os.environ.get("I386_ROOT", "")
BUSYBOX = os.path.join(I386_ROOT, "bin", "busybox")
CHECK_VM_LINE = re.compile(rb"check=vm: \d+ system calls checked, (\d+) violations\r?\n")
RTC = "1000000000"          # the guest's clock at boot: 2001-09-09 01:46:40 UTC
TIMEOUT = 120

# Command lines whose output and exit status must equal the reference's.
SAME = {
    "pipeline": "echo hello world | tr a-z A-Z | sed 's/WORLD/there/' | cat",
    "loops": "for i in 1 2 3; do echo item $i; done; i=0; "
             "while [ $i -lt 100 ]; do i=$((i + 7)); done; echo $i; "
             "case abc in a*) echo glob;; *) echo no;; esac",
    "subshells": "(cd /tmp && pwd); echo \"$(echo 'inner' $(echo nested))\"; (exit 3); echo status $?; "
                 "x=outer; (x=inner; echo $x); echo $x",
    "background_and_wait": "sleep 1 & p=$!; echo started; wait $p; echo waited $?; "
                           "(exit 5) & wait $!; echo second $?",
    "redirections": "d=$(mktemp -d /tmp/bb.XXXXXX) && cd $d && echo one > f && echo two >> f && "
                    "cat f && wc -l < f && ls nothing 2> err; echo ls $?; grep -c nothing err; "
                    "exec 3> g; echo via fd3 >&3; exec 3>&-; cat g; cd / && rm -r $d && echo cleaned",
    "find_and_stat": "d=$(mktemp -d /tmp/bb.XXXXXX) && cd $d && mkdir -p x/y && echo data > x/y/z && "
                     ": > x/w && chmod 640 x/w && find . | sort && "
                     "stat -c '%n %F %s %a %h' x/w x/y/z && cd / && rm -r $d",
    "text_applets": "printf '3 c\\n1 a\\n2 b\\n' | sort -n | awk '{ s += $1; print $2 } END { print s }'; "
                    "echo abc | md5sum; printf 'a,b\\nc,d\\n' | cut -d, -f2 | tr '\\n' ' '; echo; "
                    "seq 1 10 | head -3 | tail -1; echo hello | sed -e 's/l/L/g' -e 's/^/> /'; "
                    "printf 'b\\na\\nb\\n' | sort | uniq -c",
    "ls_long": "d=$(mktemp -d /tmp/bb.XXXXXX) && cd $d && echo 12345 > five && mkdir sub && "
               "ln -s five link && touch -d '2020-01-02 03:04:05' five sub link && "
               # a directory's size and a symbolic link's own time are the file system's
               "ls -l --full-time . | awk '$1 ~ /^l/ { print $1, $2, $9, $10, $11 } "
               "$1 ~ /^[-d]/ { print $1, $2, $6, $7, $9 }'; stat -c '%s %Y' five; "
               "cd / && rm -r $d",
    "date": "date -u -d @1000000000 '+%Y-%m-%d %H:%M:%S %A'; date -u -d '2024-02-29 12:00' +%j",
    "sleep_exit": "sleep 1; echo slept; false; echo $?; sh -c 'exit 7'",
    "exit_status": "echo last; exit 42",
}


def reference_bin(workdir):
    """A folder of applet links to busybox, and its mirror for the runner (PATH for the
    reference)."""
    folder = os.path.join(workdir, "bin")
    if not os.path.isdir(folder):
        os.mkdir(folder)
        shutil.copy(BUSYBOX, os.path.join(folder, "busybox"))
        applets = i386_runner.run(BUSYBOX, "--list", timeout=TIMEOUT).stdout.decode().split()
        for applet in applets:
            if applet != "busybox":
                os.link(os.path.join(folder, "busybox"), os.path.join(folder, applet))
    return folder, i386_runner.runner().exec_path(folder)


class BusyBoxTest(ForkscopeTestCase):

    @classmethod
    def setUpClass(cls):
        if not FORKSCOPE:
            raise unittest.SkipTest("FORKSCOPE is not set (run through meson test)")
        if not os.path.isfile(BUSYBOX):
            raise AssertionError("BusyBox i386 is missing from %r: run scripts/fetch_i386.sh "
                                 "(scripts/setup.sh does)" % I386_ROOT)
        cls.workdir = tempfile.mkdtemp(prefix="forkscope-busybox-")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.workdir, ignore_errors=True)

    def reference(self, command):
        folder, path = reference_bin(self.workdir)
        env = {"PATH": path, "HOME": "/", "TERM": "linux", "TZ": "UTC"}
        p = i386_runner.run(os.path.join(folder, "sh"), "-c", command, env=env, cwd="/",
                            timeout=TIMEOUT, merge_stderr=True)
        return p.stdout.decode("utf-8", "replace"), p.returncode

    def assertCheckVmClean(self, run):
        """check=vm's summary says 0 violations; the line is taken out of run.stdout, so
        the rest is what the commands printed."""
        found = list(CHECK_VM_LINE.finditer(run.stdout))
        self.assertTrue(found, "no check=vm summary\n" + run.describe())
        self.assertEqual(found[-1].group(1), b"0", run.describe())
        run.stdout = run.stdout[:found[-1].start()] + run.stdout[found[-1].end():]

    def guest(self, command):
        """`busybox sh -c command` in forkscope, with check=vm (every run)."""
        run = forkscope("--rtc-time", RTC, "--append", "check=vm", BUSYBOX, "sh", "-c", command,
                        timeout=TIMEOUT)
        self.assertCheckVmClean(run)
        return run

    def check_same(self, name):
        want_out, want_status = self.reference(SAME[name])
        run = self.guest(SAME[name])
        self.assertEqual(run.text, want_out, run.describe())
        self.assertExit(run, want_status)
        self.assertEqual(run.stderr, "", run.describe())

    def test_ls_root(self):
        # The image's root, as ls -l shows it (sizes and times left out).
        run = self.guest("ls -l / | awk 'NR > 1 { print $1, $2, $3, $4, $NF }'")
        self.assertExit(run, 0)
        self.assertEqual(run.lines, ["drwxr-xr-x 2 root root bin", "drwxr-xr-x 2 root root dev",
                                     "drwxr-xr-x 2 root root etc", "dr-xr-xr-x 2 root root proc",
                                     "drwxrwxrwt 2 root root tmp"], run.describe())

    def test_ps(self):
        run = self.guest("sleep 2 & ps; wait")
        self.assertExit(run, 0)
        self.assertRegex(run.lines[0], r"^\s*PID\s+USER\s+COMMAND$", run.describe())
        # sh runs sleep through /proc/self/exe, and ps in a forked child without exec,
        # which ps names "{ps} <the shell's command line>", as on Linux.
        commands = [line.split(None, 2)[2] for line in run.lines[1:]]
        self.assertIn("sleep 2", commands, run.describe())
        self.assertTrue(any(c.startswith("{ps} ") for c in commands), run.describe())
        self.assertTrue(any(c.startswith("/bin/busybox sh -c ") for c in commands), run.describe())

    def test_id(self):
        run = self.guest("id; id -u; id -g")
        self.assertExit(run, 0)
        self.assertEqual(run.lines[1:], ["0", "0"], run.describe())
        self.assertRegex(run.lines[0], r"^uid=0(\(root\))? gid=0(\(root\))?", run.describe())

    def test_date_follows_the_rtc(self):
        run = self.guest("date -u '+%Y-%m-%d %H:%M'")
        self.assertExit(run, 0)
        self.assertEqual(run.lines, ["2001-09-09 01:46"], run.describe())

    def test_interactive_shell_with_ctrl_c(self):
        console = Console([FORKSCOPE, "run", "--rtc-time", RTC, "--append", "check=vm", "--input", "-",
                           BUSYBOX, "sh"], timeout=TIMEOUT)
        at = console.expect(b"# ")
        console.send(b"echo typed $((6 * 7))\n")
        at = console.expect(b"typed 42", at)
        at = console.expect(b"# ", at)
        # ^C once the command line runs (typed earlier, the line editor would take it):
        # SIGINT for the foreground job, not for the interactive shell.
        console.send(b"echo sleeping; sleep 100\n")
        at = console.expect(b"sleeping\r\n", at)
        console.send(b"\x03")
        at = console.expect(b"# ", at)
        console.send(b"echo after $?\n")
        at = console.expect(b"after 130", at)
        console.send(b"exit 3\n")
        run = console.finish()
        self.assertExit(run, 3)
        self.assertCheckVmClean(run)


def _add_tests():
    for name in SAME:
        setattr(BusyBoxTest, "test_" + name, lambda self, name=name: self.check_same(name))


_add_tests()

if __name__ == "__main__":
    unittest.main()

#!/usr/bin/env python3
"""bench_gui.py - the guest's speed with the window open against the headless run of
the same program in the same sitting, and the window's frame rate and frame time.

Usage:
    python3 tests/bench/bench_gui.py --forkscope build/frontend/forkscope [--repeat 3] [--ram 256]

A benchmark, never a test: it prints figures and exits 0 (1 only when a run fails).
Method: each workload runs with N operations and with 0 (the same boot), headless
(`forkscope run`) and in the window (`forkscope gui --screenshot`, rendered off screen
by SDL's offscreen driver on Mesa: the window draws all the time the guest runs and
shows its end), interleaved, best of --repeat. The guest's time = best(N) - best(0),
in wall time: the window draws on its own thread, so what matters is how long the
guest takes. Speed with the window = headless time / window time. The frame figures
are the window's own (--stats) in its best N run. The window records the history for the
reverse steps as forkscope debug does (256 MiB); --gui-args "--history-mb 0" measures it
without.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

WORKLOADS = [("kbench getpid", ["kbench", "getpid"], 200000),
             ("forkbench 1 MiB", ["forkbench", "1024"], 2000)]
STATS_RE = re.compile(r"^gui: (\d+) frames in ([\d.]+) s \(([\d.]+) per second\), frame time mean ([\d.]+) ms, "
                      r"worst ([\d.]+) ms; (\d+) views", re.M)


def wall(argv, env=None):
    start = time.monotonic()
    p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       env=env, timeout=900)
    elapsed = time.monotonic() - start
    if p.returncode != 0:
        print("bench_gui: failed (%d): %s\n%s" % (p.returncode, " ".join(argv), p.stderr.decode()[-1000:]))
        sys.exit(1)
    return elapsed, p.stderr.decode()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--forkscope", required=True)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--ram", default="256", help="guest RAM in MiB (the grid shows every frame)")
    ap.add_argument("--gui-args", default="", help="more options for forkscope gui, e.g. '--history-mb 0'")
    args = ap.parse_args()
    env = dict(os.environ, SDL_VIDEODRIVER=os.environ.get("SDL_VIDEODRIVER", "offscreen"))
    shot = os.path.join(tempfile.mkdtemp(prefix="bench-gui-"), "end.png")
    print("%-18s %12s %12s %8s   %s" % ("workload", "headless s", "window s", "speed", "window frames"))
    for name, words, n in WORKLOADS:
        best = {}
        frames = ""
        for _ in range(args.repeat):
            for count in (n, 0):
                program = words + [str(count)]
                runs = {"headless": ([args.forkscope, "run", "--ram", args.ram] + program, None),
                        "window": ([args.forkscope, "gui", "--ram", args.ram, "--stats", "--screenshot", shot]
                                   + args.gui_args.split() + program, env)}
                for mode, (argv, run_env) in runs.items():
                    elapsed, err = wall(argv, run_env)
                    key = (mode, count)
                    if key not in best or elapsed < best[key]:
                        best[key] = elapsed
                        if mode == "window" and count == n:
                            m = STATS_RE.search(err)
                            frames = ("%s fps, frame time mean %s ms, worst %s ms, %s views" %
                                      (m.group(3), m.group(4), m.group(5), m.group(6)) if m else "no --stats line")
        headless = best[("headless", n)] - best[("headless", 0)]
        window = best[("window", n)] - best[("window", 0)]
        speed = headless / window if window > 0 else float("nan")
        print("%-18s %12.3f %12.3f %7.0f%%   %s" % (name, headless, window, 100 * speed, frames))
    return 0


if __name__ == "__main__":
    sys.exit(main())

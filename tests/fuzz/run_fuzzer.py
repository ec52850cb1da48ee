#!/usr/bin/env python3
"""Runs a fuzz target for a bounded time over its committed corpus, as a test.

libFuzzer adds the inputs it finds to the first corpus directory it is given: that is
a fresh temporary directory here, so the committed corpus (read after it) never
changes under a test run. The exit status is the fuzzer's: non-zero on a crash."""
import subprocess
import sys
import tempfile


def main():
    fuzzer, seconds, corpus = sys.argv[1], sys.argv[2], sys.argv[3]
    with tempfile.TemporaryDirectory(prefix="forkscope-fuzz-") as scratch:
        cmd = [fuzzer, f"-max_total_time={seconds}", "-rss_limit_mb=2048", "-print_final_stats=1",
               scratch, corpus]
        print(" ".join(cmd), flush=True)
        return subprocess.call(cmd)


if __name__ == "__main__":
    sys.exit(main())

"""Code that a program writes and then runs: the emulator must run what is in memory
now, not a translation of what was there before (QEMU drops translated code when its
page is written; a stale translation would run old code). Three ways a frame's code
changes under a program: it rewrites its own code; it unmaps the page and maps a fresh
one at the same address (the frame goes back to the allocator and comes out again,
zeroed through the kernel's own mapping); each of many short-lived children writes its
own code into fresh memory; and a code page shared copy-on-write by fork is rewritten
by the child, so parent and child must each run their own version.

The program is compiled for the test (forkscope cc), run in the guest with check=vm and
natively; both must print the transcript below.
"""

import unittest

from forkscope_testlib import TempDir, run_native
from test_programs import CompiledPrograms, boot

FRESH_CODE_C = r"""
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

typedef int (*fn)(void);
static int failures;

static void check(int ok, const char *what)
{
	printf("fresh_code: %s: %s\n", what, ok ? "ok" : "FAIL");
	failures += !ok;
}

/* mov eax, value; ret */
static void put_code(unsigned char *p, int value)
{
	p[0] = 0xb8;
	memcpy(p + 1, &value, 4);
	p[5] = 0xc3;
}

static unsigned char *code_page(void)
{
	return mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

int main(void)
{
	int ok = 1;

	for (int round = 0; round < 20; round++) {
		unsigned char *p = code_page();
		put_code(p, round);
		ok &= ((fn)p)() == round;
		put_code(p, 1000 + round);
		ok &= ((fn)p)() == 1000 + round;
		munmap(p, 4096);
	}
	check(ok, "rewritten code and a fresh page at the same address run the new code");

	ok = 1;
	for (int round = 0; round < 30; round++) {
		fflush(stdout);
		pid_t pid = fork();
		if (pid == 0) {
			unsigned char *p = code_page();
			put_code(p, round);
			_exit(((fn)p)() == round ? 0 : 1);
		}
		int status;
		ok &= waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
	}
	check(ok, "30 children each run the code they wrote into fresh memory");

	unsigned char *p = code_page();
	put_code(p, 1);
	ok = ((fn)p)() == 1;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		put_code(p, 2);   /* a copy-on-write fault gives the child its own frame */
		_exit(((fn)p)() == 2 ? 0 : 1);
	}
	int status;
	ok &= waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
	ok &= ((fn)p)() == 1;
	check(ok, "after fork the child rewrites shared code: each runs its own");

	printf("fresh_code: %s\n", failures ? "FAILED" : "all ok");
	return failures != 0;
}
"""

TRANSCRIPT = """\
fresh_code: rewritten code and a fresh page at the same address run the new code: ok
fresh_code: 30 children each run the code they wrote into fresh memory: ok
fresh_code: after fork the child rewrites shared code: each runs its own: ok
fresh_code: all ok
"""


class FreshCodeTest(CompiledPrograms):

    def test_in_the_guest(self):
        with TempDir() as d:
            data = self.build(d, "fresh_code", FRESH_CODE_C)
            path = self.archive(d, "fresh_code", data)
            b = boot("/bin/fresh_code", options="check=vm", initrd=path)
            self.assertProgram(b, TRANSCRIPT)
            self.assertEqual(b.violations, 0, b.run.describe())

    def test_natively(self):
        with TempDir() as d:
            self.build(d, "fresh_code", FRESH_CODE_C)
            r = run_native(d.path("fresh_code"))
            self.assertEqual(r.text, TRANSCRIPT, r.stderr)
            self.assertEqual(r.returncode, 0)


if __name__ == "__main__":
    unittest.main()

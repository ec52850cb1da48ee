/* cowtest: copy-on-write semantics of fork.
 *  1. Stale TLB: the parent touches a page (its TLB now holds a writable entry), forks,
 *     and writes the page at once. The write must fault and get a copy; a kernel that
 *     made the entry read-only without flushing the TLB would write the shared frame,
 *     and the child would see the parent's value.
 *  2. Nested forks: parent, child and grandchild each see the value of the generation
 *     above until they write, and only their own after.
 *  3. A shared anonymous mapping stays shared across fork.
 *  4. After the child is gone the parent's page is its own again (reference count 1):
 *     writing it keeps working.
 * Children print nothing; the parent's lines hold no pids. Exit 0 only if all passed. */
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;
static volatile int page_value[1024] __attribute__((aligned(4096))); /* one page of bss */
static volatile int nested = 1;

static void check(int ok, const char *what)
{
	printf("cowtest: %s: %s\n", what, ok ? "ok" : "FAIL");
	if (!ok)
		failures++;
}

/* The child's exit status, or -1 when it did not exit normally. */
static int reap(pid_t pid)
{
	int status;

	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static void stale_tlb(void)
{
	int go[2];
	char c = 0;

	if (pipe(go) < 0) {
		check(0, "pipe");
		return;
	}
	fflush(stdout);
	/* The last thing before fork: nothing (a console write, a switch to another
	 * process) may evict the writable TLB entry this store leaves. */
	page_value[0] = 1111;
	pid_t pid = fork();
	if (pid == 0) {
		close(go[1]);
		/* Only look once the parent has written its copy. */
		if (read(go[0], &c, 1) != 1)
			_exit(2);
		_exit(page_value[0] == 1111 ? 0 : 1);
	}
	page_value[0] = 2222;                     /* right after fork: must copy */
	int own = page_value[0] == 2222;
	close(go[0]);
	if (write(go[1], "x", 1) != 1)
		own = 0;
	close(go[1]);
	check(own, "parent writes right after fork and sees its own value");
	check(reap(pid) == 0, "child still sees the value from before the fork");
	page_value[0] = 3333;                     /* sole owner again: no copy needed */
	check(page_value[0] == 3333, "parent writes the page again once the child is gone");
}

static void nested_forks(void)
{
	nested = 1;
	fflush(stdout);
	pid_t child = fork();
	if (child == 0) {
		int ok = nested == 1;
		nested = 2;
		pid_t grandchild = fork();
		if (grandchild == 0) {
			int gok = nested == 2;
			nested = 3;
			_exit(gok && nested == 3 ? 30 : 1);
		}
		ok = ok && reap(grandchild) == 30 && nested == 2;
		_exit(ok ? 20 : 1);
	}
	check(reap(child) == 20, "child and grandchild each see their parent's value, then their own");
	check(nested == 1, "the parent's value is unchanged");
}

static void shared_mapping(void)
{
	volatile int *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (shared == MAP_FAILED) {
		check(0, "mmap MAP_SHARED");
		return;
	}
	shared[0] = 5;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		shared[0] = 6;
		_exit(0);
	}
	check(reap(pid) == 0 && shared[0] == 6, "a shared mapping stays shared: the parent sees the child's write");
	munmap((void *)shared, 4096);
}

int main(void)
{
	stale_tlb();
	nested_forks();
	shared_mapping();
	printf("cowtest: %s\n", failures ? "FAILED" : "all ok");
	return failures ? 1 : 0;
}

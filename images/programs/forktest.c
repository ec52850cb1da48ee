/* forktest: fork's copy-on-write memory and wait's bookkeeping. Several children each
 * write their own values over memory they inherited (data, bss, heap, stack) and exit
 * with a distinct code; the parent checks its own memory is unchanged and collects
 * every code through wait. Then WNOHANG, waitpid for one pid, a child killed by a
 * signal, and ECHILD. Children print nothing (our stdout may be a line-buffered tty
 * they would share); every line comes from the parent and holds no pids, so the
 * transcript is the same everywhere. Exit status 0 only if every check passed. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define CLONE_CHILD_SETTID 0x01000000

#define NCHILD 5
#define WORDS  4096 /* 16 KiB: several pages of each kind */

static int failures;
static unsigned int data_words[WORDS] = { 1, 2, 3 }; /* .data */
static unsigned int bss_words[WORDS];                 /* .bss */
static volatile int child_tid;                        /* CLONE_CHILD_SETTID writes here */

static void check(int ok, const char *what)
{
	printf("forktest: %s: %s\n", what, ok ? "ok" : "FAIL");
	if (!ok)
		failures++;
}

static unsigned int pattern(unsigned int who, unsigned int i)
{
	return who * 0x01000193u ^ i * 2654435761u;
}

static void fill(unsigned int *w, unsigned int who)
{
	for (unsigned int i = 0; i < WORDS; i++)
		w[i] = pattern(who, i);
}

static int holds(const unsigned int *w, unsigned int who)
{
	for (unsigned int i = 0; i < WORDS; i++)
		if (w[i] != pattern(who, i))
			return 0;
	return 1;
}

/* The child: it sees the parent's values, overwrites them with its own and sees
 * those. Its exit code says which child it is, or 1 when something was wrong. */
static _Noreturn void child(int n, unsigned int *heap, unsigned int *stack)
{
	unsigned int me = 100 + (unsigned int)n;
	int ok = holds(data_words, 1) && holds(bss_words, 2) && holds(heap, 3) && holds(stack, 4);

	fill(data_words, me);
	fill(bss_words, me + 1);
	fill(heap, me + 2);
	fill(stack, me + 3);
	ok = ok && holds(data_words, me) && holds(bss_words, me + 1) && holds(heap, me + 2) &&
	     holds(stack, me + 3);
	_exit(ok ? 10 + n : 1);
}

int main(void)
{
	unsigned int stack_words[WORDS];
	unsigned int *heap = malloc(WORDS * sizeof(unsigned int));
	pid_t pids[NCHILD];
	int codes[NCHILD];
	int status;

	if (!heap) {
		printf("forktest: malloc: FAIL\n");
		return 1;
	}
	fill(data_words, 1);
	fill(bss_words, 2);
	fill(heap, 3);
	fill(stack_words, 4);

	/* 1. Children write their copies and exit with distinct codes. */
	int forked = 0;
	fflush(stdout);
	for (int n = 0; n < NCHILD; n++) {
		pid_t pid = fork();
		if (pid == 0)
			child(n, heap, stack_words);
		pids[n] = pid;
		codes[n] = -1;
		if (pid > 0)
			forked++;
	}
	check(forked == NCHILD, "fork 5 children");
	/* Collect in whatever order they end; report in fork order. */
	int reaped = 0, strays = 0;
	for (;;) {
		pid_t w = wait(&status);
		if (w < 0)
			break;
		int found = 0;
		for (int n = 0; n < NCHILD; n++)
			if (pids[n] == w) {
				codes[n] = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
				found = 1;
			}
		if (found)
			reaped++;
		else
			strays++;
	}
	check(errno == ECHILD && reaped == NCHILD && strays == 0, "wait reaped every child, then ECHILD");
	for (int n = 0; n < NCHILD; n++) {
		char what[64];
		snprintf(what, sizeof(what), "child %d exited with %d", n, 10 + n);
		check(codes[n] == 10 + n, what);
	}
	check(holds(data_words, 1), "parent's data unchanged");
	check(holds(bss_words, 2), "parent's bss unchanged");
	check(holds(heap, 3), "parent's heap unchanged");
	check(holds(stack_words, 4), "parent's stack unchanged");

	/* 2. WNOHANG while the child still runs, then waitpid for that pid. */
	int p[2];
	char c;
	if (pipe(p) < 0) {
		check(0, "pipe");
		return 1;
	}
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		close(p[1]);
		_exit(read(p[0], &c, 1) == 1 && c == 'x' ? 7 : 1); /* waits for our byte */
	}
	close(p[0]);
	check(pid > 0 && waitpid(pid, &status, WNOHANG) == 0, "WNOHANG with a running child returns 0");
	check(write(p[1], "x", 1) == 1, "write the byte the child waits for");
	close(p[1]);
	check(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 7,
	      "waitpid for that child: exit status 7");

	/* 3. A child killed by a signal: the status says which. */
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		kill(getpid(), SIGKILL);
		_exit(1);
	}
	check(pid > 0 && waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) &&
	      WTERMSIG(status) == SIGKILL, "child killed by SIGKILL: WTERMSIG 9");

	/* 4. clone as a fork (no new stack) with CLONE_CHILD_SETTID: the kernel stores the
	 * child's pid in the child's copy of child_tid, and only there. */
	child_tid = 0;
	fflush(stdout);
	pid = (pid_t)syscall(SYS_clone, SIGCHLD | CLONE_CHILD_SETTID, 0, NULL, NULL, &child_tid);
	if (pid == 0)
		_exit(child_tid == getpid() ? 0 : 1);
	check(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      WEXITSTATUS(status) == 0 && child_tid == 0,
	      "clone CLONE_CHILD_SETTID: the child's pid in the child's memory only");

	/* 5. Nobody left to wait for. */
	errno = 0;
	check(waitpid(-1, &status, WNOHANG) < 0 && errno == ECHILD, "no children: ECHILD");

	printf("forktest: %s\n", failures ? "FAILED" : "all ok");
	return failures ? 1 : 0;
}

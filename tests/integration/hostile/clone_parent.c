/* clone_parent: exit signals a program may not choose for someone else, one case per
 * run (argv[1]), ending as on Linux:
 *
 *   sigkill   a child clones a sibling with CLONE_PARENT and SIGKILL as its exit
 *             signal: the sibling reports to our process with the child's own exit
 *             signal (SIGCHLD), and we reap both, alive
 *   adopted   a child clones a grandchild with SIGUSR1 as its exit signal and exits:
 *             the orphan goes to init with SIGCHLD, and init reaps it when it exits
 *             (kept, it would report with SIGUSR1, and init's wait would pass it by)
 *
 * Built with gcc -m32 -static and musl. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* clone without a new stack: the child runs on a copy of ours, as after fork. */
static long clone_copy(unsigned long flags)
{
	return syscall(SYS_clone, flags, 0, 0, 0, 0);
}

static void nap(long ms)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&t, NULL);
}

static int sigkill_case(void)
{
	int fds[2], status, reaped = 0, codes = 0;
	pid_t child, sibling = 0;

	if (pipe(fds))
		return 1;
	child = fork();
	if (child == 0) {
		long s = clone_copy(CLONE_PARENT | SIGKILL);

		if (s == 0)
			_exit(7);          /* the sibling */
		write(fds[1], &s, sizeof(s));
		_exit(s > 0 ? 0 : 1);
	}
	long s = 0;
	read(fds[0], &s, sizeof(s));
	sibling = (pid_t)s;
	for (int i = 0; i < 2; i++) {
		pid_t p = waitpid(-1, &status, 0);

		if (p == child || (p == sibling && sibling > 0)) {
			reaped++;
			codes += WIFEXITED(status) ? WEXITSTATUS(status) : 100;
		}
	}
	printf("clone_parent: the sibling is ours: %s\n", sibling > 0 && sibling != child ? "yes" : "no");
	printf("clone_parent: reaped both without __WCLONE (SIGCHLD), exit codes 0 and 7: %s\n",
	       reaped == 2 && codes == 7 ? "yes" : "no");
	printf("clone_parent: and we are alive\n");
	return 0;
}

static int adopted_case(void)
{
	int fds[2];
	pid_t child, orphan;
	long o = 0;

	if (pipe(fds))
		return 1;
	child = fork();
	if (child == 0) {
		long g = clone_copy(SIGUSR1);

		if (g == 0) {
			nap(100);          /* outlive the parent, then exit as init's */
			_exit(0);
		}
		write(fds[1], &g, sizeof(g));
		_exit(0);
	}
	read(fds[0], &o, sizeof(o));
	orphan = (pid_t)o;
	waitpid(child, NULL, 0);
	/* Gone once its new parent reaped it: kill(pid, 0) fails with ESRCH. */
	int gone = 0;
	for (int i = 0; i < 300 && !gone; i++) {
		if (kill(orphan, 0) && errno == ESRCH)
			gone = 1;
		else
			nap(10);
	}
	printf("clone_parent: the orphan was reaped by its new parent: %s\n", gone ? "yes" : "no");
	return 0;
}

int main(int argc, char **argv)
{
	const char *c = argc == 2 ? argv[1] : "";

	if (!strcmp(c, "sigkill"))
		return sigkill_case();
	if (!strcmp(c, "adopted"))
		return adopted_case();
	fprintf(stderr, "usage: clone_parent sigkill|adopted\n");
	return 2;
}

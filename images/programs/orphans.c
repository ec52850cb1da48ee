/* orphans: a child forks a grandchild and exits; the grandchild, orphaned, is handed
 * to init (getppid() becomes 1), tells us so through a pipe and exits; init, not we,
 * reaps it, so no zombie is left: kill(grandchild, 0) ends in ESRCH. Lines come from
 * the top process only and hold no pids. Exit status 0 only if every check passed.
 *
 * On a host whose processes run under a child subreaper (prctl PR_SET_CHILD_SUBREAPER:
 * some service managers and container runtimes) the orphan goes to that process
 * instead of pid 1; natively we then accept any new parent other than the dead one.
 * Under forkscope it must be pid 1. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;

static void check(int ok, const char *what)
{
	printf("orphans: %s: %s\n", what, ok ? "ok" : "FAIL");
	if (!ok)
		failures++;
}

static int under_forkscope(void)
{
	struct utsname u;

	return uname(&u) == 0 && strstr(u.release, "-forkscope") != NULL;
}

/* What the grandchild reports: its pid, its parent before and after the orphaning. */
struct report {
	int pid, first_parent, new_parent;
};

static _Noreturn void grandchild(int fd, int ready_fd)
{
	struct report r;
	int tries;

	r.pid = getpid();
	r.first_parent = getppid();
	write(ready_fd, "r", 1);   /* now our parent may exit */
	close(ready_fd);
	/* Our parent exits right after forking us: wait (bounded) until we are handed on. */
	for (tries = 0; tries < 5000 && getppid() == r.first_parent; tries++)
		usleep(1000);
	r.new_parent = getppid();
	write(fd, &r, sizeof(r));
	_exit(0);
}

int main(void)
{
	struct report r = { 0, 0, 0 };
	int fds[2], status = -1, tries;

	if (pipe(fds) < 0) {
		perror("orphans: pipe");
		return 1;
	}
	fflush(stdout);
	pid_t child = fork();

	if (child == 0) {
		int ready[2];
		char c;

		close(fds[0]);
		if (pipe(ready) < 0)
			_exit(1);
		if (fork() == 0) {
			close(ready[0]);
			grandchild(fds[1], ready[1]);
		}
		close(ready[1]);
		read(ready[0], &c, 1);   /* the grandchild has seen us as its parent */
		_exit(0);   /* the grandchild is an orphan from here on */
	}
	close(fds[1]);
	check(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "the child forked a grandchild and exited 0");
	check(read(fds[0], &r, sizeof(r)) == (ssize_t)sizeof(r), "the grandchild reported back");
	close(fds[0]);
	check(r.first_parent == child, "the grandchild's first parent was the child");
	check(under_forkscope() ? r.new_parent == 1 : r.new_parent != child && r.new_parent > 0,
	      "after the child's exit the grandchild's parent is init");
	errno = 0;
	check(waitpid(r.pid, &status, WNOHANG) == -1 && errno == ECHILD,
	      "the grandchild is not our child (waitpid: ECHILD)");
	/* init reaps it: once that happened the pid is gone (ESRCH), not a zombie. */
	for (tries = 0; tries < 5000 && kill(r.pid, 0) == 0; tries++)
		usleep(1000);
	check(kill(r.pid, 0) == -1 && errno == ESRCH, "init reaped the grandchild (kill 0: ESRCH)");
	errno = 0;
	check(wait(&status) == -1 && errno == ECHILD, "no child left: ECHILD");
	if (failures) {
		printf("orphans: %d FAILED\n", failures);
		return 1;
	}
	printf("orphans: all ok\n");
	return 0;
}

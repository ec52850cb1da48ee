/* waittest: every way a wait status can come back. Children exit with 0, 1 and 255,
 * or are killed by SIGKILL, SIGTERM and SIGSEGV; WNOHANG returns 0 while a child
 * still runs; waitpid picks one pid out of two; wait with no children is ECHILD. Then
 * the W* macros of our <sys/wait.h> decode a table of status words (the test compares
 * that table with what the host's C library says). Every line comes from the parent
 * and holds no pids, so the transcript is the same natively and in the guest. Exit
 * status 0 only if every check passed. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;

static void check(int ok, const char *what)
{
	printf("waittest: %s: %s\n", what, ok ? "ok" : "FAIL");
	if (!ok)
		failures++;
}

/* fork, with stdout flushed first so that a child never repeats buffered output. */
static pid_t fork_flushed(void)
{
	fflush(stdout);
	return fork();
}

static void exit_codes(void)
{
	static const int codes[] = { 0, 1, 255 };
	char what[80];

	for (unsigned int i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		int status = -1;
		pid_t pid = fork_flushed();

		if (pid == 0)
			_exit(codes[i]);
		pid_t got = waitpid(pid, &status, 0);

		snprintf(what, sizeof(what), "exit(%d): status 0x%04x, WIFEXITED, WEXITSTATUS %d",
			 codes[i], status, WEXITSTATUS(status));
		check(got == pid && status == codes[i] << 8 && WIFEXITED(status) &&
		      !WIFSIGNALED(status) && WEXITSTATUS(status) == codes[i], what);
	}
}

/* A child that tells the parent it runs (one byte on the pipe), then waits for a
 * signal. */
static pid_t running_child(void)
{
	int fds[2];
	char c;

	if (pipe(fds) < 0)
		return -1;
	pid_t pid = fork_flushed();

	if (pid == 0) {
		close(fds[0]);
		write(fds[1], "r", 1);
		for (;;)
			sleep(100);
	}
	close(fds[1]);
	if (pid > 0)
		read(fds[0], &c, 1);
	close(fds[0]);
	return pid;
}

static void killed_by(int sig, const char *name)
{
	char what[80];
	int status = -1;
	pid_t pid = running_child();

	kill(pid, sig);
	pid_t got = waitpid(pid, &status, 0);

	snprintf(what, sizeof(what), "killed by %s: status 0x%04x, WIFSIGNALED, WTERMSIG %d",
		 name, status, WTERMSIG(status));
	check(got == pid && status == sig && WIFSIGNALED(status) && !WIFEXITED(status) &&
	      WTERMSIG(status) == sig, what);
}

static void killed_by_sigsegv(void)
{
	int status = -1;
	pid_t pid = fork_flushed();

	if (pid == 0) {
		/* No core file, so no core bit in the status: the same on every host. */
		struct rlimit none = { 0, 0 };

		setrlimit(RLIMIT_CORE, &none);
		*(volatile int *)0 = 1;
		_exit(99);
	}
	pid_t got = waitpid(pid, &status, 0);

	check(got == pid && status == SIGSEGV && WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV &&
	      !WCOREDUMP(status), "killed by SIGSEGV (a store to address 0): WTERMSIG 11, no core");
}

/* WNOHANG: 0 while the child waits for our pipe to close, its status after. */
static void wnohang(void)
{
	int fds[2], status = -1;
	char c;

	pipe(fds);
	pid_t pid = fork_flushed();

	if (pid == 0) {
		close(fds[1]);
		while (read(fds[0], &c, 1) > 0)
			;
		_exit(7);
	}
	close(fds[0]);
	check(waitpid(pid, &status, WNOHANG) == 0, "WNOHANG while the child runs returns 0");
	check(waitpid(-1, &status, WNOHANG) == 0, "WNOHANG for any child returns 0 too");
	close(fds[1]);
	check(waitpid(pid, &status, 0) == pid && WEXITSTATUS(status) == 7,
	      "after the pipe closes the child exits 7");
}

/* Two children: the first exits at once, the second when our pipe closes. waitpid
 * for the second must wait for it, not return the first. */
static void specific_pid(void)
{
	int fds[2], status = -1;
	char c;

	pipe(fds);
	pid_t first = fork_flushed();

	if (first == 0)
		_exit(3);
	pid_t second = fork_flushed();

	if (second == 0) {
		close(fds[1]);
		while (read(fds[0], &c, 1) > 0)
			;
		_exit(4);
	}
	close(fds[0]);
	close(fds[1]);
	pid_t got = waitpid(second, &status, 0);

	check(got == second && WEXITSTATUS(status) == 4, "waitpid for the second child gets it (4)");
	got = wait(&status);
	check(got == first && WEXITSTATUS(status) == 3, "wait then gets the first (3)");
}

static void no_children(void)
{
	int status;

	errno = 0;
	check(wait(&status) == -1 && errno == ECHILD, "wait with no children: ECHILD");
	errno = 0;
	check(waitpid(-1, &status, WNOHANG) == -1 && errno == ECHILD,
	      "waitpid WNOHANG with no children: ECHILD");
	errno = 0;
	check(waitpid(getpid(), &status, 0) == -1 && errno == ECHILD,
	      "waitpid for a pid that is not our child: ECHILD");
}

/* The macros on status words of every kind: exited, killed (with and without the
 * core bit), stopped, continued. */
static void macro_table(void)
{
	static const int words[] = { 0x0000, 0x0100, 0xff00, 0x0009, 0x000f, 0x008b,
				     0x137f, 0x057f, 0xffff };

	for (unsigned int i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		int s = words[i];

		printf("waittest: status 0x%04x: WIFEXITED %d WEXITSTATUS %d WIFSIGNALED %d "
		       "WTERMSIG %d WCOREDUMP %d WIFSTOPPED %d WSTOPSIG %d WIFCONTINUED %d\n",
		       s, WIFEXITED(s) != 0, WEXITSTATUS(s), WIFSIGNALED(s) != 0, WTERMSIG(s),
		       WCOREDUMP(s) != 0, WIFSTOPPED(s) != 0, WSTOPSIG(s), WIFCONTINUED(s) != 0);
	}
}

int main(void)
{
	exit_codes();
	killed_by(SIGKILL, "SIGKILL");
	killed_by(SIGTERM, "SIGTERM");
	killed_by_sigsegv();
	wnohang();
	specific_pid();
	no_children();
	macro_table();
	if (failures) {
		printf("waittest: %d FAILED\n", failures);
		return 1;
	}
	printf("waittest: all ok\n");
	return 0;
}

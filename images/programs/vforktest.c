/* vforktest: vfork's promises. The child runs on the parent's memory (a store before
 * _exit is what the parent sees), the parent is suspended until the child exits or
 * execs (the child's steps are all recorded before the parent's next one), vfork +
 * execve runs another program (echo, found next to our argv[0] or in /bin), and every
 * exit code comes back through waitpid. Lines come from the parent or from echo, in
 * an order vfork fixes, and hold no pids. Exit status 0 only if every check passed. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define NR_access 33   /* Linux i386; our libc has no access() */
#define X_OK 1

static int failures;

/* Written by vfork children: they share our memory until they exit or exec. */
static volatile int shared_value;
static volatile char steps[16];
static volatile int nsteps;

static void check(int ok, const char *what)
{
	printf("vforktest: %s: %s\n", what, ok ? "ok" : "FAIL");
	if (!ok)
		failures++;
}

/* The path of a program next to ours (argv[0] has a directory part), else in /bin. */
static void program_path(char *buf, size_t size, const char *argv0, const char *name)
{
	const char *slash = strrchr(argv0, '/');

	if (slash) {
		snprintf(buf, size, "%.*s/%s", (int)(slash - argv0), argv0, name);
		if (syscall(NR_access, buf, X_OK) == 0)
			return;
	}
	snprintf(buf, size, "/bin/%s", name);
}

static void shared_memory_and_exit_code(void)
{
	int status = -1;

	shared_value = 1;
	fflush(stdout);
	pid_t pid = vfork();

	if (pid == 0) {
		shared_value = 42;
		_exit(5);
	}
	check(shared_value == 42, "the child's store before _exit is seen by the parent");
	check(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 5,
	      "the child's exit code 5 comes back through waitpid");
}

/* The child records several steps, yielding the processor between them; the parent
 * records its own only after vfork returns. */
static void parent_suspended(void)
{
	int status = -1;

	nsteps = 0;
	fflush(stdout);
	pid_t pid = vfork();

	if (pid == 0) {
		for (int i = 0; i < 3; i++) {
			steps[nsteps++] = 'c';
			usleep(1000);   /* the parent would run now if it could */
		}
		_exit(0);
	}
	steps[nsteps++] = 'p';
	steps[nsteps] = '\0';
	check(nsteps == 4 && steps[0] == 'c' && steps[1] == 'c' && steps[2] == 'c' && steps[3] == 'p',
	      "the parent stays suspended until the child exits (steps ccc then p)");
	waitpid(pid, &status, 0);
}

static void vfork_exec(const char *argv0)
{
	char echo[256];
	char *args[] = { "echo", "vforktest: echo ran through vfork and execve", NULL };
	char *env[] = { NULL };
	int status = -1;

	program_path(echo, sizeof(echo), argv0, "echo");
	shared_value = 0;
	fflush(stdout);
	pid_t pid = vfork();

	if (pid == 0) {
		shared_value = 7;   /* before the exec: still the parent's memory */
		execve(echo, args, env);
		_exit(127);
	}
	check(shared_value == 7, "the parent resumes after the child's execve, seeing its store");
	check(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "echo exits 0");
}

static void vfork_exec_fails(void)
{
	char *args[] = { "missing", NULL };
	char *env[] = { NULL };
	int status = -1;

	shared_value = 0;
	fflush(stdout);
	pid_t pid = vfork();

	if (pid == 0) {
		execve("/nonexistent/program", args, env);
		shared_value = errno;   /* execve failed: we still run on the parent's memory */
		_exit(127);
	}
	check(shared_value == ENOENT, "a failed execve leaves the child on our memory (errno ENOENT)");
	check(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 127,
	      "that child's exit code 127 comes back");
}

/* A vfork child that exits with code at once. The child never returns from here
 * (it may not: it runs on our stack), the parent does. */
static __attribute__((noinline)) pid_t vfork_exit(int code)
{
	pid_t pid;

	fflush(stdout);
	pid = vfork();
	if (pid == 0)
		_exit(code);
	return pid;
}

/* Several vforks in a row, each child with its own exit code, collected afterwards. */
static void several_children(void)
{
	pid_t pids[4];
	int ok = 1;

	for (int i = 0; i < 4; i++)
		pids[i] = vfork_exit(20 + i);
	for (int i = 3; i >= 0; i--) {
		int status = -1;

		if (waitpid(pids[i], &status, 0) != pids[i] || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 20 + i)
			ok = 0;
	}
	check(ok, "four vfork children exit 20..23, collected in reverse order");
	errno = 0;
	check(wait(NULL) == -1 && errno == ECHILD, "no child left: ECHILD");
}

int main(int argc, char **argv)
{
	(void)argc;
	shared_memory_and_exit_code();
	parent_suspended();
	vfork_exec(argv[0]);
	vfork_exec_fails();
	several_children();
	if (failures) {
		printf("vforktest: %d FAILED\n", failures);
		return 1;
	}
	printf("vforktest: all ok\n");
	return 0;
}

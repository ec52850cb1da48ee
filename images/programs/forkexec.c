/* forkexec: fork, exec and wait in pipelines, the way a shell runs `echo ... | cat`.
 * Each stage is a child that connects its stdin/stdout to pipes with dup2 and execs
 * one of our programs (echo, cat: found next to our argv[0], else in /bin); the last
 * pipe comes back to us, so we check the bytes that came through and every stage's
 * exit status. Lines come from us only and hold no pids. Exit status 0 only if every
 * check passed. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define NR_access 33   /* Linux i386; our libc has no access() */
#define X_OK 1
#define MAX_STAGES 4

static int failures;
static const char *self;   /* argv[0] */

static void check(int ok, const char *what)
{
	printf("forkexec: %s: %s\n", what, ok ? "ok" : "FAIL");
	if (!ok)
		failures++;
}

/* The path of a program next to ours (argv[0] has a directory part), else in /bin. */
static void program_path(char *buf, size_t size, const char *name)
{
	const char *slash = strrchr(self, '/');

	if (slash) {
		snprintf(buf, size, "%.*s/%s", (int)(slash - self), self, name);
		if (syscall(NR_access, buf, X_OK) == 0)
			return;
	}
	snprintf(buf, size, "/bin/%s", name);
}

/* Runs the stages (each a NULL-terminated argv) as a pipeline; stage 0 reads from
 * nothing (an empty pipe closed at once), the last writes to a pipe we read into out.
 * With errors_too, the stages' stderr goes there as well. Fills status[] from wait.
 * Returns the bytes read. */
static int pipeline(char **const stages[], int n, int errors_too, char *out, int outsize,
		    int status[])
{
	int in_fd, fds[2], len = 0, r;
	pid_t pids[MAX_STAGES];
	char path[256];
	char *env[] = { NULL };

	if (pipe(fds) < 0)
		return -1;
	close(fds[1]);
	in_fd = fds[0];
	for (int i = 0; i < n; i++) {
		int next[2];

		if (pipe(next) < 0)
			return -1;
		program_path(path, sizeof(path), stages[i][0]);
		fflush(stdout);
		pids[i] = fork();
		if (pids[i] == 0) {
			dup2(in_fd, 0);
			dup2(next[1], 1);
			if (errors_too)
				dup2(next[1], 2);
			close(in_fd);
			close(next[0]);
			close(next[1]);
			execve(path, stages[i], env);
			_exit(127);
		}
		close(in_fd);
		close(next[1]);
		in_fd = next[0];
	}
	while (len < outsize - 1 && (r = (int)read(in_fd, out + len, (size_t)(outsize - 1 - len))) > 0)
		len += r;
	out[len] = '\0';
	close(in_fd);
	for (int i = 0; i < n; i++)
		if (waitpid(pids[i], &status[i], 0) != pids[i])
			status[i] = -1;
	return len;
}

static int exited_with(int status, int code)
{
	return status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == code;
}

int main(int argc, char **argv)
{
	char out[512];
	int status[MAX_STAGES];
	(void)argc;

	self = argv[0];

	char *echo_hi[] = { "echo", "hello", "through", "a", "pipe", NULL };
	char *cat[] = { "cat", NULL };
	char **const two[] = { echo_hi, cat };

	pipeline(two, 2, 0, out, sizeof(out), status);
	check(strcmp(out, "hello through a pipe\n") == 0, "echo | cat passes 'hello through a pipe'");
	check(exited_with(status[0], 0) && exited_with(status[1], 0), "echo | cat: both exit 0");

	char *echo_n[] = { "echo", "-n", "no newline", NULL };
	char **const four[] = { echo_n, cat, cat, cat };

	pipeline(four, 4, 0, out, sizeof(out), status);
	check(strcmp(out, "no newline") == 0, "echo -n | cat | cat | cat passes the bytes unchanged");
	check(exited_with(status[0], 0) && exited_with(status[1], 0) && exited_with(status[2], 0) &&
	      exited_with(status[3], 0), "four stages, four exit statuses 0");

	char *cat_missing[] = { "cat", "/nonexistent/file", NULL };
	char **const failing[] = { cat_missing, cat };

	pipeline(failing, 2, 1, out, sizeof(out), status);
	check(strcmp(out, "cat: /nonexistent/file: No such file or directory\n") == 0,
	      "cat of a missing file | cat carries the error message");
	check(exited_with(status[0], 1) && exited_with(status[1], 0), "statuses 1 and 0");

	char *missing[] = { "no-such-program", NULL };
	char **const not_found[] = { echo_hi, missing };

	pipeline(not_found, 2, 0, out, sizeof(out), status);
	check(out[0] == '\0' && exited_with(status[1], 127),
	      "a stage that cannot be executed exits 127 and passes nothing on");
	/* echo wrote into a pipe whose reader may already be gone: 0, or SIGPIPE. */
	check(exited_with(status[0], 0) || (WIFSIGNALED(status[0]) && WTERMSIG(status[0]) == 13),
	      "the echo before it exits 0 or dies of SIGPIPE");

	/* Many words through a long pipeline: more than one write's worth of bytes. */
	char *echo_many[40];
	char words[38][8];
	char expect[512] = "";

	echo_many[0] = "echo";
	for (int i = 0; i < 38; i++) {
		snprintf(words[i], sizeof(words[i]), "w%02d", i);
		echo_many[i + 1] = words[i];
		strcat(expect, words[i]);
		strcat(expect, i < 37 ? " " : "\n");
	}
	echo_many[39] = NULL;
	char **const many[] = { echo_many, cat, cat };

	pipeline(many, 3, 0, out, sizeof(out), status);
	check(strcmp(out, expect) == 0 && exited_with(status[0], 0) && exited_with(status[1], 0) &&
	      exited_with(status[2], 0), "echo of 38 words | cat | cat");

	errno = 0;
	check(wait(NULL) == -1 && errno == ECHILD, "every stage was waited for: ECHILD");
	if (failures) {
		printf("forkexec: %d FAILED\n", failures);
		return 1;
	}
	printf("forkexec: all ok\n");
	return 0;
}

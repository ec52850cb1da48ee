/* pipes: pipe semantics within one process, then (only if fork works) across a fork.
 * Each check prints one line ending in "ok" or "FAIL"; the exit status is 0 only if
 * every check passed. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;

static void check(int ok, const char *what)
{
	printf("pipes: %s: %s\n", what, ok ? "ok" : "FAIL");
	if (!ok)
		failures++;
}

static volatile sig_atomic_t sigpipe_count;

static void on_sigpipe(int sig)
{
	(void)sig;
	sigpipe_count++;
}

static void single_process(void)
{
	int p[2];
	char buf[64];

	check(pipe(p) == 0, "pipe");
	check(write(p[1], "hello, pipe", 11) == 11, "write 11 bytes");
	ssize_t n = read(p[0], buf, 5);
	check(n == 5 && memcmp(buf, "hello", 5) == 0, "read 5 of them");
	/* Asking for more than is there returns what is there, without waiting. */
	n = read(p[0], buf, sizeof(buf));
	check(n == 6 && memcmp(buf, ", pipe", 6) == 0, "partial read returns the other 6");

	/* Writes through a duplicate land in the same pipe, in order. */
	int d = dup(p[1]);
	check(d >= 0 && d != p[0] && d != p[1], "dup of the write end");
	check(dup2(p[1], 10) == 10, "dup2 of the write end to fd 10");
	check(write(d, "one ", 4) == 4 && write(10, "two ", 4) == 4 && write(p[1], "three", 5) == 5,
	      "write through three descriptors");
	n = read(p[0], buf, sizeof(buf));
	check(n == 13 && memcmp(buf, "one two three", 13) == 0, "read them back in order");

	/* EOF only once every write end is closed. */
	close(d);
	close(10);
	close(p[1]);
	check(read(p[0], buf, sizeof(buf)) == 0, "EOF after the write ends are closed");
	close(p[0]);

	/* pipe2 with O_NONBLOCK: an empty pipe says EAGAIN instead of waiting. */
	check(pipe2(p, O_NONBLOCK) == 0, "pipe2 O_NONBLOCK");
	errno = 0;
	check(read(p[0], buf, sizeof(buf)) == -1 && errno == EAGAIN, "empty nonblocking read: EAGAIN");
	close(p[0]);
	close(p[1]);

	/* No readers: write fails with EPIPE and raises SIGPIPE. */
	check(pipe2(p, 0) == 0, "pipe2");
	close(p[0]);
	signal(SIGPIPE, SIG_IGN);
	errno = 0;
	check(write(p[1], "x", 1) == -1 && errno == EPIPE, "write with no reader, SIGPIPE ignored: EPIPE");
	signal(SIGPIPE, on_sigpipe);
	errno = 0;
	n = write(p[1], "x", 1);
	check(n == -1 && errno == EPIPE && sigpipe_count == 1,
	      "write with no reader, SIGPIPE caught: EPIPE and one SIGPIPE");
	signal(SIGPIPE, SIG_DFL);
	close(p[1]);
}

static void across_fork(void)
{
	int p[2];
	char buf[64];
	const char msg[] = "a message from the child";

	printf("pipes: --- fork-dependent checks ---\n");
	if (pipe(p) < 0) {
		check(0, "pipe");
		return;
	}
	fflush(stdout); /* or the child would inherit, and print, our buffered output */
	pid_t pid = fork();
	if (pid < 0 && errno == ENOSYS) {
		printf("pipes: fork not available (ENOSYS): skipped\n");
		close(p[0]);
		close(p[1]);
		return;
	}
	if (pid == 0) { /* the child prints nothing: its stdout may be a line-buffered tty */
		close(p[0]);
		_exit(write(p[1], msg, sizeof(msg) - 1) == sizeof(msg) - 1 ? 0 : 1);
	}
	check(pid > 0, "fork");
	if (pid < 0)
		return;
	close(p[1]); /* or our own write end would keep EOF from ever coming */
	size_t got = 0;
	ssize_t n;
	while ((n = read(p[0], buf + got, sizeof(buf) - got)) > 0)
		got += (size_t)n;
	check(n == 0 && got == sizeof(msg) - 1 && memcmp(buf, msg, got) == 0,
	      "parent reads the child's message, then EOF");
	close(p[0]);
	int status;
	check(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "child exited with status 0");
}

int main(void)
{
	single_process();
	across_fork();
	printf("pipes: %s\n", failures ? "FAILED" : "all ok");
	return failures ? 1 : 0;
}

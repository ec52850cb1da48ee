/* Pipes between processes: a child writes numbered lines to its parent; then a
 * three-stage pipeline (generator | doubler | summer) with dup2, each stage a process;
 * EOF reaches the reader only once every write end is closed; SIGPIPE on a pipe with
 * no reader. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static pid_t spawn(int in, int out, void (*stage)(void))
{
	pid_t p = fork();
	if (p < 0)
		die("fork");
	if (p == 0) {
		if (in != 0 && (dup2(in, 0) < 0 || close(in) < 0))
			die("dup2 in");
		if (out != 1 && (dup2(out, 1) < 0 || close(out) < 0))
			die("dup2 out");
		stage();
		fflush(stdout);
		_exit(0);
	}
	return p;
}

static void generate(void)
{
	for (int i = 1; i <= 1000; i++)
		printf("%d\n", i);
}

static void twice(void)
{
	char line[64];
	while (fgets(line, sizeof line, stdin))
		printf("%ld\n", 2 * atol(line));
}

static void sum(void)
{
	char line[64];
	long total = 0, n = 0;
	while (fgets(line, sizeof line, stdin)) {
		total += atol(line);
		n++;
	}
	printf("pipeline: %ld lines, sum %ld\n", n, total);
}

int main(void)
{
	int fd[2];
	char buf[4096];
	long got = 0;
	ssize_t n;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (pipe(fd) < 0)
		die("pipe");
	pid_t p = fork();
	if (p < 0)
		die("fork");
	if (p == 0) {
		close(fd[0]);
		for (int i = 0; i < 3000; i++) {
			int len = snprintf(buf, sizeof buf, "line %d\n", i);
			if (write(fd[1], buf, len) != len)
				_exit(3);
		}
		_exit(0);
	}
	close(fd[1]);
	while ((n = read(fd[0], buf, sizeof buf)) > 0)
		got += n;
	close(fd[0]);
	int status;
	waitpid(p, &status, 0);
	printf("child wrote %ld bytes, exit %d\n", got, WEXITSTATUS(status));

	int a[2], b[2];
	if (pipe(a) < 0 || pipe(b) < 0)
		die("pipe");
	pid_t s1 = spawn(0, a[1], generate);
	close(a[1]);
	pid_t s2 = spawn(a[0], b[1], twice);
	close(a[0]);
	close(b[1]);
	pid_t s3 = spawn(b[0], 1, sum);
	close(b[0]);
	waitpid(s1, NULL, 0);
	waitpid(s2, NULL, 0);
	waitpid(s3, NULL, 0);

	/* No reader: the writer gets SIGPIPE (default action kills it). */
	if (pipe(fd) < 0)
		die("pipe");
	close(fd[0]);
	p = fork();
	if (p == 0) {
		write(fd[1], "x", 1);
		_exit(0);
	}
	close(fd[1]);
	waitpid(p, &status, 0);
	printf("writer without reader: %s %d\n", WIFSIGNALED(status) ? "signal" : "exit",
	       WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));

	/* Ignored SIGPIPE: write fails with EPIPE instead. */
	signal(SIGPIPE, SIG_IGN);
	if (pipe(fd) < 0)
		die("pipe");
	close(fd[0]);
	errno = 0;
	n = write(fd[1], "x", 1);
	printf("ignored SIGPIPE: write %zd, %s\n", n, errno == EPIPE ? "EPIPE" : strerror(errno));
	return 0;
}

/* init: the first process. "init PROGRAM ARGS..." runs PROGRAM (a name without '/'
 * means /bin/PROGRAM) and exits with its exit status, or 128 + the signal that
 * killed it, like a shell. As process 1 it also reaps orphans it inherits while
 * waiting. Without arguments it says so and exits 0.
 *
 * The normal path is fork, exec in the child, wait in the parent. A kernel without
 * fork (fork fails with ENOSYS) gets plain execve instead: init becomes PROGRAM. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char path[256];

_Noreturn static void run(char **argv, char **envp)
{
	execve(path, argv, envp);
	fprintf(stderr, "init: cannot run %s: %s\n", path, strerror(errno));
	_exit(127);
}

int main(int argc, char **argv, char **envp)
{
	if (argc < 2) {
		printf("init: no program given\n");
		return 0;
	}
	if (strchr(argv[1], '/'))
		snprintf(path, sizeof(path), "%s", argv[1]);
	else
		snprintf(path, sizeof(path), "/bin/%s", argv[1]);
	char **args = argv + 1; /* the program's argv: ours without "init" ... */
	args[0] = path;         /* ... and with the path it runs from as argv[0] */

	fflush(stdout); /* a child must not inherit (and repeat) buffered output */
	pid_t pid = fork();
	if (pid < 0 && errno == ENOSYS)
		run(args, envp); /* no fork yet: become the program */
	if (pid < 0) {
		fprintf(stderr, "init: fork: %s\n", strerror(errno));
		return 1;
	}
	if (pid == 0)
		run(args, envp);

	int status;
	for (;;) {
		pid_t w = wait(&status);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			fprintf(stderr, "init: wait: %s\n", strerror(errno));
			return 1;
		}
		/* another child (an orphan we inherited): reaped, keep waiting */
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	int sig = WTERMSIG(status);
	printf("init: %s killed by signal %d (%s)\n", path, sig, strsignal(sig));
	return 128 + sig;
}

/* vfork: a vfork parent whose child never execs or exits can still be killed, as on
 * Linux since 3.6 (the parent's wait is TASK_KILLABLE). Case "kill-parent" (argv[1]):
 * a child A vforks; A's vfork child C writes its pid to a pipe and pauses for ever. We
 * send A SIGKILL while it waits for C, and A must end at once, killed by SIGKILL; then
 * C, which outlived its vfork parent, is killed too (it is init's child by then).
 * Under the old rule (an uninterruptible wait) A never ends and the run hangs.
 * Built with gcc -m32 -static and musl. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int fds[2], status = 0;
	pid_t a, c = 0;

	if (argc != 2 || strcmp(argv[1], "kill-parent")) {
		fprintf(stderr, "usage: vfork kill-parent\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	if (pipe(fds) < 0)
		return 3;
	a = fork();
	if (a == 0) {
		pid_t child = vfork();

		if (child == 0) {
			pid_t self = getpid();

			write(fds[1], &self, sizeof(self));
			for (;;)
				pause();
		}
		_exit(4);   /* only once C is gone: not here */
	}
	if (read(fds[0], &c, sizeof(c)) != sizeof(c))
		return 5;
	printf("vfork: the vfork child runs, its parent waits\n");
	kill(a, SIGKILL);
	if (waitpid(a, &status, 0) != a)
		return 6;
	printf("vfork: the waiting parent was killed by SIGKILL: %s\n",
	       WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL ? "yes" : "no");
	printf("vfork: the child outlived it: %s\n", kill(c, 0) == 0 ? "yes" : "no");
	kill(c, SIGKILL);
	return 0;
}

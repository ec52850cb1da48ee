/* exhaust: a program that uses up what the kernel has, and a kernel that gets it all
 * back. Each case (argv[1]) runs alone:
 *
 *   memory     a child maps and touches 1 MiB after 1 MiB until the kernel's out-of-
 *              memory handling kills it (SIGKILL, as Linux's OOM killer does); then a
 *              fork works again
 *   processes  fork until fork fails (EAGAIN: the kernel's task limit, root has no
 *              RLIMIT_NPROC), the children blocked on a pipe; they are released and
 *              reaped, and a fork works again
 *
 * Never run natively: both would do the same to the host. Built with gcc -m32 -static
 * and musl. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define MIB (1 << 20)

static void fork_again(void)
{
	int status = 0;
	pid_t pid = fork();

	if (pid == 0)
		_exit(5);
	waitpid(pid, &status, 0);
	printf("exhaust: fork afterwards: %s\n", pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 5 ? "yes" : "no");
}

static void memory(void)
{
	int status = 0;
	pid_t pid = fork();

	if (pid == 0) {
		for (;;) {
			char *p = mmap(NULL, MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			int i;

			if (p == MAP_FAILED)
				_exit(3);   /* the address space ran out first */
			for (i = 0; i < MIB; i += 4096)
				p[i] = 1;
		}
	}
	waitpid(pid, &status, 0);
	printf("exhaust: the child that touched page after page: %s\n",
	       WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) : "exited");
	fork_again();
}

static void processes(void)
{
	int go[2], n = 0, reaped = 0, err = 0, status;

	if (pipe(go) < 0)
		return;
	for (;;) {
		pid_t pid = fork();

		if (pid < 0) {
			err = errno;
			break;
		}
		if (pid == 0) {
			char c;

			close(go[1]);
			read(go[0], &c, 1);   /* end of file once the parent closes its end */
			_exit(0);
		}
		n++;
	}
	printf("exhaust: fork failed with %s after more than 100 children: %s\n",
	       err == EAGAIN ? "EAGAIN" : strerror(err), n > 100 ? "yes" : "no");
	close(go[1]);
	while (wait(&status) > 0)
		reaped++;
	printf("exhaust: every child reaped: %s\n", reaped == n ? "yes" : "no");
	fork_again();
}

int main(int argc, char **argv)
{
	const char *c = argc == 2 ? argv[1] : "";

	setvbuf(stdout, NULL, _IONBF, 0);
	if (!strcmp(c, "memory")) {
		memory();
	} else if (!strcmp(c, "processes")) {
		processes();
	} else {
		fprintf(stderr, "usage: exhaust memory|processes\n");
		return 2;
	}
	return 0;
}

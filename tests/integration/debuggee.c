/* A program to debug by its source lines (test_debug.py): a call into a function with
 * lines of its own, a system call, and a fork whose child runs lines of its own. */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static int square(int x)
{
	int y = x * x;
	return y;
}

int main(void)
{
	int n = square(7);
	pid_t pid = fork();
	if (pid == 0) {
		printf("child %d\n", n); /* the child's line */
		return 3;
	}
	int status = 0;
	waitpid(pid, &status, 0);
	printf("parent %d\n", WEXITSTATUS(status));
	return 0;
}

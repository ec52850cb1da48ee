/* fork and wait: five children exit with their own status; the parent's memory is its
 * own after fork (copy-on-write); wait reports each child once, then ECHILD. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define NCHILD 5

static int counter = 100;

int main(void)
{
	pid_t pids[NCHILD];
	int seen[NCHILD] = {0};
	char *heap = malloc(64);

	setvbuf(stdout, NULL, _IOLBF, 0);
	strcpy(heap, "parent heap");
	for (int i = 0; i < NCHILD; i++) {
		pids[i] = fork();
		if (pids[i] < 0) {
			perror("fork");
			return 1;
		}
		if (pids[i] == 0) {
			counter += i + 1;
			snprintf(heap, 64, "child %d heap", i);
			/* Only the child prints until it exits: the parent is in waitpid. */
			printf("child %d: counter %d, %s, ppid is parent: %s\n", i, counter, heap,
			       getppid() > 1 ? "yes" : "no");
			_exit(10 + i);
		}
		int status;
		if (waitpid(pids[i], &status, 0) != pids[i]) {
			perror("waitpid");
			return 1;
		}
		for (int j = 0; j < NCHILD; j++)
			if (pids[j] == pids[i])
				seen[j]++;
		printf("parent: child %d exited %d, counter %d, %s\n", i,
		       WIFEXITED(status) ? WEXITSTATUS(status) : -1, counter, heap);
	}

	/* A second round reaped by wait() in any order: sum the statuses. */
	for (int i = 0; i < NCHILD; i++) {
		pid_t p = fork();
		if (p == 0)
			_exit(i * i);
		if (p < 0) {
			perror("fork");
			return 1;
		}
	}
	int sum = 0, n = 0, status;
	pid_t p;
	while ((p = wait(&status)) > 0) {
		sum += WEXITSTATUS(status);
		n++;
	}
	printf("wait: %d children, statuses sum %d, then %s\n", n, sum,
	       p < 0 && errno == ECHILD ? "ECHILD" : "something else");
	for (int i = 0; i < NCHILD; i++)
		if (seen[i] != 1)
			return 2;
	return 7;
}

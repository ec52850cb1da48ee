/* forkwide: many processes sharing one address space's worth of memory at once.
 *   forkwide N KIB   maps KIB KiB of private anonymous memory, writes every page of it,
 *                    then forks N - 1 children that all wait on one pipe, so that N
 *                    processes are alive together, each with its own page tables over
 *                    the same copy-on-write frames; then it releases and reaps them.
 * The host's page-table dumps are measured on it (tests/bench/bench_dump.py stops at
 * fork#(N-1), when the last child exists), and tests use it for wide process trees. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: forkwide N KIB\n");
		return 2;
	}
	long n = atol(argv[1]), kib = atol(argv[2]);
	unsigned long size = ((unsigned long)kib * 1024 + PAGE - 1) & ~(unsigned long)(PAGE - 1);
	if (n < 1 || kib <= 0) {
		fprintf(stderr, "forkwide: N must be >= 1 and KIB > 0\n");
		return 2;
	}
	char *mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		perror("forkwide: mmap");
		return 1;
	}
	for (unsigned long off = 0; off < size; off += PAGE)
		mem[off] = (char)(off >> 12);   /* every page present before the forks */

	int release[2];
	if (pipe(release) < 0) {
		perror("forkwide: pipe");
		return 1;
	}
	for (long i = 1; i < n; i++) {
		pid_t pid = fork();
		char c;

		if (pid < 0) {
			perror("forkwide: fork");
			return 1;
		}
		if (pid == 0) {
			close(release[1]);
			/* Blocks until the parent closes its end: read returns 0 (end of file). */
			_exit(read(release[0], &c, 1) == 0 ? 0 : 1);
		}
	}
	close(release[1]);
	int failed = 0, status;
	for (long i = 1; i < n; i++)
		if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed++;
	printf("forkwide: %ld processes, %lu KiB each, %d failed\n", n, size / 1024, failed);
	return failed ? 1 : 0;
}

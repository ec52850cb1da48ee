/* forkbench: what one fork costs as a function of the memory the parent has touched.
 *   forkbench KIB N   maps KIB KiB of private anonymous memory, writes every page of it,
 *                     then times N rounds of fork + the child's _exit + the parent's wait
 * It prints the time per round from CLOCK_MONOTONIC inside the machine. With
 * copy-on-write the round costs page-table copying; with eager copying (the guest
 * kernel's cow=0) it costs copying every page. The child touches nothing, so nothing
 * is copied after the fork either. N = 0 does the setup only, which lets the host
 * benchmark (tests/bench/bench_fork.py) subtract boot and setup. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: forkbench KIB N\n");
		return 2;
	}
	long kib = atol(argv[1]), n = atol(argv[2]);
	unsigned long size = ((unsigned long)kib * 1024 + PAGE - 1) & ~(unsigned long)(PAGE - 1);
	if (kib <= 0 || n < 0) {
		fprintf(stderr, "forkbench: KIB must be > 0 and N >= 0\n");
		return 2;
	}
	char *mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		perror("forkbench: mmap");
		return 1;
	}
	for (unsigned long off = 0; off < size; off += PAGE)
		mem[off] = (char)(off >> 12);   /* every page present and the parent's own */

	long long start = now_ns();
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();
		int status;

		if (pid < 0) {
			perror("forkbench: fork");
			return 1;
		}
		if (pid == 0)
			_exit(0);
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "forkbench: the child did not exit normally\n");
			return 1;
		}
	}
	long long ns = now_ns() - start;

	/* The memory must still be the parent's own, unchanged by the forks. */
	for (unsigned long off = 0; off < size; off += PAGE) {
		if (mem[off] != (char)(off >> 12)) {
			fprintf(stderr, "forkbench: memory changed at offset %lu\n", off);
			return 1;
		}
	}
	printf("forkbench: %ld KiB: %ld forks in %lld us: %lld ns per fork\n", kib, n, ns / 1000,
	       n ? ns / n : 0LL);
	return 0;
}

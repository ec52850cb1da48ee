/* kbench: kernel micro-benchmarks seen from user space, the three figures lmbench made
 * familiar:
 *   kbench getpid N   N getpid() system calls (a kernel round trip that does nothing)
 *   kbench pipe N     N round trips of one byte between two processes over two pipes:
 *                     each round trip is two context switches
 *   kbench fault N    N demand-zero page faults: anonymous memory mapped in chunks,
 *                     one byte written in each page, unmapped again
 *   kbench loop N     N passes of a CPU-bound loop in user mode (loads, stores,
 *                     arithmetic and branches over 4 KiB, no system call): the CPU alone
 * It prints how many operations it did and the time per operation, measured with
 * CLOCK_MONOTONIC inside the machine (under forkscope that clock counts instructions,
 * so the host benchmark tests/bench/bench_kernel.py also measures host wall time).
 * N = 0 does the setup only, which lets the benchmark subtract boot and setup. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096
#define FAULT_CHUNK 1024   /* pages mapped at once: 4 MiB */

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int bench_getpid(long n)
{
	for (long i = 0; i < n; i++)
		syscall(SYS_getpid);   /* not getpid(): a C library may cache the pid */
	return 0;
}

static int bench_pipe(long n)
{
	int ping[2], pong[2];
	char c = 'x';

	if (pipe(ping) < 0 || pipe(pong) < 0) {
		perror("kbench: pipe");
		return 1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		perror("kbench: fork");
		return 1;
	}
	if (pid == 0) {
		close(ping[1]);
		close(pong[0]);
		while (read(ping[0], &c, 1) == 1)
			if (write(pong[1], &c, 1) != 1)
				_exit(1);
		_exit(0);
	}
	close(ping[0]);
	close(pong[1]);
	for (long i = 0; i < n; i++)
		if (write(ping[1], &c, 1) != 1 || read(pong[0], &c, 1) != 1) {
			perror("kbench: round trip");
			return 1;
		}
	close(ping[1]);   /* the child reads end of file and exits */
	int status;
	if (waitpid(pid, &status, 0) != pid || status != 0) {
		fprintf(stderr, "kbench: the echoing child failed\n");
		return 1;
	}
	return 0;
}

static int bench_fault(long n)
{
	while (n > 0) {
		long pages = n < FAULT_CHUNK ? n : FAULT_CHUNK;
		char *p = mmap(NULL, (size_t)pages * PAGE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED) {
			perror("kbench: mmap");
			return 1;
		}
		for (long i = 0; i < pages; i++)
			p[i * PAGE] = 1;
		munmap(p, (size_t)pages * PAGE);
		n -= pages;
	}
	return 0;
}

static volatile unsigned loop_result;   /* keeps the loop's work observable */

static int bench_loop(long n)
{
	static volatile unsigned words[1024];
	unsigned sum = 0;

	for (long i = 0; i < n; i++)
		for (unsigned j = 0; j < 1024; j++) {
			words[j] = words[j] * 33 + (j ^ (unsigned)i);
			if (words[j] & 1)
				sum += j;
		}
	loop_result = sum;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name, *unit;
		int (*run)(long n);
	} benches[] = {
		{ "getpid", "call", bench_getpid },
		{ "pipe", "round trip", bench_pipe },
		{ "fault", "fault", bench_fault },
		{ "loop", "pass", bench_loop },
	};
	char *end;
	long n = argc == 3 ? strtol(argv[2], &end, 10) : -1;

	if (argc != 3 || *end || n < 0) {
		fprintf(stderr, "usage: kbench getpid|pipe|fault|loop N\n");
		return 2;
	}
	for (size_t i = 0; i < sizeof(benches) / sizeof(benches[0]); i++) {
		if (strcmp(argv[1], benches[i].name))
			continue;
		long long t0 = now_ns();
		if (benches[i].run(n))
			return 1;
		long long ns = now_ns() - t0;
		printf("kbench: %s: %ld in %lld us: %lld ns per %s\n", benches[i].name, n, ns / 1000,
		       n ? ns / n : 0, benches[i].unit);
		return 0;
	}
	fprintf(stderr, "kbench: unknown benchmark '%s' (getpid, pipe, fault, loop)\n", argv[1]);
	return 2;
}

/* The heap: many small blocks (brk), large ones (mmap), realloc keeps contents, calloc
 * zeroes, freed memory is reused; a child's heap is a copy of the parent's. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static uint32_t sum(const unsigned char *p, size_t n)
{
	uint32_t s = 0;
	for (size_t i = 0; i < n; i++)
		s = s * 31 + p[i];
	return s;
}

int main(void)
{
	enum { N = 2000 };
	static unsigned char *blocks[N];
	uint32_t total = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 0; i < N; i++) {
		size_t size = 1 + (i * 37) % 700;
		blocks[i] = malloc(size);
		if (!blocks[i])
			return 1;
		memset(blocks[i], i & 0xff, size);
	}
	for (int i = 0; i < N; i += 2) {
		free(blocks[i]);
		blocks[i] = NULL;
	}
	for (int i = 1; i < N; i += 2) {
		size_t size = 1 + (i * 37) % 700;
		unsigned char *q = realloc(blocks[i], size * 3);
		if (!q)
			return 1;
		for (size_t k = 0; k < size; k++)
			if (q[k] != (i & 0xff))
				return 2;
		memset(q + size, 0x5a, size * 2);
		blocks[i] = q;
		total += sum(q, size * 3);
	}
	printf("small blocks: checksum %08x\n", (unsigned)total);

	size_t big = 8 << 20;
	unsigned char *huge = malloc(big);
	if (!huge)
		return 3;
	for (size_t i = 0; i < big; i += 4096)
		huge[i] = (unsigned char)(i >> 12);
	printf("8 MiB block: checksum %08x\n", (unsigned)sum(huge, big));

	unsigned *z = calloc(100000, sizeof *z);
	int nonzero = 0;
	for (int i = 0; i < 100000; i++)
		nonzero += z[i] != 0;
	printf("calloc: %d nonzero words\n", nonzero);

	pid_t p = fork();
	if (p == 0) {
		huge[0] = 0xff;
		memset(blocks[1], 0, 10);
		printf("child: 8 MiB block checksum %08x\n", (unsigned)sum(huge, big));
		_exit(0);
	}
	waitpid(p, NULL, 0);
	printf("parent: 8 MiB block checksum %08x, block 1 starts with %02x\n",
	       (unsigned)sum(huge, big), blocks[1][0]);
	free(huge);
	free(z);
	for (int i = 1; i < N; i += 2)
		free(blocks[i]);
	return 0;
}

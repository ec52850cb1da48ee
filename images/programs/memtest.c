/* memtest: exercise the memory a process can ask for, and demand paging.
 *  1. brk: grow the heap by 256 pages, check they start zeroed, write a pattern to
 *     every word, verify it, shrink back.
 *  2. mmap: map 256 anonymous pages, the same checks, munmap.
 *  3. sparse: reserve 64 MiB but touch only 16 pages spread across it; with demand
 *     paging only those 16 pages ever need memory.
 *  4. malloc: 1000 blocks of varied sizes (brk heap), plus a 1 MiB calloc block (its
 *     own mapping) grown by realloc, filled, verified, freed; then reuse after free.
 * brk comes first: malloc also grows the heap, and sbrk(-n) must give back only what
 * this program took. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE 4096
#define PAGES 256

static int failures;

static void fail(const char *what, const void *where)
{
	printf("memtest: FAIL: %s at %p\n", what, where);
	failures++;
}

/* The word stored at p: its own address mixed with a seed, so misplaced pages show. */
static uint32_t pattern(const void *p, uint32_t seed)
{
	return (uint32_t)(uintptr_t)p * 2654435761u ^ seed;
}

static int all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

/* Writes then verifies every word of [p, p+n). Returns 0 if all came back. */
static int write_verify(void *p, size_t n, uint32_t seed)
{
	uint32_t *w = p;
	size_t words = n / 4;
	for (size_t i = 0; i < words; i++)
		w[i] = pattern(&w[i], seed);
	for (size_t i = 0; i < words; i++) {
		if (w[i] != pattern(&w[i], seed)) {
			fail("pattern mismatch", &w[i]);
			return -1;
		}
	}
	return 0;
}

static void test_brk(void)
{
	char *start = sbrk(0);
	char *old = sbrk(PAGES * PAGE);
	if (old == (void *)-1 || old != start) {
		fail("sbrk grow", start);
		return;
	}
	/* The new pages start on the first page boundary at or after the old break. */
	char *first = (char *)(((uintptr_t)start + PAGE - 1) & ~(uintptr_t)(PAGE - 1));
	size_t n = (size_t)(start + PAGES * PAGE - first);
	if (!all_zero((unsigned char *)first, n))
		fail("new brk pages not zero", first);
	write_verify(start, PAGES * PAGE, 0x0b4c0b4c);
	if (sbrk(-(PAGES * PAGE)) == (void *)-1 || sbrk(0) != start)
		fail("sbrk shrink", start);
	/* Grow again: the pages given back must come back zeroed. */
	if (sbrk(PAGES * PAGE) != start)
		fail("sbrk regrow", start);
	else if (!all_zero((unsigned char *)first, n))
		fail("regrown brk pages not zero", first);
	sbrk(-(PAGES * PAGE));
	printf("memtest: brk: %d pages grown, zeroed, written, verified, released\n", PAGES);
}

static void test_mmap(void)
{
	size_t n = PAGES * PAGE;
	char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		fail("mmap", NULL);
		return;
	}
	if ((uintptr_t)p % PAGE)
		fail("mmap result not page aligned", p);
	if (!all_zero((unsigned char *)p, n))
		fail("new mmap pages not zero", p);
	write_verify(p, n, 0x6d6d6170);
	if (munmap(p, n) < 0)
		fail("munmap", p);
	printf("memtest: mmap: %d pages mapped, zeroed, written, verified, unmapped\n", PAGES);
}

static void test_sparse(void)
{
	size_t n = 64u << 20, stride = n / 16;
	char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		fail("mmap 64 MiB", NULL);
		return;
	}
	for (size_t off = 0; off < n; off += stride)
		write_verify(p + off, PAGE, 0x5a5a0000 + (uint32_t)(off / stride));
	for (size_t off = 0; off < n; off += stride) {
		uint32_t *w = (uint32_t *)(p + off);
		if (w[PAGE / 4 - 1] != pattern(&w[PAGE / 4 - 1], 0x5a5a0000 + (uint32_t)(off / stride)))
			fail("sparse page lost its data", w);
	}
	if (munmap(p, n) < 0)
		fail("munmap 64 MiB", p);
	printf("memtest: sparse: 64 MiB reserved, 16 pages touched, verified, unmapped\n");
}

static void test_malloc(void)
{
	enum { BLOCKS = 1000 };
	static unsigned char *blocks[BLOCKS];
	static size_t sizes[BLOCKS];

	srand(1);
	for (int i = 0; i < BLOCKS; i++) {
		sizes[i] = 1 + (size_t)rand() % 3000;
		blocks[i] = malloc(sizes[i]);
		if (!blocks[i]) {
			fail("malloc", NULL);
			return;
		}
		if ((uintptr_t)blocks[i] % 16)
			fail("malloc result not 16-byte aligned", blocks[i]);
		memset(blocks[i], i & 0xff, sizes[i]);
	}
	for (int i = 0; i < BLOCKS; i++) /* blocks must not overlap */
		for (size_t j = 0; j < sizes[i]; j++)
			if (blocks[i][j] != (i & 0xff)) {
				fail("malloc block overwritten", &blocks[i][j]);
				break;
			}
	for (int i = 0; i < BLOCKS; i += 2) /* free every other one, then the rest */
		free(blocks[i]);
	for (int i = 1; i < BLOCKS; i += 2)
		free(blocks[i]);

	size_t big = 1u << 20;
	unsigned char *b = calloc(1, big);
	if (!b) {
		fail("calloc 1 MiB", NULL);
		return;
	}
	if (!all_zero(b, big))
		fail("calloc memory not zero", b);
	for (size_t i = 0; i < big; i++)
		b[i] = (unsigned char)(i * 7 + i / 4096);
	b = realloc(b, 2 * big); /* moves it: the contents must come along */
	if (!b) {
		fail("realloc 2 MiB", NULL);
		return;
	}
	for (size_t i = 0; i < big; i++)
		if (b[i] != (unsigned char)(i * 7 + i / 4096)) {
			fail("realloc lost the contents", &b[i]);
			break;
		}
	free(b);

	/* After freeing everything, the heap has room: this must not need more brk. */
	char *before = sbrk(0);
	void *again = malloc(2000);
	if (!again || sbrk(0) != before)
		fail("freed heap memory not reused", again);
	free(again);
	printf("memtest: malloc: %d blocks and a 1 MiB block allocated, verified, freed\n", BLOCKS);
}

int main(void)
{
	test_brk();
	test_mmap();
	test_sparse();
	test_malloc();
	if (failures) {
		printf("memtest: %d failure(s)\n", failures);
		return 1;
	}
	printf("memtest: ok\n");
	return 0;
}

/* malloc.c: a first-fit allocator in the K&R tradition.
 *
 * Small blocks come from the heap that brk grows: free blocks sit on one list
 * sorted by address, so free() can merge a block with its neighbours. A request that
 * fits nowhere grows the heap by at least HEAP_GROW bytes. Large blocks (at least
 * MMAP_THRESHOLD) get their own anonymous mapping and go back to the kernel on free.
 * The heap never shrinks. Every block starts with a 16-byte header, which keeps
 * payloads 16-byte aligned.
 *
 * Programs that call brk/sbrk themselves must give back exactly what they took
 * before malloc grows the heap past it (sbrk hands out adjacent ranges). */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

#define ALIGN 16
#define HEAP_GROW (64 * 1024)
#define MMAP_THRESHOLD (128 * 1024)
#define PAGE 4096

/* Tags that catch frees of pointers malloc never returned, and double frees. */
#define TAG_USED 0x55534544u  /* heap block in use */
#define TAG_FREE 0x46524545u  /* heap block on the free list */
#define TAG_MMAP 0x4d4d4150u  /* block with its own mapping */

struct header {
	size_t size;          /* the whole block, header included; a multiple of ALIGN */
	unsigned int tag;
	struct header *next;  /* next free block by address (free blocks only) */
	unsigned int unused;
};

static struct header *free_list;

static size_t round_up(size_t n, size_t to)
{
	return (n + to - 1) & ~(to - 1);
}

_Noreturn static void corrupt(const char *what, void *p)
{
	dprintf(2, "malloc: %s: %p\n", what, p);
	abort();
}

/* Puts a block on the free list in address order and merges it with the blocks
 * right before and after it when they touch. */
static void insert_free(struct header *h)
{
	struct header *prev = NULL, *next = free_list;
	while (next && next < h) {
		prev = next;
		next = next->next;
	}
	h->tag = TAG_FREE;
	h->next = next;
	if (next && (char *)h + h->size == (char *)next) {
		h->size += next->size;
		h->next = next->next;
	}
	if (prev && (char *)prev + prev->size == (char *)h) {
		prev->size += h->size;
		prev->next = h->next;
	} else if (prev) {
		prev->next = h;
	} else {
		free_list = h;
	}
}

static int grow_heap(size_t need)
{
	/* The first time, move the break up to an ALIGN boundary. */
	static int aligned;
	if (!aligned) {
		uintptr_t cur = (uintptr_t)sbrk(0);
		if (cur % ALIGN && sbrk((intptr_t)(ALIGN - cur % ALIGN)) == (void *)-1)
			return -1;
		aligned = 1;
	}
	size_t more = round_up(need > HEAP_GROW ? need : HEAP_GROW, PAGE);
	void *p = sbrk((intptr_t)more);
	if (p == (void *)-1)
		return -1;
	struct header *h = p;
	h->size = more;
	insert_free(h);
	return 0;
}

static void *map_block(size_t need)
{
	size_t len = round_up(need, PAGE);
	if (len < need) {
		errno = ENOMEM;
		return NULL;
	}
	struct header *h = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (h == MAP_FAILED)
		return NULL;
	h->size = len;
	h->tag = TAG_MMAP;
	return h + 1;
}

static void *malloc_unlocked(size_t n)
{
	if (n > SIZE_MAX / 2) {
		errno = ENOMEM;
		return NULL;
	}
	size_t need = round_up(n + sizeof(struct header), ALIGN);
	if (need >= MMAP_THRESHOLD)
		return map_block(need);

	for (;;) {
		struct header **link = &free_list;
		for (struct header *h = free_list; h; link = &h->next, h = h->next) {
			if (h->size < need)
				continue;
			if (h->size - need >= 2 * sizeof(struct header)) {
				/* Split: the tail stays on the list in h's place. */
				struct header *tail = (struct header *)((char *)h + need);
				tail->size = h->size - need;
				tail->tag = TAG_FREE;
				tail->next = h->next;
				*link = tail;
				h->size = need;
			} else {
				*link = h->next;
			}
			h->tag = TAG_USED;
			h->next = NULL;
			return h + 1;
		}
		if (grow_heap(need) < 0) {
			errno = ENOMEM;
			return NULL;
		}
	}
}

static void free_unlocked(void *p)
{
	struct header *h = (struct header *)p - 1;
	if (h->tag == TAG_MMAP) {
		h->tag = 0;
		munmap(h, h->size);
	} else if (h->tag == TAG_USED) {
		insert_free(h);
	} else if (h->tag == TAG_FREE) {
		corrupt("double free", p);
	} else {
		corrupt("free of a pointer malloc did not return", p);
	}
}

/* One lock for the heap, taken only once the program has threads. */
static int heap_lock;

void *malloc(size_t n)
{
	if (!__threaded)
		return malloc_unlocked(n);
	__lock(&heap_lock);
	void *p = malloc_unlocked(n);
	__unlock(&heap_lock);
	return p;
}

void free(void *p)
{
	if (!p)
		return;
	if (!__threaded) {
		free_unlocked(p);
		return;
	}
	__lock(&heap_lock);
	free_unlocked(p);
	__unlock(&heap_lock);
}

void __malloc_fork(int phase)
{
	if (phase == FORK_PREPARE)
		__lock(&heap_lock);
	else if (phase == FORK_PARENT)
		__unlock(&heap_lock);
	else
		heap_lock = 0; /* the child's only thread held it */
}

void *calloc(size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	void *p = malloc(n * size);
	if (!p)
		return NULL;
	/* A fresh mapping is already zero; not touching it keeps its pages unallocated. */
	if (((struct header *)p - 1)->tag != TAG_MMAP)
		memset(p, 0, n * size);
	return p;
}

void *realloc(void *p, size_t n)
{
	if (!p)
		return malloc(n);
	if (n == 0) {
		free(p);
		return NULL;
	}
	struct header *h = (struct header *)p - 1;
	if (h->tag != TAG_USED && h->tag != TAG_MMAP)
		corrupt("realloc of a pointer malloc did not return", p);
	size_t have = h->size - sizeof(struct header);
	if (n <= have)
		return p; /* still fits: keep it (the slack stays with the block) */
	void *q = malloc(n);
	if (!q)
		return NULL;
	memcpy(q, p, have);
	free(p);
	return q;
}

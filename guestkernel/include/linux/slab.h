#ifndef _LINUX_SLAB_H
#define _LINUX_SLAB_H

#include <linux/list.h>
#include <linux/types.h>

/*
 * mm/slab.c: caches of equal-sized kernel objects. A slab is one page frame (kind
 * PG_KERNEL, flag PG_slab) cut into objects; its struct page holds the free list and
 * the count of objects in use. Objects come back zeroed. Allocation returns NULL when
 * no page is left. Objects are at most a page; kmalloc() rounds up to a power of two.
 */
struct kmem_cache {
	const char *name;
	size_t objsize;                /* as requested */
	size_t size;                   /* with alignment: the stride in the slab */
	unsigned int num;              /* objects per slab */
	struct list_head slabs_partial;   /* some objects free */
	struct list_head slabs_full;
	struct list_head next;         /* on cache_chain */
	unsigned long active_objs;     /* handed out now */
	unsigned long nr_slabs;        /* pages held */
	unsigned long allocs, frees, failures;   /* since boot */
};

extern struct list_head cache_chain;

void kmem_cache_init(void);
struct kmem_cache *kmem_cache_create(const char *name, size_t size, size_t align);
void *kmem_cache_alloc(struct kmem_cache *cache);
void kmem_cache_free(struct kmem_cache *cache, void *obj);

#define KMALLOC_MAX_SIZE 4096
void *kmalloc(size_t size);     /* zeroed; NULL if size > KMALLOC_MAX_SIZE or no memory */
void kfree(const void *obj);

#endif

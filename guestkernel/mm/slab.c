/*
 * mm/slab.c - object caches (kmem_cache_*) and kmalloc on top of them.
 *
 * Each slab is a single page: objects are at most a page, and a one-page slab finds its
 * cache through its struct page. Free objects are chained through their first word.
 * An empty slab goes straight back to the page allocator, so a cache holds no memory
 * it does not use and check=vm can account for every slab page.
 */
#include <asm/page.h>
#include <linux/fault-inject.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>

#define MAX_CACHES 32

LIST_HEAD(cache_chain);
static struct kmem_cache caches[MAX_CACHES];
static unsigned int nr_caches;

static const size_t kmalloc_sizes[] = { 32, 64, 128, 256, 512, 1024, 2048, 4096 };
static struct kmem_cache *kmalloc_caches[ARRAY_SIZE(kmalloc_sizes)];

struct kmem_cache *kmem_cache_create(const char *name, size_t size, size_t align)
{
	struct kmem_cache *c;

	if (nr_caches == MAX_CACHES || !size || size > PAGE_SIZE)
		panic("kmem_cache_create(%s, %u): no such cache possible", name, (unsigned int)size);
	if (align < sizeof(void *))
		align = sizeof(void *);
	c = &caches[nr_caches++];
	c->name = name;
	c->objsize = size;
	c->size = ALIGN(size, align);
	c->num = PAGE_SIZE / c->size;
	INIT_LIST_HEAD(&c->slabs_partial);
	INIT_LIST_HEAD(&c->slabs_full);
	list_add_tail(&c->next, &cache_chain);
	return c;
}

static struct page *cache_grow(struct kmem_cache *c)
{
	struct page *page = alloc_page(PG_KERNEL);
	char *base;
	unsigned int i;

	if (!page)
		return NULL;
	page->flags |= PG_slab;
	page->slab_cache = c;
	page->inuse = 0;
	base = page_address(page);
	page->freelist = NULL;
	for (i = c->num; i-- > 0; ) {   /* lowest address first on the list */
		void **obj = (void **)(base + i * c->size);
		*obj = page->freelist;
		page->freelist = obj;
	}
	list_add(&page->lru, &c->slabs_partial);
	c->nr_slabs++;
	return page;
}

void *kmem_cache_alloc(struct kmem_cache *c)
{
	struct page *page;
	void **obj;

	if (should_fail_alloc()) {
		c->failures++;
		return NULL;
	}
	if (list_empty(&c->slabs_partial) && !cache_grow(c)) {
		c->failures++;
		return NULL;
	}
	page = list_first_entry(&c->slabs_partial, struct page, lru);
	obj = page->freelist;
	page->freelist = *obj;
	page->inuse++;
	if (page->inuse == c->num)
		list_move_tail(&page->lru, &c->slabs_full);
	c->active_objs++;
	c->allocs++;
	memset(obj, 0, c->objsize);
	return obj;
}

void kmem_cache_free(struct kmem_cache *c, void *objp)
{
	struct page *page = virt_to_page(objp);
	void **obj = objp, **f;

	if (!(page->flags & PG_slab) || page->slab_cache != c ||
	    ((char *)objp - (char *)page_address(page)) % c->size) {
		printk(KERN_ERR "BUG: kmem_cache_free(%s, %p): not an object of this cache\n", c->name, objp);
		return;
	}
	for (f = page->freelist; f; f = *f)
		if (f == obj) {
			printk(KERN_ERR "BUG: kmem_cache_free(%s, %p): double free\n", c->name, objp);
			return;
		}
	if (page->inuse == c->num)
		list_move_tail(&page->lru, &c->slabs_partial);
	*obj = page->freelist;
	page->freelist = obj;
	page->inuse--;
	c->active_objs--;
	c->frees++;
	if (page->inuse == 0) {
		list_del_init(&page->lru);
		page->flags &= ~PG_slab;
		page->slab_cache = NULL;
		page->freelist = NULL;
		c->nr_slabs--;
		__free_page(page);
	}
}

void *kmalloc(size_t size)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kmalloc_sizes); i++)
		if (size <= kmalloc_sizes[i])
			return kmem_cache_alloc(kmalloc_caches[i]);
	return NULL;
}

void kfree(const void *obj)
{
	struct page *page;

	if (!obj)
		return;
	page = virt_to_page(obj);
	if (!(page->flags & PG_slab)) {
		printk(KERN_ERR "BUG: kfree(%p): not a slab object\n", obj);
		return;
	}
	kmem_cache_free(page->slab_cache, (void *)obj);
}

void __init kmem_cache_init(void)
{
	static const char *const names[] = { "kmalloc-32", "kmalloc-64", "kmalloc-128", "kmalloc-256",
		"kmalloc-512", "kmalloc-1024", "kmalloc-2048", "kmalloc-4096" };
	unsigned int i;

	BUILD_BUG_ON(ARRAY_SIZE(names) != ARRAY_SIZE(kmalloc_sizes));
	for (i = 0; i < ARRAY_SIZE(kmalloc_sizes); i++)
		kmalloc_caches[i] = kmem_cache_create(names[i], kmalloc_sizes[i], kmalloc_sizes[i] >= 32 ? 32 : 8);
}

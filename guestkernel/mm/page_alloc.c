/*
 * mm/page_alloc.c - physical page frames: mem_map and a buddy allocator.
 *
 * Every frame below max_pfn has a struct page in mem_map. mem_init() places mem_map in
 * usable RAM that nothing else occupies, marks what must never be handed out (firmware
 * holes, the kernel image, the loader's boot information, mem_map itself) as reserved,
 * the initramfs module as page cache, and gives every other usable frame to the buddy
 * allocator in the largest aligned blocks that fit.
 *
 * Allocation never panics: a request that cannot be met returns NULL and the caller
 * turns it into -ENOMEM (or kills the faulting process).
 */
#include <abi/forkscope.h>
#include <asm/page.h>
#include <asm/sections.h>
#include <asm/setup.h>
#include <linux/fault-inject.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/multiboot.h>
#include <linux/string.h>

struct page *mem_map;

/*
 * mem_map's room per frame: the layout-test kernel's struct page (a field more, 36
 * bytes) fits in it too, so both kernels reserve the same frames for mem_map and hand
 * out the same frames afterwards (tests compare their page tables frame for frame).
 * It costs the normal kernel 4 bytes a frame: 1 KiB per MiB of RAM.
 */
#define MEM_MAP_ROOM 36
BUILD_BUG_ON(sizeof(struct page) > MEM_MAP_ROOM);
unsigned long totalram_pages;
unsigned long nr_free_pages;
unsigned long nr_kind_pages[NR_PAGE_KINDS];
struct free_area free_area[MAX_ORDER];

/* Physical ranges kept out of the allocator, sorted by mem_init. */
struct phys_range {
	unsigned long start, end;   /* page frame numbers, [start, end) */
};
#define MAX_RESERVED 12
static struct phys_range reserved[MAX_RESERVED];
static unsigned int nr_reserved;

static void __init reserve_pfns(unsigned long start, unsigned long end)
{
	if (start < end && nr_reserved < MAX_RESERVED) {
		reserved[nr_reserved].start = start;
		reserved[nr_reserved].end = end;
		nr_reserved++;
	}
}

/* Byte range -> the frames it touches. */
static void __init reserve_bytes(unsigned long start, unsigned long end)
{
	reserve_pfns(start >> PAGE_SHIFT, PAGE_ALIGN(end) >> PAGE_SHIFT);
}

static const struct phys_range *overlapping_reserved(unsigned long start, unsigned long end)
{
	unsigned int i;

	for (i = 0; i < nr_reserved; i++)
		if (reserved[i].start < end && start < reserved[i].end)
			return &reserved[i];
	return NULL;
}

/* Usable RAM region i of the memory map, in whole frames below max_pfn. */
static bool __init usable_region(unsigned int i, unsigned long *start, unsigned long *end)
{
	const struct boot_mmap_entry *e = &boot_params.mmap[i];
	unsigned long long s, t;

	if (e->type != MULTIBOOT_MEMORY_AVAILABLE)
		return false;
	s = (e->addr + PAGE_SIZE - 1) >> PAGE_SHIFT;
	t = (e->addr + e->len) >> PAGE_SHIFT;
	if (t > max_pfn)
		t = max_pfn;
	if (s >= t)
		return false;
	*start = (unsigned long)s;
	*end = (unsigned long)t;
	return true;
}

static unsigned int nr_regions(void)
{
	return min(boot_params.nr_mmap, (unsigned int)MAX_BOOT_MMAP);
}

/* The first run of `pages` frames in usable RAM above 1 MiB that nothing occupies. */
static unsigned long __init find_free_run(unsigned long pages)
{
	unsigned int i;

	for (i = 0; i < nr_regions(); i++) {
		unsigned long start, end, cand;

		if (!usable_region(i, &start, &end))
			continue;
		cand = max(start, (unsigned long)(0x100000 >> PAGE_SHIFT));
		while (cand + pages <= end) {
			const struct phys_range *r = overlapping_reserved(cand, cand + pages);
			if (!r)
				return cand;
			cand = r->end;
		}
	}
	return 0;
}

static void free_block_init(unsigned long pfn, unsigned int order)
{
	struct page *page = pfn_to_page(pfn);

	page->flags = PG_buddy;
	page->order = (u8)order;
	list_add_tail(&page->lru, &free_area[order].free_list);
	free_area[order].nr_free++;
}

/* Hands [start, end) to the allocator as naturally aligned blocks, largest first. */
static void __init free_range(unsigned long start, unsigned long end)
{
	unsigned long pfn;

	for (pfn = start; pfn < end; pfn++) {
		struct page *p = pfn_to_page(pfn);
		p->kind = PG_FREE;
		p->count = 0;
		p->flags = 0;
	}
	nr_free_pages += end - start;
	totalram_pages += end - start;
	while (start < end) {
		unsigned int order = MAX_ORDER - 1;

		while (order && ((start & ((1UL << order) - 1)) || start + (1UL << order) > end))
			order--;
		free_block_init(start, order);
		start += 1UL << order;
	}
}

static void __init mark_frames(unsigned long start, unsigned long end, enum page_kind kind)
{
	unsigned long pfn;

	for (pfn = start; pfn < end && pfn < max_pfn; pfn++) {
		struct page *p = pfn_to_page(pfn);
		p->kind = (u8)kind;
		p->count = 1;
		p->flags = 0;
		INIT_LIST_HEAD(&p->lru);
	}
}

static int cmp_range(const struct phys_range *a, const struct phys_range *b)
{
	return a->start < b->start ? -1 : a->start > b->start;
}

void __init mem_init(void)
{
	unsigned long map_pages, map_pfn, kernel_start, kernel_end, initrd_start = 0, initrd_end = 0;
	unsigned long pfn, kib_reserved;
	unsigned int i, j;

	for (i = 0; i < MAX_ORDER; i++)
		INIT_LIST_HEAD(&free_area[i].free_list);

	/* Page 0 (real-mode IVT, BIOS data) and everything the loader told us about. */
	reserve_pfns(0, 1);
	kernel_start = FORKSCOPE_KERNEL_LOAD_PHYS >> PAGE_SHIFT;
	kernel_end = PAGE_ALIGN(__pa(_end)) >> PAGE_SHIFT;
	reserve_pfns(kernel_start, kernel_end);
	for (i = 0; i < boot_params.nr_boot_ranges; i++)
		reserve_bytes(boot_params.boot_ranges[i].start, boot_params.boot_ranges[i].end);
	if (boot_params.initrd_end > boot_params.initrd_start) {
		initrd_start = boot_params.initrd_start >> PAGE_SHIFT;
		initrd_end = min(PAGE_ALIGN(boot_params.initrd_end) >> PAGE_SHIFT, max_pfn);
		if (initrd_start >= max_pfn) {
			printk(KERN_ERR "initramfs: module at 0x%08x is beyond low memory, ignored\n",
			       boot_params.initrd_start);
			boot_params.initrd_start = boot_params.initrd_end = 0;
			initrd_start = initrd_end = 0;
		} else if (boot_params.initrd_end > (initrd_end << PAGE_SHIFT)) {
			boot_params.initrd_end = initrd_end << PAGE_SHIFT;
		}
		reserve_pfns(initrd_start, initrd_end);
	}

	map_pages = PAGE_ALIGN(max_pfn * MEM_MAP_ROOM) >> PAGE_SHIFT;
	map_pfn = find_free_run(map_pages);
	if (!map_pfn)
		panic("mem_init: no room for mem_map (%lu pages) in %lu KiB of RAM",
		      map_pages, max_pfn << (PAGE_SHIFT - 10));
	reserve_pfns(map_pfn, map_pfn + map_pages);
	mem_map = __va(map_pfn << PAGE_SHIFT);

	/* Sort the reserved ranges so the free gaps between them come out in order. */
	for (i = 1; i < nr_reserved; i++)
		for (j = i; j > 0 && cmp_range(&reserved[j - 1], &reserved[j]) > 0; j--) {
			struct phys_range t = reserved[j];
			reserved[j] = reserved[j - 1];
			reserved[j - 1] = t;
		}

	/* Everything starts reserved; usable gaps become free, the initramfs page cache. */
	mark_frames(0, max_pfn, PG_RESERVED);
	for (i = 0; i < nr_regions(); i++) {
		unsigned long start, end;

		if (!usable_region(i, &start, &end))
			continue;
		pfn = start;
		while (pfn < end) {
			const struct phys_range *r = overlapping_reserved(pfn, end);
			unsigned long gap_end = r ? max(r->start, pfn) : end;

			if (gap_end > pfn)
				free_range(pfn, gap_end);
			if (!r)
				break;
			pfn = max(pfn, r->end);
		}
	}
	if (initrd_end > initrd_start)
		mark_frames(initrd_start, initrd_end, PG_CACHE);

	for (pfn = 0; pfn < max_pfn; pfn++)
		if (mem_map[pfn].kind != PG_FREE)
			nr_kind_pages[mem_map[pfn].kind]++;
	nr_kind_pages[PG_FREE] = nr_free_pages;
	totalram_pages += nr_kind_pages[PG_CACHE];

	kib_reserved = (nr_kind_pages[PG_RESERVED] - (kernel_end - kernel_start) - map_pages) << 2;
	printk(KERN_INFO "mem: %lu KiB in %lu frames: %lu KiB free, kernel %lu KiB, initramfs %lu KiB, "
	       "mem_map %lu KiB, reserved %lu KiB\n",
	       max_pfn << 2, max_pfn, nr_free_pages << 2, (kernel_end - kernel_start) << 2,
	       (initrd_end - initrd_start) << 2, map_pages << 2, kib_reserved);
}

static void set_block(struct page *page, enum page_kind kind, unsigned int order)
{
	unsigned long i;

	for (i = 0; i < (1UL << order); i++) {
		page[i].kind = (u8)kind;
		page[i].count = 1;
		page[i].flags = 0;
		page[i].order = 0;
		page[i].slab_cache = NULL;
		page[i].freelist = NULL;
		page[i].inuse = 0;
		INIT_LIST_HEAD(&page[i].lru);
	}
	page->flags = PG_head;
	page->order = (u8)order;
}

struct page *alloc_pages(enum page_kind kind, unsigned int order)
{
	unsigned int o;

	if (order >= MAX_ORDER || kind == PG_FREE || should_fail_alloc())
		return NULL;
	for (o = order; o < MAX_ORDER; o++) {
		struct page *page;

		if (list_empty(&free_area[o].free_list))
			continue;
		page = list_first_entry(&free_area[o].free_list, struct page, lru);
		list_del_init(&page->lru);
		page->flags &= ~PG_buddy;
		free_area[o].nr_free--;
		/* Split: the upper halves go back on the smaller lists. */
		while (o > order) {
			o--;
			free_block_init(page_to_pfn(page) + (1UL << o), o);
		}
		set_block(page, kind, order);
		nr_free_pages -= 1UL << order;
		nr_kind_pages[PG_FREE] -= 1UL << order;
		nr_kind_pages[kind] += 1UL << order;
		return page;
	}
	return NULL;
}

struct page *alloc_zeroed_page(enum page_kind kind)
{
	struct page *page = alloc_page(kind);

	if (page)
		memset(page_address(page), 0, PAGE_SIZE);
	return page;
}

void __free_pages(struct page *page, unsigned int order)
{
	unsigned long pfn = page_to_pfn(page), i;

	if (page->kind == PG_FREE || page->kind == PG_RESERVED) {
		printk(KERN_ERR "BUG: freeing frame 0x%05lx of kind %u\n", pfn, page->kind);
		return;
	}
	nr_kind_pages[page->kind] -= 1UL << order;
	nr_kind_pages[PG_FREE] += 1UL << order;
	nr_free_pages += 1UL << order;
	for (i = 0; i < (1UL << order); i++) {
		page[i].kind = PG_FREE;
		page[i].count = 0;
		page[i].flags = 0;
		page[i].slab_cache = NULL;
		page[i].freelist = NULL;
		page[i].inuse = 0;
	}
	/* Merge with the buddy while it is a free block of the same order. */
	while (order < MAX_ORDER - 1) {
		unsigned long buddy_pfn = pfn ^ (1UL << order);
		struct page *buddy;

		if (buddy_pfn >= max_pfn)
			break;
		buddy = pfn_to_page(buddy_pfn);
		if (!(buddy->flags & PG_buddy) || buddy->order != order)
			break;
		list_del_init(&buddy->lru);
		buddy->flags &= ~PG_buddy;
		free_area[order].nr_free--;
		pfn &= ~(1UL << order);
		order++;
	}
	page = pfn_to_page(pfn);
	page->flags = PG_buddy;
	page->order = (u8)order;
	list_add(&page->lru, &free_area[order].free_list);
	free_area[order].nr_free++;
}

void put_page(struct page *page)
{
	if (page->count <= 0) {
		printk(KERN_ERR "BUG: put_page on frame 0x%05lx with count %d\n",
		       page_to_pfn(page), page->count);
		return;
	}
	if (--page->count == 0)
		__free_pages(page, 0);
}

void *__get_free_pages(enum page_kind kind, unsigned int order)
{
	struct page *page = alloc_pages(kind, order);

	return page ? page_address(page) : NULL;
}

void free_pages(void *addr, unsigned int order)
{
	if (addr)
		__free_pages(virt_to_page(addr), order);
}

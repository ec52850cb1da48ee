/*
 * mm/check.c - check=vm: the memory invariants, verified after every system call.
 *
 *  1. Frame accounting: every frame has a kind; the frames of each kind add up to the
 *     allocator's counters; free + used == total; the free lists hold exactly the free
 *     frames, as blocks of the right order.
 *  2. References: every frame's count equals the references that exist to it, found
 *     by walking their owners: page-table entries (user pages), directory entries (page
 *     tables), mms (page directories), slab caches (slab pages), tasks (kernel stacks),
 *     pipes (their buffers), inodes (their page cache, nothing past the end of the file),
 *     the initramfs archive until it is unpacked. A used frame nobody refers to is a
 *     leak.
 *  3. VMAs: sorted, page aligned, non-overlapping, below the kernel, with map_count and
 *     total_vm right; every mapped page lies inside a VMA and its entry allows no more
 *     than the VMA does (no write without VM_WRITE, nothing present without access).
 *
 * kernel/check_objects.c adds the kernel objects, their reference counts and the pids.
 * Each violation prints one line; init's exit prints the totals.
 */
#include <asm/irqflags.h>
#include <asm/page.h>
#include <asm/pgtable.h>
#include <asm/setup.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/pipe_fs_i.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/vmcheck.h>

#define MAX_REPORTED 20

unsigned long vm_check_calls, vm_check_violations;
static unsigned long current_nr;

void vm_violation(const char *fmt, ...)
{
	char buf[200];
	va_list args;

	vm_check_violations++;
	if (vm_check_violations > MAX_REPORTED)
		return;
	va_start(args, fmt);
	vsnprintf(buf, sizeof(buf), fmt, args);
	va_end(args);
	printk(KERN_ERR "check=vm: violation after system call %lu (pid %d): %s\n",
	       current_nr, current->pid, buf);
}

static u16 check_gen;   /* a frame's check_refs count only if its check_gen is this */

static void ref_frame(unsigned long pfn, const char *what)
{
	struct page *p;

	if (pfn >= max_pfn) {
		vm_violation("%s refers to frame 0x%05lx beyond RAM", what, pfn);
		return;
	}
	p = &mem_map[pfn];
	if (p->check_gen != check_gen) {
		p->check_gen = check_gen;
		p->check_refs = 0;
	}
	p->check_refs++;
}

static u32 refs_of(const struct page *p)
{
	return p->check_gen == check_gen ? p->check_refs : 0;
}

/* The free lists: well-formed blocks; their numbers per order. */
static void check_free_lists(unsigned long *listed)
{
	unsigned int order;

	for (order = 0; order < MAX_ORDER; order++) {
		struct page *p;
		unsigned long blocks = 0;

		list_for_each_entry(p, &free_area[order].free_list, lru) {
			unsigned long head = page_to_pfn(p);

			if (!(p->flags & PG_buddy) || p->order != order || (head & ((1UL << order) - 1)))
				vm_violation("free block at 0x%05lx on the order %u list is malformed", head, order);
			if (++blocks > max_pfn)
				break;   /* a list that loops */
		}
		if (blocks != free_area[order].nr_free)
			vm_violation("order %u list has %lu blocks, nr_free says %lu", order, blocks,
				  free_area[order].nr_free);
		listed[order] = blocks;
	}
}

/* One pass over mem_map: kinds add up, free frames are exactly the free blocks' frames,
 * every used frame's count is the references found. */
static void check_frames(const unsigned long *listed)
{
	unsigned long kinds[NR_PAGE_KINDS] = { 0 }, heads[MAX_ORDER] = { 0 };
	unsigned long pfn, block_end = 0, used = 0;
	unsigned int k;

	for (pfn = 0; pfn < max_pfn; pfn++) {
		struct page *p = &mem_map[pfn];
		u32 refs = refs_of(p);

		if (p->kind >= NR_PAGE_KINDS) {
			vm_violation("frame 0x%05lx has kind %u", pfn, p->kind);
			continue;
		}
		kinds[p->kind]++;
		if (p->flags & PG_buddy) {
			if (p->order >= MAX_ORDER || p->kind != PG_FREE || pfn < block_end) {
				vm_violation("frame 0x%05lx heads a bad free block", pfn);
			} else {
				heads[p->order]++;
				block_end = pfn + (1UL << p->order);
			}
		}
		if (p->kind == PG_FREE) {
			if (pfn >= block_end)
				vm_violation("free frame 0x%05lx is in no free block", pfn);
			if (p->count || refs)
				vm_violation("free frame 0x%05lx has count %d and %u references", pfn, p->count, refs);
			continue;
		}
		if (pfn < block_end)
			vm_violation("frame 0x%05lx of kind %u is inside a free block", pfn, p->kind);
		if (p->kind == PG_RESERVED)
			continue;
		if (!refs)
			vm_violation("frame 0x%05lx (kind %u, count %d) is used but nothing refers to it",
				  pfn, p->kind, p->count);
		else if ((unsigned long)p->count != refs)
			vm_violation("frame 0x%05lx (kind %u) has count %d but %u references", pfn, p->kind,
				  p->count, refs);
	}

	for (k = 0; k < MAX_ORDER; k++)
		if (heads[k] != listed[k])
			vm_violation("%lu free blocks of order %u in mem_map, %lu on the list", heads[k], k, listed[k]);
	for (k = 0; k < NR_PAGE_KINDS; k++)
		if (kinds[k] != nr_kind_pages[k])
			vm_violation("%lu frames of kind %u, counter says %lu", kinds[k], k, nr_kind_pages[k]);
	for (k = PG_KERNEL; k < NR_PAGE_KINDS; k++)
		used += kinds[k];
	if (kinds[PG_FREE] + used != totalram_pages)
		vm_violation("free %lu + used %lu != total %lu", kinds[PG_FREE], used, totalram_pages);
	if (kinds[PG_FREE] != nr_free_pages)
		vm_violation("%lu free frames, nr_free_pages says %lu", kinds[PG_FREE], nr_free_pages);
}

static void check_mm(struct mm_struct *mm)
{
	struct vm_area_struct *vma, *prev = NULL;
	unsigned long count = 0, pages = 0, rss = 0, i;

	ref_frame(__pa(mm->pgd) >> PAGE_SHIFT, "an mm's page directory");
	for (vma = mm->mmap; vma; prev = vma, vma = vma->vm_next) {
		count++;
		if (vma->vm_mm != mm)
			vm_violation("VMA %08lx-%08lx belongs to another mm", vma->vm_start, vma->vm_end);
		if ((vma->vm_start | vma->vm_end) & ~PAGE_MASK || vma->vm_start >= vma->vm_end ||
		    vma->vm_end > TASK_SIZE)
			vm_violation("VMA %08lx-%08lx is malformed", vma->vm_start, vma->vm_end);
		if (prev && prev->vm_end > vma->vm_start)
			vm_violation("VMAs %08lx-%08lx and %08lx-%08lx overlap or are out of order",
				  prev->vm_start, prev->vm_end, vma->vm_start, vma->vm_end);
		pages += (vma->vm_end - vma->vm_start) >> PAGE_SHIFT;
		if (count > 100000)
			break;
	}
	if (count != (unsigned long)mm->map_count)
		vm_violation("mm has %lu VMAs, map_count says %d", count, mm->map_count);
	if (pages != mm->total_vm)
		vm_violation("VMAs cover %lu pages, total_vm says %lu", pages, mm->total_vm);
	if (mm->brk < mm->start_brk)
		vm_violation("brk %08lx below start_brk %08lx", mm->brk, mm->start_brk);

	/* Walk the user half of the page tables, with the VMA list alongside. */
	vma = mm->mmap;
	for (i = 0; i < USER_PTRS_PER_PGD; i++) {
		pgd_t pde = mm->pgd[i];
		const pte_t *pt;
		unsigned long j;

		if (!(pde & _PAGE_PRESENT)) {
			if (pde)
				vm_violation("directory entry %lu is not present but not empty: %08x", i, pde);
			continue;
		}
		if (pde & _PAGE_PSE) {
			vm_violation("directory entry %lu maps a large page in user space", i);
			continue;
		}
		ref_frame(pde >> PAGE_SHIFT, "a page directory entry");
		if ((pde >> PAGE_SHIFT) < max_pfn && mem_map[pde >> PAGE_SHIFT].kind != PG_PGTABLE) {
			vm_violation("directory entry %lu points to frame 0x%05x of kind %u", i,
				  pde >> PAGE_SHIFT, mem_map[pde >> PAGE_SHIFT].kind);
			continue;
		}
		pt = __va(pde & PTE_PFN_MASK);
		for (j = 0; j < PTRS_PER_PTE; j++) {
			unsigned long addr = (i << PGDIR_SHIFT) | (j << PAGE_SHIFT), pfn;
			pte_t pte = pt[j];

			if (!pte_mapped(pte)) {
				if (pte)
					vm_violation("PTE for %08lx holds %08x but maps nothing", addr, pte);
				continue;
			}
			rss++;
			pfn = pte_pfn(pte);
			ref_frame(pfn, "a PTE");
			if (pfn < max_pfn && mem_map[pfn].kind != PG_ANON && mem_map[pfn].kind != PG_CACHE)
				vm_violation("PTE for %08lx maps frame 0x%05lx of kind %u", addr, pfn,
					  mem_map[pfn].kind);
			while (vma && vma->vm_end <= addr)
				vma = vma->vm_next;
			if (!vma || vma->vm_start > addr) {
				vm_violation("page at %08lx is mapped outside any VMA", addr);
				continue;
			}
			if ((pte & _PAGE_RW) && !(vma->vm_flags & VM_WRITE))
				vm_violation("page at %08lx is writable in a VMA without VM_WRITE", addr);
			if ((pte & _PAGE_RW) && pfn < max_pfn && !(vma->vm_flags & VM_SHARED) &&
			    (mem_map[pfn].kind == PG_CACHE || mem_map[pfn].count > 1))
				vm_violation("page at %08lx is writable but shared (frame 0x%05lx)", addr, pfn);
			if (pte_present(pte) && !(vma->vm_flags & VM_ACCESS))
				vm_violation("page at %08lx is present in a PROT_NONE VMA", addr);
			if (pte_present(pte) && !(pte & _PAGE_USER))
				vm_violation("page at %08lx is not a user page", addr);
		}
	}
	if (rss != mm->rss)
		vm_violation("%lu pages mapped, rss says %lu", rss, mm->rss);
}

static void check_references(void)
{
	struct mm_struct *mm;
	struct kmem_cache *c;
	struct task_struct *t;
	struct pipe_inode_info *pipe;
	struct inode *inode;
	unsigned long pfn, i;

	list_for_each_entry(mm, &mm_list, mmlist)
		check_mm(mm);
	list_for_each_entry(c, &cache_chain, next) {
		struct page *p;
		unsigned long slabs = 0, objs = 0;

		list_for_each_entry(p, &c->slabs_partial, lru) {
			ref_frame(page_to_pfn(p), "a slab");
			slabs++;
			objs += p->inuse;
		}
		list_for_each_entry(p, &c->slabs_full, lru) {
			ref_frame(page_to_pfn(p), "a slab");
			slabs++;
			objs += p->inuse;
		}
		if (slabs != c->nr_slabs || objs != c->active_objs)
			vm_violation("cache %s: %lu slabs with %lu objects, counters say %lu and %lu",
				  c->name, slabs, objs, c->nr_slabs, c->active_objs);
	}
	list_for_each_entry(t, &task_list, tasks) {
		ref_frame(__pa(t->stack) >> PAGE_SHIFT, "a kernel stack");
		ref_frame((__pa(t->stack) >> PAGE_SHIFT) + 1, "a kernel stack");
	}
	list_for_each_entry(pipe, &pipe_list, list)
		ref_frame(__pa(pipe->base) >> PAGE_SHIFT, "a pipe");
	list_for_each_entry(inode, &inode_list, i_list) {
		for (i = 0; inode->i_pages && i < inode->i_nrpages; i++) {
			struct page *p = inode->i_pages[i];

			if (!p)
				continue;
			ref_frame(page_to_pfn(p), "the page cache");
			if (p->kind != PG_CACHE)
				vm_violation("page cache of inode %lu holds frame 0x%05lx of kind %u",
					  inode->i_ino, page_to_pfn(p), p->kind);
			if ((loff_t)i << PAGE_SHIFT >= inode->i_size)
				vm_violation("inode %lu (size %lld) keeps page %lu past its end",
					  inode->i_ino, inode->i_size, i);
		}
	}
	if (boot_params.initrd_end > boot_params.initrd_start)
		for (pfn = boot_params.initrd_start >> PAGE_SHIFT;
		     pfn < PAGE_ALIGN(boot_params.initrd_end) >> PAGE_SHIFT; pfn++)
			ref_frame(pfn, "the initramfs");
}

void vm_check(unsigned long syscall_nr)
{
	unsigned long flags = local_irq_save();
	unsigned long listed[MAX_ORDER];

	current_nr = syscall_nr;
	vm_check_calls++;
	if (++check_gen == 0) {   /* wrapped: old marks could look current */
		unsigned long pfn;

		for (pfn = 0; pfn < max_pfn; pfn++)
			mem_map[pfn].check_gen = 0;
		check_gen = 1;
	}
	check_free_lists(listed);
	check_references();
	check_frames(listed);
	vm_check_violations += check_user_counts();   /* RLIMIT_NPROC counts balance */
	check_objects();
	local_irq_restore(flags);
}

void vm_check_report(void)
{
	if (vm_check_enabled)
		printk(KERN_NOTICE "check=vm: %lu system calls checked, %lu violations\n", vm_check_calls,
		       vm_check_violations);
}

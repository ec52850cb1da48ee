/*
 * mm/memory.c - user page tables: building them, filling them on faults, tearing them
 * down.
 *
 * Every user page frame is referenced once per page-table entry that maps it (its
 * count), and every page table once by the directory entry that points to it. Pages
 * are only allocated when touched: anonymous memory starts zero-filled, file-backed
 * areas (exec's segments) get a private copy of the file's bytes. A PROT_NONE page
 * keeps its frame in a not-present entry marked _PAGE_PROTNONE.
 */
#include <asm/page.h>
#include <asm/pgtable.h>
#include <asm/processor.h>
#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/selfdump.h>

/*
 * Page-sized copies and clears, 32 bytes a loop. memcpy and memset use rep movsl and
 * rep stosl: about as fast on a CPU, but an emulator runs those as one translated block
 * per four bytes, and fork and page faults copy and clear whole pages.
 */
static void copy_chunks(void *to, const void *from, unsigned long chunks)
{
	__asm__ __volatile__(
		"1:\n\t"
		"movl 0(%1), %%eax\n\t"  "movl 4(%1), %%edx\n\t"
		"movl %%eax, 0(%0)\n\t"  "movl %%edx, 4(%0)\n\t"
		"movl 8(%1), %%eax\n\t"  "movl 12(%1), %%edx\n\t"
		"movl %%eax, 8(%0)\n\t"  "movl %%edx, 12(%0)\n\t"
		"movl 16(%1), %%eax\n\t" "movl 20(%1), %%edx\n\t"
		"movl %%eax, 16(%0)\n\t" "movl %%edx, 20(%0)\n\t"
		"movl 24(%1), %%eax\n\t" "movl 28(%1), %%edx\n\t"
		"movl %%eax, 24(%0)\n\t" "movl %%edx, 28(%0)\n\t"
		"addl $32, %0\n\t"
		"addl $32, %1\n\t"
		"decl %2\n\t"
		"jnz 1b"
		: "+r"(to), "+r"(from), "+r"(chunks) : : "eax", "edx", "memory", "cc");
}

static void clear_chunks(void *to, unsigned long chunks)
{
	__asm__ __volatile__(
		"1:\n\t"
		"movl $0, 0(%0)\n\t"  "movl $0, 4(%0)\n\t"
		"movl $0, 8(%0)\n\t"  "movl $0, 12(%0)\n\t"
		"movl $0, 16(%0)\n\t" "movl $0, 20(%0)\n\t"
		"movl $0, 24(%0)\n\t" "movl $0, 28(%0)\n\t"
		"addl $32, %0\n\t"
		"decl %1\n\t"
		"jnz 1b"
		: "+r"(to), "+r"(chunks) : : "memory", "cc");
}

static void copy_page(void *to, const void *from) { copy_chunks(to, from, PAGE_SIZE / 32); }
static void clear_page(void *to) { clear_chunks(to, PAGE_SIZE / 32); }

pgd_t *pgd_alloc(void)
{
	struct page *page = alloc_page(PG_PGTABLE);
	pgd_t *pgd;

	if (!page)
		return NULL;
	pgd = page_address(page);
	clear_chunks(pgd, USER_PTRS_PER_PGD * sizeof(pgd_t) / 32);
	/* The kernel half is the same in every address space. */
	copy_chunks(pgd + USER_PTRS_PER_PGD, swapper_pg_dir + USER_PTRS_PER_PGD,
		    (PTRS_PER_PGD - USER_PTRS_PER_PGD) * sizeof(pgd_t) / 32);
	return pgd;
}

void pgd_free(pgd_t *pgd)
{
	put_page(virt_to_page(pgd));
}

pte_t *pte_lookup(struct mm_struct *mm, unsigned long addr)
{
	pgd_t pde = mm->pgd[pgd_index(addr)];

	if (!(pde & _PAGE_PRESENT))
		return NULL;
	return (pte_t *)__va(pde & PTE_PFN_MASK) + pte_index(addr);
}

pte_t *pte_alloc(struct mm_struct *mm, unsigned long addr)
{
	pgd_t *pde = &mm->pgd[pgd_index(addr)];

	if (!(*pde & _PAGE_PRESENT)) {
		struct page *page = alloc_page(PG_PGTABLE);

		if (!page)
			return NULL;
		clear_page(page_address(page));
		/* The directory entry allows everything; the PTEs decide. */
		*pde = page_to_phys(page) | _PAGE_PRESENT | _PAGE_RW | _PAGE_USER;
	}
	return pte_lookup(mm, addr);
}

pte_t vma_pte_bits(unsigned long vm_flags)
{
	if (!(vm_flags & VM_ACCESS))
		return _PAGE_PROTNONE;
	return _PAGE_PRESENT | _PAGE_USER | ((vm_flags & VM_WRITE) ? _PAGE_RW : 0);
}

void flush_tlb_mm(struct mm_struct *mm)
{
	if (mm == current->active_mm)
		__flush_tlb_all();
}

void flush_tlb_page(struct mm_struct *mm, unsigned long addr)
{
	if (mm == current->active_mm)
		__flush_tlb_one(addr);
}

/* Drops every page mapped in [start, end): the entries go, the frames lose a reference. */
void zap_page_range(struct mm_struct *mm, unsigned long start, unsigned long end)
{
	unsigned long addr = start;

	while (addr < end) {
		pte_t *pte = pte_lookup(mm, addr);
		unsigned long next = (addr + PGDIR_SIZE) & ~(PGDIR_SIZE - 1);

		if (!next || next > end)
			next = end;
		if (!pte) {             /* no page table: nothing in this 4 MiB */
			addr = next;
			continue;
		}
		for (; addr < next; addr += PAGE_SIZE, pte++) {
			if (!pte_mapped(*pte))
				continue;
			put_page(pfn_to_page(pte_pfn(*pte)));
			*pte = 0;
			mm->rss--;
		}
	}
	flush_tlb_mm(mm);
}

/* Frees the page tables of [start, end)'s 4 MiB regions that no VMA touches any more. */
void free_pgtables(struct mm_struct *mm, unsigned long start, unsigned long end)
{
	unsigned long i, first = pgd_index(start), last = pgd_index(end - 1);

	if (end <= start)
		return;
	for (i = first; i <= last && i < USER_PTRS_PER_PGD; i++) {
		unsigned long rstart = i << PGDIR_SHIFT, rend = rstart + PGDIR_SIZE;
		struct vm_area_struct *vma = find_vma(mm, rstart);

		if (!(mm->pgd[i] & _PAGE_PRESENT))
			continue;
		if (vma && vma->vm_start < rend)
			continue;   /* still in use */
		zap_page_range(mm, rstart, rend);   /* should find nothing */
		put_page(pfn_to_page(mm->pgd[i] >> PAGE_SHIFT));
		mm->pgd[i] = 0;
	}
	flush_tlb_mm(mm);
}

/* New protection for the pages already present in [start, end). */
void change_protection(struct mm_struct *mm, unsigned long start, unsigned long end,
		       unsigned long vm_flags)
{
	unsigned long addr;

	for (addr = start; addr < end; addr += PAGE_SIZE) {
		pte_t *pte = pte_lookup(mm, addr);
		pte_t bits;

		if (!pte) {
			addr = ((addr + PGDIR_SIZE) & ~(PGDIR_SIZE - 1)) - PAGE_SIZE;
			if (addr + PAGE_SIZE == 0)
				break;
			continue;
		}
		if (!pte_mapped(*pte))
			continue;
		bits = vma_pte_bits(vm_flags);
		/* A private page someone else also maps (the page cache, another mm after
		 * fork) stays read-only: a write must copy it first. */
		if (!(vm_flags & VM_SHARED) && (pfn_to_page(pte_pfn(*pte))->count > 1 ||
						pfn_to_page(pte_pfn(*pte))->kind == PG_CACHE))
			bits &= ~(pte_t)_PAGE_RW;
		*pte = (*pte & PTE_PFN_MASK) | bits;
	}
	flush_tlb_mm(mm);
}

/*
 * fork with cow=0, as xv6 does: the child gets its own copy of a private page at once,
 * with the parent's bits, and the parent's entry is left as it was. Page-cache frames
 * (program text, read-only) are still shared.
 */
static int copy_one_page(struct mm_struct *dst, pte_t *dpte, pte_t spte)
{
	struct page *page = alloc_page(PG_ANON);

	if (!page)
		return -ENOMEM;
	copy_page(page_address(page), page_address(pfn_to_page(pte_pfn(spte))));
	*dpte = page_to_phys(page) | (spte & ~PTE_PFN_MASK);
	dst->rss++;
	return 0;
}

static int do_no_page(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long addr, pte_t *pte);

/*
 * A shared anonymous area (MAP_SHARED | MAP_ANONYMOUS, or /dev/zero mapped shared) is
 * one object for every process that maps it. Linux backs it with a shmem file, where
 * both sides of a fork find a page either touches first later on. Without shmem the
 * area gets all its frames before fork shares them: each page the parent has not
 * touched yet gets its zeroed frame now. The first fork pays for the area's whole
 * size; out of frames, the fork fails with ENOMEM (the frames stay the parent's).
 */
static int populate_shared_anon(struct mm_struct *mm, struct vm_area_struct *vma)
{
	unsigned long addr;

	for (addr = vma->vm_start; addr < vma->vm_end; addr += PAGE_SIZE) {
		pte_t *pte = pte_alloc(mm, addr);

		if (!pte)
			return -ENOMEM;
		if (!pte_mapped(*pte) && do_no_page(mm, vma, addr, pte) != VM_FAULT_OK)
			return -ENOMEM;
	}
	return 0;
}

/*
 * fork: the child maps every frame the parent maps in vma, one more reference each.
 * A private page that could be written (now or after mprotect) loses _PAGE_RW in both
 * tables, so the first write of either side goes through do_wp_page and copies it.
 * Shared mappings keep their bits: both sides write the same frame. The caller flushes
 * the parent's TLB once at the end. With cow=0 private anonymous pages are copied here
 * instead (copy_one_page). On -ENOMEM what was copied stays in dst, counted, for mmput
 * to undo.
 */
noinline int copy_page_range(struct mm_struct *dst, struct mm_struct *src, struct vm_area_struct *vma)
{
	bool private = !(vma->vm_flags & VM_SHARED);
	unsigned long addr = vma->vm_start;

	if (!private && !vma->vm_file && populate_shared_anon(src, vma))
		return -ENOMEM;
	while (addr < vma->vm_end) {
		unsigned long next = (addr + PGDIR_SIZE) & ~(PGDIR_SIZE - 1);
		pte_t *spte = pte_lookup(src, addr), *dpte;

		if (!next || next > vma->vm_end)
			next = vma->vm_end;
		if (!spte) {            /* nothing mapped in this 4 MiB of the parent */
			addr = next;
			continue;
		}
		dpte = NULL;
		for (; addr < next; addr += PAGE_SIZE, spte++) {
			struct page *page;

			if (!pte_mapped(*spte))
				continue;
			if (!dpte) {    /* a child page table only where the parent has pages */
				dpte = pte_alloc(dst, addr);
				if (!dpte)
					return -ENOMEM;
			} else {
				dpte = pte_lookup(dst, addr);
			}
			page = pfn_to_page(pte_pfn(*spte));
			if (private && !fork_cow && page->kind != PG_CACHE) {
				if (copy_one_page(dst, dpte, *spte))
					return -ENOMEM;
				continue;
			}
			if (private)
				*spte &= ~(pte_t)_PAGE_RW;
			*dpte = *spte;
			get_page(page);
			dst->rss++;
		}
	}
	return 0;
}

/* Fills a new page for addr in vma: file bytes where the area has them, zeros after. */
static void fill_page(struct vm_area_struct *vma, unsigned long addr, void *kaddr)
{
	unsigned long copied = 0;

	if (vma->vm_file && addr < vma->vm_file_end) {
		struct inode *inode = vma->vm_file->f_inode;
		unsigned long off = vma->vm_pgoff * PAGE_SIZE + (addr - vma->vm_start);
		unsigned long n = min(PAGE_SIZE, vma->vm_file_end - addr);

		if ((loff_t)off < inode->i_size) {
			struct page *page = find_get_page(inode, off >> PAGE_SHIFT);

			copied = (unsigned long)min((loff_t)n, inode->i_size - (loff_t)off);
			if (page)
				memcpy(kaddr, page_address(page), copied);
			else
				memset(kaddr, 0, copied);   /* a hole */
		}
	}
	if (copied)
		memset((char *)kaddr + copied, 0, PAGE_SIZE - copied);
	else
		clear_page(kaddr);
}

static noinline int do_no_page(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long addr,
			       pte_t *pte)
{
	struct page *page;

	/* Past the end of the file a mapping has no page: SIGBUS, as on Linux. Shared
	 * file mappings map the page-cache frame itself, writable if the area is;
	 * read-only private ones too (program text). */
	if (vma->vm_file) {
		unsigned long index = vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT);

		if ((loff_t)index << PAGE_SHIFT >= vma->vm_file->f_inode->i_size && addr < vma->vm_file_end)
			return VM_FAULT_SIGBUS;
	}
	if (vma->vm_file && ((vma->vm_flags & VM_SHARED) || !(vma->vm_flags & VM_WRITE))) {
		unsigned long index = vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT);

		page = find_or_read_page(vma->vm_file->f_inode, index);
		if (page) {
			get_page(page);
			*pte = page_to_phys(page) | vma_pte_bits(vma->vm_flags);
			mm->rss++;
			return VM_FAULT_OK;
		}
		if (vma->vm_flags & VM_SHARED)
			return VM_FAULT_OOM;
	}
	page = alloc_page(PG_ANON);

	if (!page)
		return VM_FAULT_OOM;
	fill_page(vma, addr, page_address(page));
	*pte = page_to_phys(page) | vma_pte_bits(vma->vm_flags);
	mm->rss++;
	return VM_FAULT_OK;
}

/*
 * Copy-on-write: a write to a private page whose frame others share (a page-cache page
 * of a file, after mprotect made its private mapping writable; after fork, anonymous
 * pages shared between parent and child: copy_page_range). The writer gets its own copy.
 */
static noinline int do_cow_page(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long addr,
				pte_t *pte, struct page *old)
{
	struct page *page = alloc_page(PG_ANON);

	if (!page)
		return VM_FAULT_OOM;
	copy_page(page_address(page), page_address(old));
	*pte = page_to_phys(page) | vma_pte_bits(vma->vm_flags);
	put_page(old);
	flush_tlb_page(mm, addr);
	return VM_FAULT_OK;
}

static noinline int do_wp_page(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long addr,
			       pte_t *pte)
{
	struct page *page = pfn_to_page(pte_pfn(*pte));

	/* Ours alone, or a shared mapping (anonymous or of a file): just allow the write. */
	if ((page->kind == PG_ANON && page->count == 1) || (vma->vm_flags & VM_SHARED)) {
		*pte |= _PAGE_RW;
		flush_tlb_page(mm, addr);
		return VM_FAULT_OK;
	}
	return do_cow_page(mm, vma, addr, pte, page);
}

/* The access was checked against vma's permissions; make the page present. */
noinline int handle_mm_fault(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long addr,
			     bool write)
{
	pte_t *pte;

	addr &= PAGE_MASK;
	pte = pte_alloc(mm, addr);
	if (!pte)
		return VM_FAULT_OOM;
	if (!pte_mapped(*pte))
		return do_no_page(mm, vma, addr, pte);
	if (!pte_present(*pte)) {
		/* PROT_NONE page in an area that allows access again; a private frame
		 * that others map too (fork, page cache) stays read-only: copy on write. */
		struct page *page = pfn_to_page(pte_pfn(*pte));
		pte_t bits = vma_pte_bits(vma->vm_flags);

		if (!(vma->vm_flags & VM_SHARED) && (page->count > 1 || page->kind == PG_CACHE))
			bits &= ~(pte_t)_PAGE_RW;
		*pte = (*pte & PTE_PFN_MASK) | bits;
		flush_tlb_page(mm, addr);
		return VM_FAULT_OK;
	}
	if (write && !(*pte & _PAGE_RW)) {
		int fault = do_wp_page(mm, vma, addr, pte);

		selfdump_cow(fault);   /* the cow stop point */
		return fault;
	}
	flush_tlb_page(mm, addr);   /* a stale TLB entry: nothing to change */
	return VM_FAULT_OK;
}

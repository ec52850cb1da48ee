/*
 * mm/mmap.c - the areas of a user address space: mmap2, munmap, mprotect, brk, and
 * stack growth.
 *
 * VMAs are kept on a list sorted by address (like Linux 2.6's mm->mmap), page aligned
 * and never overlapping. Mapping only records the area; pages come on first touch
 * (mm/memory.c). Unmapping splits areas at the range's ends and drops their pages.
 */
#include <asm/page.h>
#include <asm/uaccess.h>
#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/syscalls.h>

extern struct kmem_cache *vm_area_cachep;

#define PROT_READ  0x1
#define PROT_WRITE 0x2
#define PROT_EXEC  0x4

#define MAP_SHARED    0x01
#define MAP_PRIVATE   0x02
#define MAP_TYPE      0x0f
#define MAP_FIXED     0x10
#define MAP_ANONYMOUS 0x20

/* Below the stack, room for it to grow to its limit (and a gap) is kept free. */
#define MMAP_END (STACK_TOP - STACK_RLIMIT - STACK_GAP_PAGES * PAGE_SIZE)

struct vm_area_struct *vma_alloc(void)
{
	return kmem_cache_alloc(vm_area_cachep);
}

void vma_free(struct vm_area_struct *vma)
{
	if (vma->vm_file)
		fput(vma->vm_file);
	kmem_cache_free(vm_area_cachep, vma);
}

/* The first VMA that ends above addr (it may start above addr too), or NULL. */
struct vm_area_struct *find_vma(struct mm_struct *mm, unsigned long addr)
{
	struct vm_area_struct *vma = mm->mmap_cache;

	if (vma && vma->vm_start <= addr && addr < vma->vm_end)
		return vma;
	for (vma = mm->mmap; vma; vma = vma->vm_next)
		if (vma->vm_end > addr) {
			mm->mmap_cache = vma;
			return vma;
		}
	return NULL;
}

struct vm_area_struct *find_vma_prev(struct mm_struct *mm, unsigned long addr,
				     struct vm_area_struct **pprev)
{
	struct vm_area_struct *vma, *prev = NULL;

	for (vma = mm->mmap; vma && vma->vm_end <= addr; vma = vma->vm_next)
		prev = vma;
	*pprev = prev;
	return vma;
}

static unsigned long vma_pages(const struct vm_area_struct *vma)
{
	return (vma->vm_end - vma->vm_start) >> PAGE_SHIFT;
}

int insert_vm_struct(struct mm_struct *mm, struct vm_area_struct *vma)
{
	struct vm_area_struct *prev, *next = find_vma_prev(mm, vma->vm_start, &prev);

	if (next && next->vm_start < vma->vm_end)
		return -EINVAL;
	vma->vm_mm = mm;
	vma->vm_next = next;
	if (prev)
		prev->vm_next = vma;
	else
		mm->mmap = vma;
	mm->map_count++;
	mm->total_vm += vma_pages(vma);
	return 0;
}

static void unlink_vma(struct mm_struct *mm, struct vm_area_struct *vma, struct vm_area_struct *prev)
{
	if (prev)
		prev->vm_next = vma->vm_next;
	else
		mm->mmap = vma->vm_next;
	if (mm->mmap_cache == vma)
		mm->mmap_cache = NULL;
	mm->map_count--;
	mm->total_vm -= vma_pages(vma);
}

/* Splits vma at addr (inside it): vma keeps [start, addr), a new VMA gets the rest. */
static int split_vma(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long addr)
{
	struct vm_area_struct *n = vma_alloc();

	if (!n)
		return -ENOMEM;
	*n = *vma;
	n->vm_start = addr;
	n->vm_pgoff = vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT);
	if (n->vm_file)
		get_file(n->vm_file);
	vma->vm_end = addr;
	vma->vm_next = n;
	mm->map_count++;
	if (mm->mmap_cache == vma)
		mm->mmap_cache = NULL;
	return 0;
}

int do_munmap(struct mm_struct *mm, unsigned long start, unsigned long len)
{
	struct vm_area_struct *vma, *prev, *next;
	unsigned long end;

	if ((start & ~PAGE_MASK) || start >= TASK_SIZE || len > TASK_SIZE - start)
		return -EINVAL;
	len = PAGE_ALIGN(len);
	if (!len)
		return -EINVAL;
	end = start + len;

	vma = find_vma_prev(mm, start, &prev);
	if (!vma || vma->vm_start >= end)
		return 0;
	/* Cut the areas at both ends of the range first: nothing is lost if that fails. */
	if (vma->vm_start < start) {
		if (split_vma(mm, vma, start))
			return -ENOMEM;
		prev = vma;
		vma = vma->vm_next;
	}
	for (next = vma; next && next->vm_start < end; next = next->vm_next)
		if (next->vm_end > end) {
			if (split_vma(mm, next, end))
				return -ENOMEM;
			break;
		}
	while (vma && vma->vm_start < end) {
		next = vma->vm_next;
		unlink_vma(mm, vma, prev);
		zap_page_range(mm, vma->vm_start, vma->vm_end);
		vma_free(vma);
		vma = next;
	}
	free_pgtables(mm, start, end);
	return 0;
}

/* Room for len bytes: at the hint if it is free, else the first gap from mmap_base. */
static unsigned long get_unmapped_area(struct mm_struct *mm, unsigned long addr, unsigned long len)
{
	struct vm_area_struct *vma;

	if (len > MMAP_END)
		return (unsigned long)-ENOMEM;
	if (addr) {
		addr = PAGE_ALIGN(addr);
		vma = find_vma(mm, addr);
		if (addr >= PAGE_SIZE && addr <= MMAP_END - len && (!vma || addr + len <= vma->vm_start))
			return addr;
	}
	addr = mm->mmap_base;
	for (vma = find_vma(mm, addr); ; vma = vma->vm_next) {
		if (addr > MMAP_END - len)
			return (unsigned long)-ENOMEM;
		if (!vma || addr + len <= vma->vm_start)
			return addr;
		addr = vma->vm_end;
	}
}

unsigned long do_mmap(struct mm_struct *mm, struct file *file, unsigned long addr,
		      unsigned long len, unsigned long vm_flags, bool fixed,
		      unsigned long pgoff, unsigned long file_end)
{
	struct vm_area_struct *vma;
	int err;

	len = PAGE_ALIGN(len);
	if (!len)
		return (unsigned long)-ENOMEM;
	if (fixed) {
		if ((addr & ~PAGE_MASK) || addr > TASK_SIZE - len)
			return (unsigned long)-EINVAL;
	} else {
		addr = get_unmapped_area(mm, addr, len);
		if (IS_ERR_VALUE(addr))
			return addr;
	}
	vma = vma_alloc();
	if (!vma)
		return (unsigned long)-ENOMEM;
	if (fixed) {
		err = do_munmap(mm, addr, len);
		if (err) {
			vma_free(vma);
			return (unsigned long)err;
		}
	}
	vma->vm_start = addr;
	vma->vm_end = addr + len;
	vma->vm_flags = vm_flags;
	vma->vm_pgoff = pgoff;
	vma->vm_file = file ? get_file(file) : NULL;
	vma->vm_file_end = file ? file_end : 0;
	err = insert_vm_struct(mm, vma);
	if (err) {
		vma_free(vma);
		return (unsigned long)err;
	}
	return addr;
}

static unsigned long prot_to_vm(unsigned long prot)
{
	return (prot & (PROT_READ | PROT_WRITE | PROT_EXEC)) | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
}

long sys_mmap2(unsigned long addr, unsigned long len, unsigned long prot,
	       unsigned long flags, unsigned long fd, unsigned long pgoff)
{
	struct mm_struct *mm = current->mm;
	struct file *file = NULL;
	unsigned long vm_flags, file_end = 0;

	if (!len || (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC)))
		return -EINVAL;
	if ((flags & MAP_TYPE) != MAP_SHARED && (flags & MAP_TYPE) != MAP_PRIVATE)
		return -EINVAL;
	if ((flags & MAP_FIXED) && (addr & ~PAGE_MASK))
		return -EINVAL;
	if (len > TASK_SIZE)
		return -ENOMEM;
	vm_flags = prot_to_vm(prot);
	if ((flags & MAP_TYPE) == MAP_SHARED)
		vm_flags |= VM_SHARED | VM_MAYSHARE;

	if (!(flags & MAP_ANONYMOUS)) {
		/* A private mapping gets copies of the file's pages on write; a shared one
		 * maps the page cache itself, and writing it needs the file open for
		 * writing (and not for appending only), as on Linux. */
		file = fget((int)fd);
		if (!file)
			return -EBADF;
		if (!file->f_op->mmap &&
		    (!file->f_inode || !S_ISREG(file->f_inode->i_mode) || file->f_op != &ramfs_file_operations))
			return -ENODEV;       /* pipes, the console, /proc: no pages to map */
		if (!(file->f_mode & FMODE_READ))
			return -EACCES;
		if (vm_flags & VM_SHARED) {
			if ((prot & PROT_WRITE) && (!(file->f_mode & FMODE_WRITE) || (file->f_flags & O_APPEND)))
				return -EACCES;
			if (!(file->f_mode & FMODE_WRITE))
				vm_flags &= ~(unsigned long)(VM_MAYWRITE | VM_MAYSHARE);
		}
		if (file->f_op->mmap) {   /* /dev/zero: anonymous memory, private or shared */
			int err = file->f_op->mmap(file);

			if (err)
				return err;
			return (long)do_mmap(mm, NULL, addr, len, vm_flags, flags & MAP_FIXED, 0, 0);
		}
		if (pgoff > (0xffffffffUL >> PAGE_SHIFT) - (PAGE_ALIGN(len) >> PAGE_SHIFT))
			return -EOVERFLOW;
		file_end = (unsigned long)-1;            /* fixed below from the address */
	} else {
		pgoff = 0;
	}
	addr = do_mmap(mm, file, addr, len, vm_flags, flags & MAP_FIXED, pgoff, file_end);
	if (file && !IS_ERR_VALUE(addr))
		find_vma(mm, addr)->vm_file_end = addr + PAGE_ALIGN(len);
	return (long)addr;
}

long sys_munmap(unsigned long addr, unsigned long len)
{
	return do_munmap(current->mm, addr, len);
}

long sys_mprotect(unsigned long start, unsigned long len, unsigned long prot)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma, *prev;
	unsigned long end, addr;

	if ((start & ~PAGE_MASK) || (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC)))
		return -EINVAL;
	if (!len)
		return 0;
	if (start >= TASK_SIZE || len > TASK_SIZE - start)
		return -ENOMEM;
	end = start + PAGE_ALIGN(len);

	/* The whole range must be mapped, without holes. */
	vma = find_vma_prev(mm, start, &prev);
	if (!vma || vma->vm_start > start)
		return -ENOMEM;
	for (addr = start; vma && vma->vm_start <= addr && addr < end; vma = vma->vm_next)
		addr = vma->vm_end;
	if (addr < end)
		return -ENOMEM;

	/* A shared mapping of a file opened read-only can never be made writable. */
	for (vma = find_vma(mm, start); (prot & PROT_WRITE) && vma && vma->vm_start < end; vma = vma->vm_next)
		if (!(vma->vm_flags & VM_MAYWRITE))
			return -EACCES;
	vma = find_vma(mm, start);
	if (vma->vm_start < start) {
		if (split_vma(mm, vma, start))
			return -ENOMEM;
		vma = vma->vm_next;
	}
	for (; vma && vma->vm_start < end; vma = vma->vm_next) {
		if (vma->vm_end > end && split_vma(mm, vma, end))
			return -ENOMEM;
		vma->vm_flags = (vma->vm_flags & ~(unsigned long)VM_ACCESS) | (prot & VM_ACCESS);
		change_protection(mm, vma->vm_start, vma->vm_end, vma->vm_flags);
	}
	return 0;
}

/* Grows the heap area ending at oldbrk (or creates it) to newbrk. */
static int do_brk(struct mm_struct *mm, unsigned long oldbrk, unsigned long newbrk)
{
	struct vm_area_struct *prev, *vma = find_vma_prev(mm, oldbrk, &prev);
	unsigned long flags = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;

	if (vma && vma->vm_start < newbrk + STACK_GAP_PAGES * PAGE_SIZE &&
	    (vma->vm_flags & VM_GROWSDOWN))
		return -ENOMEM;
	if (vma && vma->vm_start < newbrk)
		return -ENOMEM;
	if (newbrk > MMAP_END)
		return -ENOMEM;
	if (prev && prev->vm_end == oldbrk && prev->vm_flags == flags && !prev->vm_file &&
	    oldbrk > mm->start_brk) {
		prev->vm_end = newbrk;
		mm->total_vm += (newbrk - oldbrk) >> PAGE_SHIFT;
		return 0;
	}
	return IS_ERR_VALUE(do_mmap(mm, NULL, oldbrk, newbrk - oldbrk, flags, true, 0, 0)) ? -ENOMEM : 0;
}

/* Linux's brk: returns the new break, or the old one when it cannot move. */
long sys_brk(unsigned long brk)
{
	struct mm_struct *mm = current->mm;
	unsigned long newbrk, oldbrk;

	if (brk < mm->start_brk || brk >= TASK_SIZE)
		return (long)mm->brk;
	newbrk = PAGE_ALIGN(brk);
	oldbrk = PAGE_ALIGN(mm->brk);
	if (newbrk == oldbrk) {
		mm->brk = brk;
		return (long)brk;
	}
	if (brk < mm->brk) {
		if (do_munmap(mm, newbrk, oldbrk - newbrk))
			return (long)mm->brk;
		mm->brk = brk;
		return (long)brk;
	}
	if (do_brk(mm, oldbrk, newbrk))
		return (long)mm->brk;
	mm->brk = brk;
	return (long)brk;
}

/* A fault just below a stack area: grow it down to addr, within the stack limit. */
int expand_stack(struct vm_area_struct *vma, unsigned long addr)
{
	struct vm_area_struct *prev;
	struct mm_struct *mm = vma->vm_mm;

	addr &= PAGE_MASK;
	if (vma->vm_end - addr > STACK_RLIMIT || vma->vm_end - addr > rlimit(RLIMIT_STACK))
		return -ENOMEM;
	find_vma_prev(mm, addr, &prev);
	if (prev && prev->vm_end > addr - STACK_GAP_PAGES * PAGE_SIZE && prev != vma)
		return -ENOMEM;
	mm->total_vm += (vma->vm_start - addr) >> PAGE_SHIFT;
	vma->vm_start = addr;
	return 0;
}

/* Everything goes: pages, areas, page tables (the directory stays with the mm). */
void exit_mmap(struct mm_struct *mm)
{
	struct vm_area_struct *vma = mm->mmap, *next;

	while (vma) {
		next = vma->vm_next;
		zap_page_range(mm, vma->vm_start, vma->vm_end);
		vma_free(vma);
		vma = next;
	}
	mm->mmap = NULL;
	mm->mmap_cache = NULL;
	mm->map_count = 0;
	mm->total_vm = 0;
	free_pgtables(mm, 0, TASK_SIZE);
}

/* ---- madvise ---- */

#define MADV_NORMAL       0
#define MADV_RANDOM       1
#define MADV_SEQUENTIAL   2
#define MADV_WILLNEED     3
#define MADV_DONTNEED     4
#define MADV_FREE         8
#define MADV_REMOVE       9
#define MADV_DONTFORK     10
#define MADV_DOFORK       11
#define MADV_DONTDUMP     16
#define MADV_DODUMP       17
#define MADV_WIPEONFORK   18
#define MADV_KEEPONFORK   19
#define MADV_COLD         20
#define MADV_PAGEOUT      21

/* One VMA's part [start, end) of a madvise range. */
static int madvise_vma(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long start,
		       unsigned long end, int behavior)
{
	bool anon_private = !vma->vm_file && !(vma->vm_flags & VM_SHARED);

	switch (behavior) {
	case MADV_DONTNEED:
		/* A private page goes: the next touch gets zeros (anonymous) or the
		 * file's bytes again. A shared anonymous page has no other home here (Linux
		 * keeps it in shmem, so its contents survive): it stays mapped, which reads
		 * the same as Linux. */
		if (!(vma->vm_flags & VM_SHARED))
			zap_page_range(mm, start, end);
		return 0;
	case MADV_FREE:
		/* "May be freed later": without memory pressure Linux keeps the pages too. */
		return anon_private ? 0 : -EINVAL;
	case MADV_REMOVE:
		/* Punching holes needs a file system with holes (shmem, tmpfs). */
		return -EINVAL;
	case MADV_WIPEONFORK:
	case MADV_KEEPONFORK:
		if (!anon_private)
			return -EINVAL;
		/* fall through */
	case MADV_DONTFORK:
	case MADV_DOFORK: {
		unsigned long flag = (behavior == MADV_DONTFORK || behavior == MADV_DOFORK) ?
				     VM_DONTCOPY : VM_WIPEONFORK;
		bool set = behavior == MADV_DONTFORK || behavior == MADV_WIPEONFORK;

		if (vma->vm_start < start && split_vma(mm, vma, start))
			return -ENOMEM;
		if (vma->vm_start < start)
			vma = vma->vm_next;
		if (vma->vm_end > end && split_vma(mm, vma, end))
			return -ENOMEM;
		vma->vm_flags = set ? vma->vm_flags | flag : vma->vm_flags & ~flag;
		return 0;
	}
	}
	/* NORMAL, RANDOM, SEQUENTIAL, WILLNEED, COLD, PAGEOUT: read-ahead and reclaim
	 * hints, with nothing to read ahead or reclaim here; DONTDUMP, DODUMP: there are
	 * no core dumps. */
	return 0;
}

static bool madvise_behavior_valid(int behavior)
{
	switch (behavior) {
	case MADV_NORMAL: case MADV_RANDOM: case MADV_SEQUENTIAL: case MADV_WILLNEED:
	case MADV_DONTNEED: case MADV_FREE: case MADV_REMOVE: case MADV_DONTFORK:
	case MADV_DOFORK: case MADV_DONTDUMP: case MADV_DODUMP: case MADV_WIPEONFORK:
	case MADV_KEEPONFORK: case MADV_COLD: case MADV_PAGEOUT:
		return true;
	}
	/* KSM (MERGEABLE), transparent huge pages, POPULATE_*, HWPOISON: as a Linux built
	 * without them, -EINVAL. */
	return false;
}

/*
 * Linux's checks and order: the behaviour, the alignment, an empty range is 0. Each
 * mapped part of the range gets the advice; a hole anywhere makes the result -ENOMEM
 * (after the mapped parts got it).
 */
long sys_madvise(unsigned long start, size_t len_in, int behavior)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	unsigned long end, len, addr;
	int err, unmapped_error = 0;

	if (!madvise_behavior_valid(behavior))
		return -EINVAL;
	if (start & ~PAGE_MASK)
		return -EINVAL;
	len = PAGE_ALIGN(len_in);
	if (len_in && !len)
		return -EINVAL;
	end = start + len;
	if (end < start)
		return -EINVAL;
	if (end == start)
		return 0;
	for (addr = start; addr < end; ) {
		vma = find_vma(mm, addr);
		if (!vma || vma->vm_start >= end)
			return -ENOMEM;
		if (vma->vm_start > addr) {
			unmapped_error = -ENOMEM;
			addr = vma->vm_start;
		}
		{
			unsigned long part_end = min(end, vma->vm_end);

			err = madvise_vma(mm, vma, addr, part_end, behavior);
			if (err)
				return err;
			addr = part_end;
		}
	}
	return unmapped_error;
}

/* ---- mremap ---- */

#define MREMAP_MAYMOVE   1
#define MREMAP_FIXED     2
#define MREMAP_DONTUNMAP 4

/* Moves the pages of [old_addr, old_addr + len) to new_addr: entries move, frames keep
 * their counts. The page tables at the destination exist already (move_vma). */
static void move_page_tables(struct mm_struct *mm, unsigned long old_addr,
			     unsigned long new_addr, unsigned long len)
{
	unsigned long off;

	for (off = 0; off < len; off += PAGE_SIZE) {
		pte_t *src = pte_lookup(mm, old_addr + off), *dst;

		if (!src || !pte_mapped(*src))
			continue;
		dst = pte_lookup(mm, new_addr + off);
		*dst = *src;
		*src = 0;
	}
	flush_tlb_mm(mm);
}

/*
 * vma is exactly [old_addr, old_addr + old_len) (the caller split it so). A new VMA
 * of new_len at new_addr takes its pages and its file. Everything that can fail (the
 * new VMA, the destination's page tables) happens before anything moves.
 */
static unsigned long move_vma(struct mm_struct *mm, struct vm_area_struct *vma,
			      unsigned long old_len, unsigned long new_len, unsigned long new_addr)
{
	unsigned long old_addr = vma->vm_start, off;
	struct vm_area_struct *new = vma_alloc(), *prev;

	if (!new)
		return (unsigned long)-ENOMEM;
	for (off = 0; off < old_len; off += PAGE_SIZE) {
		pte_t *src = pte_lookup(mm, old_addr + off);

		if (src && pte_mapped(*src) && !pte_alloc(mm, new_addr + off)) {
			free_pgtables(mm, new_addr, new_addr + new_len);
			vma_free(new);
			return (unsigned long)-ENOMEM;
		}
	}
	move_page_tables(mm, old_addr, new_addr, old_len);
	*new = *vma;
	new->vm_start = new_addr;
	new->vm_end = new_addr + new_len;
	new->vm_next = NULL;
	/* A mapping that is file all through (mmap) stays so as it grows, as Linux maps
	 * more of the file; one whose file bytes end inside it (a segment and its bss)
	 * keeps them ending at the same offset. */
	if (vma->vm_file)
		new->vm_file_end = vma->vm_file_end >= vma->vm_end ? new_addr + new_len :
				   vma->vm_file_end <= old_addr ? new_addr :
				   new_addr + min(vma->vm_file_end - old_addr, new_len);
	vma->vm_file = NULL;   /* the new VMA has its reference */
	find_vma_prev(mm, old_addr, &prev);
	unlink_vma(mm, vma, prev);
	vma_free(vma);
	insert_vm_struct(mm, new);   /* the range was checked free */
	free_pgtables(mm, old_addr, old_addr + old_len);
	return new_addr;
}

/* Can vma (ending at addr + old_len) grow to addr + new_len where it is? */
static bool vma_expandable(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long addr,
			   unsigned long new_len)
{
	unsigned long end = addr + new_len;

	(void)mm;
	if (end < addr || end > MMAP_END)
		return false;
	return !vma->vm_next || vma->vm_next->vm_start >= end;
}

/*
 * Linux's mremap, in its order: flags, alignment, a shrink (the tail is unmapped, even
 * where nothing is mapped), then the old range must lie within one VMA (-EFAULT), a
 * grow in place where the VMA can extend, else with MREMAP_MAYMOVE a move to a free
 * range or, with MREMAP_FIXED, to new_addr (what was there is unmapped first).
 * MREMAP_DONTUNMAP (Linux 5.7) and old_len 0 (a second mapping of shared memory) are
 * -EINVAL here.
 */
long sys_mremap(unsigned long addr, unsigned long old_len, unsigned long new_len,
		unsigned long flags, unsigned long new_addr)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	unsigned long ret;

	if (flags & ~(MREMAP_FIXED | MREMAP_MAYMOVE))
		return -EINVAL;
	if ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE))
		return -EINVAL;
	if (addr & ~PAGE_MASK)
		return -EINVAL;
	old_len = PAGE_ALIGN(old_len);
	new_len = PAGE_ALIGN(new_len);
	if (!new_len || !old_len)
		return -EINVAL;
	if (addr >= TASK_SIZE || old_len > TASK_SIZE - addr)
		return -EINVAL;

	if (flags & MREMAP_FIXED) {
		if ((new_addr & ~PAGE_MASK) || new_len > TASK_SIZE || new_addr > TASK_SIZE - new_len)
			return -EINVAL;
		/* The two ranges may not overlap. */
		if (addr + old_len > new_addr && new_addr + new_len > addr)
			return -EINVAL;
		vma = find_vma(mm, addr);
		if (!vma || vma->vm_start > addr || old_len > vma->vm_end - addr)
			return -EFAULT;
		ret = (unsigned long)do_munmap(mm, new_addr, new_len);
		if (ret)
			return (long)ret;
		if (old_len > new_len) {
			ret = (unsigned long)do_munmap(mm, addr + new_len, old_len - new_len);
			if (ret)
				return (long)ret;
			old_len = new_len;
		}
		goto move;
	}

	if (old_len >= new_len) {
		if (old_len > new_len) {
			ret = (unsigned long)do_munmap(mm, addr + new_len, old_len - new_len);
			if (ret)
				return (long)ret;
		}
		return (long)addr;
	}

	vma = find_vma(mm, addr);
	if (!vma || vma->vm_start > addr || old_len > vma->vm_end - addr)
		return -EFAULT;
	if (addr + old_len == vma->vm_end && vma_expandable(mm, vma, addr, new_len)) {
		mm->total_vm += (new_len - old_len) >> PAGE_SHIFT;
		if (vma->vm_file && vma->vm_file_end >= vma->vm_end)
			vma->vm_file_end = addr + new_len;
		vma->vm_end = addr + new_len;
		return (long)addr;
	}
	if (!(flags & MREMAP_MAYMOVE))
		return -ENOMEM;
	new_addr = get_unmapped_area(mm, 0, new_len);
	if (IS_ERR_VALUE(new_addr))
		return (long)new_addr;

move:
	/* Cut the old range out of its VMA so that it moves alone. */
	vma = find_vma(mm, addr);
	if (vma->vm_start < addr) {
		if (split_vma(mm, vma, addr))
			return -ENOMEM;
		vma = vma->vm_next;
	}
	if (vma->vm_end > addr + old_len && split_vma(mm, vma, addr + old_len))
		return -ENOMEM;
	return (long)move_vma(mm, vma, old_len, new_len, new_addr);
}

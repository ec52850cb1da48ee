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
		if (!file->f_inode || !S_ISREG(file->f_inode->i_mode) || file->f_op != &ramfs_file_operations)
			return -ENODEV;       /* pipes, the console, /proc: no pages to map */
		if (!(file->f_mode & FMODE_READ))
			return -EACCES;
		if (vm_flags & VM_SHARED) {
			if ((prot & PROT_WRITE) && (!(file->f_mode & FMODE_WRITE) || (file->f_flags & O_APPEND)))
				return -EACCES;
			if (!(file->f_mode & FMODE_WRITE))
				vm_flags &= ~(unsigned long)(VM_MAYWRITE | VM_MAYSHARE);
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

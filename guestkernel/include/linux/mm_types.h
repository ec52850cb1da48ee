#ifndef _LINUX_MM_TYPES_H
#define _LINUX_MM_TYPES_H

#include <asm/pgtable.h>
#include <linux/list.h>
#include <linux/types.h>

/*
 * One descriptor per physical page frame, in mem_map[pfn]. The owner kind says who
 * holds the frame; count says how many references exist. For user pages the references
 * are page-table entries, for page tables the entry in the page directory (or the mm
 * for the directory itself), for kernel pages the one kernel object that owns them.
 * mm/check.c (check=vm) recomputes every count from those owners.
 */
enum page_kind {
	PG_FREE,        /* on a buddy free list (or inside a free block) */
	PG_RESERVED,    /* never allocatable: firmware holes, kernel image, mem_map, boot info */
	PG_KERNEL,      /* kernel memory: slab pages, kernel stacks, pipe buffers */
	PG_PGTABLE,     /* page directories and page tables of user address spaces */
	PG_ANON,        /* user memory: anonymous pages and private copies of file data */
	PG_CACHE,       /* file data: the initramfs archive the files live in */
	NR_PAGE_KINDS
};

/* page->flags */
#define PG_head  0x01   /* first frame of an allocated block (order in page->order) */
#define PG_buddy 0x02   /* first frame of a free block on free_area[page->order] */
#define PG_slab  0x04   /* owned by a kmem_cache (page->slab_cache) */

struct kmem_cache;

struct page {
#ifdef FORKSCOPE_LAYOUT_TEST
	u32 layout_test;             /* kernel-layout-test.elf: every offset moves */
#endif
	u8 kind;
	u8 order;
	u16 flags;
	int count;
	struct list_head lru;        /* buddy free list, or the cache's slab list */
	struct kmem_cache *slab_cache;
	void *freelist;              /* slab: first free object */
	u16 inuse;                   /* slab: objects handed out */
	u16 check_gen;               /* mm/check.c scratch: which check counted ... */
	u32 check_refs;              /* ... these references */
};

/* vm_area_struct.vm_flags; the low four match PROT_* / Linux's VM_*. */
#define VM_READ       0x0001
#define VM_WRITE      0x0002
#define VM_EXEC       0x0004
#define VM_SHARED     0x0008
#define VM_MAYREAD    0x0010
#define VM_MAYWRITE   0x0020
#define VM_MAYEXEC    0x0040
#define VM_MAYSHARE   0x0080
#define VM_GROWSDOWN  0x0100    /* the stack: faults just below it extend it */
#define VM_EXECUTABLE 0x1000    /* exec's mapping of the program: writing the file: ETXTBSY */
#define VM_DONTCOPY   0x00020000   /* madvise(MADV_DONTFORK): fork leaves it out */
#define VM_WIPEONFORK 0x02000000   /* madvise(MADV_WIPEONFORK): the child's starts zeroed */
#define VM_ACCESS     (VM_READ | VM_WRITE | VM_EXEC)

struct file;
struct mm_struct;

/*
 * A user memory area [vm_start, vm_end), page aligned, on the mm's address-sorted list.
 * File-backed areas (exec's PT_LOAD segments, private file mappings) get their pages
 * copied from vm_file on first touch: file offset vm_pgoff * PAGE_SIZE at vm_start, and
 * bytes at or above vm_file_end read as zero (the end of p_filesz; bss follows).
 */
struct vm_area_struct {
	struct mm_struct *vm_mm;
	unsigned long vm_start, vm_end;
	struct vm_area_struct *vm_next;
	unsigned long vm_flags;
	struct file *vm_file;
	unsigned long vm_pgoff;
	unsigned long vm_file_end;
};

struct mm_struct {
#ifdef FORKSCOPE_LAYOUT_TEST
	unsigned long layout_test;          /* kernel-layout-test.elf: every offset moves */
#endif
	struct vm_area_struct *mmap;        /* VMAs, sorted by address */
	struct vm_area_struct *mmap_cache;  /* last find_vma result */
	pgd_t *pgd;
	int mm_users;                       /* tasks using it as their mm */
	int mm_count;                       /* references to the struct (users count as one) */
	int map_count;                      /* VMAs */
	struct list_head mmlist;            /* all mms, for check=vm */
	unsigned long mmap_base;            /* where mmap starts looking for room */
	unsigned long start_code, end_code, start_data, end_data;
	unsigned long start_brk, brk, start_stack;
	unsigned long arg_start, arg_end, env_start, env_end;
	unsigned long total_vm;             /* pages covered by VMAs */
	unsigned long rss;                  /* user pages mapped */
};

#endif

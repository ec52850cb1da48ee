#ifndef _LINUX_MM_H
#define _LINUX_MM_H

#include <asm/page.h>
#include <asm/pgtable.h>
#include <linux/mm_types.h>

/* ---- mm/page_alloc.c: physical page frames ---- */

#define MAX_ORDER 11                 /* blocks of 1 .. 1024 pages */
#define MAX_LOW_PFN (0x38000000UL >> PAGE_SHIFT)   /* 896 MiB of direct-mapped RAM */

extern struct page *mem_map;
extern unsigned long max_pfn;         /* one past the last direct-mapped frame */
extern unsigned long totalram_pages;  /* frames the allocator manages (free or used) */
extern unsigned long nr_free_pages;
extern unsigned long nr_kind_pages[NR_PAGE_KINDS];

struct free_area {
	struct list_head free_list;
	unsigned long nr_free;           /* blocks */
};
extern struct free_area free_area[MAX_ORDER];

static inline unsigned long page_to_pfn(const struct page *p) { return (unsigned long)(p - mem_map); }
static inline struct page *pfn_to_page(unsigned long pfn) { return mem_map + pfn; }
static inline bool pfn_valid(unsigned long pfn) { return pfn < max_pfn; }
static inline unsigned long page_to_phys(const struct page *p) { return page_to_pfn(p) << PAGE_SHIFT; }
static inline void *page_address(const struct page *p) { return __va(page_to_phys(p)); }
static inline struct page *virt_to_page(const void *v) { return pfn_to_page(__pa(v) >> PAGE_SHIFT); }

void mem_init(void);                 /* after paging_init: mem_map, free lists, summary line */

/* Returns NULL when no block of that order is free. Every frame of the block gets
 * count 1 and the given kind. */
struct page *alloc_pages(enum page_kind kind, unsigned int order);
void __free_pages(struct page *page, unsigned int order);
static inline struct page *alloc_page(enum page_kind kind) { return alloc_pages(kind, 0); }
static inline void __free_page(struct page *page) { __free_pages(page, 0); }
struct page *alloc_zeroed_page(enum page_kind kind);

/* Kernel-virtual variants for kernel-owned memory. */
void *__get_free_pages(enum page_kind kind, unsigned int order);
void free_pages(void *addr, unsigned int order);

static inline void get_page(struct page *p) { p->count++; }
void put_page(struct page *p);       /* frees an order-0 page at count 0 */

/* ---- mm/memory.c: page tables ---- */

#define TASK_SIZE       PAGE_OFFSET            /* user space: 0 .. 3 GiB */
#define STACK_TOP       TASK_SIZE
#define TASK_UNMAPPED_BASE 0x40000000UL        /* where mmap looks for room first */
#define STACK_RLIMIT    (8UL << 20)            /* the stack may grow to 8 MiB */
#define STACK_GAP_PAGES 32                     /* kept free below a stack's limit */

#define PAGE_ALIGN(x) (((x) + PAGE_SIZE - 1) & PAGE_MASK)

/* Page-fault results from handle_mm_fault. */
#define VM_FAULT_OK     0
#define VM_FAULT_OOM    1
#define VM_FAULT_SIGBUS 2

pgd_t *pgd_alloc(void);                        /* kernel half copied from swapper_pg_dir */
void pgd_free(pgd_t *pgd);
pte_t *pte_lookup(struct mm_struct *mm, unsigned long addr);   /* NULL without a page table */
pte_t *pte_alloc(struct mm_struct *mm, unsigned long addr);    /* NULL when out of memory */
void zap_page_range(struct mm_struct *mm, unsigned long start, unsigned long end);
void free_pgtables(struct mm_struct *mm, unsigned long start, unsigned long end);
void change_protection(struct mm_struct *mm, unsigned long start, unsigned long end,
		       unsigned long vm_flags);
int handle_mm_fault(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long addr,
		    bool write);
pte_t vma_pte_bits(unsigned long vm_flags);
/* fork: map vma's pages into dst too; private writable ones become copy-on-write. */
int copy_page_range(struct mm_struct *dst, struct mm_struct *src, struct vm_area_struct *vma);    /* present/RW/user bits for a VMA's pages */
void flush_tlb_mm(struct mm_struct *mm);
void flush_tlb_page(struct mm_struct *mm, unsigned long addr);

/* ---- mm/mmap.c: VMAs ---- */

struct vm_area_struct *find_vma(struct mm_struct *mm, unsigned long addr);
struct vm_area_struct *find_vma_prev(struct mm_struct *mm, unsigned long addr,
				     struct vm_area_struct **pprev);
struct vm_area_struct *vma_alloc(void);
void vma_free(struct vm_area_struct *vma);
int insert_vm_struct(struct mm_struct *mm, struct vm_area_struct *vma);
int do_munmap(struct mm_struct *mm, unsigned long start, unsigned long len);
unsigned long do_mmap(struct mm_struct *mm, struct file *file, unsigned long addr,
		      unsigned long len, unsigned long vm_flags, bool fixed,
		      unsigned long pgoff, unsigned long file_end);
int expand_stack(struct vm_area_struct *vma, unsigned long addr);
void exit_mmap(struct mm_struct *mm);

/* ---- kernel/fork.c: mm lifetime ---- */

extern struct list_head mm_list;             /* every live mm */
struct mm_struct *mm_alloc(void);            /* fresh, empty user half; NULL on OOM */
void mmput(struct mm_struct *mm);            /* drop a user; frees everything at 0 */
void mmdrop(struct mm_struct *mm);

#endif

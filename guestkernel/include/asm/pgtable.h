#ifndef _ASM_PGTABLE_H
#define _ASM_PGTABLE_H

/* Two-level i386 paging, 4 KiB pages. */
#define _PAGE_PRESENT  0x001
#define _PAGE_RW       0x002
#define _PAGE_USER     0x004
#define _PAGE_ACCESSED 0x020
#define _PAGE_DIRTY    0x040
#define _PAGE_PSE      0x080

#define PTRS_PER_PGD   1024
#define PTRS_PER_PTE   1024
#define PGDIR_SHIFT    22

#define X86_CR0_WP     0x00010000
#define X86_CR0_PG     0x80000000

/* The boot page tables map physical 0..BOOT_MAP_SIZE at 0 and at PAGE_OFFSET. */
#define BOOT_MAP_SIZE  0x00400000   /* == FORKSCOPE_BOOT_MAP_SIZE: one page table */

#ifndef __ASSEMBLER__
#include <linux/types.h>

typedef u32 pgd_t;
typedef u32 pte_t;

#define pgd_index(va) (((unsigned long)(va) >> PGDIR_SHIFT) & (PTRS_PER_PGD - 1))
#define pte_index(va) (((unsigned long)(va) >> 12) & (PTRS_PER_PTE - 1))

extern pgd_t swapper_pg_dir[PTRS_PER_PGD];   /* the kernel's page directory */
extern pte_t pg0[PTRS_PER_PTE];              /* maps physical 0..4 MiB */

void paging_init(void);

static inline void load_cr3(unsigned long pa)
{
	__asm__ __volatile__("movl %0, %%cr3" :: "r"(pa) : "memory");
}

static inline void __flush_tlb_all(void)
{
	unsigned long cr3;
	__asm__ __volatile__("movl %%cr3, %0" : "=r"(cr3));
	load_cr3(cr3);
}
#endif

#endif

#ifndef _ASM_PGTABLE_H
#define _ASM_PGTABLE_H

/* Two-level i386 paging, 4 KiB pages. */
#define _PAGE_PRESENT  0x001
#define _PAGE_RW       0x002
#define _PAGE_USER     0x004
#define _PAGE_ACCESSED 0x020
#define _PAGE_DIRTY    0x040
#define _PAGE_PSE      0x080
#define _PAGE_PROTNONE 0x200   /* software (AVL) bit: a PROT_NONE page, not present but kept */

#define PTRS_PER_PGD   1024
#define PTRS_PER_PTE   1024
#define PGDIR_SHIFT    22

#define X86_CR0_MP     0x00000002
#define X86_CR0_EM     0x00000004
#define X86_CR0_TS     0x00000008
#define X86_CR0_NE     0x00000020
#define X86_CR0_WP     0x00010000
#define X86_CR4_PSE    0x00000010
#define X86_CR4_OSFXSR 0x00000200   /* fxsave/fxrstor save xmm; SSE instructions allowed */
#define X86_CR4_OSXMMEXCPT 0x00000400   /* unmasked SIMD exceptions raise #XM, not #UD */
#define X86_CR0_PG     0x80000000

/* The boot page tables map physical 0..BOOT_MAP_SIZE at 0 and at PAGE_OFFSET. */
#define BOOT_MAP_SIZE  0x00400000   /* == FORKSCOPE_BOOT_MAP_SIZE: one page table */

#ifndef __ASSEMBLER__
#include <linux/types.h>

typedef u32 pgd_t;
typedef u32 pte_t;

#define pgd_index(va) (((unsigned long)(va) >> PGDIR_SHIFT) & (PTRS_PER_PGD - 1))
#define pte_index(va) (((unsigned long)(va) >> 12) & (PTRS_PER_PTE - 1))
#define PGDIR_SIZE    (1UL << PGDIR_SHIFT)
#define USER_PTRS_PER_PGD (0xC0000000UL >> PGDIR_SHIFT)   /* 768: the user half */

#define PTE_PFN_MASK  0xfffff000u
static inline unsigned long pte_pfn(pte_t pte) { return pte >> 12; }
static inline bool pte_present(pte_t pte) { return pte & _PAGE_PRESENT; }
/* A PTE that holds a frame: present, or a PROT_NONE page kept for later. */
static inline bool pte_mapped(pte_t pte) { return pte & (_PAGE_PRESENT | _PAGE_PROTNONE); }

extern pgd_t swapper_pg_dir[PTRS_PER_PGD];   /* the kernel's page directory */
extern pte_t pg0[PTRS_PER_PTE];              /* maps physical 0..4 MiB */

void paging_init(void);

static inline void load_cr3(unsigned long pa)
{
	__asm__ __volatile__("movl %0, %%cr3" :: "r"(pa) : "memory");
}

static inline void __flush_tlb_one(unsigned long va)
{
	__asm__ __volatile__("invlpg (%0)" :: "r"(va) : "memory");
}

static inline void __flush_tlb_all(void)
{
	unsigned long cr3;
	__asm__ __volatile__("movl %%cr3, %0" : "=r"(cr3));
	load_cr3(cr3);
}
#endif

#endif

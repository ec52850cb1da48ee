/*
 * mm/paging.c - the kernel's page tables.
 *
 * arch/boot.S fills these before paging is on: pg0 maps physical 0..4 MiB, and
 * swapper_pg_dir points to it twice, at virtual 0 (identity) and at PAGE_OFFSET.
 * paging_init() then removes the identity half (it only served the instructions that
 * turned paging on, and leaving it would hide NULL-pointer bugs) and makes the
 * kernel's text and read-only data read-only (CR0.WP applies it to ring 0 too).
 */
#include <abi/forkscope.h>
#include <asm/page.h>
#include <asm/pgtable.h>
#include <asm/sections.h>
#include <linux/kernel.h>

BUILD_BUG_ON(__PAGE_OFFSET != FORKSCOPE_KERNEL_BASE);
BUILD_BUG_ON(BOOT_MAP_SIZE != FORKSCOPE_BOOT_MAP_SIZE);
BUILD_BUG_ON(BOOT_MAP_SIZE != PTRS_PER_PTE * PAGE_SIZE);

pgd_t swapper_pg_dir[PTRS_PER_PGD] __section(".bss.page_aligned") __aligned(PAGE_SIZE);
pte_t pg0[PTRS_PER_PTE] __section(".bss.page_aligned") __aligned(PAGE_SIZE);

static void __init set_kernel_ro(unsigned long start, unsigned long end)
{
	unsigned long va;

	for (va = start & PAGE_MASK; va < end; va += PAGE_SIZE)
		pg0[pte_index(__pa(va))] &= ~(pte_t)_PAGE_RW;
}

void __init paging_init(void)
{
	swapper_pg_dir[pgd_index(0)] = 0;

	set_kernel_ro((unsigned long)_text, (unsigned long)_etext);
	set_kernel_ro((unsigned long)__start_rodata, (unsigned long)__end_rodata);

	__flush_tlb_all();
	printk("paging: low %u MiB mapped at 0x%08lx, identity map removed, kernel text read-only\n",
	       BOOT_MAP_SIZE >> 20, PAGE_OFFSET);
}

/*
 * mm/paging.c - the kernel's page tables.
 *
 * arch/boot.S fills these before paging is on: pg0 maps physical 0..4 MiB, and
 * swapper_pg_dir points to it twice, at virtual 0 (identity) and at PAGE_OFFSET.
 * paging_init() then removes the identity half (it only served the instructions that
 * turned paging on, and leaving it would hide NULL-pointer bugs), makes the kernel's
 * text and read-only data read-only (CR0.WP applies it to ring 0 too), and maps the
 * rest of low memory (up to 896 MiB) at PAGE_OFFSET with 4 MiB pages: no page tables
 * to allocate before there is an allocator. Every process's page directory copies the
 * kernel half of swapper_pg_dir, which never changes after this.
 */
#include <abi/forkscope.h>
#include <asm/page.h>
#include <asm/pgtable.h>
#include <asm/processor.h>
#include <asm/sections.h>
#include <asm/setup.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/multiboot.h>

BUILD_BUG_ON(__PAGE_OFFSET != FORKSCOPE_KERNEL_BASE);
BUILD_BUG_ON(BOOT_MAP_SIZE != FORKSCOPE_BOOT_MAP_SIZE);
BUILD_BUG_ON(BOOT_MAP_SIZE != PTRS_PER_PTE * PAGE_SIZE);

pgd_t swapper_pg_dir[PTRS_PER_PGD] __section(".bss.page_aligned") __aligned(PAGE_SIZE);
pte_t pg0[PTRS_PER_PTE] __section(".bss.page_aligned") __aligned(PAGE_SIZE);

unsigned long max_pfn;

static void __init set_kernel_ro(unsigned long start, unsigned long end)
{
	unsigned long va;

	for (va = start & PAGE_MASK; va < end; va += PAGE_SIZE)
		pg0[pte_index(__pa(va))] &= ~(pte_t)_PAGE_RW;
}

/* One past the highest usable frame the loader reported, capped at 896 MiB. */
static unsigned long __init find_max_pfn(void)
{
	unsigned long long end = 0;
	unsigned int i;

	for (i = 0; i < min(boot_params.nr_mmap, (unsigned int)MAX_BOOT_MMAP); i++) {
		const struct boot_mmap_entry *e = &boot_params.mmap[i];
		if (e->type == MULTIBOOT_MEMORY_AVAILABLE && e->addr + e->len > end)
			end = e->addr + e->len;
	}
	if (!end)   /* no memory map: mem_upper counts KiB from 1 MiB */
		end = (1ULL << 20) + (unsigned long long)boot_params.mem_upper_kb * 1024;
	if (end > (unsigned long long)MAX_LOW_PFN << PAGE_SHIFT)
		end = (unsigned long long)MAX_LOW_PFN << PAGE_SHIFT;
	return (unsigned long)(end >> PAGE_SHIFT);
}

void __init paging_init(void)
{
	unsigned long pfn;

	swapper_pg_dir[pgd_index(0)] = 0;

	set_kernel_ro((unsigned long)_text, (unsigned long)_etext);
	set_kernel_ro((unsigned long)__start_rodata, (unsigned long)__end_rodata);

	max_pfn = find_max_pfn();
	write_cr4(read_cr4() | X86_CR4_PSE);
	for (pfn = BOOT_MAP_SIZE >> PAGE_SHIFT; pfn < max_pfn; pfn += PTRS_PER_PTE)
		swapper_pg_dir[pgd_index(PAGE_OFFSET + (pfn << PAGE_SHIFT))] =
			(pfn << PAGE_SHIFT) | _PAGE_PSE | _PAGE_RW | _PAGE_PRESENT;

	__flush_tlb_all();
	printk(KERN_INFO "paging: low %u MiB mapped at 0x%08lx, identity map removed, kernel text read-only\n",
	       BOOT_MAP_SIZE >> 20, PAGE_OFFSET);
	printk(KERN_DEBUG "paging: %lu MiB of RAM mapped at 0x%08lx (4 MiB pages above 4 MiB)\n",
	       max_pfn >> (20 - PAGE_SHIFT), PAGE_OFFSET);
}

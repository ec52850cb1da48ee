#ifndef _ASM_SETUP_H
#define _ASM_SETUP_H

#include <linux/types.h>

/* What arch/setup.c keeps from the Multiboot information before low memory is reused. */
#define MAX_BOOT_MMAP 32

struct boot_mmap_entry {
	u64 addr, len;
	u32 type;
};

struct boot_params {
	u32 flags;                      /* multiboot_info.flags */
	u32 mem_lower_kb, mem_upper_kb;
	unsigned int nr_mmap;           /* entries the loader reported */
	struct boot_mmap_entry mmap[MAX_BOOT_MMAP];  /* the first MAX_BOOT_MMAP of them */
	unsigned int nr_modules;
	u32 initrd_start, initrd_end;   /* physical; the first module, 0/0 if none */
	/* Physical ranges the loader wrote its information to (the info block, memory map,
	 * module list and strings): kept out of the page allocator. */
	unsigned int nr_boot_ranges;
	struct { u32 start, end; } boot_ranges[4];
};

extern struct boot_params boot_params;

void setup_arch(unsigned long mbi_phys);

#endif

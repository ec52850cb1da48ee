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
};

extern struct boot_params boot_params;

void setup_arch(unsigned long mbi_phys);

#endif

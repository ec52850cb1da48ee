/*
 * arch/setup.c - what the Multiboot loader told us.
 *
 * The loader leaves its information somewhere in low memory; copy what we need into
 * boot_params before anything reuses that memory. Everything is reached through the
 * boot mapping at PAGE_OFFSET, so it must lie below BOOT_MAP_SIZE.
 */
#include <asm/page.h>
#include <asm/pgtable.h>
#include <asm/setup.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/multiboot.h>

struct boot_params boot_params;

/* Physical [pa, pa + len) reachable through the boot mapping? */
static bool boot_mapped(unsigned long pa, unsigned long len)
{
	return pa < BOOT_MAP_SIZE && len <= BOOT_MAP_SIZE - pa;
}

static void __init copy_mmap(const struct multiboot_info *mbi)
{
	unsigned long pa = mbi->mmap_addr, end = mbi->mmap_addr + mbi->mmap_length;

	if (!boot_mapped(pa, mbi->mmap_length))
		panic("multiboot: memory map at 0x%08lx is outside the boot mapping", pa);

	while (pa + sizeof(struct multiboot_mmap_entry) <= end) {
		const struct multiboot_mmap_entry *e = __va(pa);

		if (boot_params.nr_mmap < MAX_BOOT_MMAP) {
			struct boot_mmap_entry *b = &boot_params.mmap[boot_params.nr_mmap];
			b->addr = e->addr;
			b->len = e->len;
			b->type = e->type;
		}
		boot_params.nr_mmap++;
		pa += e->size + sizeof(e->size);
	}
}

static void __init add_boot_range(unsigned long start, unsigned long len)
{
	if (boot_params.nr_boot_ranges < ARRAY_SIZE(boot_params.boot_ranges)) {
		boot_params.boot_ranges[boot_params.nr_boot_ranges].start = start;
		boot_params.boot_ranges[boot_params.nr_boot_ranges].end = start + len;
		boot_params.nr_boot_ranges++;
	}
}

/* The first module is the initramfs. Only its bounds are kept: the data stays where
 * the loader put it, and mm/page_alloc.c keeps those frames out of the free lists. */
static void __init copy_modules(const struct multiboot_info *mbi)
{
	const struct multiboot_mod *mod;
	unsigned long len = mbi->mods_count * sizeof(*mod);

	if (!mbi->mods_count)
		return;
	if (!boot_mapped(mbi->mods_addr, len)) {
		printk(KERN_ERR "multiboot: module list at 0x%08x is outside the boot mapping, ignored\n",
		       mbi->mods_addr);
		return;
	}
	add_boot_range(mbi->mods_addr, len);
	mod = __va(mbi->mods_addr);
	if (mod->mod_end < mod->mod_start) {
		printk(KERN_ERR "multiboot: module 0 ends (0x%08x) before it starts (0x%08x), ignored\n",
		       mod->mod_end, mod->mod_start);
		return;
	}
	boot_params.initrd_start = mod->mod_start;
	boot_params.initrd_end = mod->mod_end;
}

void __init setup_arch(unsigned long mbi_phys)
{
	const struct multiboot_info *mbi;
	char cmdline[COMMAND_LINE_SIZE] = "";

	if (!boot_mapped(mbi_phys, sizeof(*mbi)))
		panic("multiboot: info at 0x%08lx is outside the boot mapping", mbi_phys);
	mbi = __va(mbi_phys);
	boot_params.flags = mbi->flags;

	if (mbi->flags & MULTIBOOT_INFO_MEMORY) {
		boot_params.mem_lower_kb = mbi->mem_lower;
		boot_params.mem_upper_kb = mbi->mem_upper;
		printk(KERN_INFO "multiboot: mem_lower %u KiB, mem_upper %u KiB\n", mbi->mem_lower, mbi->mem_upper);
	} else {
		printk("multiboot: no memory size\n");
	}

	if (mbi->flags & MULTIBOOT_INFO_MMAP) {
		copy_mmap(mbi);
		printk(KERN_INFO "multiboot: %u memory map entries\n", boot_params.nr_mmap);
	} else {
		printk("multiboot: no memory map\n");
	}

	add_boot_range(mbi_phys, sizeof(*mbi));
	if (mbi->flags & MULTIBOOT_INFO_MMAP)
		add_boot_range(mbi->mmap_addr, mbi->mmap_length);
	if (mbi->flags & MULTIBOOT_INFO_MODS) {
		boot_params.nr_modules = mbi->mods_count;
		copy_modules(mbi);
	}

	if (mbi->flags & MULTIBOOT_INFO_CMDLINE) {
		const char *src = __va(mbi->cmdline);
		unsigned long room, i;

		if (!boot_mapped(mbi->cmdline, 1))
			panic("multiboot: cmdline at 0x%08x is outside the boot mapping", mbi->cmdline);
		/* Copy at most what fits and never read past the boot mapping. */
		room = min((unsigned long)COMMAND_LINE_SIZE - 1, BOOT_MAP_SIZE - mbi->cmdline);
		for (i = 0; i < room && src[i]; i++)
			cmdline[i] = src[i];
		cmdline[i] = '\0';
		add_boot_range(mbi->cmdline, i + 1);
	}
	parse_cmdline(cmdline);
	printk(KERN_INFO "cmdline: %s\n", saved_command_line[0] ? saved_command_line : "(none)");
}

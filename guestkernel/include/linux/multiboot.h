#ifndef _LINUX_MULTIBOOT_H
#define _LINUX_MULTIBOOT_H

#include <abi/forkscope.h>
#include <linux/compiler.h>
#include <linux/types.h>

/* Multiboot v1 boot information, as the loader leaves it in memory (physical addresses). */
#define MULTIBOOT_INFO_MEMORY  (1u << 0)   /* mem_lower, mem_upper */
#define MULTIBOOT_INFO_CMDLINE (1u << 2)
#define MULTIBOOT_INFO_MODS    (1u << 3)
#define MULTIBOOT_INFO_MMAP    (1u << 6)

struct multiboot_info {
	u32 flags;
	u32 mem_lower;          /* KiB below 1 MiB */
	u32 mem_upper;          /* KiB above 1 MiB, up to the first hole */
	u32 boot_device;
	u32 cmdline;            /* physical address of a NUL-terminated string */
	u32 mods_count;
	u32 mods_addr;
	u32 syms[4];
	u32 mmap_length;        /* bytes */
	u32 mmap_addr;          /* physical address of the first multiboot_mmap_entry */
	u32 drives_length;
	u32 drives_addr;
	u32 config_table;
	u32 boot_loader_name;
	u32 apm_table;
	u32 vbe_control_info, vbe_mode_info;
	u16 vbe_mode, vbe_interface_seg, vbe_interface_off, vbe_interface_len;
} __packed;

/* 'size' does not count itself: the next entry is at (char *)entry + size + 4. */
struct multiboot_mmap_entry {
	u32 size;
	u64 addr;
	u64 len;
	u32 type;               /* 1 = usable RAM */
} __packed;

#define MULTIBOOT_MEMORY_AVAILABLE 1

struct multiboot_mod {
	u32 mod_start, mod_end, cmdline, pad;
} __packed;

#endif

/* asm/ldt.h: struct user_desc for set_thread_area and CLONE_SETTLS (Linux i386), and
 * our set_thread_area() wrapper (syscalls.c). */
#ifndef _ASM_LDT_H
#define _ASM_LDT_H

struct user_desc {
	unsigned int entry_number; /* GDT slot; -1 asks the kernel to pick a free one */
	unsigned int base_addr;
	unsigned int limit;
	unsigned int seg_32bit : 1;
	unsigned int contents : 2;
	unsigned int read_exec_only : 1;
	unsigned int limit_in_pages : 1;
	unsigned int seg_not_present : 1;
	unsigned int useable : 1;
};

/* On success the kernel writes the chosen slot back to u->entry_number; the selector
 * to load into %gs is (entry_number << 3) | 3. */
int set_thread_area(struct user_desc *u);

#endif

#ifndef _ASM_SEGMENT_H
#define _ASM_SEGMENT_H

/* GDT layout (index: selector). Plain numbers so entry.S can use them too. */
#define GDT_ENTRY_KERNEL_CS 1
#define GDT_ENTRY_KERNEL_DS 2
#define GDT_ENTRY_USER_CS   3
#define GDT_ENTRY_USER_DS   4
#define GDT_ENTRY_TSS       5
#define GDT_ENTRY_TLS_MIN   6      /* set_thread_area: 6, 7, 8 as on Linux i386 */
#define GDT_ENTRY_TLS_MAX   8
#define GDT_ENTRIES         9

#define __KERNEL_CS 0x08
#define __KERNEL_DS 0x10
#define __USER_CS   0x1b   /* index 3, RPL 3 */
#define __USER_DS   0x23   /* index 4, RPL 3 */
#define __TSS_SEL   0x28


#ifndef __ASSEMBLER__
/* The data segment registers from C. loadsegment loads the null selector instead of
 * one that faults (a TLS slot that was cleared, a selector from a signal frame), as
 * Linux's does: the exception table sends the #GP to the retry with 0. */
#define savesegment(seg, value) \
	__asm__ __volatile__("movl %%" #seg ", %k0" : "=r"(value) :: "memory")

#define loadsegment(seg, value)                                         \
	do {                                                            \
		unsigned int __sel = (value);                           \
		__asm__ __volatile__("1:\tmovl %k0, %%" #seg "\n"       \
				     ".pushsection .text.fixup, \"ax\"\n"  \
				     "2:\txorl %k0, %k0\n"              \
				     "\tjmp 1b\n"                        \
				     ".popsection\n"                     \
				     ".pushsection __ex_table, \"a\"\n"   \
				     "\t.long 1b, 2b\n"                  \
				     ".popsection"                        \
				     : "+r"(__sel) :: "memory");          \
	} while (0)
#endif

#endif

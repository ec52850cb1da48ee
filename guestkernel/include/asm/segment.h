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

#endif

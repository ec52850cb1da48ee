#ifndef _ASM_PAGE_H
#define _ASM_PAGE_H

/* No C-only syntax above the __ASSEMBLER__ guard: boot.S includes this. */
#define PAGE_SHIFT     12
#define PAGE_SIZE      4096
#define __PAGE_OFFSET  0xC0000000   /* == FORKSCOPE_KERNEL_BASE */
#define THREAD_SIZE    8192         /* a kernel stack */

#ifndef __ASSEMBLER__
#include <linux/types.h>

#define PAGE_MASK      (~(unsigned long)(PAGE_SIZE - 1))
#define PAGE_OFFSET    ((unsigned long)__PAGE_OFFSET)
#define __pa(x)        ((unsigned long)(x) - PAGE_OFFSET)
#define __va(x)        ((void *)((unsigned long)(x) + PAGE_OFFSET))
#endif

#endif

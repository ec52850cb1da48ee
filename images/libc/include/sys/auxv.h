/* sys/auxv.h: the ELF auxiliary vector the kernel puts after envp (start.c). */
#ifndef _SYS_AUXV_H
#define _SYS_AUXV_H

#include <linux/auxvec.h>   /* the types, shared with the kernel */

/* The value for type, or 0 (and errno ENOENT) if the kernel gave none. */
unsigned long getauxval(unsigned long type);

#endif

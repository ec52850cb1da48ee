#ifndef _LINUX_TYPES_H
#define _LINUX_TYPES_H

/* Fixed-size types for an ILP32 target (i386). No libc headers: the kernel is freestanding. */
typedef unsigned char      u8;
typedef unsigned short     u16;
typedef unsigned int       u32;
typedef unsigned long long u64;
typedef signed char        s8;
typedef short              s16;
typedef int                s32;
typedef long long          s64;

typedef __SIZE_TYPE__      size_t;
typedef int                ssize_t;
typedef __PTRDIFF_TYPE__   ptrdiff_t;
typedef __UINTPTR_TYPE__   uintptr_t;
typedef u32                phys_addr_t;

typedef _Bool bool;
#define true  1
#define false 0

#define NULL ((void *)0)

_Static_assert(sizeof(long) == 4 && sizeof(void *) == 4, "i386 ILP32 expected");

#endif

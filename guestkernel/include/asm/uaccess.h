#ifndef _ASM_UACCESS_H
#define _ASM_UACCESS_H

#include <asm/page.h>
#include <linux/types.h>

/*
 * Access to user memory from system calls. access_ok() keeps the kernel half out of
 * reach; the copies themselves (lib/usercopy.S) may still fault on a user address that
 * is not mapped or not writable. The page-fault handler first tries to fault the page
 * in (demand paging works inside system calls too); if the address is bad, it resumes
 * at the fixup that the exception table names for the faulting instruction, and the
 * copy reports how much it did not copy. A bad pointer is -EFAULT, never an oops.
 */
struct exception_table_entry {
	unsigned long insn, fixup;
};

static inline bool access_ok(const void *addr, unsigned long size)
{
	unsigned long a = (unsigned long)addr;

	return size <= PAGE_OFFSET && a <= PAGE_OFFSET - size;
}

/* lib/usercopy.S: return the number of bytes NOT copied/cleared. */
unsigned long __copy_user(void *to, const void *from, unsigned long n);
unsigned long __clear_user(void *to, unsigned long n);
/* Length of the string copied (without its NUL, at most count), or -EFAULT. */
long __strncpy_from_user(char *dst, const char *src, long count);

unsigned long copy_from_user(void *to, const void *from, unsigned long n);
unsigned long copy_to_user(void *to, const void *from, unsigned long n);
unsigned long clear_user(void *to, unsigned long n);
long strncpy_from_user(char *dst, const char *src, long count);
long strnlen_user(const char *s, long max);

#define get_user(x, ptr) \
	(copy_from_user(&(x), (ptr), sizeof(*(ptr))) ? -14 /* EFAULT */ : 0)
#define put_user(x, ptr) \
	({ __typeof__(*(ptr)) __pu_val = (x); \
	   copy_to_user((ptr), &__pu_val, sizeof(*(ptr))) ? -14 : 0; })

/* mm/fault.c: the fixup for a faulting kernel EIP, or 0. */
unsigned long search_exception_tables(unsigned long eip);

#endif

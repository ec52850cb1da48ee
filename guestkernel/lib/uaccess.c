/*
 * lib/uaccess.c - checked copies between kernel and user memory (asm/uaccess.h).
 */
#include <asm/uaccess.h>
#include <linux/errno.h>
#include <linux/sched.h>
#include <linux/string.h>

unsigned long copy_from_user(void *to, const void *from, unsigned long n)
{
	unsigned long left = n;

	/* Linux's set_fs(KERNEL_DS): sendfile hands a page-cache page to a pipe's or the
	 * console's write, which copy "from user". Only kernel addresses take this path. */
	if ((current->flags & PF_KERNEL_DS) && (unsigned long)from >= PAGE_OFFSET) {
		memcpy(to, from, n);
		return 0;
	}
	if (access_ok(from, n))
		left = __copy_user(to, from, n);
	if (left)   /* the kernel buffer never keeps stale bytes */
		memset((char *)to + (n - left), 0, left);
	return left;
}

unsigned long copy_to_user(void *to, const void *from, unsigned long n)
{
	if (!access_ok(to, n))
		return n;
	return __copy_user(to, from, n);
}

unsigned long clear_user(void *to, unsigned long n)
{
	if (!access_ok(to, n))
		return n;
	return __clear_user(to, n);
}

long strncpy_from_user(char *dst, const char *src, long count)
{
	unsigned long limit = PAGE_OFFSET - (unsigned long)src;

	if ((unsigned long)src >= PAGE_OFFSET)
		return -EFAULT;
	/* Never read past the end of user space, even for a long count. */
	if ((unsigned long)count > limit) {
		long n = __strncpy_from_user(dst, src, (long)limit);
		if (n == (long)limit)
			return -EFAULT;   /* ran into the kernel half without a NUL */
		return n;
	}
	return __strncpy_from_user(dst, src, count);
}

/* Length of a user string (without its NUL), max if there is no NUL within max
 * bytes, or -EFAULT. */
long strnlen_user(const char *s, long max)
{
	char buf[64];
	long total = 0;

	while (total < max) {
		long chunk = max - total < (long)sizeof(buf) ? max - total : (long)sizeof(buf);
		long n = strncpy_from_user(buf, s + total, chunk);

		if (n < 0)
			return n;
		if (n < chunk)
			return total + n;
		total += chunk;
	}
	return total;
}

/*
 * lib/string.c - the C string functions the kernel needs.
 *
 * memset/memcpy/memmove use rep string instructions in inline assembly: written as C
 * loops, gcc -O2 may recognise them as memset/memcpy and emit a call to themselves.
 * gcc may also call memcpy/memset on its own for struct copies, so these must exist.
 *
 * memset and memcpy move four bytes a step, then the last few bytes one at a time, as
 * Linux's i386 __memcpy does: an emulator runs each step of a rep string instruction as
 * a translated block of its own, so bytewise they cost four times the blocks (a fork's
 * zeroed page tables and task struct were a sixth of all blocks run).
 */
#include <linux/string.h>

void *memset(void *s, int c, size_t n)
{
	void *d = s;
	size_t words = n / 4;
	unsigned long v = (unsigned char)c * 0x01010101UL;

	__asm__ __volatile__("rep stosl; movl %3, %%ecx; rep stosb"
			     : "+D"(d), "+c"(words) : "a"(v), "r"(n % 4) : "memory");
	return s;
}

void *memcpy(void *dst, const void *src, size_t n)
{
	void *d = dst;
	size_t words = n / 4;

	__asm__ __volatile__("rep movsl; movl %3, %%ecx; rep movsb"
			     : "+D"(d), "+S"(src), "+c"(words) : "r"(n % 4) : "memory");
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	if (dst <= src || (const char *)dst >= (const char *)src + n)
		return memcpy(dst, src, n);

	/* Overlapping with dst above src: copy backwards from the last byte. */
	{
		char *d = (char *)dst + n - 1;
		const char *s = (const char *)src + n - 1;

		__asm__ __volatile__("std; rep movsb; cld" : "+D"(d), "+S"(s), "+c"(n) :: "memory");
	}
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *p = a, *q = b;

	for (; n; n--, p++, q++)
		if (*p != *q)
			return *p - *q;
	return 0;
}

size_t strlen(const char *s)
{
	const char *p = s;

	while (*p)
		p++;
	return (size_t)(p - s);
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			break;
	}
	return 0;
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

/* Copy with truncation, always NUL-terminated when size > 0; returns strlen(src). */
size_t strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size) {
		size_t n = len < size - 1 ? len : size - 1;
		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

/* internal.h: what the libc's source files share and programs never see. */
#ifndef LIBC_INTERNAL_H
#define LIBC_INTERNAL_H

#include <stddef.h>

/* syscall.S: one int $0x80 with the number in EAX and arguments in EBX, ECX, EDX,
 * ESI, EDI, EBP. Returns the raw kernel result: -4095..-1 is -errno. */
long __syscall(long n, long a1, long a2, long a3, long a4, long a5, long a6);

static inline long syscall0(long n) { return __syscall(n, 0, 0, 0, 0, 0, 0); }
static inline long syscall1(long n, long a) { return __syscall(n, a, 0, 0, 0, 0, 0); }
static inline long syscall2(long n, long a, long b) { return __syscall(n, a, b, 0, 0, 0, 0); }
static inline long syscall3(long n, long a, long b, long c)
{
	return __syscall(n, a, b, c, 0, 0, 0);
}
static inline long syscall4(long n, long a, long b, long c, long d)
{
	return __syscall(n, a, b, c, d, 0, 0);
}
static inline long syscall5(long n, long a, long b, long c, long d, long e)
{
	return __syscall(n, a, b, c, d, e, 0);
}
static inline long syscall6(long n, long a, long b, long c, long d, long e, long f)
{
	return __syscall(n, a, b, c, d, e, f);
}

/* The C convention on top of the raw result: errors become errno and -1. */
long __syscall_ret(long r);

/* printf_fp.c: a floating-point value taken apart (value = mantissa * 2^exp2), and the
 * conversions f F e E g G of it, padded to the width. */
struct fp_value {
	unsigned long long mantissa;
	int exp2;
	int negative, inf, nan;
};
struct fp_spec {
	int left, plus, space, alt, zero; /* flags */
	int width;
	int precision; /* -1: none given */
	char conv;
};
void __fp_from_double(struct fp_value *v, double x);
void __fp_from_long_double(struct fp_value *v, long double x);
void __format_fp(const struct fp_value *v, const struct fp_spec *sp,
                 void (*emit)(void *ctx, const char *p, size_t n), void *ctx);

/* start.c: called by crt0 before main. */
void __libc_init(int argc, char **argv, char **envp);

#endif

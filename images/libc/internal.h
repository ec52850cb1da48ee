/* internal.h: what the libc's source files share and programs never see. */
#ifndef LIBC_INTERNAL_H
#define LIBC_INTERNAL_H

#include <stddef.h>

/* syscall.S: one int $0x80 with the number in EAX and arguments in EBX, ECX, EDX,
 * ESI, EDI, EBP. Returns the raw kernel result: -4095..-1 is -errno. */
long __syscall(long n, long a1, long a2, long a3, long a4, long a5, long a6);
extern unsigned long __vsyscall;      /* syscall.S: the entry __syscall calls (AT_SYSINFO or int $0x80) */

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

/* ---- threads (pthread.c) ---- */

struct __pthread_cleanup;
struct timespec;

/* A thread's descriptor. %gs's base points at it (its first word points at itself,
 * as the i386 TLS ABI wants), the thread's __thread variables lie just below it, and
 * its stack below those, all in one mmap (map, map_size; none for the main thread). */
struct pthread {
	struct pthread *self;
	int tid;                /* set by clone (PARENT_SETTID); 0 once the thread is gone
	                         * (CHILD_CLEARTID: the kernel clears it and futex-wakes it) */
	int errno_value;
	int detach_state;       /* DS_JOINABLE, DS_DETACHED or DS_EXITING */
	void *(*start)(void *);
	void *arg;
	void *result;
	void *map;
	size_t map_size;
	struct __pthread_cleanup *cleanup;
	void *specific[128];    /* PTHREAD_KEYS_MAX */
};

#define DS_JOINABLE 0
#define DS_DETACHED 1
#define DS_EXITING 2

extern struct pthread *__main_thread;
extern unsigned short __tls_selector; /* %gs of our threads; 0 until the first one */
extern int __threaded;                /* set for good by the first pthread_create */

/* The calling thread. A %gs that is not ours (0, or a program's own set_thread_area)
 * means the main thread of a program that has not started threads. */
static inline struct pthread *__pthread_self(void)
{
	unsigned short gs;
	struct pthread *t;
	__asm__ volatile("movw %%gs, %0" : "=r"(gs));
	if (gs == 0 || gs != __tls_selector)
		return __main_thread;
	__asm__ volatile("movl %%gs:0, %0" : "=r"(t));
	return t;
}

int __pthread_tid(struct pthread *t); /* the tid, asked of the kernel once */
void __libc_tls_init(void);           /* start.c: __thread variables of the main thread */

/* futex words: FUTEX_WAIT and FUTEX_WAKE, private; raw results (-errno). */
long __futex_wait(int *word, int val, const struct timespec *rel);
long __futex_wake(int *word, int n);

/* The libc's own locks (malloc, stdio's list): the three-state futex mutex
 * (0 free, 1 taken, 2 taken with sleepers), only used once threads exist. */
void __lock(int *word);
void __unlock(int *word);

/* fork's handshake with malloc and stdio: take their locks, release them (in the
 * parent) or reset them (in the child, where their holders do not exist). */
void __malloc_fork(int phase);
void __stdio_fork(int phase);
#define FORK_PREPARE 0
#define FORK_PARENT 1
#define FORK_CHILD 2

/* start.c: called by crt0 before main. */
void __libc_init(int argc, char **argv, char **envp);

#endif

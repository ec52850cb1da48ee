/* pthread.c: threads. Each is a clone'd task sharing everything a thread shares, on
 * its own mmap'd stack with a guard page below it; its descriptor (struct pthread,
 * internal.h) sits at the top of that mapping, above its __thread variables, and %gs
 * points at it through a TLS descriptor (CLONE_SETTLS, the GDT slot set_thread_area
 * gave the main thread). The kernel stores the tid in the descriptor when the thread
 * starts (CLONE_PARENT_SETTID) and clears it and futex-wakes it when the thread is
 * gone (CLONE_CHILD_CLEARTID): pthread_join sleeps on that word, then unmaps the
 * stack. A detached thread unmaps its own stack on the way out (unmap_and_exit,
 * clone.S), after telling the kernel not to clear the word.
 *
 * The main thread's TLS is set up only when a program starts its first thread (or
 * has __thread variables): a program without threads never loads %gs. */
#include <asm/ldt.h>
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

#define DEFAULT_STACK_SIZE (2u << 20) /* 2 MiB of address space: pages arrive on first touch */
#define GUARD_SIZE 4096u

#define THREAD_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | \
                      CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID)

static struct pthread main_thread = { .self = &main_thread };
struct pthread *__main_thread = &main_thread;
unsigned short __tls_selector;
int __threaded;

static int live_threads = 1;  /* when pthread_exit takes the last, the process exits(0) */
static int tls_entry = -1;    /* our GDT slot */

/* The program's PT_TLS segment (its __thread variables), from start.c. */
struct tls_image {
	const void *data;
	size_t filesz, memsz, align;
};
extern struct tls_image __tls_image;

/* ---- futexes and the libc's own locks ---- */

static long raw_futex(int *word, int op, int val, const struct timespec *t)
{
	return __syscall(SYS_futex, (long)word, op, val, (long)t, 0, 0);
}

long __futex_wait(int *word, int val, const struct timespec *rel)
{
	return raw_futex(word, FUTEX_WAIT_PRIVATE, val, rel);
}

long __futex_wake(int *word, int n)
{
	return raw_futex(word, FUTEX_WAKE_PRIVATE, n, NULL);
}

void __lock(int *word)
{
	int c = 0;
	if (__atomic_compare_exchange_n(word, &c, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return;
	if (c != 2)
		c = __atomic_exchange_n(word, 2, __ATOMIC_ACQUIRE);
	while (c != 0) {
		__futex_wait(word, 2, NULL);
		c = __atomic_exchange_n(word, 2, __ATOMIC_ACQUIRE);
	}
}

void __unlock(int *word)
{
	if (__atomic_exchange_n(word, 0, __ATOMIC_RELEASE) == 2)
		__futex_wake(word, 1);
}

int __pthread_tid(struct pthread *t)
{
	if (t->tid == 0)
		t->tid = (int)__syscall(SYS_gettid, 0, 0, 0, 0, 0, 0);
	return t->tid;
}

/* ---- thread-local storage ---- */

static size_t align_up(size_t n, size_t a)
{
	return (n + a - 1) & ~(a - 1);
}

/* The descriptor's alignment: the __thread block's, at least 16. */
static size_t tls_align(void)
{
	return __tls_image.align > 16 ? __tls_image.align : 16;
}

/* The __thread block: it ends at the descriptor, and the linker addresses its
 * variables as %gs:-(memsz rounded up to the segment's alignment) + offset. */
static size_t tls_block_size(void)
{
	return align_up(__tls_image.memsz, __tls_image.align ? __tls_image.align : 1);
}

/* The __thread block and descriptor: their size, with the alignment slack. */
static size_t tls_area_size(void)
{
	return tls_block_size() + sizeof(struct pthread) + tls_align();
}

/* Lays out the descriptor at the top of [base, base + size), its __thread block below
 * it, initialised from the program's image; returns the descriptor. */
static struct pthread *tls_area_init(void *base, size_t size)
{
	uintptr_t top = (uintptr_t)base + size - sizeof(struct pthread);
	struct pthread *t = (struct pthread *)(top & ~(uintptr_t)(tls_align() - 1));
	size_t block = tls_block_size();
	char *tls = (char *)t - block;
	memset(tls, 0, block);
	if (__tls_image.filesz)
		memcpy(tls, __tls_image.data, __tls_image.filesz);
	memset(t, 0, sizeof(*t));
	t->self = t;
	return t;
}

static void describe(struct user_desc *u, int entry, struct pthread *t)
{
	memset(u, 0, sizeof(*u));
	u->entry_number = (unsigned int)entry;
	u->base_addr = (unsigned int)t;
	u->limit = 0xfffff;
	u->seg_32bit = 1;
	u->limit_in_pages = 1;
	u->useable = 1;
}

/* Points %gs at the main thread's descriptor (a new one with its __thread block, if
 * the program has __thread variables) and registers its tid word with the kernel. */
static int init_main_thread(void)
{
	struct user_desc u;
	struct pthread *t = &main_thread;
	if (__tls_image.memsz) {
		size_t size = align_up(tls_area_size(), 4096);
		void *map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (map == MAP_FAILED)
			return -1;
		t = tls_area_init(map, size);
		t->errno_value = main_thread.errno_value;
	}
	describe(&u, -1, t);
	if (__syscall(SYS_set_thread_area, (long)&u, 0, 0, 0, 0, 0) != 0)
		return -1;
	tls_entry = (int)u.entry_number;
	__main_thread = t;
	__tls_selector = (unsigned short)(tls_entry * 8 + 3); /* GDT, ring 3 */
	__asm__ volatile("movw %0, %%gs" : : "r"(__tls_selector) : "memory");
	t->tid = (int)__syscall(SYS_set_tid_address, (long)&t->tid, 0, 0, 0, 0, 0);
	return 0;
}

void __libc_tls_init(void)
{
	if (__tls_image.memsz && init_main_thread() != 0) {
		static const char msg[] = "libc: cannot set up thread-local storage\n";
		__syscall(SYS_write, 2, (long)msg, sizeof(msg) - 1, 0, 0, 0);
		_exit(127);
	}
}

/* ---- creating and ending threads ---- */

int clone(int (*fn)(void *), void *stack, int flags, void *arg, ...);
_Noreturn void __unmap_and_exit(void *map, size_t size); /* clone.S */

static int start_thread(void *arg)
{
	struct pthread *t = arg;
	pthread_exit(t->start(t->arg));
}

int pthread_create(pthread_t *restrict thread, const pthread_attr_t *restrict attr,
                   void *(*start)(void *), void *restrict arg)
{
	size_t stack = attr && attr->stacksize ? attr->stacksize : DEFAULT_STACK_SIZE;
	if (!__threaded) {
		if (tls_entry < 0 && init_main_thread() != 0)
			return EAGAIN;
		__threaded = 1;
	}
	size_t size = GUARD_SIZE + align_up(stack + tls_area_size(), 4096);
	char *map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (map == MAP_FAILED)
		return EAGAIN;
	mprotect(map, GUARD_SIZE, PROT_NONE); /* an overflow faults instead of writing below */
	struct pthread *t = tls_area_init(map, size);
	t->map = map;
	t->map_size = size;
	t->start = start;
	t->arg = arg;
	t->detach_state = attr && attr->detachstate == PTHREAD_CREATE_DETACHED ? DS_DETACHED : DS_JOINABLE;
	char *stack_top = (char *)t - tls_block_size();

	struct user_desc u;
	describe(&u, tls_entry, t);
	__atomic_add_fetch(&live_threads, 1, __ATOMIC_SEQ_CST);
	int saved_errno = errno;
	if (clone(start_thread, stack_top, THREAD_FLAGS, t, &t->tid, &u, &t->tid) < 0) {
		int err = errno;
		errno = saved_errno;
		__atomic_sub_fetch(&live_threads, 1, __ATOMIC_SEQ_CST);
		munmap(map, size);
		return err == ENOMEM ? EAGAIN : err;
	}
	*thread = t;
	return 0;
}

static void run_destructors(struct pthread *t);

_Noreturn void pthread_exit(void *result)
{
	struct pthread *t = __pthread_self();
	while (t->cleanup) {
		struct __pthread_cleanup *c = t->cleanup;
		t->cleanup = c->next;
		c->fn(c->arg);
	}
	run_destructors(t);
	t->result = result;
	if (__atomic_sub_fetch(&live_threads, 1, __ATOMIC_SEQ_CST) == 0)
		exit(0); /* the last thread: the process ends as if main returned 0 */

	int old = DS_JOINABLE;
	if (!__atomic_compare_exchange_n(&t->detach_state, &old, DS_EXITING, 0, __ATOMIC_SEQ_CST,
	                                 __ATOMIC_SEQ_CST) && old == DS_DETACHED && t->map) {
		/* Nobody will join: free our own stack. No signal handler may run on it once it
		 * is gone, and the kernel must not write the tid word into freed memory. */
		sigset_t all;
		sigfillset(&all);
		__syscall(SYS_rt_sigprocmask, SIG_BLOCK, (long)&all, 0, 8, 0, 0);
		__syscall(SYS_set_tid_address, 0, 0, 0, 0, 0, 0);
		__unmap_and_exit(t->map, t->map_size);
	}
	for (;;)
		__syscall(SYS_exit, 0, 0, 0, 0, 0, 0); /* this thread only; the kernel clears tid */
}

/* Sleeps until the kernel has cleared t's tid word: t has exited and will not touch
 * its stack again. Not FUTEX_PRIVATE_FLAG: Linux wakes that word with a shared wake,
 * which does not meet a private waiter. */
static void wait_gone(struct pthread *t)
{
	int tid;
	while ((tid = __atomic_load_n(&t->tid, __ATOMIC_SEQ_CST)) != 0)
		raw_futex(&t->tid, FUTEX_WAIT, tid, NULL);
}

int pthread_join(pthread_t t, void **result)
{
	if (t == __pthread_self())
		return EDEADLK;
	if (__atomic_load_n(&t->detach_state, __ATOMIC_SEQ_CST) == DS_DETACHED)
		return EINVAL;
	wait_gone(t);
	if (result)
		*result = t->result;
	if (t->map)
		munmap(t->map, t->map_size);
	return 0;
}

int pthread_detach(pthread_t t)
{
	int old = DS_JOINABLE;
	if (__atomic_compare_exchange_n(&t->detach_state, &old, DS_DETACHED, 0, __ATOMIC_SEQ_CST,
	                                __ATOMIC_SEQ_CST))
		return 0;
	if (old == DS_DETACHED)
		return EINVAL;
	/* It is already on its way out and left its stack to a joiner: we are that now. */
	wait_gone(t);
	if (t->map)
		munmap(t->map, t->map_size);
	return 0;
}

pthread_t pthread_self(void)
{
	return __pthread_self();
}

int pthread_equal(pthread_t a, pthread_t b)
{
	return a == b;
}

int pthread_kill(pthread_t t, int sig)
{
	long r = __syscall(SYS_tgkill, getpid(), __pthread_tid(t), sig, 0, 0, 0);
	return r < 0 ? (int)-r : 0;
}

int pthread_sigmask(int how, const sigset_t *restrict set, sigset_t *restrict old)
{
	long r = __syscall(SYS_rt_sigprocmask, how, (long)set, (long)old, 8, 0, 0);
	return r < 0 ? (int)-r : 0;
}

void __pthread_cleanup_push(struct __pthread_cleanup *c, void (*fn)(void *), void *arg)
{
	struct pthread *t = __pthread_self();
	c->fn = fn;
	c->arg = arg;
	c->next = t->cleanup;
	t->cleanup = c;
}

void __pthread_cleanup_pop(struct __pthread_cleanup *c, int run)
{
	__pthread_self()->cleanup = c->next;
	if (run)
		c->fn(c->arg);
}

/* ---- attributes ---- */

int pthread_attr_init(pthread_attr_t *attr)
{
	attr->detachstate = PTHREAD_CREATE_JOINABLE;
	attr->stacksize = DEFAULT_STACK_SIZE;
	return 0;
}

int pthread_attr_destroy(pthread_attr_t *attr)
{
	(void)attr;
	return 0;
}

int pthread_attr_setdetachstate(pthread_attr_t *attr, int state)
{
	if (state != PTHREAD_CREATE_JOINABLE && state != PTHREAD_CREATE_DETACHED)
		return EINVAL;
	attr->detachstate = state;
	return 0;
}

int pthread_attr_getdetachstate(const pthread_attr_t *attr, int *state)
{
	*state = attr->detachstate;
	return 0;
}

int pthread_attr_setstacksize(pthread_attr_t *attr, size_t size)
{
	if (size < PTHREAD_STACK_MIN)
		return EINVAL;
	attr->stacksize = size;
	return 0;
}

int pthread_attr_getstacksize(const pthread_attr_t *restrict attr, size_t *restrict size)
{
	*size = attr->stacksize;
	return 0;
}

/* ---- once and thread-specific data ---- */

/* once: 0 not yet, 1 running (others sleep on the word), 2 done. */
int pthread_once(pthread_once_t *once, void (*fn)(void))
{
	int state = 0;
	if (__atomic_load_n(once, __ATOMIC_ACQUIRE) == 2)
		return 0;
	if (__atomic_compare_exchange_n(once, &state, 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		fn();
		__atomic_store_n(once, 2, __ATOMIC_RELEASE);
		__futex_wake(once, INT_MAX);
		return 0;
	}
	while ((state = __atomic_load_n(once, __ATOMIC_ACQUIRE)) == 1)
		__futex_wait(once, 1, NULL);
	return 0;
}

static int keys_lock;
static unsigned char key_used[PTHREAD_KEYS_MAX];
static void (*key_destructor[PTHREAD_KEYS_MAX])(void *);

int pthread_key_create(pthread_key_t *key, void (*destructor)(void *))
{
	int err = EAGAIN;
	__lock(&keys_lock);
	for (unsigned int k = 0; k < PTHREAD_KEYS_MAX; k++) {
		if (!key_used[k]) {
			key_used[k] = 1;
			key_destructor[k] = destructor;
			*key = k;
			err = 0;
			break;
		}
	}
	__unlock(&keys_lock);
	return err;
}

/* The values other threads hold for the key are not cleared (POSIX leaves that to the
 * program); a key created again later starts from NULL only in threads that reset it. */
int pthread_key_delete(pthread_key_t key)
{
	if (key >= PTHREAD_KEYS_MAX || !key_used[key])
		return EINVAL;
	__lock(&keys_lock);
	key_used[key] = 0;
	key_destructor[key] = NULL;
	__unlock(&keys_lock);
	__pthread_self()->specific[key] = NULL;
	return 0;
}

void *pthread_getspecific(pthread_key_t key)
{
	return key < PTHREAD_KEYS_MAX ? __pthread_self()->specific[key] : NULL;
}

int pthread_setspecific(pthread_key_t key, const void *value)
{
	if (key >= PTHREAD_KEYS_MAX || !key_used[key])
		return EINVAL;
	__pthread_self()->specific[key] = (void *)value;
	return 0;
}

/* Destructors run while any non-NULL value with one remains, at most
 * PTHREAD_DESTRUCTOR_ITERATIONS rounds. */
static void run_destructors(struct pthread *t)
{
	for (int round = 0; round < PTHREAD_DESTRUCTOR_ITERATIONS; round++) {
		int ran = 0;
		for (unsigned int k = 0; k < PTHREAD_KEYS_MAX; k++) {
			void *v = t->specific[k];
			void (*d)(void *) = key_destructor[k];
			if (v && d && key_used[k]) {
				t->specific[k] = NULL;
				d(v);
				ran = 1;
			}
		}
		if (!ran)
			break;
	}
}

/* ---- fork ---- */

#define ATFORK_MAX 32
static struct {
	void (*prepare)(void), (*parent)(void), (*child)(void);
} atfork[ATFORK_MAX];
static int atfork_count;

int pthread_atfork(void (*prepare)(void), void (*parent)(void), void (*child)(void))
{
	int err = ENOMEM;
	__lock(&keys_lock);
	if (atfork_count < ATFORK_MAX) {
		atfork[atfork_count].prepare = prepare;
		atfork[atfork_count].parent = parent;
		atfork[atfork_count].child = child;
		atfork_count++;
		err = 0;
	}
	__unlock(&keys_lock);
	return err;
}

/* fork in a process with threads: the child has only the calling thread (the kernel
 * copies one task). So that malloc and stdio work in the child, fork holds their
 * locks across the system call: no other thread is inside them at that moment. */
pid_t fork(void)
{
	int n = atfork_count;
	for (int i = n - 1; i >= 0; i--) /* prepare: in reverse order of registration */
		if (atfork[i].prepare)
			atfork[i].prepare();
	if (__threaded) {
		__stdio_fork(FORK_PREPARE);
		__malloc_fork(FORK_PREPARE);
	}
	long r = __syscall(SYS_fork, 0, 0, 0, 0, 0, 0);
	if (r == 0) {
		struct pthread *self = __pthread_self();
		if (__threaded) {
			__malloc_fork(FORK_CHILD);
			__stdio_fork(FORK_CHILD);
			self->tid = (int)__syscall(SYS_gettid, 0, 0, 0, 0, 0, 0);
			live_threads = 1;
			keys_lock = 0;
		} else {
			self->tid = 0; /* asked again when needed */
		}
		for (int i = 0; i < n; i++)
			if (atfork[i].child)
				atfork[i].child();
	} else {
		if (__threaded) {
			__malloc_fork(FORK_PARENT);
			__stdio_fork(FORK_PARENT);
		}
		for (int i = 0; i < n; i++)
			if (atfork[i].parent)
				atfork[i].parent();
	}
	return (pid_t)__syscall_ret(r);
}

/* pthread.h: POSIX threads on Linux's clone and futex (pthread.c, pthread_sync.c).
 * A thread is a clone(CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
 * CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID) task on an
 * mmap'd stack; %gs points at its descriptor (errno, thread-specific data, __thread
 * variables below it). pthread_join sleeps on the tid word the kernel clears and
 * futex-wakes when the thread exits. Mutexes, condition variables, once, barriers and
 * semaphores are futex words, private to the process (PTHREAD_PROCESS_SHARED is
 * refused with ENOTSUP: the kernel's futexes are keyed by address space). Not provided:
 * cancellation (pthread_cancel), scheduling policies, robust and priority-inheritance
 * mutexes, read-write locks. */
#ifndef _PTHREAD_H
#define _PTHREAD_H

#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <time.h>

typedef struct pthread *pthread_t;

typedef struct {
	int detachstate;
	size_t stacksize;
} pthread_attr_t;

typedef struct {
	int lock;  /* 0 free, 1 locked, 2 locked and someone may be asleep on it */
	int type;  /* PTHREAD_MUTEX_NORMAL, _RECURSIVE or _ERRORCHECK */
	int owner; /* tid of the holder (recursive and error-checking mutexes) */
	int count; /* recursion depth */
} pthread_mutex_t;

typedef struct {
	int type;
} pthread_mutexattr_t;

typedef struct {
	int seq;   /* bumped by every signal and broadcast; waiters sleep on it */
	int clock; /* of pthread_cond_timedwait's deadline */
} pthread_cond_t;

typedef struct {
	int clock;
} pthread_condattr_t;

typedef int pthread_once_t;
typedef unsigned int pthread_key_t;

typedef struct {
	pthread_mutex_t mutex;
	pthread_cond_t cond;
	unsigned int count, waiting, generation;
} pthread_barrier_t;

typedef struct {
	int unused;
} pthread_barrierattr_t;

#define PTHREAD_CREATE_JOINABLE 0
#define PTHREAD_CREATE_DETACHED 1

#define PTHREAD_MUTEX_NORMAL 0
#define PTHREAD_MUTEX_RECURSIVE 1
#define PTHREAD_MUTEX_ERRORCHECK 2
#define PTHREAD_MUTEX_DEFAULT PTHREAD_MUTEX_NORMAL

#define PTHREAD_PROCESS_PRIVATE 0
#define PTHREAD_PROCESS_SHARED 1

#define PTHREAD_MUTEX_INITIALIZER { 0, PTHREAD_MUTEX_NORMAL, 0, 0 }
#define PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP { 0, PTHREAD_MUTEX_RECURSIVE, 0, 0 }
#define PTHREAD_COND_INITIALIZER { 0, CLOCK_REALTIME }
#define PTHREAD_ONCE_INIT 0

#define PTHREAD_KEYS_MAX 128
#define PTHREAD_DESTRUCTOR_ITERATIONS 4
#define PTHREAD_STACK_MIN 16384
#define PTHREAD_BARRIER_SERIAL_THREAD (-1)

int pthread_create(pthread_t *__restrict thread, const pthread_attr_t *__restrict attr,
                   void *(*start)(void *), void *__restrict arg);
int pthread_join(pthread_t thread, void **result);
int pthread_detach(pthread_t thread);
_Noreturn void pthread_exit(void *result);
pthread_t pthread_self(void);
int pthread_equal(pthread_t a, pthread_t b);
int pthread_once(pthread_once_t *once, void (*fn)(void));
int pthread_kill(pthread_t thread, int sig);
int pthread_sigmask(int how, const sigset_t *__restrict set, sigset_t *__restrict old);
int pthread_atfork(void (*prepare)(void), void (*parent)(void), void (*child)(void));

int pthread_attr_init(pthread_attr_t *attr);
int pthread_attr_destroy(pthread_attr_t *attr);
int pthread_attr_setdetachstate(pthread_attr_t *attr, int state);
int pthread_attr_getdetachstate(const pthread_attr_t *attr, int *state);
int pthread_attr_setstacksize(pthread_attr_t *attr, size_t size);
int pthread_attr_getstacksize(const pthread_attr_t *__restrict attr, size_t *__restrict size);

int pthread_mutex_init(pthread_mutex_t *__restrict m, const pthread_mutexattr_t *__restrict attr);
int pthread_mutex_destroy(pthread_mutex_t *m);
int pthread_mutex_lock(pthread_mutex_t *m);
int pthread_mutex_trylock(pthread_mutex_t *m);
int pthread_mutex_timedlock(pthread_mutex_t *__restrict m, const struct timespec *__restrict abstime);
int pthread_mutex_unlock(pthread_mutex_t *m);
int pthread_mutexattr_init(pthread_mutexattr_t *attr);
int pthread_mutexattr_destroy(pthread_mutexattr_t *attr);
int pthread_mutexattr_settype(pthread_mutexattr_t *attr, int type);
int pthread_mutexattr_gettype(const pthread_mutexattr_t *__restrict attr, int *__restrict type);
int pthread_mutexattr_setpshared(pthread_mutexattr_t *attr, int pshared);

int pthread_cond_init(pthread_cond_t *__restrict c, const pthread_condattr_t *__restrict attr);
int pthread_cond_destroy(pthread_cond_t *c);
int pthread_cond_wait(pthread_cond_t *__restrict c, pthread_mutex_t *__restrict m);
int pthread_cond_timedwait(pthread_cond_t *__restrict c, pthread_mutex_t *__restrict m,
                           const struct timespec *__restrict abstime);
int pthread_cond_signal(pthread_cond_t *c);
int pthread_cond_broadcast(pthread_cond_t *c);
int pthread_condattr_init(pthread_condattr_t *attr);
int pthread_condattr_destroy(pthread_condattr_t *attr);
int pthread_condattr_setclock(pthread_condattr_t *attr, clockid_t clock);
int pthread_condattr_setpshared(pthread_condattr_t *attr, int pshared);

int pthread_barrier_init(pthread_barrier_t *__restrict b, const pthread_barrierattr_t *__restrict attr,
                         unsigned int count);
int pthread_barrier_destroy(pthread_barrier_t *b);
int pthread_barrier_wait(pthread_barrier_t *b);

int pthread_key_create(pthread_key_t *key, void (*destructor)(void *));
int pthread_key_delete(pthread_key_t key);
void *pthread_getspecific(pthread_key_t key);
int pthread_setspecific(pthread_key_t key, const void *value);

/* Cleanup handlers, run by pthread_exit (and by pop with a nonzero argument). */
struct __pthread_cleanup {
	void (*fn)(void *);
	void *arg;
	struct __pthread_cleanup *next;
};
void __pthread_cleanup_push(struct __pthread_cleanup *c, void (*fn)(void *), void *arg);
void __pthread_cleanup_pop(struct __pthread_cleanup *c, int run);
#define pthread_cleanup_push(fn, arg) \
	do {                          \
		struct __pthread_cleanup __cleanup; \
		__pthread_cleanup_push(&__cleanup, (fn), (arg))
#define pthread_cleanup_pop(run)                     \
		__pthread_cleanup_pop(&__cleanup, (run)); \
	} while (0)

#endif

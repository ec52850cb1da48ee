/* pthread_sync.c: mutexes, condition variables, barriers and semaphores, each on a
 * futex word in the program's memory: the kernel is entered only to sleep on a word
 * that still holds the value seen, or to wake its sleepers.
 *
 * Mutex word: 0 free, 1 locked, 2 locked and someone may be asleep (the classic
 * three-state futex mutex: unlock enters the kernel only for 2).
 * Condition variable: a sequence number. A waiter reads it under the mutex, unlocks,
 * and sleeps while it is unchanged; signal and broadcast bump it, then wake one or all
 * (a broadcast wakes every waiter, which then queue on the mutex: no requeue). */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <semaphore.h>
#include <time.h>

#include "internal.h"

static int tid_of_self(void)
{
	return __pthread_tid(__pthread_self());
}

/* abstime on clock, as a relative timeout for FUTEX_WAIT; ETIMEDOUT if past. */
static int relative(const struct timespec *abstime, int clock, struct timespec *rel)
{
	struct timespec now;
	if (abstime->tv_nsec < 0 || abstime->tv_nsec >= 1000000000)
		return EINVAL;
	clock_gettime(clock, &now);
	rel->tv_sec = abstime->tv_sec - now.tv_sec;
	rel->tv_nsec = abstime->tv_nsec - now.tv_nsec;
	if (rel->tv_nsec < 0) {
		rel->tv_sec--;
		rel->tv_nsec += 1000000000;
	}
	return rel->tv_sec < 0 ? ETIMEDOUT : 0;
}

/* ---- mutexes ---- */

int pthread_mutexattr_init(pthread_mutexattr_t *attr)
{
	attr->type = PTHREAD_MUTEX_DEFAULT;
	return 0;
}

int pthread_mutexattr_destroy(pthread_mutexattr_t *attr)
{
	(void)attr;
	return 0;
}

int pthread_mutexattr_settype(pthread_mutexattr_t *attr, int type)
{
	if (type < PTHREAD_MUTEX_NORMAL || type > PTHREAD_MUTEX_ERRORCHECK)
		return EINVAL;
	attr->type = type;
	return 0;
}

int pthread_mutexattr_gettype(const pthread_mutexattr_t *restrict attr, int *restrict type)
{
	*type = attr->type;
	return 0;
}

int pthread_mutexattr_setpshared(pthread_mutexattr_t *attr, int pshared)
{
	(void)attr;
	return pshared == PTHREAD_PROCESS_PRIVATE ? 0 : pshared == PTHREAD_PROCESS_SHARED ? ENOTSUP : EINVAL;
}

int pthread_mutex_init(pthread_mutex_t *restrict m, const pthread_mutexattr_t *restrict attr)
{
	m->lock = 0;
	m->type = attr ? attr->type : PTHREAD_MUTEX_DEFAULT;
	m->owner = 0;
	m->count = 0;
	return 0;
}

int pthread_mutex_destroy(pthread_mutex_t *m)
{
	return m->lock ? EBUSY : 0;
}

/* Takes the word; with a deadline (abstime on CLOCK_REALTIME), gives up at it. */
static int lock_word(int *word, const struct timespec *abstime)
{
	int c = 0;
	if (__atomic_compare_exchange_n(word, &c, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return 0;
	if (c != 2)
		c = __atomic_exchange_n(word, 2, __ATOMIC_ACQUIRE);
	while (c != 0) {
		struct timespec rel;
		if (abstime) {
			int err = relative(abstime, CLOCK_REALTIME, &rel);
			if (err)
				return err;
		}
		__futex_wait(word, 2, abstime ? &rel : NULL);
		c = __atomic_exchange_n(word, 2, __ATOMIC_ACQUIRE);
	}
	return 0;
}

static int mutex_lock(pthread_mutex_t *m, const struct timespec *abstime)
{
	if (m->type != PTHREAD_MUTEX_NORMAL) {
		int self = tid_of_self();
		if (__atomic_load_n(&m->owner, __ATOMIC_RELAXED) == self) {
			if (m->type == PTHREAD_MUTEX_ERRORCHECK)
				return EDEADLK;
			if (m->count == INT_MAX)
				return EAGAIN;
			m->count++;
			return 0;
		}
		int err = lock_word(&m->lock, abstime);
		if (err)
			return err;
		__atomic_store_n(&m->owner, self, __ATOMIC_RELAXED);
		m->count = 1;
		return 0;
	}
	return lock_word(&m->lock, abstime);
}

int pthread_mutex_lock(pthread_mutex_t *m)
{
	return mutex_lock(m, NULL);
}

int pthread_mutex_timedlock(pthread_mutex_t *restrict m, const struct timespec *restrict abstime)
{
	return mutex_lock(m, abstime);
}

int pthread_mutex_trylock(pthread_mutex_t *m)
{
	int c = 0;
	if (m->type == PTHREAD_MUTEX_RECURSIVE &&
	    __atomic_load_n(&m->owner, __ATOMIC_RELAXED) == tid_of_self()) {
		m->count++;
		return 0;
	}
	if (!__atomic_compare_exchange_n(&m->lock, &c, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return EBUSY;
	if (m->type != PTHREAD_MUTEX_NORMAL) {
		__atomic_store_n(&m->owner, tid_of_self(), __ATOMIC_RELAXED);
		m->count = 1;
	}
	return 0;
}

int pthread_mutex_unlock(pthread_mutex_t *m)
{
	if (m->type != PTHREAD_MUTEX_NORMAL) {
		if (__atomic_load_n(&m->owner, __ATOMIC_RELAXED) != tid_of_self())
			return EPERM;
		if (--m->count > 0)
			return 0;
		__atomic_store_n(&m->owner, 0, __ATOMIC_RELAXED);
	}
	__unlock(&m->lock);
	return 0;
}

/* ---- condition variables ---- */

int pthread_condattr_init(pthread_condattr_t *attr)
{
	attr->clock = CLOCK_REALTIME;
	return 0;
}

int pthread_condattr_destroy(pthread_condattr_t *attr)
{
	(void)attr;
	return 0;
}

int pthread_condattr_setclock(pthread_condattr_t *attr, clockid_t clock)
{
	if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC)
		return EINVAL;
	attr->clock = clock;
	return 0;
}

int pthread_condattr_setpshared(pthread_condattr_t *attr, int pshared)
{
	(void)attr;
	return pshared == PTHREAD_PROCESS_PRIVATE ? 0 : pshared == PTHREAD_PROCESS_SHARED ? ENOTSUP : EINVAL;
}

int pthread_cond_init(pthread_cond_t *restrict c, const pthread_condattr_t *restrict attr)
{
	c->seq = 0;
	c->clock = attr ? attr->clock : CLOCK_REALTIME;
	return 0;
}

int pthread_cond_destroy(pthread_cond_t *c)
{
	(void)c;
	return 0;
}

static int cond_wait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *abstime)
{
	struct timespec rel;
	int seq = __atomic_load_n(&c->seq, __ATOMIC_ACQUIRE);
	int err = 0;
	if (abstime) {
		err = relative(abstime, c->clock, &rel);
		if (err == EINVAL)
			return err;
	}
	int count = m->count; /* a recursive mutex is released and retaken whole */
	if (m->type != PTHREAD_MUTEX_NORMAL) {
		if (m->owner != tid_of_self())
			return EPERM;
		m->count = 1;
	}
	pthread_mutex_unlock(m);
	if (!err) {
		/* A signal between our unlock and this sleep changed seq: no sleep (EAGAIN). */
		long r = __futex_wait(&c->seq, seq, abstime ? &rel : NULL);
		if (r == -ETIMEDOUT)
			err = ETIMEDOUT;
	}
	pthread_mutex_lock(m);
	if (m->type != PTHREAD_MUTEX_NORMAL)
		m->count = count;
	return err;
}

int pthread_cond_wait(pthread_cond_t *restrict c, pthread_mutex_t *restrict m)
{
	return cond_wait(c, m, NULL);
}

int pthread_cond_timedwait(pthread_cond_t *restrict c, pthread_mutex_t *restrict m,
                           const struct timespec *restrict abstime)
{
	return cond_wait(c, m, abstime);
}

int pthread_cond_signal(pthread_cond_t *c)
{
	__atomic_add_fetch(&c->seq, 1, __ATOMIC_RELEASE);
	__futex_wake(&c->seq, 1);
	return 0;
}

int pthread_cond_broadcast(pthread_cond_t *c)
{
	__atomic_add_fetch(&c->seq, 1, __ATOMIC_RELEASE);
	__futex_wake(&c->seq, INT_MAX);
	return 0;
}

/* ---- barriers ---- */

int pthread_barrier_init(pthread_barrier_t *restrict b, const pthread_barrierattr_t *restrict attr,
                         unsigned int count)
{
	(void)attr;
	if (count == 0)
		return EINVAL;
	pthread_mutex_init(&b->mutex, NULL);
	pthread_cond_init(&b->cond, NULL);
	b->count = count;
	b->waiting = 0;
	b->generation = 0;
	return 0;
}

int pthread_barrier_destroy(pthread_barrier_t *b)
{
	return b->waiting ? EBUSY : 0;
}

/* The last of `count` arrivals releases the others and gets
 * PTHREAD_BARRIER_SERIAL_THREAD; the rest get 0. */
int pthread_barrier_wait(pthread_barrier_t *b)
{
	pthread_mutex_lock(&b->mutex);
	unsigned int generation = b->generation;
	if (++b->waiting == b->count) {
		b->waiting = 0;
		b->generation++;
		pthread_cond_broadcast(&b->cond);
		pthread_mutex_unlock(&b->mutex);
		return PTHREAD_BARRIER_SERIAL_THREAD;
	}
	while (generation == b->generation)
		pthread_cond_wait(&b->cond, &b->mutex);
	pthread_mutex_unlock(&b->mutex);
	return 0;
}

/* ---- semaphores ---- */

int sem_init(sem_t *sem, int pshared, unsigned int value)
{
	if (value > SEM_VALUE_MAX) {
		errno = EINVAL;
		return -1;
	}
	if (pshared) {
		errno = ENOTSUP;
		return -1;
	}
	sem->value = (int)value;
	sem->waiters = 0;
	return 0;
}

int sem_destroy(sem_t *sem)
{
	(void)sem;
	return 0;
}

int sem_trywait(sem_t *sem)
{
	int v = __atomic_load_n(&sem->value, __ATOMIC_RELAXED);
	while (v > 0)
		if (__atomic_compare_exchange_n(&sem->value, &v, v - 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return 0;
	errno = EAGAIN;
	return -1;
}

static int sem_wait_until(sem_t *sem, const struct timespec *abstime)
{
	for (;;) {
		if (sem_trywait(sem) == 0)
			return 0;
		struct timespec rel;
		if (abstime) {
			int err = relative(abstime, CLOCK_REALTIME, &rel);
			if (err) {
				errno = err;
				return -1;
			}
		}
		__atomic_add_fetch(&sem->waiters, 1, __ATOMIC_SEQ_CST);
		long r = __futex_wait(&sem->value, 0, abstime ? &rel : NULL);
		__atomic_sub_fetch(&sem->waiters, 1, __ATOMIC_SEQ_CST);
		if (r == -EINTR) {
			errno = EINTR; /* sem_wait is interrupted by a signal handler, as on Linux */
			return -1;
		}
	}
}

int sem_wait(sem_t *sem)
{
	return sem_wait_until(sem, NULL);
}

int sem_timedwait(sem_t *restrict sem, const struct timespec *restrict abstime)
{
	return sem_wait_until(sem, abstime);
}

int sem_post(sem_t *sem)
{
	int v = __atomic_load_n(&sem->value, __ATOMIC_RELAXED);
	do {
		if (v == SEM_VALUE_MAX) {
			errno = EOVERFLOW;
			return -1;
		}
	} while (!__atomic_compare_exchange_n(&sem->value, &v, v + 1, 0, __ATOMIC_RELEASE, __ATOMIC_RELAXED));
	if (__atomic_load_n(&sem->waiters, __ATOMIC_SEQ_CST))
		__futex_wake(&sem->value, 1);
	return 0;
}

int sem_getvalue(sem_t *restrict sem, int *restrict value)
{
	*value = __atomic_load_n(&sem->value, __ATOMIC_RELAXED);
	return 0;
}

/* semaphore.h: unnamed POSIX semaphores on a futex word (pthread_sync.c), private to
 * the process: sem_init with pshared nonzero fails with ENOTSUP (the kernel's futexes
 * are keyed by address space). Named semaphores (sem_open) are not provided. */
#ifndef _SEMAPHORE_H
#define _SEMAPHORE_H

#include <time.h>

typedef struct {
	int value;   /* the count; waiters sleep on it while it is 0 */
	int waiters; /* threads in sem_wait: sem_post wakes one only if there are any */
} sem_t;

#define SEM_VALUE_MAX 0x7fffffff

int sem_init(sem_t *sem, int pshared, unsigned int value);
int sem_destroy(sem_t *sem);
int sem_wait(sem_t *sem);
int sem_trywait(sem_t *sem);
int sem_timedwait(sem_t *__restrict sem, const struct timespec *__restrict abstime);
int sem_post(sem_t *sem);
int sem_getvalue(sem_t *__restrict sem, int *__restrict value);

#endif

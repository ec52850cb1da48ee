/* linux/futex.h: futex operations (Linux values) and our futex() wrapper (syscalls.c;
 * glibc has no wrapper, so this one is ours). */
#ifndef _LINUX_FUTEX_H
#define _LINUX_FUTEX_H

struct timespec;

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_FD 2
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAKE_OP 5
#define FUTEX_LOCK_PI 6
#define FUTEX_UNLOCK_PI 7
#define FUTEX_TRYLOCK_PI 8
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10

#define FUTEX_PRIVATE_FLAG 128  /* the futex is not shared with other processes */
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_CMD_MASK (~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME))

#define FUTEX_WAIT_PRIVATE (FUTEX_WAIT | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_PRIVATE (FUTEX_WAKE | FUTEX_PRIVATE_FLAG)

#define FUTEX_BITSET_MATCH_ANY 0xffffffff

/* FUTEX_WAIT: sleep while *uaddr == val (timeout relative, or NULL). FUTEX_WAKE: wake
 * up to val waiters; returns how many woke. */
long futex(int *uaddr, int op, int val, const struct timespec *timeout, int *uaddr2, int val3);

#endif

#ifndef _LINUX_TIME_H
#define _LINUX_TIME_H

#include <linux/jiffies.h>
#include <linux/types.h>

/* The user-visible time structures of Linux i386, and kernel/time.c's helpers that
 * other subsystems (futex, poll and select, itimers) share. */
#define NSEC_PER_SEC  1000000000LL
#define NSEC_PER_USEC 1000LL
#define NSEC_PER_TICK (NSEC_PER_SEC / HZ)

#define CLOCK_REALTIME           0
#define CLOCK_MONOTONIC          1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID  3
#define CLOCK_MONOTONIC_RAW      4
#define CLOCK_REALTIME_COARSE    5
#define CLOCK_MONOTONIC_COARSE   6
#define CLOCK_BOOTTIME           7
#define CLOCK_TAI                11

#define TIMER_ABSTIME 1

struct timespec {                 /* 32-bit time: the original i386 calls */
	long tv_sec, tv_nsec;
};

struct __kernel_timespec {        /* 64-bit time: the *_time64 calls (Linux 5.1) */
	s64 tv_sec;
	s64 tv_nsec;              /* only the low 32 bits count on i386 */
};

struct timeval {
	long tv_sec, tv_usec;
};

/* kernel/time.c */
s64 ktime_get_ns(void);                       /* CLOCK_MONOTONIC, in ns */
int clock_get_ns(int clock, s64 *ns);         /* -EINVAL for an unknown clock */
long ns_to_ticks(s64 ns);                     /* rounded up, at most 0x3fffffff */
/* A user timespec (time64: struct __kernel_timespec) in ns; -EFAULT, or -EINVAL when
 * tv_nsec is outside 0..999999999 or tv_sec is negative. */
int get_user_timespec_ns(const void *uts, bool time64, s64 *ns);
int put_user_timespec_ns(void *uts, bool time64, s64 ns);

#endif

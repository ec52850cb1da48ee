/*
 * kernel/time.c - clocks and sleeping.
 *
 * Monotonic time is jiffies (PIT ticks at HZ) plus how far the PIT's counter has run
 * into the current tick; wall time adds the CMOS clock's reading at boot. Under the
 * instruction-counted clock both are deterministic. nanosleep sleeps whole ticks,
 * rounded up, plus one (the current tick is partly gone), so it never returns early.
 */
#include <abi/forkscope.h>
#include <asm/io.h>
#include <asm/irqflags.h>
#include <asm/timer.h>
#include <asm/uaccess.h>
#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/mc146818rtc.h>
#include <linux/sched.h>
#include <linux/syscalls.h>

#define NSEC_PER_SEC  1000000000LL
#define NSEC_PER_TICK (NSEC_PER_SEC / HZ)

#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID 3
#define CLOCK_MONOTONIC_RAW 4
#define CLOCK_REALTIME_COARSE 5
#define CLOCK_MONOTONIC_COARSE 6
#define CLOCK_BOOTTIME 7

struct timespec {
	long tv_sec, tv_nsec;
};

struct timeval {
	long tv_sec, tv_usec;
};

static long boot_epoch;          /* the CMOS time at boot, seconds since 1970 */
static s64 last_mono_ns;

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static long days_from_civil(int y, int m, int d)
{
	long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void __init time_init(void)
{
	const struct rtc_time *tm = &rtc_boot_time;

	boot_epoch = days_from_civil(tm->tm_year, tm->tm_mon, tm->tm_mday) * 86400L +
		     tm->tm_hour * 3600L + tm->tm_min * 60L + tm->tm_sec;
}

/* Nanoseconds since the PIT started. Never goes backwards. */
static s64 monotonic_ns(void)
{
	unsigned long flags = local_irq_save();
	unsigned long j = jiffies;
	unsigned int count;
	s64 ns;

	outb(0x00, FORKSCOPE_PIT_PORT + 3);          /* latch channel 0 */
	count = inb(FORKSCOPE_PIT_PORT);
	count |= (unsigned int)inb(FORKSCOPE_PIT_PORT) << 8;
	if (count > PIT_LATCH)
		count = PIT_LATCH;
	ns = (s64)j * NSEC_PER_TICK +
	     (s64)(PIT_LATCH - count) * NSEC_PER_SEC / FORKSCOPE_PIT_HZ;
	/* The counter may have wrapped with its interrupt still pending. */
	if (ns < last_mono_ns)
		ns = last_mono_ns;
	last_mono_ns = ns;
	local_irq_restore(flags);
	return ns;
}

static void ns_to_timespec(s64 ns, struct timespec *ts)
{
	ts->tv_sec = (long)(ns / NSEC_PER_SEC);
	ts->tv_nsec = (long)(ns % NSEC_PER_SEC);
}

static int do_clock_gettime(int clock, struct timespec *ts)
{
	s64 ns;

	switch (clock) {
	case CLOCK_REALTIME:
		ns = monotonic_ns() + (s64)boot_epoch * NSEC_PER_SEC;
		break;
	case CLOCK_REALTIME_COARSE:
		ns = (s64)jiffies * NSEC_PER_TICK + (s64)boot_epoch * NSEC_PER_SEC;
		break;
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_BOOTTIME:
		ns = monotonic_ns();
		break;
	case CLOCK_MONOTONIC_COARSE:
		ns = (s64)jiffies * NSEC_PER_TICK;
		break;
	case CLOCK_PROCESS_CPUTIME_ID:
	case CLOCK_THREAD_CPUTIME_ID:
		ns = (s64)(current->utime + current->stime) * NSEC_PER_TICK;
		break;
	default:
		return -EINVAL;
	}
	ns_to_timespec(ns, ts);
	return 0;
}

/* File times: the coarse real-time clock (the last tick), as Linux's current_time. */
s64 current_fs_time(void)
{
	return (s64)jiffies * NSEC_PER_TICK + (s64)boot_epoch * NSEC_PER_SEC;
}

long sys_clock_gettime(int clock, struct timespec *tp)
{
	struct timespec ts;
	int err = do_clock_gettime(clock, &ts);

	if (err)
		return err;
	return copy_to_user(tp, &ts, sizeof(ts)) ? -EFAULT : 0;
}

long sys_clock_getres(int clock, struct timespec *tp)
{
	struct timespec ts = { 0, 1 };

	if (clock < 0 || clock > CLOCK_BOOTTIME)
		return -EINVAL;
	if (clock == CLOCK_REALTIME_COARSE || clock == CLOCK_MONOTONIC_COARSE ||
	    clock == CLOCK_PROCESS_CPUTIME_ID || clock == CLOCK_THREAD_CPUTIME_ID)
		ts.tv_nsec = (long)NSEC_PER_TICK;
	if (tp && copy_to_user(tp, &ts, sizeof(ts)))
		return -EFAULT;
	return 0;
}

long sys_time(long *tloc)
{
	struct timespec ts;

	do_clock_gettime(CLOCK_REALTIME, &ts);
	if (tloc && put_user(ts.tv_sec, tloc))
		return -EFAULT;
	return ts.tv_sec;
}

long sys_gettimeofday(struct timeval *tv, void *tz)
{
	struct timespec ts;
	struct timeval t;
	int zone[2] = { 0, 0 };

	do_clock_gettime(CLOCK_REALTIME, &ts);
	t.tv_sec = ts.tv_sec;
	t.tv_usec = ts.tv_nsec / 1000;
	if (tv && copy_to_user(tv, &t, sizeof(t)))
		return -EFAULT;
	if (tz && copy_to_user(tz, zone, sizeof(zone)))
		return -EFAULT;
	return 0;
}

struct tms {
	long tms_utime, tms_stime, tms_cutime, tms_cstime;
};

long sys_times(struct tms *tbuf)
{
	struct tms t = { (long)current->utime, (long)current->stime, 0, 0 };

	if (tbuf && copy_to_user(tbuf, &t, sizeof(t)))
		return -EFAULT;
	return (long)jiffies;
}

long sys_nanosleep(const struct timespec *rqtp, struct timespec *rmtp)
{
	struct timespec ts;
	s64 ns, ticks;
	long left;

	if (copy_from_user(&ts, rqtp, sizeof(ts)))
		return -EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= NSEC_PER_SEC)
		return -EINVAL;
	ns = (s64)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
	if (!ns)
		return 0;
	ticks = (ns + NSEC_PER_TICK - 1) / NSEC_PER_TICK + 1;
	if (ticks > 0x3fffffff)
		ticks = 0x3fffffff;
	left = (long)ticks;
	while (left > 0) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (signal_pending(current)) {
			set_current_state(TASK_RUNNING);
			break;
		}
		left = schedule_timeout(left);
	}
	set_current_state(TASK_RUNNING);
	if (left <= 0)
		return 0;
	if (rmtp) {
		ns = (s64)(left > 1 ? left - 1 : 0) * NSEC_PER_TICK;
		if (ns > (s64)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec)
			ns = (s64)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
		ns_to_timespec(ns, &ts);
		if (copy_to_user(rmtp, &ts, sizeof(ts)))
			return -EFAULT;
	}
	return -EINTR;
}

/*
 * kernel/time.c - clocks and sleeping.
 *
 * Monotonic time is jiffies (PIT ticks at HZ) plus how far the PIT's counter has run
 * into the current tick; wall time adds the CMOS clock's reading at boot (and whatever
 * clock_settime moved it by). Under the instruction-counted clock both are
 * deterministic. A sleep has a deadline on its clock and sleeps whole ticks until the
 * clock has passed it, so it never returns early. The *_time64 calls (Linux 5.1) take
 * struct __kernel_timespec, 64-bit seconds, so that 32-bit programs live past 2038.
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
#include <linux/time.h>

static long boot_epoch;          /* the CMOS time at boot, seconds since 1970 */
static s64 realtime_offset_ns;   /* CLOCK_REALTIME - CLOCK_MONOTONIC */
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
	realtime_offset_ns = (s64)boot_epoch * NSEC_PER_SEC;
}

long boot_time_seconds(void)
{
	return boot_epoch;
}

/* Nanoseconds since the PIT started. Never goes backwards. */
s64 ktime_get_ns(void)
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

int clock_get_ns(int clock, s64 *ns)
{
	switch (clock) {
	case CLOCK_REALTIME:
	case CLOCK_TAI:          /* no leap-second offset is ever set: TAI reads as UTC */
		*ns = ktime_get_ns() + realtime_offset_ns;
		return 0;
	case CLOCK_REALTIME_COARSE:
		*ns = (s64)jiffies * NSEC_PER_TICK + realtime_offset_ns;
		return 0;
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_BOOTTIME:     /* the machine never suspends */
		*ns = ktime_get_ns();
		return 0;
	case CLOCK_MONOTONIC_COARSE:
		*ns = (s64)jiffies * NSEC_PER_TICK;
		return 0;
	case CLOCK_PROCESS_CPUTIME_ID:
	case CLOCK_THREAD_CPUTIME_ID:
		*ns = (s64)(current->utime + current->stime) * NSEC_PER_TICK;
		return 0;
	}
	return -EINVAL;
}

long ns_to_ticks(s64 ns)
{
	s64 ticks;

	if (ns <= 0)
		return 0;
	ticks = (ns + NSEC_PER_TICK - 1) / NSEC_PER_TICK;
	return ticks > 0x3fffffff ? 0x3fffffff : (long)ticks;
}

int get_user_timespec_ns(const void *uts, bool time64, s64 *ns)
{
	s64 sec;
	long nsec;

	if (time64) {
		struct __kernel_timespec kts;

		if (copy_from_user(&kts, uts, sizeof(kts)))
			return -EFAULT;
		sec = kts.tv_sec;
		nsec = (long)kts.tv_nsec;   /* i386 ignores the upper half, as Linux does */
	} else {
		struct timespec ts;

		if (copy_from_user(&ts, uts, sizeof(ts)))
			return -EFAULT;
		sec = ts.tv_sec;
		nsec = ts.tv_nsec;
	}
	if (sec < 0 || nsec < 0 || nsec >= NSEC_PER_SEC)
		return -EINVAL;
	/* Far-future times saturate (about 292 years). */
	*ns = sec > 9000000000LL ? 9000000000LL * NSEC_PER_SEC : sec * NSEC_PER_SEC + nsec;
	return 0;
}

int put_user_timespec_ns(void *uts, bool time64, s64 ns)
{
	if (time64) {
		struct __kernel_timespec kts = { ns / NSEC_PER_SEC, ns % NSEC_PER_SEC };

		return copy_to_user(uts, &kts, sizeof(kts)) ? -EFAULT : 0;
	} else {
		struct timespec ts;

		ns_to_timespec(ns, &ts);
		return copy_to_user(uts, &ts, sizeof(ts)) ? -EFAULT : 0;
	}
}

static long do_clock_gettime(int clock, void *tp, bool time64)
{
	s64 ns;
	int err = clock_get_ns(clock, &ns);

	return err ? err : put_user_timespec_ns(tp, time64, ns);
}

/* File times: the coarse real-time clock (the last tick), as Linux's current_time. */
s64 current_fs_time(void)
{
	return (s64)jiffies * NSEC_PER_TICK + (s64)boot_epoch * NSEC_PER_SEC;
}

long sys_clock_gettime(int clock, struct timespec *tp)
{
	return do_clock_gettime(clock, tp, false);
}

long sys_clock_gettime64(int clock, struct __kernel_timespec *tp)
{
	return do_clock_gettime(clock, tp, true);
}

static long do_clock_getres(int clock, void *tp, bool time64)
{
	s64 res = 1;   /* the clocks read the PIT's counter: finer than any caller needs */

	if (clock < 0 || (clock > CLOCK_BOOTTIME && clock != CLOCK_TAI))
		return -EINVAL;
	if (clock == CLOCK_REALTIME_COARSE || clock == CLOCK_MONOTONIC_COARSE ||
	    clock == CLOCK_PROCESS_CPUTIME_ID || clock == CLOCK_THREAD_CPUTIME_ID)
		res = NSEC_PER_TICK;
	return tp ? put_user_timespec_ns(tp, time64, res) : 0;
}

long sys_clock_getres(int clock, struct timespec *tp)
{
	return do_clock_getres(clock, tp, false);
}

long sys_clock_getres_time64(int clock, struct __kernel_timespec *tp)
{
	return do_clock_getres(clock, tp, true);
}

/*
 * Only CLOCK_REALTIME can be set, and only by root (euid 0 stands for CAP_SYS_TIME).
 * Linux's order: a clock that cannot be set is -EINVAL, then the pointer (-EFAULT),
 * the value (-EINVAL), the permission (-EPERM).
 */
static long do_clock_settime(int clock, const void *tp, bool time64)
{
	s64 ns;
	int err;

	if (clock != CLOCK_REALTIME)
		return -EINVAL;
	err = get_user_timespec_ns(tp, time64, &ns);
	if (err)
		return err;
	if (current->euid != 0)
		return -EPERM;
	realtime_offset_ns = ns - ktime_get_ns();
	return 0;
}

long sys_clock_settime(int clock, const struct timespec *tp)
{
	return do_clock_settime(clock, tp, false);
}

long sys_clock_settime64(int clock, const struct __kernel_timespec *tp)
{
	return do_clock_settime(clock, tp, true);
}

long sys_time(long *tloc)
{
	s64 ns;
	long sec;

	clock_get_ns(CLOCK_REALTIME, &ns);
	sec = (long)(ns / NSEC_PER_SEC);
	if (tloc && put_user(sec, tloc))
		return -EFAULT;
	return sec;
}

long sys_gettimeofday(struct timeval *tv, void *tz)
{
	struct timeval t;
	int zone[2] = { 0, 0 };
	s64 ns;

	clock_get_ns(CLOCK_REALTIME, &ns);
	t.tv_sec = (long)(ns / NSEC_PER_SEC);
	t.tv_usec = (long)(ns % NSEC_PER_SEC / 1000);
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

/*
 * Sleeps until `clock` reads at least `deadline`: whole ticks at a time, checking the
 * clock after each (a tick may end early in the current one, and CLOCK_REALTIME may be
 * set meanwhile). 0 when the time came, -EINTR when a signal did first.
 */
static long sleep_until(int clock, s64 deadline)
{
	s64 now;

	for (;;) {
		clock_get_ns(clock, &now);
		if (now >= deadline)
			return 0;
		set_current_state(TASK_INTERRUPTIBLE);
		if (signal_pending(current)) {
			set_current_state(TASK_RUNNING);
			return -EINTR;
		}
		schedule_timeout(ns_to_ticks(deadline - now));
		set_current_state(TASK_RUNNING);
	}
}

/*
 * clock_nanosleep: the clocks Linux can sleep on (REALTIME, MONOTONIC, BOOTTIME, TAI);
 * the others it knows are -EOPNOTSUPP (Linux sleeps on CLOCK_PROCESS_CPUTIME_ID too:
 * not yet here), unknown ones -EINVAL. A relative sleep a signal cuts short stores the
 * time left in rmtp and fails with EINTR (the handler runs); an absolute one just fails.
 */
static long do_clock_nanosleep(int clock, int flags, const void *rqtp, void *rmtp, bool time64)
{
	s64 req, start, deadline, now;
	long err;

	switch (clock) {
	case CLOCK_REALTIME: case CLOCK_MONOTONIC: case CLOCK_BOOTTIME: case CLOCK_TAI:
		break;
	case CLOCK_PROCESS_CPUTIME_ID: case CLOCK_THREAD_CPUTIME_ID: case CLOCK_MONOTONIC_RAW:
	case CLOCK_REALTIME_COARSE: case CLOCK_MONOTONIC_COARSE:
		return -EOPNOTSUPP;
	default:
		return -EINVAL;
	}
	err = get_user_timespec_ns(rqtp, time64, &req);
	if (err)
		return err;
	clock_get_ns(clock, &start);
	deadline = (flags & TIMER_ABSTIME) ? req : start + req;
	err = sleep_until(clock, deadline);
	if (!err || (flags & TIMER_ABSTIME) || !rmtp)
		return err;
	clock_get_ns(clock, &now);
	if (put_user_timespec_ns(rmtp, time64, deadline > now ? deadline - now : 0))
		return -EFAULT;
	return err;
}

long sys_clock_nanosleep(int clock, int flags, const struct timespec *rqtp, struct timespec *rmtp)
{
	return do_clock_nanosleep(clock, flags, rqtp, rmtp, false);
}

long sys_clock_nanosleep_time64(int clock, int flags, const struct __kernel_timespec *rqtp,
				struct __kernel_timespec *rmtp)
{
	return do_clock_nanosleep(clock, flags, rqtp, rmtp, true);
}

/* nanosleep is a relative sleep on CLOCK_MONOTONIC, as in Linux. */
long sys_nanosleep(const struct timespec *rqtp, struct timespec *rmtp)
{
	return do_clock_nanosleep(CLOCK_MONOTONIC, 0, rqtp, rmtp, false);
}

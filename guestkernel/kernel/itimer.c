/*
 * kernel/itimer.c - interval timers: alarm, setitimer, getitimer.
 *
 * Each process (signal_struct, shared by its threads) has the three timers Linux has:
 * ITIMER_REAL counts CLOCK_MONOTONIC time and sends SIGALRM; ITIMER_VIRTUAL counts the
 * process's user-mode time and sends SIGVTALRM; ITIMER_PROF counts user and system time
 * and sends SIGPROF. Each may reload itself with an interval. fork gives the child none
 * armed; exec keeps them (POSIX). ITIMER_REAL is a kernel timer whose deadline is kept
 * in nanoseconds, so getitimer reads back exactly what is left; it fires on the first
 * tick at or past the deadline, never early. The CPU-time timers count whole ticks, as
 * Linux 2.6 did: a value is rounded up to ticks, plus one for the tick under way.
 */
#include <asm/irqflags.h>
#include <asm/uaccess.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/signal.h>
#include <linux/syscalls.h>
#include <linux/time.h>
#include <linux/timer.h>

#define ITIMER_REAL    0
#define ITIMER_VIRTUAL 1
#define ITIMER_PROF    2

struct itimerval {
	struct timeval it_interval, it_value;
};

/* The first jiffy at which CLOCK_MONOTONIC has reached ns, or, for a deadline further
 * away than a timer can wait (jiffies are 32 bits), a jiffy on the way there. */
static unsigned long ns_to_jiffies_at(s64 ns)
{
	s64 j = (ns + NSEC_PER_TICK - 1) / NSEC_PER_TICK;

	if (j - (s64)jiffies > 0x3fffffff)
		return jiffies + 0x3fffffff;
	return (unsigned long)j;
}

static void signal_process(int tgid, struct signal_struct *sig, int signo)
{
	struct task_struct *p = find_task_by_pid(tgid);
	struct ksiginfo info = { 0 };

	if (!p || p->signal != sig)
		return;
	info.signo = signo;
	info.code = SI_KERNEL;
	group_send_sig_info(signo, &info, p);
}

/* ITIMER_REAL expired (timer interrupt): SIGALRM, and the next period if any. */
static void it_real_fn(unsigned long data)
{
	struct signal_struct *sig = (struct signal_struct *)data;
	s64 now = ktime_get_ns();

	if (now < sig->it_real_deadline) {   /* a step of a long wait: not yet */
		sig->real_timer.expires = ns_to_jiffies_at(sig->it_real_deadline);
		add_timer(&sig->real_timer);
		return;
	}
	signal_process(sig->it_real_tgid, sig, SIGALRM);
	if (!sig->it_real_incr)
		return;
	sig->it_real_deadline += sig->it_real_incr;
	if (sig->it_real_deadline <= now)   /* periods missed: skip to the next one ahead */
		sig->it_real_deadline += ((now - sig->it_real_deadline) / sig->it_real_incr + 1) *
					 sig->it_real_incr;
	sig->real_timer.expires = ns_to_jiffies_at(sig->it_real_deadline);
	add_timer(&sig->real_timer);
}

void itimers_init(struct signal_struct *sig)
{
	INIT_LIST_HEAD(&sig->real_timer.entry);
	sig->real_timer.function = it_real_fn;
	sig->real_timer.data = (unsigned long)sig;
	sig->it_real_deadline = sig->it_real_incr = 0;
	sig->it_real_tgid = 0;
	sig->it_virt_value = sig->it_virt_incr = 0;
	sig->it_prof_value = sig->it_prof_incr = 0;
}

void exit_itimers(struct signal_struct *sig)
{
	unsigned long flags = local_irq_save();

	del_timer(&sig->real_timer);
	sig->it_real_incr = 0;
	sig->it_virt_value = sig->it_prof_value = 0;
	local_irq_restore(flags);
}

/* Each timer tick, for the task it interrupted. */
void account_itimers(struct task_struct *p, bool user)
{
	struct signal_struct *sig = p->signal;

	if (!sig)
		return;
	if (user && sig->it_virt_value && --sig->it_virt_value == 0) {
		sig->it_virt_value = sig->it_virt_incr;
		signal_process(p->tgid, sig, SIGVTALRM);
	}
	if (sig->it_prof_value && --sig->it_prof_value == 0) {
		sig->it_prof_value = sig->it_prof_incr;
		signal_process(p->tgid, sig, SIGPROF);
	}
}

static s64 timeval_to_ns(const struct timeval *tv)
{
	return (s64)tv->tv_sec * NSEC_PER_SEC + (s64)tv->tv_usec * NSEC_PER_USEC;
}

static void ns_to_timeval(s64 ns, struct timeval *tv)
{
	tv->tv_sec = (long)(ns / NSEC_PER_SEC);
	tv->tv_usec = (long)(ns % NSEC_PER_SEC / NSEC_PER_USEC);
}

static bool timeval_valid(const struct timeval *tv)
{
	return tv->tv_sec >= 0 && tv->tv_usec >= 0 && tv->tv_usec < 1000000;
}

static unsigned long ns_to_cpu_ticks(s64 ns)
{
	return ns ? (unsigned long)ns_to_ticks(ns) + 1 : 0;
}

static void do_getitimer(int which, struct itimerval *v)
{
	struct signal_struct *sig = current->signal;
	unsigned long flags = local_irq_save();
	s64 value = 0, interval = 0;

	switch (which) {
	case ITIMER_REAL:
		if (timer_pending(&sig->real_timer)) {
			value = sig->it_real_deadline - ktime_get_ns();
			if (value <= 0)
				value = NSEC_PER_USEC;   /* about to fire: Linux says 1 us */
			interval = sig->it_real_incr;
		}
		break;
	case ITIMER_VIRTUAL:
		value = (s64)sig->it_virt_value * NSEC_PER_TICK;
		interval = (s64)sig->it_virt_incr * NSEC_PER_TICK;
		break;
	case ITIMER_PROF:
		value = (s64)sig->it_prof_value * NSEC_PER_TICK;
		interval = (s64)sig->it_prof_incr * NSEC_PER_TICK;
		break;
	}
	local_irq_restore(flags);
	ns_to_timeval(value, &v->it_value);
	ns_to_timeval(interval, &v->it_interval);
}

static void do_setitimer(int which, const struct itimerval *v)
{
	struct signal_struct *sig = current->signal;
	s64 value = timeval_to_ns(&v->it_value), interval = timeval_to_ns(&v->it_interval);
	unsigned long flags = local_irq_save();

	switch (which) {
	case ITIMER_REAL:
		del_timer(&sig->real_timer);
		sig->it_real_incr = 0;
		if (value) {
			sig->it_real_incr = interval;
			sig->it_real_tgid = current->tgid;
			sig->it_real_deadline = ktime_get_ns() + value;
			sig->real_timer.expires = ns_to_jiffies_at(sig->it_real_deadline);
			add_timer(&sig->real_timer);
		}
		break;
	case ITIMER_VIRTUAL:
		sig->it_virt_value = ns_to_cpu_ticks(value);
		sig->it_virt_incr = value ? ns_to_cpu_ticks(interval) : 0;
		break;
	case ITIMER_PROF:
		sig->it_prof_value = ns_to_cpu_ticks(value);
		sig->it_prof_incr = value ? ns_to_cpu_ticks(interval) : 0;
		break;
	}
	local_irq_restore(flags);
}

long sys_getitimer(int which, struct itimerval *value)
{
	struct itimerval v;

	if (which < ITIMER_REAL || which > ITIMER_PROF)
		return -EINVAL;
	do_getitimer(which, &v);
	return copy_to_user(value, &v, sizeof(v)) ? -EFAULT : 0;
}

/* A NULL new value disarms the timer, as Linux still allows. */
long sys_setitimer(int which, const struct itimerval *value, struct itimerval *ovalue)
{
	struct itimerval v = { { 0, 0 }, { 0, 0 } }, old;

	if (value && copy_from_user(&v, value, sizeof(v)))
		return -EFAULT;
	if (which < ITIMER_REAL || which > ITIMER_PROF)
		return -EINVAL;
	if (!timeval_valid(&v.it_value) || !timeval_valid(&v.it_interval))
		return -EINVAL;
	do_getitimer(which, &old);
	do_setitimer(which, &v);
	if (ovalue && copy_to_user(ovalue, &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

/* alarm: ITIMER_REAL in whole seconds; returns the seconds that were left, rounded to
 * the nearest and at least 1 if any time was left (Linux's rule). */
long sys_alarm(unsigned int seconds)
{
	struct itimerval v = { { 0, 0 }, { 0, 0 } }, old;

	v.it_value.tv_sec = seconds > 0x7fffffff ? 0x7fffffff : (long)seconds;
	do_getitimer(ITIMER_REAL, &old);
	do_setitimer(ITIMER_REAL, &v);
	if ((!old.it_value.tv_sec && old.it_value.tv_usec) || old.it_value.tv_usec >= 500000)
		old.it_value.tv_sec++;
	return old.it_value.tv_sec;
}

/*
 * kernel/futex.c - fast user-space locking: FUTEX_WAIT and FUTEX_WAKE.
 *
 * User space keeps its lock words in its own memory and enters the kernel only to
 * sleep ("FUTEX_WAIT: sleep while *uaddr still holds val") or to wake sleepers
 * ("FUTEX_WAKE: wake up to n of them"). A sleeper is a futex_q on its own kernel stack,
 * linked on one of a few hashed queues, keyed by (mm, uaddr): the threads of a process
 * share the mm, so they meet on the same key. (Linux keys a futex in a MAP_SHARED page
 * by the page, so separate processes can meet too; that is not done here.)
 *
 * The value check and the sleep cannot miss a wake-up: there is one CPU and the kernel
 * is not preemptible, so no other task runs between reading *uaddr and queueing, and
 * interrupt handlers never wake futexes.
 */
#include <asm/irqflags.h>
#include <asm/uaccess.h>
#include <linux/errno.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/sched.h>
#include <linux/syscalls.h>

#define FUTEX_WAIT         0
#define FUTEX_WAKE         1
#define FUTEX_PRIVATE_FLAG 128   /* the word is not shared with other processes */

#define NSEC_PER_SEC  1000000000LL
#define NSEC_PER_TICK (NSEC_PER_SEC / HZ)

struct timespec {
	long tv_sec, tv_nsec;
};

/* One sleeping waiter. */
struct futex_q {
	struct list_head list;    /* on its hash queue while it waits */
	struct task_struct *task;
	struct mm_struct *mm;     /* with uaddr: the key */
	u32 *uaddr;
	bool woken;               /* set by futex_wake as it takes q off the queue */
};

#define FUTEX_HASH_SIZE 16

static struct list_head futex_queues[FUTEX_HASH_SIZE];

static struct list_head *futex_queue(struct mm_struct *mm, u32 *uaddr)
{
	unsigned long h = ((unsigned long)uaddr >> 2) ^ ((unsigned long)mm >> 6);
	struct list_head *q;

	h ^= h >> 4;
	h ^= h >> 8;
	q = &futex_queues[h % FUTEX_HASH_SIZE];
	if (!q->next)   /* static storage: set up on first use */
		INIT_LIST_HEAD(q);
	return q;
}

/* Wakes up to nr_wake waiters on (mm, uaddr), at least one if any waits (as Linux
 * does for 0); returns how many woke. */
int futex_wake(struct mm_struct *mm, u32 *uaddr, int nr_wake)
{
	struct list_head *head = futex_queue(mm, uaddr);
	struct futex_q *q, *n;
	unsigned long flags = local_irq_save();
	int woken = 0;

	list_for_each_entry_safe(q, n, head, list) {
		if (q->mm != mm || q->uaddr != uaddr)
			continue;
		list_del_init(&q->list);
		q->woken = true;
		wake_up_process(q->task);
		if (++woken >= nr_wake)
			break;
	}
	local_irq_restore(flags);
	return woken;
}

/* Relative timeout to ticks, rounded up, plus one for the tick already under way
 * (the sleep lasts at least that long). Returns -EINVAL or -EFAULT, else ticks. */
static long timeout_ticks(const struct timespec *utime)
{
	struct timespec ts;
	long long ns, ticks;

	if (copy_from_user(&ts, utime, sizeof(ts)))
		return -EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= NSEC_PER_SEC)
		return -EINVAL;
	ns = (long long)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
	if (ns == 0)
		return 0;
	ticks = (ns + NSEC_PER_TICK - 1) / NSEC_PER_TICK + 1;
	return ticks > 0x3fffffff ? 0x3fffffff : (long)ticks;
}

static long futex_wait(u32 *uaddr, u32 val, const struct timespec *utime)
{
	struct futex_q q;
	unsigned long flags;
	long left = 0, ret;
	u32 uval;

	if (utime) {
		left = timeout_ticks(utime);
		if (left < 0)
			return left;
	}
	if ((unsigned long)uaddr % sizeof(u32))
		return -EINVAL;
	if (get_user(uval, uaddr))
		return -EFAULT;
	if (uval != val)
		return -EAGAIN;

	q.task = current;
	q.mm = current->mm;
	q.uaddr = uaddr;
	q.woken = false;
	flags = local_irq_save();
	list_add_tail(&q.list, futex_queue(q.mm, uaddr));
	local_irq_restore(flags);

	for (;;) {
		flags = local_irq_save();
		set_current_state(TASK_INTERRUPTIBLE);
		local_irq_restore(flags);
		ret = 0;
		if (q.woken)
			break;
		ret = -EINTR;
		if (signal_pending(current))
			break;
		ret = -ETIMEDOUT;
		if (utime && left <= 0)
			break;
		if (utime)
			left = schedule_timeout(left);
		else
			schedule();
	}
	flags = local_irq_save();
	set_current_state(TASK_RUNNING);
	list_del_init(&q.list);   /* still queued unless futex_wake took it */
	local_irq_restore(flags);
	return ret;
}

/* Linux i386: futex(uaddr, op, val, timeout, uaddr2, val3); the last two belong to
 * operations not implemented here (requeue, wake-op, bitsets, PI), which get -ENOSYS. */
long sys_futex(u32 *uaddr, int op, u32 val, const struct timespec *utime, u32 *uaddr2, u32 val3)
{
	(void)uaddr2;
	(void)val3;
	switch (op & ~FUTEX_PRIVATE_FLAG) {
	case FUTEX_WAIT:
		return futex_wait(uaddr, val, utime);
	case FUTEX_WAKE:
		if ((unsigned long)uaddr % sizeof(u32))
			return -EINVAL;
		if (!access_ok(uaddr, sizeof(u32)))
			return -EFAULT;
		if (!current->mm)
			return -EINVAL;
		return futex_wake(current->mm, uaddr, (int)val);
	default:
		return -ENOSYS;
	}
}

/*
 * kernel/timer.c - the system tick and kernel timers.
 *
 * The PIT interrupts HZ times a second: jiffies advances, expired timers run (they wake
 * sleepers), and the scheduler charges the tick to the interrupted task.
 */
#include <asm/irqflags.h>
#include <asm/ptrace.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/timer.h>

volatile unsigned long jiffies;

static LIST_HEAD(timers);

void add_timer(struct timer_list *t)
{
	unsigned long flags = local_irq_save();

	list_add_tail(&t->entry, &timers);
	local_irq_restore(flags);
}

void del_timer(struct timer_list *t)
{
	unsigned long flags = local_irq_save();

	if (t->entry.next)
		list_del_init(&t->entry);
	local_irq_restore(flags);
}

bool timer_pending(const struct timer_list *t)
{
	return t->entry.next && !list_empty(&t->entry);
}

static void run_timers(void)
{
	struct timer_list *t, *n;

	list_for_each_entry_safe(t, n, &timers, entry) {
		if (time_after_eq(jiffies, t->expires)) {
			list_del_init(&t->entry);
			t->function(t->data);
		}
	}
}

/* Called from the PIT interrupt HZ times a second, interrupts off. */
void do_timer(struct pt_regs *regs)
{
	jiffies++;
	run_timers();
	scheduler_tick(user_mode(regs));
}

/*
 * kernel/timer.c - the system tick.
 */
#include <linux/jiffies.h>

volatile unsigned long jiffies;

/* Called from the PIT interrupt HZ times a second. The scheduler tick goes here later. */
void do_timer(struct pt_regs *regs)
{
	(void)regs;
	jiffies++;
}

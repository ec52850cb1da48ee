#ifndef _LINUX_TIMER_H
#define _LINUX_TIMER_H

#include <linux/list.h>

/* kernel/timer.c: one-shot callbacks at a given jiffies value, run from the timer
 * interrupt (so they must not sleep). */
struct timer_list {
	struct list_head entry;
	unsigned long expires;
	void (*function)(unsigned long);
	unsigned long data;
};

void add_timer(struct timer_list *t);
void del_timer(struct timer_list *t);
bool timer_pending(const struct timer_list *t);

/* jiffies comparisons that survive wrap-around */
#define time_after_eq(a, b) ((long)((a) - (b)) >= 0)
#define time_before(a, b)   ((long)((a) - (b)) < 0)

#endif

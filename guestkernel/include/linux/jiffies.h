#ifndef _LINUX_JIFFIES_H
#define _LINUX_JIFFIES_H

#include <abi/forkscope.h>

#define HZ FORKSCOPE_KERNEL_HZ

/* Timer ticks since the PIT was started; incremented by the timer interrupt. */
extern volatile unsigned long jiffies;

struct pt_regs;
void do_timer(struct pt_regs *regs);

#endif

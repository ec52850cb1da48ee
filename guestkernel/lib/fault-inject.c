/*
 * lib/fault-inject.c - deterministic allocation failures for fork.
 *
 * fail_nth=N on the kernel command line arms the next fork: its N-th allocation
 * (frame or object cache, counted in the order they happen) returns NULL, as if memory
 * had run out there. Only that one fork is affected, so a sweep over N = 1, 2, ...
 * walks every failure point of copy_process; check=vm then proves each unwinding
 * left nothing behind.
 */
#include <linux/fault-inject.h>
#include <linux/kernel.h>

unsigned int fail_nth;
static bool armed;
static unsigned int count;

void fault_inject_fork_begin(void)
{
	armed = fail_nth != 0;
	count = 0;
}

void fault_inject_fork_end(void)
{
	if (armed)
		fail_nth = 0;   /* the next fork only */
	armed = false;
}

bool should_fail_alloc(void)
{
	if (!armed || ++count != fail_nth)
		return false;
	printk(KERN_DEBUG "fail_nth: allocation %u of this fork fails\n", count);
	return true;
}

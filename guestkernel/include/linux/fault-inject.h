#ifndef _LINUX_FAULT_INJECT_H
#define _LINUX_FAULT_INJECT_H

#include <linux/types.h>

/* lib/fault-inject.c: fail_nth=N makes the N-th allocation (frame or object cache)
 * of the next fork fail, to exercise copy_process's unwinding. */
extern unsigned int fail_nth;
void fault_inject_fork_begin(void);
void fault_inject_fork_end(void);
bool should_fail_alloc(void);

#endif

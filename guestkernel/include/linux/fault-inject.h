#ifndef _LINUX_FAULT_INJECT_H
#define _LINUX_FAULT_INJECT_H

#include <linux/types.h>

/* lib/fault-inject.c: fail_nth=N makes the N-th allocation (frame or object cache)
 * of the next fork fail, to exercise copy_process's unwinding; fail_site=NAME counts
 * only the allocations of that step of fork (fault_site_names). */
extern unsigned int fail_nth;
extern const char *const fault_site_names[];   /* NULL-terminated */
void fault_inject_set_site(const char *name);  /* fail_site=; reports an unknown name */
void fault_site(const char *name);             /* fork: the allocations from here on are name's */
void fault_inject_fork_begin(void);
void fault_inject_fork_end(void);
bool should_fail_alloc(void);

#endif

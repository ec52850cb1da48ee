#ifndef _LINUX_SELFDUMP_H
#define _LINUX_SELFDUMP_H

#include <linux/types.h>

/*
 * kernel/selfdump.c: the kernel's own report of its tasks, address spaces and frames
 * at a stop point (selfdump=POINT, selfhalt=POINT on the command line). The points
 * mean what the host's stop points mean: see guestkernel/README.md, "selfdump".
 */
struct task_struct;

void selfdump_setup(const char *point, bool halt);   /* init/cmdline.c */

/* One hook per point, each exactly where the host's stop point is. */
void selfdump_fork(struct task_struct *p);   /* do_fork: copy_process returned p */
void selfdump_cow(int fault);                /* handle_mm_fault: do_wp_page returned */
void selfdump_exec(int err);                 /* the callers of do_execve: it returned */
void selfdump_exit(struct task_struct *tsk); /* do_exit's first statement */

#endif

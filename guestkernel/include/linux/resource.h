#ifndef _LINUX_RESOURCE_H
#define _LINUX_RESOURCE_H

#include <linux/list.h>
#include <linux/types.h>

/* Linux i386 resource limits: struct rlimit of two unsigned longs, RLIM_INFINITY ~0. */
struct rlimit {
	unsigned long rlim_cur, rlim_max;
};

#include <uapi/asm/resource.h>

/* One per uid that has processes (like Linux's user_struct): how many tasks run
 * under that uid, for RLIMIT_NPROC. The count is charged in copy_process and given
 * back in release_task. root_user (uid 0) always exists. */
struct user_struct {
	int count;          /* references: tasks whose ->user this is, plus lookups */
	int processes;      /* tasks of this uid, counted for RLIMIT_NPROC */
	unsigned int uid;
	struct list_head list;
};

extern struct user_struct root_user;

struct task_struct;
struct signal_struct;

/* kernel/resource.c */
void rlimit_init(struct signal_struct *sig);           /* the limits of the first process */
bool capable_resource(void);                           /* root: exempt from limits */
unsigned long rlimit(unsigned int resource);           /* current's soft limit */
struct user_struct *alloc_uid(unsigned int uid);      /* a reference; NULL: no memory */
void free_uid(struct user_struct *u);
int set_user(unsigned int uid);                        /* setuid: move our count to uid */
int charge_user_process(struct task_struct *p);        /* copy_process: RLIMIT_NPROC */
void uncharge_user_process(struct task_struct *p);     /* release, or fork's unwinding */
unsigned long check_user_counts(void);                 /* check=vm: counts balance */

#endif

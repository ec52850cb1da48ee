/* sched.h: clone flags (Linux values) and scheduling (clone.S, syscalls.c). */
#ifndef _SCHED_H
#define _SCHED_H

#include <sys/types.h>

#define CSIGNAL 0x000000ff              /* signal sent to the parent when the child exits */
#define CLONE_VM 0x00000100             /* share the address space */
#define CLONE_FS 0x00000200             /* share cwd, root, umask */
#define CLONE_FILES 0x00000400          /* share the fd table */
#define CLONE_SIGHAND 0x00000800        /* share signal handlers (needs CLONE_VM) */
#define CLONE_PIDFD 0x00001000
#define CLONE_PTRACE 0x00002000
#define CLONE_VFORK 0x00004000          /* parent sleeps until the child execs or exits */
#define CLONE_PARENT 0x00008000         /* the child gets the caller's parent */
#define CLONE_THREAD 0x00010000         /* same thread group (needs CLONE_SIGHAND) */
#define CLONE_NEWNS 0x00020000
#define CLONE_SYSVSEM 0x00040000
#define CLONE_SETTLS 0x00080000         /* tls argument is a struct user_desc * */
#define CLONE_PARENT_SETTID 0x00100000  /* store the child's tid at *ptid */
#define CLONE_CHILD_CLEARTID 0x00200000 /* clear *ctid and futex-wake it at child exit */
#define CLONE_DETACHED 0x00400000
#define CLONE_UNTRACED 0x00800000
#define CLONE_CHILD_SETTID 0x01000000   /* store the child's tid at *ctid (child's memory) */

/* Runs fn(arg) in a new task on stack (its highest address; it grows down) and exits
 * the task with fn's return value. Extra arguments: pid_t *ptid, void *tls,
 * pid_t *ctid, used as the flags say. Returns the child's tid in the caller. */
int clone(int (*fn)(void *), void *stack, int flags, void *arg, ...);

int sched_yield(void);

#endif

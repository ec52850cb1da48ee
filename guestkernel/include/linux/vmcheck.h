#ifndef _LINUX_VMCHECK_H
#define _LINUX_VMCHECK_H

#include <linux/compiler.h>

/* mm/check.c: the VM invariant checker (check=vm on the command line). */
void vm_check(unsigned long syscall_nr);  /* after a system call; counts violations */
void vm_check_report(void);               /* one summary line (only with check=vm) */
extern unsigned long vm_check_calls, vm_check_violations;

/* One violation: counted, and printed (up to a limit) with the system call it followed. */
void __printf(1, 2) vm_violation(const char *fmt, ...);

/* kernel/check_objects.c: kernel objects, reference counts and pids. */
void check_objects(void);

#endif

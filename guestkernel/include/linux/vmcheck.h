#ifndef _LINUX_VMCHECK_H
#define _LINUX_VMCHECK_H

/* mm/check.c: the VM invariant checker (check=vm on the command line). */
void vm_check(unsigned long syscall_nr);  /* after a system call; counts violations */
void vm_check_report(void);               /* one summary line (only with check=vm) */
extern unsigned long vm_check_calls, vm_check_violations;

#endif

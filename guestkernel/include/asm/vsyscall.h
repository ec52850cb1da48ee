#ifndef _ASM_VSYSCALL_H
#define _ASM_VSYSCALL_H

/* The vsyscall page (arch/vsyscall.c): the vDSO, at the same address in every process. */
#define VDSO_BASE 0xffffe000UL   /* == FORKSCOPE_VDSO_BASE */

#ifndef __ASSEMBLER__
#include <linux/types.h>

/* Addresses inside the vDSO, from its own link (vdso/vdso_syms.py). */
extern const char __kernel_vsyscall[], __kernel_sigreturn[], __kernel_rt_sigreturn[];
extern const char vdso_sysenter_return[];
/* arch/entry.S */
extern char sysenter_entry[], sysenter_entry_traced[];

extern bool vdso_enabled;   /* mapped, and the CPU has sysenter: exec offers it */

void vsyscall_init(void);
/* The kernel stack sysenter switches to: the next task's, on every switch. */
void sysenter_set_stack(unsigned long esp0);
#endif

#endif

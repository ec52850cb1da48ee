#ifndef _ASM_PTRACE_H
#define _ASM_PTRACE_H

#include <linux/types.h>

/*
 * The register frame every interrupt, exception and system call builds on the kernel
 * stack (arch/entry.S), lowest address first. The CPU pushes eip..ss; esp and ss only
 * when it switched from ring 3. Segment pushes are 32-bit slots of which the CPU may
 * write only the low 16 bits, hence the padding halves.
 */
struct pt_regs {
	/* SAVE_ALL */
	u32 ebx, ecx, edx, esi, edi, ebp, eax;
	u16 ds, __dsh;
	u16 es, __esh;
	u16 fs, __fsh;
	u16 gs, __gsh;
	/* the entry stub */
	u32 vector;
	union {
		u32 error_code;  /* exceptions: the CPU's error code or 0 */
		u32 orig_eax;    /* int 0x80: the system call number */
	};
	/* the CPU */
	u32 eip;
	u16 cs, __csh;
	u32 eflags;
	u32 esp;             /* only from ring 3 */
	u16 ss, __ssh;       /* only from ring 3 */
};

static inline bool user_mode(const struct pt_regs *regs) { return (regs->cs & 3) != 0; }

/* The stack pointer at the time of the interrupt: for a ring-0 interrupt the CPU did not
 * push ESP, and the frame ends where esp would have been. */
static inline unsigned long regs_sp(const struct pt_regs *regs)
{
	return user_mode(regs) ? regs->esp : (unsigned long)&regs->esp;
}

#endif

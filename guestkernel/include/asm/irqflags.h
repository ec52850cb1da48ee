#ifndef _ASM_IRQFLAGS_H
#define _ASM_IRQFLAGS_H

/* EFLAGS bits the kernel looks at (arch/entry.S includes this for them). */
#define X86_EFLAGS_TF 0x00000100
#define X86_EFLAGS_IF 0x00000200
#define X86_EFLAGS_DF 0x00000400
#define X86_EFLAGS_NT 0x00004000
#define X86_EFLAGS_VM 0x00020000

#ifndef __ASSEMBLER__
static inline unsigned long local_save_flags(void)
{
	unsigned long flags;
	__asm__ __volatile__("pushfl; popl %0" : "=r"(flags) :: "memory");
	return flags;
}

static inline void local_irq_disable(void) { __asm__ __volatile__("cli" ::: "memory"); }
static inline void local_irq_enable(void)  { __asm__ __volatile__("sti" ::: "memory"); }

static inline unsigned long local_irq_save(void)
{
	unsigned long flags = local_save_flags();
	local_irq_disable();
	return flags;
}

static inline void local_irq_restore(unsigned long flags)
{
	if (flags & X86_EFLAGS_IF)
		local_irq_enable();
}

/* Wait for the next interrupt. "sti; hlt" is atomic: the interrupt shadow of sti
 * covers hlt, so a wakeup cannot slip in between. */
static inline void safe_halt(void) { __asm__ __volatile__("sti; hlt" ::: "memory"); }

#endif

#endif

#ifndef _ASM_IRQ_H
#define _ASM_IRQ_H

#include <abi/forkscope.h>

#define NR_IRQS               16
#define FIRST_EXTERNAL_VECTOR FORKSCOPE_IRQ_BASE_VECTOR  /* IRQ n -> vector 0x20 + n */
#define SYSCALL_VECTOR        FORKSCOPE_SYSCALL_VECTOR

#define TIMER_IRQ   0
#define CASCADE_IRQ 2
#define COM1_IRQ    4
#define RTC_IRQ     8

#ifndef __ASSEMBLER__
struct pt_regs;
void do_IRQ(struct pt_regs *regs);   /* arch/irq.c, called from entry.S */
void init_IRQ(void);
#endif

#endif

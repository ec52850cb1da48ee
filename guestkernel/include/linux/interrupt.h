#ifndef _LINUX_INTERRUPT_H
#define _LINUX_INTERRUPT_H

#include <asm/irq.h>

struct pt_regs;

/* Handlers run with interrupts disabled, after the PIC has been acknowledged. */
typedef void (*irq_handler_t)(unsigned int irq, struct pt_regs *regs);

int request_irq(unsigned int irq, irq_handler_t handler, const char *name);

/* Interrupts seen per IRQ line, and spurious IRQ 7/15 that were ignored. */
extern unsigned long irq_count[NR_IRQS];
extern unsigned long irq_spurious_count;

#endif

#ifndef _ASM_I8259_H
#define _ASM_I8259_H

#include <linux/types.h>

/* drivers/pic.c: the 8259A master/slave pair. */
void init_8259A(void);
void enable_8259A_irq(unsigned int irq);
void disable_8259A_irq(unsigned int irq);
/* True for a spurious IRQ 7/15 (nothing in the ISR); acknowledges as needed. */
bool pic_irq_is_spurious(unsigned int irq);
void pic_eoi(unsigned int irq);

#endif

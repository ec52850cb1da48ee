/*
 * arch/irq.c - dispatch of PIC interrupts (vectors 0x20-0x2f).
 *
 * The PIC is acknowledged before the handler runs, as Linux's mask_and_ack does: a
 * handler that later switches tasks (the timer, once there is a scheduler) must not
 * leave the PIC waiting for an EOI. Handlers run with IF clear (interrupt gates), so
 * the early EOI cannot cause nesting.
 */
#include <asm/i8259.h>
#include <asm/irqflags.h>
#include <asm/irq.h>
#include <asm/ptrace.h>
#include <linux/interrupt.h>
#include <linux/kernel.h>

struct irq_action {
	irq_handler_t handler;
	const char *name;
};

static struct irq_action irq_actions[NR_IRQS];
unsigned long irq_count[NR_IRQS];
unsigned long irq_spurious_count;

int request_irq(unsigned int irq, irq_handler_t handler, const char *name)
{
	unsigned long flags;

	if (irq >= NR_IRQS || !handler || irq_actions[irq].handler)
		return -1;
	flags = local_irq_save();
	irq_actions[irq].handler = handler;
	irq_actions[irq].name = name;
	enable_8259A_irq(irq);
	local_irq_restore(flags);
	return 0;
}

void do_IRQ(struct pt_regs *regs)
{
	unsigned int irq = regs->vector - FIRST_EXTERNAL_VECTOR;

	if (irq >= NR_IRQS)
		panic("do_IRQ: bad vector 0x%x", regs->vector);

	if (pic_irq_is_spurious(irq)) {
		irq_spurious_count++;
		return;
	}
	pic_eoi(irq);
	irq_count[irq]++;

	if (irq_actions[irq].handler)
		irq_actions[irq].handler(irq, regs);
}

void __init init_IRQ(void)
{
	init_8259A();
}

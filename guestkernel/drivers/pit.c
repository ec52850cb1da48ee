/*
 * drivers/pit.c - the 8254 programmable interval timer, channel 0 as the system tick.
 */
#include <abi/forkscope.h>
#include <asm/io.h>
#include <asm/irq.h>
#include <asm/timer.h>
#include <linux/interrupt.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>

#define PIT_CH0   FORKSCOPE_PIT_PORT
#define PIT_MODE  (FORKSCOPE_PIT_PORT + 3)

/* Channel 0, access lobyte then hibyte, mode 2 (rate generator), binary count. */
#define PIT_CMD_CH0_MODE2 0x34

BUILD_BUG_ON(PIT_LATCH > 0xffff);

static void timer_interrupt(unsigned int irq, struct pt_regs *regs)
{
	(void)irq;
	do_timer(regs);
}

void __init pit_init(void)
{
	outb(PIT_CMD_CH0_MODE2, PIT_MODE);
	outb(PIT_LATCH & 0xff, PIT_CH0);
	outb(PIT_LATCH >> 8, PIT_CH0);
	request_irq(TIMER_IRQ, timer_interrupt, "timer");
	printk(KERN_INFO "pit: channel 0 mode 2, %u Hz (divisor %u), irq %d\n", HZ, PIT_LATCH, TIMER_IRQ);
}

/*
 * drivers/pic.c - the two cascaded 8259A interrupt controllers.
 *
 * At reset the master delivers IRQ 0-7 on vectors 8-15, which collide with CPU
 * exceptions; re-initialise both to 0x20-0x27 (master) and 0x28-0x2f (slave, on the
 * master's IR2). Everything starts masked; request_irq() unmasks a line.
 */
#include <abi/forkscope.h>
#include <asm/i8259.h>
#include <asm/io.h>
#include <asm/irq.h>
#include <linux/kernel.h>

#define PIC_MASTER_CMD  FORKSCOPE_PIC_MASTER_PORT
#define PIC_MASTER_IMR  (FORKSCOPE_PIC_MASTER_PORT + 1)
#define PIC_SLAVE_CMD   FORKSCOPE_PIC_SLAVE_PORT
#define PIC_SLAVE_IMR   (FORKSCOPE_PIC_SLAVE_PORT + 1)

#define ICW1_INIT       0x10    /* start initialisation */
#define ICW1_ICW4       0x01    /* ICW4 follows; edge triggered, cascaded */
#define ICW4_8086       0x01
#define OCW2_EOI        0x20    /* non-specific end of interrupt */
#define OCW3_READ_ISR   0x0b

/* Bit n set = IRQ n masked. The cascade line (IRQ 2) is opened with the first slave IRQ. */
static u16 cached_irq_mask = 0xffff;

static void write_masks(void)
{
	outb(cached_irq_mask & 0xff, PIC_MASTER_IMR);
	outb(cached_irq_mask >> 8, PIC_SLAVE_IMR);
}

void enable_8259A_irq(unsigned int irq)
{
	cached_irq_mask &= ~(1u << irq);
	if (irq >= 8)
		cached_irq_mask &= ~(1u << CASCADE_IRQ);
	write_masks();
}

void disable_8259A_irq(unsigned int irq)
{
	cached_irq_mask |= 1u << irq;
	write_masks();
}

static u8 read_isr(u16 cmd_port)
{
	outb(OCW3_READ_ISR, cmd_port);
	return inb(cmd_port);
}

/*
 * An IRQ 7 (or 15) whose request went away before the CPU acknowledged it is delivered
 * anyway, without setting the in-service bit. Spurious 7: no EOI at all (it would end
 * some other in-service IRQ). Spurious 15: the master did see a real request on IR2,
 * so it alone gets an EOI.
 */
bool pic_irq_is_spurious(unsigned int irq)
{
	if (irq == 7 && !(read_isr(PIC_MASTER_CMD) & 0x80))
		return true;
	if (irq == 15 && !(read_isr(PIC_SLAVE_CMD) & 0x80)) {
		outb(OCW2_EOI, PIC_MASTER_CMD);
		return true;
	}
	return false;
}

void pic_eoi(unsigned int irq)
{
	if (irq >= 8)
		outb(OCW2_EOI, PIC_SLAVE_CMD);
	outb(OCW2_EOI, PIC_MASTER_CMD);
}

void __init init_8259A(void)
{
	outb(0xff, PIC_MASTER_IMR);
	outb(0xff, PIC_SLAVE_IMR);

	outb(ICW1_INIT | ICW1_ICW4, PIC_MASTER_CMD);
	outb(FIRST_EXTERNAL_VECTOR, PIC_MASTER_IMR);      /* ICW2: vector base */
	outb(1u << CASCADE_IRQ, PIC_MASTER_IMR);          /* ICW3: slave on IR2 */
	outb(ICW4_8086, PIC_MASTER_IMR);

	outb(ICW1_INIT | ICW1_ICW4, PIC_SLAVE_CMD);
	outb(FIRST_EXTERNAL_VECTOR + 8, PIC_SLAVE_IMR);   /* ICW2 */
	outb(CASCADE_IRQ, PIC_SLAVE_IMR);                 /* ICW3: my cascade identity */
	outb(ICW4_8086, PIC_SLAVE_IMR);

	cached_irq_mask = 0xffff;
	write_masks();
	printk(KERN_INFO "pic: 8259A pair at vectors 0x%02x-0x%02x\n", FIRST_EXTERNAL_VECTOR, FIRST_EXTERNAL_VECTOR + 15);
}

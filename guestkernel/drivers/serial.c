/*
 * drivers/serial.c - the 16550A UART on COM1, the kernel console.
 *
 * Output is polled (wait for THRE, then write THR): simple, and it works before
 * interrupts are set up and from any context. Input is interrupt driven: IRQ 4 on
 * "received data available" moves bytes from the FIFO into a ring buffer.
 */
#include <abi/forkscope.h>
#include <asm/io.h>
#include <asm/irq.h>
#include <asm/irqflags.h>
#include <asm/processor.h>
#include <linux/console.h>
#include <linux/interrupt.h>
#include <linux/kernel.h>
#include <linux/serial.h>

#define COM1 FORKSCOPE_COM1_PORT

/* Register offsets. With LCR.DLAB set, 0 and 1 are the divisor latch instead. */
#define UART_RX   0     /* in:  receive buffer */
#define UART_TX   0     /* out: transmit holding */
#define UART_DLL  0
#define UART_DLM  1
#define UART_IER  1     /* interrupt enable */
#define UART_IIR  2     /* in:  interrupt identification */
#define UART_FCR  2     /* out: FIFO control */
#define UART_LCR  3     /* line control */
#define UART_MCR  4     /* modem control */
#define UART_LSR  5     /* line status */

#define UART_IER_RDI    0x01    /* received data available */
#define UART_FCR_ENABLE 0x01
#define UART_FCR_CLEAR  0x06    /* clear both FIFOs */
#define UART_FCR_TRIG14 0xc0    /* RX interrupt at 14 bytes (or on timeout) */
#define UART_LCR_DLAB   0x80
#define UART_LCR_8N1    0x03
#define UART_MCR_DTR    0x01
#define UART_MCR_RTS    0x02
#define UART_MCR_OUT2   0x08    /* gates the UART's interrupt onto the IRQ line on a PC */
#define UART_LSR_DR     0x01    /* data ready */
#define UART_LSR_THRE   0x20    /* transmit holding register empty */
#define UART_IIR_FIFO   0xc0    /* both bits set: 16550A with working FIFOs */

#define BAUD_BASE 115200
#define BAUD      115200

#define RX_BUF_SIZE 256         /* power of two */
static u8 rx_buf[RX_BUF_SIZE];
static volatile unsigned int rx_head, rx_tail;   /* head: irq writes; tail: reader */
static unsigned long rx_overruns;
static const char *uart_type = "8250";
static void (*rx_handler)(u8 c);   /* the tty's line discipline, once there is one */

void serial_set_rx_handler(void (*handler)(u8 c))
{
	unsigned long flags = local_irq_save();
	int c;

	rx_handler = handler;
	/* What arrived before the tty was listening goes to it first. */
	while (rx_tail != rx_head) {
		c = rx_buf[rx_tail % RX_BUF_SIZE];
		rx_tail++;
		handler((u8)c);
	}
	local_irq_restore(flags);
}

/* Received bytes into the ring buffer, before interrupts (and the tty) take over. */
static void rx_drain(void)
{
	while (inb(COM1 + UART_LSR) & UART_LSR_DR) {
		u8 c = inb(COM1 + UART_RX);

		if (rx_head - rx_tail < RX_BUF_SIZE) {
			rx_buf[rx_head % RX_BUF_SIZE] = c;
			rx_head++;
		} else {
			rx_overruns++;
		}
	}
}

void serial_putc(char c)
{
	/* Bounded wait: a missing or broken UART must not hang the kernel. */
	unsigned int spins = 100000;

	while (!(inb(COM1 + UART_LSR) & UART_LSR_THRE) && --spins)
		cpu_relax();
	outb((u8)c, COM1 + UART_TX);
}

void console_write(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '\n')
			serial_putc('\r');
		serial_putc(s[i]);
	}
}

int serial_getc(void)
{
	unsigned long flags = local_irq_save();
	int c = -1;

	if (rx_tail != rx_head) {
		c = rx_buf[rx_tail % RX_BUF_SIZE];
		rx_tail++;
	}
	local_irq_restore(flags);
	return c;
}

static void serial_interrupt(unsigned int irq, struct pt_regs *regs)
{
	(void)irq;
	(void)regs;
	/* Empty the FIFO; that also clears the RX data and RX timeout conditions. */
	while (inb(COM1 + UART_LSR) & UART_LSR_DR) {
		u8 c = inb(COM1 + UART_RX);

		if (rx_handler) {
			rx_handler(c);
		} else if (rx_head - rx_tail < RX_BUF_SIZE) {
			rx_buf[rx_head % RX_BUF_SIZE] = c;
			rx_head++;
		} else {
			rx_overruns++;
		}
	}
}

void __init serial_init(void)
{
	unsigned int divisor = BAUD_BASE / BAUD;

	outb(0x00, COM1 + UART_IER);                    /* no interrupts while we set up */
	outb(UART_LCR_DLAB, COM1 + UART_LCR);
	outb(divisor & 0xff, COM1 + UART_DLL);
	outb(divisor >> 8, COM1 + UART_DLM);
	outb(UART_LCR_8N1, COM1 + UART_LCR);            /* DLAB off, 8 data bits, no parity, 1 stop */
	/* Switching the FIFOs on empties them: keep a byte that is already waiting (the
	 * host may feed the console before we get here). */
	rx_drain();
	outb(UART_FCR_ENABLE | UART_FCR_CLEAR | UART_FCR_TRIG14, COM1 + UART_FCR);
	outb(UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT2, COM1 + UART_MCR);

	if ((inb(COM1 + UART_IIR) & UART_IIR_FIFO) == UART_IIR_FIFO)
		uart_type = "16550A";
}

void __init serial_init_irq(void)
{
	/* Keep what was typed before we were listening: the tty reads it later. */
	rx_drain();
	request_irq(COM1_IRQ, serial_interrupt, "serial");
	outb(UART_IER_RDI, COM1 + UART_IER);
	printk(KERN_INFO "serial: ttyS0 at 0x%03x (irq %d) is a %s, %u 8N1\n", COM1, COM1_IRQ, uart_type, BAUD);
}

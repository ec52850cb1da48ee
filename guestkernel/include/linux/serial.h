#ifndef _LINUX_SERIAL_H
#define _LINUX_SERIAL_H

#include <linux/types.h>

/* drivers/serial.c: 16550A UART on COM1. */
void serial_init(void);        /* early: line settings, FIFOs, polled output */
void serial_init_irq(void);    /* after the PIC: receive interrupts on IRQ 4 */
void serial_putc(char c);
int serial_getc(void);         /* next received byte, or -1 when the buffer is empty */
/* From now on received bytes go to handler (in interrupt context), not the buffer. */
void serial_set_rx_handler(void (*handler)(u8 c));

#endif

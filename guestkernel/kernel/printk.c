/*
 * kernel/printk.c - printk and panic.
 *
 * printk formats into one static buffer and writes it to the console at once. It may
 * be called from interrupt handlers, so it runs with interrupts disabled.
 */
#include <abi/forkscope.h>
#include <asm/irqflags.h>
#include <linux/console.h>
#include <linux/kernel.h>
#include <linux/reboot.h>

#define PRINTK_BUF_SIZE 1024

int console_loglevel = 7;   /* loglevel= on the command line; not yet used to filter */

static char printk_buf[PRINTK_BUF_SIZE];

static int vprintk(const char *fmt, va_list args)
{
	unsigned long flags = local_irq_save();
	int n = vsnprintf(printk_buf, sizeof(printk_buf), fmt, args);
	size_t len = n < (int)sizeof(printk_buf) ? (size_t)n : sizeof(printk_buf) - 1;

	console_write(printk_buf, len);
	local_irq_restore(flags);
	return n;
}

int printk(const char *fmt, ...)
{
	va_list args;
	int n;

	va_start(args, fmt);
	n = vprintk(fmt, args);
	va_end(args);
	return n;
}

void panic(const char *fmt, ...)
{
	static char buf[256];
	va_list args;

	local_irq_disable();
	va_start(args, fmt);
	vsnprintf(buf, sizeof(buf), fmt, args);
	va_end(args);
	printk("Kernel panic - not syncing: %s\n", buf);
	machine_exit(FORKSCOPE_EXIT_PANIC);
}

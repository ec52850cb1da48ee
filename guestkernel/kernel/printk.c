/*
 * kernel/printk.c - printk and panic.
 *
 * printk formats into one static buffer and writes it to the console at once. It may
 * be called from interrupt handlers, so it runs with interrupts disabled. A leading
 * "<N>" (KERN_*) sets the message's level; messages above console_loglevel are dropped
 * (there is no log buffer to read them back from).
 */
#include <abi/forkscope.h>
#include <asm/irqflags.h>
#include <linux/console.h>
#include <linux/kernel.h>
#include <linux/reboot.h>

#define PRINTK_BUF_SIZE 2304   /* a whole command line fits */

int console_loglevel = CONSOLE_LOGLEVEL_DEFAULT;

static char printk_buf[PRINTK_BUF_SIZE];

int vprintk(const char *fmt, va_list args)
{
	int level = MESSAGE_LOGLEVEL_DEFAULT;
	unsigned long flags;
	size_t len;
	int n;

	if (fmt[0] == '<' && fmt[1] >= '0' && fmt[1] <= '7' && fmt[2] == '>') {
		level = fmt[1] - '0';
		fmt += 3;
	}
	if (level > console_loglevel)
		return 0;

	flags = local_irq_save();
	n = vsnprintf(printk_buf, sizeof(printk_buf), fmt, args);
	len = n < (int)sizeof(printk_buf) ? (size_t)n : sizeof(printk_buf) - 1;
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
	printk(KERN_EMERG "Kernel panic - not syncing: %s\n", buf);
	machine_exit(FORKSCOPE_EXIT_PANIC);
}

/*
 * kernel/printk.c - printk and panic.
 *
 * printk formats into one static buffer and writes it to the console at once. It may
 * be called from interrupt handlers, so it runs with interrupts disabled. A leading
 * "<N>" (KERN_*) sets the message's level; messages above console_loglevel are dropped
 * (there is no log buffer to read them back from).
 *
 * The command line (quiet, loglevel=) is parsed after the first boot lines are printed.
 * As Linux keeps those in its log buffer until a console registers, messages wait in
 * early_log until console_enable() replays them through the loglevel then in effect;
 * machine_exit() calls console_enable() too, so a panic or oops before it still shows.
 */
#include <abi/forkscope.h>
#include <asm/irqflags.h>
#include <linux/console.h>
#include <linux/kernel.h>
#include <linux/reboot.h>
#include <linux/string.h>

#define PRINTK_BUF_SIZE 2304   /* a whole command line fits */

int console_loglevel = CONSOLE_LOGLEVEL_DEFAULT;

static char printk_buf[PRINTK_BUF_SIZE];

/* Early messages: a level byte, the text, a NUL; one after another. */
static char early_log[2048];
static size_t early_len;
static bool console_enabled;

static void emit(int level, const char *text, size_t len)
{
	if (level <= console_loglevel)
		console_write(text, len);
}

/* Keeps a message for console_enable(); false when it does not fit. */
static bool log_early(int level, const char *text, size_t len)
{
	if (early_len + len + 2 > sizeof(early_log))
		return false;
	early_log[early_len++] = (char)level;
	memcpy(early_log + early_len, text, len);
	early_len += len;
	early_log[early_len++] = '\0';
	return true;
}

void console_enable(void)
{
	unsigned long flags = local_irq_save();
	size_t pos = 0;

	console_enabled = true;
	while (pos < early_len) {
		int level = early_log[pos++];
		size_t len = strlen(early_log + pos);

		emit(level, early_log + pos, len);
		pos += len + 1;
	}
	early_len = 0;
	local_irq_restore(flags);
}

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
	if (console_enabled && level > console_loglevel)
		return 0;

	flags = local_irq_save();
	n = vsnprintf(printk_buf, sizeof(printk_buf), fmt, args);
	len = n < (int)sizeof(printk_buf) ? (size_t)n : sizeof(printk_buf) - 1;
	if (console_enabled || !log_early(level, printk_buf, len))
		emit(level, printk_buf, len);
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

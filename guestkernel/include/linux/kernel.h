#ifndef _LINUX_KERNEL_H
#define _LINUX_KERNEL_H

#include <linux/compiler.h>
#include <linux/stdarg.h>
#include <linux/types.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define offsetof(type, member) __builtin_offsetof(type, member)
#define ALIGN(x, a)   (((x) + (a) - 1) & ~((__typeof__(x))(a) - 1))
#define min(a, b)     ((a) < (b) ? (a) : (b))
#define max(a, b)     ((a) > (b) ? (a) : (b))
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - __builtin_offsetof(type, member)))

#define BUILD_BUG_ON(cond) _Static_assert(!(cond), #cond)

/* lib/vsprintf.c */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list args);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

/* kernel/printk.c. A message may start with a level; it reaches the console when its
 * level <= console_loglevel (loglevel= on the command line; 7 shows everything). A
 * message without a level has MESSAGE_LOGLEVEL_DEFAULT. The boot lines (banner, memory,
 * drivers, self-check, "exit: status") are KERN_INFO, as in Linux: shown by default,
 * hidden by "quiet", which keeps notices and anything more urgent (check=vm's summary
 * is a notice; oopses, warnings and errors are more urgent). Per-event chatter (each
 * exec, user faults, "Run ... as init process") is KERN_DEBUG. */
#define KERN_EMERG   "<0>"
#define KERN_ALERT   "<1>"
#define KERN_CRIT    "<2>"
#define KERN_ERR     "<3>"
#define KERN_WARNING "<4>"
#define KERN_NOTICE  "<5>"
#define KERN_INFO    "<6>"
#define KERN_DEBUG   "<7>"
#define MESSAGE_LOGLEVEL_DEFAULT 4
#define CONSOLE_LOGLEVEL_DEFAULT 6     /* everything but debug */
#define CONSOLE_LOGLEVEL_QUIET   5     /* "quiet": notices, warnings, errors */

int printk(const char *fmt, ...) __printf(1, 2);
int vprintk(const char *fmt, va_list args);
void panic(const char *fmt, ...) __printf(1, 2) __noreturn;
extern int console_loglevel;
/* Replays the messages printed before the command line was parsed (kernel/printk.c). */
void console_enable(void);

#define BUG_ON(cond) \
	do { if (unlikely(cond)) panic("BUG at %s:%d: %s", __FILE__, __LINE__, #cond); } while (0)

#endif

#ifndef _LINUX_CONSOLE_H
#define _LINUX_CONSOLE_H

#include <linux/types.h>

/* The kernel console (COM1 for now): '\n' goes out as "\r\n" like a Linux serial console. */
void console_write(const char *s, size_t n);

#endif

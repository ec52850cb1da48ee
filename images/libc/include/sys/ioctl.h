/* sys/ioctl.h: ioctl and the terminal requests we use (Linux x86 numbers). */
#ifndef _SYS_IOCTL_H
#define _SYS_IOCTL_H

#include <asm/ioctls.h>   /* the requests, shared with the kernel */

struct winsize {
	unsigned short ws_row;
	unsigned short ws_col;
	unsigned short ws_xpixel;
	unsigned short ws_ypixel;
};

int ioctl(int fd, unsigned long request, ...);

#endif

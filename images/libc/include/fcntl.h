/* fcntl.h: open flags (Linux asm-generic octal values) and open/fcntl (syscalls.c). */
#ifndef _FCNTL_H
#define _FCNTL_H

#include <sys/types.h>

#include <asm/fcntl.h>   /* open flags, fcntl commands: shared with the kernel */

#define AT_FDCWD (-100)

int open(const char *path, int flags, ...); /* mode_t mode when O_CREAT */
int creat(const char *path, mode_t mode);
int fcntl(int fd, int cmd, ...);

#endif

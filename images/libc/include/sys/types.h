/* sys/types.h: the POSIX system types as the Linux i386 ABI sizes them. */
#ifndef _SYS_TYPES_H
#define _SYS_TYPES_H

#include <stddef.h>

typedef int ssize_t;
typedef int pid_t;
typedef unsigned int uid_t; /* 32-bit ids: we use the *32 syscalls (getuid32 ...) */
typedef unsigned int gid_t;
typedef unsigned int mode_t;
typedef long off_t;              /* lseek's 32-bit offset */
typedef long long off64_t;
typedef unsigned long long dev_t;
typedef unsigned long long ino_t;
typedef unsigned int nlink_t;
typedef long blksize_t;
typedef long long blkcnt_t;
typedef long time_t;       /* 32-bit seconds: the i386 time and clock_gettime syscalls */
typedef long suseconds_t;
typedef int clockid_t;
typedef int id_t;

#endif

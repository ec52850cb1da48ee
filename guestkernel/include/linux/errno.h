#ifndef _LINUX_ERRNO_H
#define _LINUX_ERRNO_H

/* Linux i386 error numbers: system calls return -Exxx in EAX. */
#define EPERM    1
#define ENOENT   2
#define ESRCH    3
#define EINTR    4
#define EIO      5
#define ENXIO    6
#define E2BIG    7
#define ENOEXEC  8
#define EBADF    9
#define ECHILD  10
#define EAGAIN  11
#define ENOMEM  12
#define EACCES  13
#define EFAULT  14
#define EBUSY   16
#define EXDEV           18
#define EEXIST  17
#define ENODEV  19
#define ENOTDIR 20
#define EISDIR  21
#define EINVAL  22
#define ENFILE  23
#define EMFILE  24
#define ENOTTY  25
#define ETXTBSY 26
#define EFBIG   27
#define ENOSPC  28
#define ESPIPE  29
#define EROFS   30
#define EMLINK  31
#define EPIPE   32
#define EDOM    33
#define ERANGE  34
#define ENAMETOOLONG 36
#define ENOSYS  38
#define ENOTEMPTY 39
#define ELOOP   40
#define EOVERFLOW 75
#define EOPNOTSUPP 95
#define ETIMEDOUT 110

/* Never seen by user space: a system call interrupted by a signal returns one of these,
 * and the signal code turns it into a restart or -EINTR (kernel/signal.c). */
#define ERESTARTSYS    512   /* restart if the handler has SA_RESTART */
#define ERESTARTNOINTR 513   /* always restart */
#define ERESTARTNOHAND 514   /* restart only if no handler ran */

#define MAX_ERRNO 4095
#define IS_ERR_VALUE(x) ((unsigned long)(x) >= (unsigned long)-MAX_ERRNO)
#ifndef __ASSEMBLER__   /* arch/entry.S includes this for the numbers */
static inline void *ERR_PTR(long error) { return (void *)error; }
static inline long PTR_ERR(const void *ptr) { return (long)ptr; }
static inline int IS_ERR(const void *ptr) { return IS_ERR_VALUE((unsigned long)ptr); }
#endif

#endif

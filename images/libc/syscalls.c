/* syscalls.c: thin wrappers, one system call each. The raw result goes through
 * __syscall_ret, which turns -errno into errno and -1. */
#include <asm/ldt.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#define RET(r) __syscall_ret(r)

/* ---- files and descriptors ---- */

ssize_t read(int fd, void *buf, size_t n)
{
	return RET(syscall3(SYS_read, fd, (long)buf, (long)n));
}

ssize_t write(int fd, const void *buf, size_t n)
{
	return RET(syscall3(SYS_write, fd, (long)buf, (long)n));
}

ssize_t readv(int fd, const struct iovec *iov, int count)
{
	return RET(syscall3(SYS_readv, fd, (long)iov, count));
}

ssize_t writev(int fd, const struct iovec *iov, int count)
{
	return RET(syscall3(SYS_writev, fd, (long)iov, count));
}

int open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	if (flags & O_CREAT) { /* the mode argument exists only then */
		va_list ap;
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	return RET(syscall3(SYS_open, (long)path, flags, (long)mode));
}

int creat(const char *path, mode_t mode)
{
	return open(path, O_CREAT | O_WRONLY | O_TRUNC, mode);
}

int close(int fd)
{
	return RET(syscall1(SYS_close, fd));
}

off_t lseek(int fd, off_t offset, int whence)
{
	return RET(syscall3(SYS_lseek, fd, offset, whence));
}

int pipe(int fds[2])
{
	return RET(syscall1(SYS_pipe, (long)fds));
}

int pipe2(int fds[2], int flags)
{
	return RET(syscall2(SYS_pipe2, (long)fds, flags));
}

int dup(int fd)
{
	return RET(syscall1(SYS_dup, fd));
}

int dup2(int oldfd, int newfd)
{
	return RET(syscall2(SYS_dup2, oldfd, newfd));
}

int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	va_start(ap, cmd);
	long arg = va_arg(ap, long); /* harmless to read when cmd takes none */
	va_end(ap);
	return RET(syscall3(SYS_fcntl, fd, cmd, arg));
}

int ioctl(int fd, unsigned long request, ...)
{
	va_list ap;
	va_start(ap, request);
	long arg = va_arg(ap, long);
	va_end(ap);
	return RET(syscall3(SYS_ioctl, fd, (long)request, arg));
}

ssize_t getdents64(int fd, void *buf, size_t size)
{
	return RET(syscall3(SYS_getdents64, fd, (long)buf, (long)size));
}

int stat(const char *restrict path, struct stat *restrict st)
{
	return RET(syscall2(SYS_stat64, (long)path, (long)st));
}

int lstat(const char *restrict path, struct stat *restrict st)
{
	return RET(syscall2(SYS_lstat64, (long)path, (long)st));
}

int fstat(int fd, struct stat *st)
{
	return RET(syscall2(SYS_fstat64, fd, (long)st));
}

int mkdir(const char *path, mode_t mode)
{
	return RET(syscall2(SYS_mkdir, (long)path, (long)mode));
}

int rmdir(const char *path)
{
	return RET(syscall1(SYS_rmdir, (long)path));
}

int unlink(const char *path)
{
	return RET(syscall1(SYS_unlink, (long)path));
}

int link(const char *old, const char *new)
{
	return RET(syscall2(SYS_link, (long)old, (long)new));
}

int symlink(const char *target, const char *path)
{
	return RET(syscall2(SYS_symlink, (long)target, (long)path));
}

ssize_t readlink(const char *__restrict path, char *__restrict buf, size_t size)
{
	return RET(syscall3(SYS_readlink, (long)path, (long)buf, (long)size));
}

int rename(const char *old, const char *new)
{
	return RET(syscall2(SYS_rename, (long)old, (long)new));
}

int truncate(const char *path, off_t length)
{
	return RET(syscall2(SYS_truncate, (long)path, length));
}

int ftruncate(int fd, off_t length)
{
	return RET(syscall2(SYS_ftruncate, fd, length));
}

int fsync(int fd)
{
	return RET(syscall1(SYS_fsync, fd));
}

int access(const char *path, int mode)
{
	return RET(syscall2(SYS_access, (long)path, mode));
}

int chmod(const char *path, mode_t mode)
{
	return RET(syscall2(SYS_chmod, (long)path, (long)mode));
}

int fchmod(int fd, mode_t mode)
{
	return RET(syscall2(SYS_fchmod, fd, (long)mode));
}

mode_t umask(mode_t mask)
{
	return (mode_t)syscall1(SYS_umask, (long)mask); /* cannot fail */
}

int chdir(const char *path)
{
	return RET(syscall1(SYS_chdir, (long)path));
}

char *getcwd(char *buf, size_t size)
{
	char *mine = NULL;
	if (!buf) { /* the common extension: allocate when given no buffer */
		size = size ? size : PATH_MAX;
		buf = mine = malloc(size);
		if (!buf)
			return NULL;
	}
	/* The syscall returns the length including the NUL, not a pointer. */
	if (RET(syscall2(SYS_getcwd, (long)buf, (long)size)) < 0) {
		free(mine);
		return NULL;
	}
	return buf;
}

/* ---- processes ---- */

/* fork is in pthread.c: with threads it holds malloc's and stdio's locks across. */

int execve(const char *path, char *const argv[], char *const envp[])
{
	return RET(syscall3(SYS_execve, (long)path, (long)argv, (long)envp));
}

int execv(const char *path, char *const argv[])
{
	return execve(path, argv, environ);
}

_Noreturn void _exit(int status)
{
	/* exit_group ends every thread of the process; exit would end only this one. */
	for (;;)
		syscall1(SYS_exit_group, status);
}

pid_t wait4(pid_t pid, int *status, int options, struct rusage *ru)
{
	return RET(syscall4(SYS_wait4, pid, (long)status, options, (long)ru));
}

pid_t waitpid(pid_t pid, int *status, int options)
{
	return wait4(pid, status, options, NULL);
}

pid_t wait(int *status)
{
	return wait4(-1, status, 0, NULL);
}

int kill(pid_t pid, int sig)
{
	return RET(syscall2(SYS_kill, pid, sig));
}

/* These cannot fail. */
pid_t getpid(void) { return syscall0(SYS_getpid); }
pid_t getppid(void) { return syscall0(SYS_getppid); }
pid_t gettid(void) { return syscall0(SYS_gettid); }
uid_t getuid(void) { return syscall0(SYS_getuid32); }
uid_t geteuid(void) { return syscall0(SYS_geteuid32); }
gid_t getgid(void) { return syscall0(SYS_getgid32); }
gid_t getegid(void) { return syscall0(SYS_getegid32); }

int sched_yield(void)
{
	return RET(syscall0(SYS_sched_yield));
}

int uname(struct utsname *buf)
{
	return RET(syscall1(SYS_uname, (long)buf));
}

int getrlimit(int resource, struct rlimit *rl)
{
	return RET(syscall2(SYS_ugetrlimit, resource, (long)rl));
}

int setrlimit(int resource, const struct rlimit *rl)
{
	return RET(syscall2(SYS_setrlimit, resource, (long)rl));
}

long syscall(long number, ...)
{
	va_list ap;
	va_start(ap, number);
	long a = va_arg(ap, long), b = va_arg(ap, long), c = va_arg(ap, long);
	long d = va_arg(ap, long), e = va_arg(ap, long), f = va_arg(ap, long);
	va_end(ap);
	return RET(__syscall(number, a, b, c, d, e, f));
}

/* ---- memory ---- */

/* The kernel's idea of the program break; learned on first use. */
static unsigned long cur_brk;

int brk(void *addr)
{
	/* Linux's brk returns the new break, or the old one if it could not move. */
	unsigned long r = syscall1(SYS_brk, (long)addr);
	cur_brk = r;
	if (r < (unsigned long)addr) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

void *sbrk(ptrdiff_t increment)
{
	if (!cur_brk)
		cur_brk = syscall1(SYS_brk, 0);
	unsigned long old = cur_brk;
	if (increment == 0)
		return (void *)old;
	unsigned long want = old + increment;
	if ((increment > 0 && want < old) || (increment < 0 && want > old)) {
		errno = ENOMEM;
		return (void *)-1;
	}
	cur_brk = syscall1(SYS_brk, (long)want);
	if (cur_brk != want) {
		errno = ENOMEM;
		return (void *)-1;
	}
	return (void *)old;
}

void *mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset)
{
	/* mmap2 takes the offset in 4096-byte pages. */
	if (offset & 4095) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	long r = syscall6(SYS_mmap2, (long)addr, (long)length, prot, flags, fd,
	                  (unsigned long)offset >> 12);
	return (void *)RET(r);
}

int munmap(void *addr, size_t length)
{
	return RET(syscall2(SYS_munmap, (long)addr, (long)length));
}

int mprotect(void *addr, size_t length, int prot)
{
	return RET(syscall3(SYS_mprotect, (long)addr, (long)length, prot));
}

/* ---- threads ---- */

long futex(int *uaddr, int op, int val, const struct timespec *timeout, int *uaddr2, int val3)
{
	return RET(syscall6(SYS_futex, (long)uaddr, op, val, (long)timeout, (long)uaddr2, val3));
}

int set_thread_area(struct user_desc *u)
{
	return RET(syscall1(SYS_set_thread_area, (long)u));
}

pid_t set_tid_address(int *tidptr)
{
	return syscall1(SYS_set_tid_address, (long)tidptr);
}

/* unistd.h: POSIX process, file descriptor and memory calls (syscalls.c, time.c,
 * tty.c, vfork.S). */
#ifndef _UNISTD_H
#define _UNISTD_H

#include <stddef.h>
#include <sys/types.h>

#define STDIN_FILENO 0
#define STDOUT_FILENO 1
#define STDERR_FILENO 2

#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2

extern char **environ; /* set by crt0 from the initial stack */

ssize_t read(int fd, void *buf, size_t n);
ssize_t write(int fd, const void *buf, size_t n);
int close(int fd);
off_t lseek(int fd, off_t offset, int whence);
int pipe(int fds[2]);
int pipe2(int fds[2], int flags);
int dup(int fd);
int dup2(int oldfd, int newfd);
int isatty(int fd);
char *getcwd(char *buf, size_t size);
int chdir(const char *path);
int unlink(const char *path);
int rmdir(const char *path);
int link(const char *old, const char *new);
int symlink(const char *target, const char *path);
ssize_t readlink(const char *__restrict path, char *__restrict buf, size_t size);
int truncate(const char *path, off_t length);
int ftruncate(int fd, off_t length);
int fsync(int fd);
#define F_OK 0
#define X_OK 1
#define W_OK 2
#define R_OK 4
int access(const char *path, int mode);

pid_t fork(void);
pid_t vfork(void);
int execve(const char *path, char *const argv[], char *const envp[]);
int execv(const char *path, char *const argv[]);
_Noreturn void _exit(int status);

pid_t getpid(void);
pid_t getppid(void);
pid_t gettid(void);
uid_t getuid(void);
uid_t geteuid(void);
gid_t getgid(void);
gid_t getegid(void);

int brk(void *addr);
void *sbrk(ptrdiff_t increment);

unsigned int sleep(unsigned int seconds);
int usleep(unsigned int usec);
unsigned int alarm(unsigned int seconds); /* SIGALRM after that many seconds; 0 cancels */
int pause(void);                          /* sleeps until a signal is caught: -1, EINTR */

/* The raw Linux entry: syscall(SYS_write, 1, "x", 1). Returns -1 and sets errno on
 * error, like glibc's. */
long syscall(long number, ...);

/* Linux thread support: the kernel writes 0 to *tidptr and futex-wakes it when this
 * thread exits. Returns the caller's tid. */
pid_t set_tid_address(int *tidptr);

#endif

#ifndef _LINUX_SYSCALLS_H
#define _LINUX_SYSCALLS_H

#include <linux/fs.h>
#include <linux/signal.h>
#include <linux/types.h>

/* Every system call the table in kernel/syscall.c knows, by subsystem. */
struct iovec;
struct stat64;
struct timespec;
struct timeval;
struct tms;
struct rlimit;
struct new_utsname;
struct user_desc;

/* kernel/exit.c, kernel/fork.c */
long sys_exit(int error_code);
long sys_exit_group(int error_code);
long sys_wait4(int pid, int *stat_addr, int options, void *ru);
long sys_waitpid(int pid, int *stat_addr, int options);
long sys_fork(void);
long sys_vfork(void);
long sys_clone(unsigned long flags, unsigned long newsp, int *parent_tidptr,
	       unsigned long tls, int *child_tidptr);

/* kernel/sys.c */
long sys_getpid(void);
long sys_gettid(void);
long sys_getppid(void);
long sys_getuid(void);
long sys_geteuid(void);
long sys_getgid(void);
long sys_getegid(void);
long sys_setuid(unsigned int uid);
long sys_setgid(unsigned int gid);
long sys_getpgrp(void);
long sys_getpgid(int pid);
long sys_getsid(int pid);
long sys_setpgid(int pid, int pgid);
long sys_setsid(void);
long sys_uname(struct new_utsname *name);
long sys_getrlimit(unsigned int resource, struct rlimit *rlim);
long sys_setrlimit(unsigned int resource, const struct rlimit *rlim);
long sys_setresuid(unsigned int ruid, unsigned int euid, unsigned int suid);
long sys_getresuid(unsigned int *ruid, unsigned int *euid, unsigned int *suid);
long sys_set_tid_address(int *tidptr);
long sys_futex(u32 *uaddr, int op, u32 val, const struct timespec *utime, u32 *uaddr2, u32 val3);
long sys_sched_yield(void);

/* kernel/resource.c (getrlimit and setrlimit above live there too) */
struct rlimit64;
struct sysinfo;
long sys_ugetrlimit(unsigned int resource, struct rlimit *rlim);
long sys_prlimit64(int pid, unsigned int resource, const struct rlimit64 *new_rlim,
		   struct rlimit64 *old_rlim);
long sys_sysinfo(struct sysinfo *info);

/* kernel/time.c */
long sys_time(long *tloc);
long sys_clock_gettime(int clock, struct timespec *tp);
long sys_clock_getres(int clock, struct timespec *tp);
long sys_gettimeofday(struct timeval *tv, void *tz);
long sys_times(struct tms *tbuf);
long sys_nanosleep(const struct timespec *rqtp, struct timespec *rmtp);
void time_init(void);

/* kernel/signal.c, arch/signal.c */
long sys_kill(int pid, int sig);
long sys_tkill(int pid, int sig);
long sys_tgkill(int tgid, int pid, int sig);
long sys_rt_sigaction(int sig, const struct k_sigaction *act, struct k_sigaction *oact,
		      size_t sigsetsize);
long sys_rt_sigprocmask(int how, const sigset_t *set, sigset_t *oset, size_t sigsetsize);
long sys_rt_sigpending(sigset_t *set, size_t sigsetsize);
long sys_rt_sigsuspend(const sigset_t *unewset, size_t sigsetsize);
long sys_sigreturn(void);
long sys_rt_sigreturn(void);
long sys_sigaltstack(const void *uss, void *uoss);

/* mm/mmap.c */
long sys_brk(unsigned long brk);
long sys_mmap2(unsigned long addr, unsigned long len, unsigned long prot,
	       unsigned long flags, unsigned long fd, unsigned long pgoff);
long sys_munmap(unsigned long addr, unsigned long len);
long sys_mprotect(unsigned long start, unsigned long len, unsigned long prot);

/* fs/ */
long sys_read(unsigned int fd, char *buf, size_t count);
long sys_write(unsigned int fd, const char *buf, size_t count);
long sys_readv(unsigned int fd, const struct iovec *vec, unsigned long vlen);
long sys_writev(unsigned int fd, const struct iovec *vec, unsigned long vlen);
long sys_lseek(unsigned int fd, long offset, unsigned int whence);
long sys_llseek(unsigned int fd, unsigned long offset_high, unsigned long offset_low,
		loff_t *result, unsigned int whence);
long sys_ioctl(unsigned int fd, unsigned int cmd, unsigned long arg);
long sys_open(const char *filename, int flags, int mode);
long sys_openat(int dfd, const char *filename, int flags, int mode);
long sys_creat(const char *pathname, int mode);
long sys_close(unsigned int fd);
long sys_dup(unsigned int fildes);
long sys_dup2(unsigned int oldfd, unsigned int newfd);
long sys_dup3(unsigned int oldfd, unsigned int newfd, int flags);
long sys_fcntl(unsigned int fd, unsigned int cmd, unsigned long arg);
long sys_pipe(int *fildes);
long sys_pipe2(int *fildes, int flags);
long sys_getdents64(unsigned int fd, void *dirent, unsigned int count);
long sys_mkdir(const char *pathname, int mode);
long sys_rmdir(const char *pathname);
long sys_unlink(const char *pathname);
long sys_chdir(const char *filename);
long sys_fchdir(unsigned int fd);
long sys_getcwd(char *buf, unsigned long size);
long sys_umask(int mask);
long sys_access(const char *filename, int mode);
long sys_readlink(const char *path, char *buf, int bufsiz);
long sys_stat64(const char *filename, struct stat64 *statbuf);
long sys_lstat64(const char *filename, struct stat64 *statbuf);
long sys_fstat64(unsigned int fd, struct stat64 *statbuf);
long sys_execve(const char *filename, const char *const *argv, const char *const *envp);

/* fs/: the writable root (namei.c, open.c, stat.c, read_write.c, readdir.c) */
struct statx;
struct statfs;
struct statfs64;
long sys_link(const char *oldname, const char *newname);
long sys_linkat(int olddfd, const char *oldname, int newdfd, const char *newname, int flags);
long sys_symlink(const char *oldname, const char *newname);
long sys_symlinkat(const char *oldname, int newdfd, const char *newname);
long sys_readlinkat(int dfd, const char *pathname, char *buf, int bufsiz);
long sys_rename(const char *oldname, const char *newname);
long sys_renameat(int olddfd, const char *oldname, int newdfd, const char *newname);
long sys_renameat2(int olddfd, const char *oldname, int newdfd, const char *newname,
		   unsigned int flags);
long sys_mkdirat(int dfd, const char *pathname, int mode);
long sys_mknodat(int dfd, const char *filename, int mode, unsigned int dev);
long sys_mknod(const char *filename, int mode, unsigned int dev);
long sys_unlinkat(int dfd, const char *pathname, int flag);
long sys_truncate(const char *path, long length);
long sys_ftruncate(unsigned int fd, long length);
long sys_truncate64(const char *path, unsigned long lo, unsigned long hi);
long sys_ftruncate64(unsigned int fd, unsigned long lo, unsigned long hi);
long sys_chmod(const char *filename, unsigned int mode);
long sys_fchmod(unsigned int fd, unsigned int mode);
long sys_fchmodat(int dfd, const char *filename, unsigned int mode);
long sys_chown16(const char *filename, unsigned int uid, unsigned int gid);
long sys_lchown16(const char *filename, unsigned int uid, unsigned int gid);
long sys_fchown16(unsigned int fd, unsigned int uid, unsigned int gid);
long sys_chown32(const char *filename, unsigned int uid, unsigned int gid);
long sys_lchown32(const char *filename, unsigned int uid, unsigned int gid);
long sys_fchown32(unsigned int fd, unsigned int uid, unsigned int gid);
long sys_fchownat(int dfd, const char *filename, unsigned int uid, unsigned int gid, int flag);
long sys_utime(const char *filename, const s32 *times);
long sys_utimes(const char *filename, const s32 *utimes);
long sys_futimesat(int dfd, const char *filename, const s32 *utimes);
long sys_utimensat(int dfd, const char *filename, const s32 *utimes, int flags);
long sys_utimensat_time64(int dfd, const char *filename, const s64 *utimes, int flags);
long sys_chroot(const char *filename);
long sys_faccessat(int dfd, const char *filename, int mode);
long sys_faccessat2(int dfd, const char *filename, int mode, int flags);
long sys_fstatat64(int dfd, const char *filename, struct stat64 *statbuf, int flag);
long sys_statx(int dfd, const char *filename, unsigned int flags, unsigned int mask,
	       struct statx *buffer);
long sys_statfs(const char *path, struct statfs *buf);
long sys_fstatfs(unsigned int fd, struct statfs *buf);
long sys_statfs64(const char *path, size_t sz, struct statfs64 *buf);
long sys_fstatfs64(unsigned int fd, size_t sz, struct statfs64 *buf);
long sys_getdents(unsigned int fd, void *dirent, unsigned int count);
long sys_pread64(unsigned int fd, char *buf, size_t count, unsigned long lo, unsigned long hi);
long sys_pwrite64(unsigned int fd, const char *buf, size_t count, unsigned long lo, unsigned long hi);
long sys_sendfile(unsigned int out_fd, unsigned int in_fd, long *offset, size_t count);
long sys_sendfile64(unsigned int out_fd, unsigned int in_fd, loff_t *offset, size_t count);
long sys_fsync(unsigned int fd);
long sys_fdatasync(unsigned int fd);
long sys_sync(void);

/* arch/tls.c */
long sys_set_thread_area(struct user_desc *u_info);
long sys_get_thread_area(struct user_desc *u_info);

/* kernel/syscall.c */
long sys_ni_syscall(void);
extern unsigned long syscall_count;

/* drivers/tty.c */
void tty_set_pgrp(int pgrp);

/* The calls static glibc, musl and BusyBox programs make at once: clocks and sleeping
 * (kernel/time.c), interval timers (kernel/itimer.c), futex_time64 and robust lists
 * (kernel/futex.c), poll and select (fs/select.c), old-style signal calls
 * (kernel/signal.c), groups (kernel/groups.c), prctl (kernel/sys.c), scheduling
 * (kernel/sched.c), madvise and mremap (mm/mmap.c), getrandom (drivers/random.c). */
struct __kernel_timespec;
struct itimerval;
struct pollfd;
struct old_sigaction;
struct robust_list_head;
struct sel_arg_struct;
struct sigset_argpack;
long sys_clock_gettime64(int clock, struct __kernel_timespec *tp);
long sys_clock_getres_time64(int clock, struct __kernel_timespec *tp);
long sys_clock_settime(int clock, const struct timespec *tp);
long sys_clock_settime64(int clock, const struct __kernel_timespec *tp);
long sys_clock_nanosleep(int clock, int flags, const struct timespec *rqtp, struct timespec *rmtp);
long sys_clock_nanosleep_time64(int clock, int flags, const struct __kernel_timespec *rqtp,
				struct __kernel_timespec *rmtp);
long sys_alarm(unsigned int seconds);
long sys_getitimer(int which, struct itimerval *value);
long sys_setitimer(int which, const struct itimerval *value, struct itimerval *ovalue);
long sys_futex_time64(u32 *uaddr, int op, u32 val, const struct __kernel_timespec *utime,
		      u32 *uaddr2, u32 val3);
long sys_set_robust_list(struct robust_list_head *head, size_t len);
long sys_get_robust_list(int pid, struct robust_list_head **head_ptr, size_t *len_ptr);
long sys_poll(struct pollfd *ufds, unsigned int nfds, int timeout_msecs);
long sys_ppoll(struct pollfd *ufds, unsigned int nfds, struct timespec *tsp,
	       const sigset_t *sigmask, size_t sigsetsize);
long sys_ppoll_time64(struct pollfd *ufds, unsigned int nfds, struct __kernel_timespec *tsp,
		      const sigset_t *sigmask, size_t sigsetsize);
long sys_select(int n, unsigned long *inp, unsigned long *outp, unsigned long *exp,
		struct timeval *tvp);
long sys_old_select(struct sel_arg_struct *arg);
long sys_pselect6(int n, unsigned long *inp, unsigned long *outp, unsigned long *exp,
		  struct timespec *tsp, const struct sigset_argpack *sig);
long sys_pselect6_time64(int n, unsigned long *inp, unsigned long *outp, unsigned long *exp,
			 struct __kernel_timespec *tsp, const struct sigset_argpack *sig);
long sys_sigaction(int sig, const struct old_sigaction *act, struct old_sigaction *oact);
long sys_sigprocmask(int how, const unsigned long *nset, unsigned long *oset);
long sys_sigpending(unsigned long *set);
long sys_sigsuspend(int history0, int history1, unsigned long mask);
long sys_pause(void);
long sys_getgroups(int gidsetsize, unsigned int *grouplist);
long sys_setgroups(int gidsetsize, const unsigned int *grouplist);
long sys_getgroups16(int gidsetsize, u16 *grouplist);
long sys_setgroups16(int gidsetsize, const u16 *grouplist);
long sys_prctl(int option, unsigned long arg2, unsigned long arg3, unsigned long arg4,
	       unsigned long arg5);
long sys_sched_getscheduler(int pid);
long sys_sched_getparam(int pid, int *param);
long sys_sched_get_priority_max(int policy);
long sys_sched_get_priority_min(int policy);
long sys_sched_getaffinity(int pid, unsigned int len, unsigned long *user_mask_ptr);
long sys_sched_setaffinity(int pid, unsigned int len, const unsigned long *user_mask_ptr);
long sys_getcpu(unsigned int *cpu, unsigned int *node, void *unused);
long sys_madvise(unsigned long start, size_t len_in, int behavior);
long sys_mremap(unsigned long addr, unsigned long old_len, unsigned long new_len,
		unsigned long flags, unsigned long new_addr);
long sys_getrandom(char *buf, size_t count, unsigned int flags);

#endif

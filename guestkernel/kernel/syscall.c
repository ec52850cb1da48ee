/*
 * kernel/syscall.c - system call dispatch (int 0x80, Linux i386 ABI).
 *
 * EAX holds the number, EBX ECX EDX ESI EDI EBP the arguments; the result (or -errno)
 * goes back in EAX. The numbers are Linux's; a number without an entry returns
 * -ENOSYS. Calls that need the caller's registers (execve, sigreturn) find them at the
 * top of the kernel stack (task_pt_regs). With check=vm the memory invariants are
 * checked after every call from user mode (mm/check.c).
 */
#include <asm/ptrace.h>
#include <asm/traps.h>
#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/syscalls.h>
#include <linux/vmcheck.h>

typedef long (*syscall_fn_t)(unsigned long, unsigned long, unsigned long, unsigned long,
			     unsigned long, unsigned long);

/* cdecl: a callee ignores arguments it does not declare, so one type fits all. The
 * detour through void (*)(void) tells the compiler the cast is meant. */
#define SYSCALL(nr, fn) [nr] = (syscall_fn_t)(void (*)(void))(fn)

#define NR_syscalls 451   /* Linux i386 numbers up to 450 */

static const syscall_fn_t sys_call_table[NR_syscalls] = {
	SYSCALL(1, sys_exit),
	SYSCALL(2, sys_fork),
	SYSCALL(3, sys_read),
	SYSCALL(4, sys_write),
	SYSCALL(5, sys_open),
	SYSCALL(6, sys_close),
	SYSCALL(7, sys_waitpid),
	SYSCALL(8, sys_creat),
	SYSCALL(9, sys_link),
	SYSCALL(10, sys_unlink),
	SYSCALL(11, sys_execve),
	SYSCALL(12, sys_chdir),
	SYSCALL(13, sys_time),
	SYSCALL(14, sys_mknod),
	SYSCALL(15, sys_chmod),
	SYSCALL(16, sys_lchown16),
	SYSCALL(19, sys_lseek),
	SYSCALL(20, sys_getpid),
	SYSCALL(23, sys_setuid),
	SYSCALL(24, sys_getuid),
	SYSCALL(27, sys_alarm),
	SYSCALL(29, sys_pause),
	SYSCALL(30, sys_utime),
	SYSCALL(33, sys_access),
	SYSCALL(36, sys_sync),
	SYSCALL(37, sys_kill),
	SYSCALL(38, sys_rename),
	SYSCALL(39, sys_mkdir),
	SYSCALL(40, sys_rmdir),
	SYSCALL(41, sys_dup),
	SYSCALL(42, sys_pipe),
	SYSCALL(43, sys_times),
	SYSCALL(45, sys_brk),
	SYSCALL(46, sys_setgid),
	SYSCALL(47, sys_getgid),
	SYSCALL(49, sys_geteuid),
	SYSCALL(50, sys_getegid),
	SYSCALL(54, sys_ioctl),
	SYSCALL(55, sys_fcntl),
	SYSCALL(57, sys_setpgid),
	SYSCALL(60, sys_umask),
	SYSCALL(61, sys_chroot),
	SYSCALL(63, sys_dup2),
	SYSCALL(64, sys_getppid),
	SYSCALL(65, sys_getpgrp),
	SYSCALL(66, sys_setsid),
	SYSCALL(67, sys_sigaction),
	SYSCALL(72, sys_sigsuspend),
	SYSCALL(73, sys_sigpending),
	SYSCALL(75, sys_setrlimit),
	SYSCALL(76, sys_getrlimit),
	SYSCALL(78, sys_gettimeofday),
	SYSCALL(80, sys_getgroups16),     /* getgroups (16-bit gids) */
	SYSCALL(81, sys_setgroups16),     /* setgroups (16-bit gids) */
	SYSCALL(82, sys_old_select),      /* select (one struct argument) */
	SYSCALL(83, sys_symlink),
	SYSCALL(85, sys_readlink),
	SYSCALL(91, sys_munmap),
	SYSCALL(92, sys_truncate),
	SYSCALL(93, sys_ftruncate),
	SYSCALL(94, sys_fchmod),
	SYSCALL(95, sys_fchown16),
	SYSCALL(99, sys_statfs),
	SYSCALL(100, sys_fstatfs),
	SYSCALL(104, sys_setitimer),
	SYSCALL(105, sys_getitimer),
	SYSCALL(114, sys_wait4),
	SYSCALL(116, sys_sysinfo),
	SYSCALL(118, sys_fsync),
	SYSCALL(119, sys_sigreturn),
	SYSCALL(120, sys_clone),
	SYSCALL(122, sys_uname),
	SYSCALL(125, sys_mprotect),
	SYSCALL(126, sys_sigprocmask),
	SYSCALL(132, sys_getpgid),
	SYSCALL(133, sys_fchdir),
	SYSCALL(140, sys_llseek),
	SYSCALL(141, sys_getdents),
	SYSCALL(142, sys_select),         /* _newselect */
	SYSCALL(145, sys_readv),
	SYSCALL(146, sys_writev),
	SYSCALL(147, sys_getsid),
	SYSCALL(148, sys_fdatasync),
	SYSCALL(155, sys_sched_getparam),
	SYSCALL(157, sys_sched_getscheduler),
	SYSCALL(158, sys_sched_yield),
	SYSCALL(159, sys_sched_get_priority_max),
	SYSCALL(160, sys_sched_get_priority_min),
	SYSCALL(162, sys_nanosleep),
	SYSCALL(163, sys_mremap),
	SYSCALL(168, sys_poll),
	SYSCALL(172, sys_prctl),
	SYSCALL(173, sys_rt_sigreturn),
	SYSCALL(174, sys_rt_sigaction),
	SYSCALL(175, sys_rt_sigprocmask),
	SYSCALL(176, sys_rt_sigpending),
	SYSCALL(179, sys_rt_sigsuspend),
	SYSCALL(180, sys_pread64),
	SYSCALL(181, sys_pwrite64),
	SYSCALL(182, sys_chown16),
	SYSCALL(183, sys_getcwd),
	SYSCALL(186, sys_sigaltstack),
	SYSCALL(187, sys_sendfile),
	SYSCALL(190, sys_vfork),
	SYSCALL(191, sys_ugetrlimit),
	SYSCALL(192, sys_mmap2),
	SYSCALL(193, sys_truncate64),
	SYSCALL(194, sys_ftruncate64),
	SYSCALL(195, sys_stat64),
	SYSCALL(196, sys_lstat64),
	SYSCALL(197, sys_fstat64),
	SYSCALL(198, sys_lchown32),
	SYSCALL(199, sys_getuid),        /* getuid32 */
	SYSCALL(200, sys_getgid),        /* getgid32 */
	SYSCALL(201, sys_geteuid),       /* geteuid32 */
	SYSCALL(202, sys_getegid),       /* getegid32 */
	SYSCALL(205, sys_getgroups),      /* getgroups32 */
	SYSCALL(206, sys_setgroups),      /* setgroups32 */
	SYSCALL(207, sys_fchown32),
	SYSCALL(208, sys_setresuid),     /* setresuid32 */
	SYSCALL(209, sys_getresuid),     /* getresuid32 */
	SYSCALL(212, sys_chown32),
	SYSCALL(213, sys_setuid),        /* setuid32 */
	SYSCALL(214, sys_setgid),        /* setgid32 */
	SYSCALL(219, sys_madvise),
	SYSCALL(220, sys_getdents64),
	SYSCALL(221, sys_fcntl),         /* fcntl64 */
	SYSCALL(224, sys_gettid),
	SYSCALL(238, sys_tkill),
	SYSCALL(239, sys_sendfile64),
	SYSCALL(240, sys_futex),
	SYSCALL(241, sys_sched_setaffinity),
	SYSCALL(242, sys_sched_getaffinity),
	SYSCALL(243, sys_set_thread_area),
	SYSCALL(244, sys_get_thread_area),
	SYSCALL(252, sys_exit_group),
	SYSCALL(258, sys_set_tid_address),
	SYSCALL(264, sys_clock_settime),
	SYSCALL(265, sys_clock_gettime),
	SYSCALL(266, sys_clock_getres),
	SYSCALL(267, sys_clock_nanosleep),
	SYSCALL(268, sys_statfs64),
	SYSCALL(269, sys_fstatfs64),
	SYSCALL(270, sys_tgkill),
	SYSCALL(271, sys_utimes),
	SYSCALL(295, sys_openat),
	SYSCALL(296, sys_mkdirat),
	SYSCALL(297, sys_mknodat),
	SYSCALL(298, sys_fchownat),
	SYSCALL(299, sys_futimesat),
	SYSCALL(300, sys_fstatat64),
	SYSCALL(301, sys_unlinkat),
	SYSCALL(302, sys_renameat),
	SYSCALL(303, sys_linkat),
	SYSCALL(304, sys_symlinkat),
	SYSCALL(305, sys_readlinkat),
	SYSCALL(306, sys_fchmodat),
	SYSCALL(307, sys_faccessat),
	SYSCALL(308, sys_pselect6),
	SYSCALL(309, sys_ppoll),
	SYSCALL(311, sys_set_robust_list),
	SYSCALL(312, sys_get_robust_list),
	SYSCALL(318, sys_getcpu),
	SYSCALL(320, sys_utimensat),
	SYSCALL(330, sys_dup3),
	SYSCALL(331, sys_pipe2),
	SYSCALL(340, sys_prlimit64),
	SYSCALL(353, sys_renameat2),
	SYSCALL(355, sys_getrandom),
	SYSCALL(383, sys_statx),
	SYSCALL(403, sys_clock_gettime64),
	SYSCALL(404, sys_clock_settime64),
	SYSCALL(406, sys_clock_getres_time64),
	SYSCALL(407, sys_clock_nanosleep_time64),
	SYSCALL(412, sys_utimensat_time64),
	SYSCALL(413, sys_pselect6_time64),
	SYSCALL(414, sys_ppoll_time64),
	SYSCALL(422, sys_futex_time64),
	SYSCALL(439, sys_faccessat2),
	/* -ENOSYS on purpose (no entry): 375 membarrier, 386 rseq and 435 clone3;
	 * guestkernel/README.md says why, with every other number. */
};

unsigned long syscall_count;

long sys_ni_syscall(void)
{
	return -ENOSYS;
}

void do_syscall(struct pt_regs *regs)
{
	unsigned long nr = regs->orig_eax;
	syscall_fn_t fn = nr < NR_syscalls ? sys_call_table[nr] : NULL;
	long ret;

	syscall_count++;
	if (fn)
		ret = fn(regs->ebx, regs->ecx, regs->edx, regs->esi, regs->edi, regs->ebp);
	else
		ret = sys_ni_syscall();
	regs->eax = (u32)ret;
	if (nr_transient_inodes)
		prune_transient_inodes();   /* /proc inodes this call looked up, unless held */
	if (vm_check_enabled && user_mode(regs))
		vm_check(nr);
}

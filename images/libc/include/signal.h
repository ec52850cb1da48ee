/* signal.h: Linux i386 signals (signal.c, syscall.S). Our sigset_t is the kernel's own
 * 64-bit set, so it goes to rt_sigaction/rt_sigprocmask unchanged. */
#ifndef _SIGNAL_H
#define _SIGNAL_H

#include <stddef.h>
#include <sys/types.h>

#include <asm/signal.h>   /* the numbers, shared with the kernel */
#define SIGIOT SIGABRT
#define SIGPOLL SIGIO
#define SIGRTMIN 32
#define SIGRTMAX 64
#define NSIG 65 /* one past the highest signal number */

typedef void (*sighandler_t)(int);
#define SIG_DFL ((sighandler_t)0)
#define SIG_IGN ((sighandler_t)1)
#define SIG_ERR ((sighandler_t)-1)

/* 64 signals, bit (sig - 1): the layout rt_sigprocmask expects with sigsetsize 8. */
typedef struct {
	unsigned long sig[2];
} sigset_t;

typedef int sig_atomic_t;

union sigval {
	int sival_int;
	void *sival_ptr;
};

/* Linux's siginfo: 3 ints, then a 116-byte union whose member depends on si_code. */
typedef struct {
	int si_signo;
	int si_errno;
	int si_code;
	union {
		int __pad[29];
		struct { pid_t pid; uid_t uid; } kill;                  /* kill, SI_USER */
		struct { int tid; int overrun; union sigval value; } timer;
		struct { pid_t pid; uid_t uid; union sigval value; } rt; /* sigqueue */
		struct { pid_t pid; uid_t uid; int status; long utime, stime; } child; /* SIGCHLD */
		struct { void *addr; } fault;                           /* SIGSEGV, SIGBUS ... */
	} __u;
} siginfo_t;

#define si_pid __u.kill.pid
#define si_uid __u.kill.uid
#define si_status __u.child.status
#define si_utime __u.child.utime
#define si_stime __u.child.stime
#define si_value __u.rt.value
#define si_addr __u.fault.addr

/* si_code values */
#define SI_USER 0     /* kill() */
#define SI_KERNEL 0x80
#define SI_QUEUE (-1)
#define SI_TKILL (-6)
#define SEGV_MAPERR 1 /* no mapping at the address */
#define SEGV_ACCERR 2 /* mapped, but the access is not allowed */
#define CLD_EXITED 1
#define CLD_KILLED 2
#define CLD_DUMPED 3

struct sigaction {
	union {
		void (*sa_handler)(int);
		void (*sa_sigaction)(int, siginfo_t *, void *);
	} __sa_u;
	sigset_t sa_mask;
	int sa_flags;
	void (*sa_restorer)(void); /* filled in by sigaction(); read back through oldact */
};
#define sa_handler __sa_u.sa_handler
#define sa_sigaction __sa_u.sa_sigaction

typedef struct {
	void *ss_sp;
	int ss_flags;
	size_t ss_size;
} stack_t;

/* The registers the kernel saves in a signal frame (the i386 struct sigcontext). */
struct sigcontext {
	unsigned short gs, __gsh, fs, __fsh, es, __esh, ds, __dsh;
	unsigned long edi, esi, ebp, esp, ebx, edx, ecx, eax;
	unsigned long trapno, err, eip;
	unsigned short cs, __csh;
	unsigned long eflags, esp_at_signal;
	unsigned short ss, __ssh;
	unsigned long fpstate; /* user address of the saved FPU state, or 0 */
	unsigned long oldmask;
	unsigned long cr2;
};
typedef struct sigcontext mcontext_t;

/* The third argument of an SA_SIGINFO handler. rt_sigreturn restores the registers
 * and the signal mask from here, so a handler may change them. */
typedef struct ucontext {
	unsigned long uc_flags;
	struct ucontext *uc_link;
	stack_t uc_stack;
	mcontext_t uc_mcontext;
	sigset_t uc_sigmask;
} ucontext_t;

int sigaction(int sig, const struct sigaction *__restrict act, struct sigaction *__restrict oldact);
sighandler_t signal(int sig, sighandler_t handler);
int sigprocmask(int how, const sigset_t *__restrict set, sigset_t *__restrict oldset);
int sigpending(sigset_t *set);
int sigsuspend(const sigset_t *mask);
int kill(pid_t pid, int sig);
int raise(int sig);

int sigemptyset(sigset_t *set);
int sigfillset(sigset_t *set);
int sigaddset(sigset_t *set, int sig);
int sigdelset(sigset_t *set, int sig);
int sigismember(const sigset_t *set, int sig);

#endif

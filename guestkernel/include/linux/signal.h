#ifndef _LINUX_SIGNAL_H
#define _LINUX_SIGNAL_H

#include <linux/types.h>

/* Linux i386 signal numbers and ABI structures (the user-visible layouts). */
#define _NSIG       64
#define _NSIG_WORDS 2

#include <uapi/asm/signal.h>

typedef struct {
	unsigned long sig[_NSIG_WORDS];   /* signal n is bit n - 1 */
} sigset_t;

#define SIG_DFL ((void *)0)
#define SIG_IGN ((void *)1)

/* si_code */
#define SI_USER     0
#define SI_KERNEL   0x80
#define SI_TKILL    (-6)
#define SEGV_MAPERR 1
#define SEGV_ACCERR 2
#define BUS_ADRERR  2
#define ILL_ILLOPN  2
#define FPE_INTDIV  1
#define FPE_FLTDIV  3
#define FPE_FLTOVF  4
#define FPE_FLTUND  5
#define FPE_FLTRES  6
#define FPE_FLTINV  7
#define TRAP_BRKPT  1
#define CLD_EXITED  1
#define CLD_KILLED  2

/* rt_sigaction's struct: handler, flags, restorer, mask (in that order). */
struct k_sigaction {
	void *handler;
	unsigned long flags;
	void *restorer;
	sigset_t mask;
};

/* What the kernel remembers about a pending signal (one per signal: not queued). */
struct ksiginfo {
	int signo, code;
	int pid, uid;
	unsigned long addr;     /* fault address */
	int status;             /* SIGCHLD */
};

struct sigpending {
	sigset_t signal;
	struct ksiginfo info[_NSIG];
};

/* The siginfo_t user programs see: 128 bytes. */
typedef struct {
	int si_signo;
	int si_errno;
	int si_code;
	union {
		int _pad[29];
		struct { int pid; unsigned int uid; } kill;
		struct { int pid; unsigned int uid; int status; long utime, stime; } child;
		struct { unsigned long addr; } fault;
	} _sifields;
} siginfo_t;

static inline void sigemptyset(sigset_t *s) { s->sig[0] = s->sig[1] = 0; }
static inline void sigaddset(sigset_t *s, int sig) { s->sig[(sig - 1) / 32] |= 1UL << ((sig - 1) % 32); }
static inline void sigdelset(sigset_t *s, int sig) { s->sig[(sig - 1) / 32] &= ~(1UL << ((sig - 1) % 32)); }
static inline bool sigismember(const sigset_t *s, int sig)
{
	return (s->sig[(sig - 1) / 32] >> ((sig - 1) % 32)) & 1;
}
static inline bool sigisemptyset(const sigset_t *s) { return !(s->sig[0] | s->sig[1]); }
static inline void sigorsets(sigset_t *r, const sigset_t *a, const sigset_t *b)
{
	r->sig[0] = a->sig[0] | b->sig[0];
	r->sig[1] = a->sig[1] | b->sig[1];
}
static inline void sigandnsets(sigset_t *r, const sigset_t *a, const sigset_t *b)
{
	r->sig[0] = a->sig[0] & ~b->sig[0];
	r->sig[1] = a->sig[1] & ~b->sig[1];
}
#define sigmask(sig) (1UL << ((sig) - 1))

struct task_struct;
struct pt_regs;

/* kernel/signal.c */
int send_sig_info(int sig, const struct ksiginfo *info, struct task_struct *p);
int group_send_sig_info(int sig, const struct ksiginfo *info, struct task_struct *p);   /* kill: the process */
int send_sig(int sig, struct task_struct *p, bool from_kernel);
void force_sig_info(int sig, const struct ksiginfo *info, struct task_struct *p);
void force_sig(int sig, struct task_struct *p);
int kill_pgrp(int pgrp, int sig, bool from_kernel);
void recalc_sigpending(void);
bool signal_pending(struct task_struct *p);
bool fatal_signal_pending(struct task_struct *p);   /* SIGKILL is pending */
void signal_wake_up(struct task_struct *p);         /* after making a signal pending */
void do_signal(struct pt_regs *regs);
void flush_signal_handlers(struct task_struct *t);
const char *signal_name(int sig);   /* strsignal()'s text */
void set_current_blocked(const sigset_t *set);

/* arch/signal.c: building and tearing down the user stack frames */
int setup_frame(int sig, const struct k_sigaction *ka, const struct ksiginfo *info,
		const sigset_t *oldset, struct pt_regs *regs);

#endif

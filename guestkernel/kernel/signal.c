/*
 * kernel/signal.c - sending, blocking and delivering signals.
 *
 * A signal is recorded in the target's pending set (one instance per signal number:
 * a second one sent while the first is pending merges with it), and delivered on the
 * target's next return to user mode (do_signal): its handler runs on the user stack
 * (arch/signal.c builds the frame), or the default action happens: terminate (with the
 * signal number as the wait status), or ignore (SIGCHLD, SIGCONT, SIGURG, SIGWINCH, and
 * the stop signals, as there is no job control). SIGKILL and SIGSTOP can be neither
 * caught nor blocked. An interrupted system call is restarted or fails with EINTR as
 * Linux does (-ERESTART* codes, SA_RESTART).
 */
#include <asm/irqflags.h>
#include <asm/irq.h>
#include <asm/ptrace.h>
#include <asm/traps.h>
#include <asm/uaccess.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/signal.h>
#include <linux/string.h>
#include <linux/syscalls.h>

static const char *const signal_names[_NSIG + 1] = {
	[SIGHUP] = "Hangup", [SIGINT] = "Interrupt", [SIGQUIT] = "Quit",
	[SIGILL] = "Illegal instruction", [SIGTRAP] = "Trace/breakpoint trap",
	[SIGABRT] = "Aborted", [SIGBUS] = "Bus error", [SIGFPE] = "Floating point exception",
	[SIGKILL] = "Killed", [SIGUSR1] = "User defined signal 1",
	[SIGSEGV] = "Segmentation fault", [SIGUSR2] = "User defined signal 2",
	[SIGPIPE] = "Broken pipe", [SIGALRM] = "Alarm clock", [SIGTERM] = "Terminated",
	[SIGSTKFLT] = "Stack fault", [SIGCHLD] = "Child exited", [SIGCONT] = "Continued",
	[SIGSTOP] = "Stopped (signal)", [SIGTSTP] = "Stopped", [SIGTTIN] = "Stopped (tty input)",
	[SIGTTOU] = "Stopped (tty output)", [SIGURG] = "Urgent I/O condition",
	[SIGXCPU] = "CPU time limit exceeded", [SIGXFSZ] = "File size limit exceeded",
	[SIGVTALRM] = "Virtual timer expired", [SIGPROF] = "Profiling timer expired",
	[SIGWINCH] = "Window changed", [SIGIO] = "I/O possible", [SIGPWR] = "Power failure",
	[SIGSYS] = "Bad system call",
};

/* The same text user space's strsignal() gives (init prints it). */
const char *signal_name(int sig)
{
	if (sig > 0 && sig <= _NSIG && signal_names[sig])
		return signal_names[sig];
	return "Unknown signal";
}

static bool sig_kernel_only(int sig) { return sig == SIGKILL || sig == SIGSTOP; }

static bool sig_default_ignore(int sig)
{
	switch (sig) {
	case SIGCHLD: case SIGCONT: case SIGURG: case SIGWINCH:
	case SIGSTOP: case SIGTSTP: case SIGTTIN: case SIGTTOU:   /* no job control */
		return true;
	}
	return false;
}

static bool valid_signal(int sig) { return sig >= 1 && sig <= _NSIG; }

/* Would delivering sig to p do nothing at all? (A blocked signal waits: the handler
 * may change before it is unblocked.) Init, like Linux's SIGNAL_UNKILLABLE, gets only
 * the signals it has a handler for: ^C on the console reaches the whole foreground
 * group, init included, and must end the program, not the machine. A signal forced
 * by init's own fault still applies. */
static bool sig_ignored(struct task_struct *p, int sig, bool forced)
{
	void *handler = p->sighand->action[sig - 1].handler;

	if (p == child_reaper && handler == SIG_DFL && !forced)
		return true;
	if (sig_kernel_only(sig) || sigismember(&p->blocked, sig))
		return false;
	return handler == SIG_IGN || (handler == SIG_DFL && sig_default_ignore(sig));
}

bool signal_pending(struct task_struct *p)
{
	return p->tif & TIF_SIGPENDING;
}

bool fatal_signal_pending(struct task_struct *p)
{
	return sigismember(&p->pending.signal, SIGKILL);
}

/* p has a signal pending now: wake it if its sleep lets signals end it (an
 * interruptible one, or a killable one and SIGKILL is pending). */
void signal_wake_up(struct task_struct *p)
{
	if (p->state == TASK_INTERRUPTIBLE ||
	    (p->state == TASK_UNINTERRUPTIBLE && p->wake_on_kill && fatal_signal_pending(p)))
		wake_up_process(p);
}

static void recalc_sigpending_tsk(struct task_struct *t)
{
	sigset_t ready;

	sigandnsets(&ready, &t->pending.signal, &t->blocked);
	if (!sigisemptyset(&ready))
		t->tif |= TIF_SIGPENDING;
	else
		t->tif &= ~TIF_SIGPENDING;
}

void recalc_sigpending(void)
{
	unsigned long flags = local_irq_save();

	recalc_sigpending_tsk(current);
	local_irq_restore(flags);
}

void set_current_blocked(const sigset_t *set)
{
	unsigned long flags = local_irq_save();

	current->blocked = *set;
	sigdelset(&current->blocked, SIGKILL);
	sigdelset(&current->blocked, SIGSTOP);
	recalc_sigpending_tsk(current);
	local_irq_restore(flags);
}

static int send_signal(int sig, const struct ksiginfo *info, struct task_struct *p, bool forced)
{
	unsigned long flags;

	if (!valid_signal(sig))
		return -EINVAL;
	if (!p->sighand || p->exit_state || (p->flags & PF_EXITING))
		return 0;
	if (sig_ignored(p, sig, forced))
		return 0;
	flags = local_irq_save();
	if (!sigismember(&p->pending.signal, sig)) {
		sigaddset(&p->pending.signal, sig);
		p->pending.info[sig - 1] = *info;
		p->pending.info[sig - 1].signo = sig;
	}
	recalc_sigpending_tsk(p);
	if (signal_pending(p))
		signal_wake_up(p);
	local_irq_restore(flags);
	return 0;
}

/* May run in interrupt context (^C on the console). */
int send_sig_info(int sig, const struct ksiginfo *info, struct task_struct *p)
{
	return send_signal(sig, info, p, false);
}

int send_sig(int sig, struct task_struct *p, bool from_kernel)
{
	struct ksiginfo info = { 0 };

	info.signo = sig;
	info.code = from_kernel ? SI_KERNEL : SI_USER;
	info.pid = from_kernel ? 0 : current->tgid;
	return send_sig_info(sig, &info, p);
}

/* For signals the task's own action caused (faults): it may not ignore or block them
 * into a loop, so either is undone and the default action applies. */
void force_sig_info(int sig, const struct ksiginfo *info, struct task_struct *p)
{
	struct k_sigaction *ka = &p->sighand->action[sig - 1];
	unsigned long flags = local_irq_save();

	if (ka->handler == SIG_IGN || sigismember(&p->blocked, sig)) {
		if (ka->handler == SIG_IGN)
			ka->handler = SIG_DFL;
		sigdelset(&p->blocked, sig);
		recalc_sigpending_tsk(p);
	}
	local_irq_restore(flags);
	send_signal(sig, info, p, true);
}

void force_sig(int sig, struct task_struct *p)
{
	struct ksiginfo info = { 0 };

	info.signo = sig;
	info.code = SI_KERNEL;
	force_sig_info(sig, &info, p);
}

/* A signal for a whole process (kill) goes to one of its live threads: the first, the
 * leader first, that does not block it, else the first live one, where it stays
 * pending. NULL when every thread is gone. A fatal one ends the whole group when that
 * thread takes it (do_signal -> do_group_exit). */
static struct task_struct *group_signal_target(struct task_struct *p, int sig)
{
	struct task_struct *leader = p->group_leader, *t = leader, *first = NULL;

	do {
		if (!t->exit_state && !(t->flags & PF_EXITING)) {
			if (sig == 0 || !sigismember(&t->blocked, sig))
				return t;
			if (!first)
				first = t;
		}
		t = next_thread(t);
	} while (t != leader);
	return first;
}

int group_send_sig_info(int sig, const struct ksiginfo *info, struct task_struct *p)
{
	struct task_struct *t = group_signal_target(p, sig);

	return t ? send_sig_info(sig, info, t) : 0;
}

int kill_pgrp(int pgrp, int sig, bool from_kernel)
{
	struct task_struct *p, *t;
	int found = 0;

	list_for_each_entry(p, &task_list, tasks) {
		if (p->pgrp != pgrp || !thread_group_leader(p) || (p->flags & PF_KTHREAD))
			continue;
		t = group_signal_target(p, sig);
		if (!t)
			continue;
		found = 1;
		if (sig)
			send_sig(sig, t, from_kernel);
	}
	return found ? 0 : -ESRCH;
}

/* Takes the lowest-numbered deliverable signal off the pending set. */
static int dequeue_signal(struct task_struct *t, struct ksiginfo *info)
{
	unsigned long flags = local_irq_save();
	sigset_t ready;
	int sig;

	sigandnsets(&ready, &t->pending.signal, &t->blocked);
	for (sig = 1; sig <= _NSIG; sig++)
		if (sigismember(&ready, sig))
			break;
	if (sig > _NSIG) {
		sig = 0;
	} else {
		sigdelset(&t->pending.signal, sig);
		*info = t->pending.info[sig - 1];
	}
	recalc_sigpending_tsk(t);
	local_irq_restore(flags);
	return sig;
}

static bool in_syscall(const struct pt_regs *regs)
{
	return regs->vector == SYSCALL_VECTOR && (long)regs->orig_eax >= 0;
}

static void handle_signal(int sig, struct k_sigaction *ka, const struct ksiginfo *info,
			  const sigset_t *oldset, struct pt_regs *regs)
{
	struct task_struct *tsk = current;
	sigset_t blocked;

	if (in_syscall(regs)) {
		switch ((long)regs->eax) {
		case -ERESTARTNOHAND:
			regs->eax = (u32)-EINTR;
			break;
		case -ERESTARTSYS:
			if (!(ka->flags & SA_RESTART)) {
				regs->eax = (u32)-EINTR;
				break;
			}
			/* fall through */
		case -ERESTARTNOINTR:
			regs->eax = regs->orig_eax;
			regs->eip -= 2;   /* back onto the int $0x80 */
			break;
		}
		regs->orig_eax = (u32)-1;
	}

	if (setup_frame(sig, ka, info, oldset, regs)) {
		/* No room for the frame: the process cannot go on. */
		printk(KERN_DEBUG "%s[%d]: cannot deliver signal %d: bad stack at %08x\n",
		       tsk->comm, tsk->pid, sig, regs->esp);
		if (sig == SIGSEGV)
			ka->handler = SIG_DFL;
		force_sig(SIGSEGV, tsk);
		return;
	}
	if (ka->flags & SA_RESETHAND)
		ka->handler = SIG_DFL;
	sigorsets(&blocked, &tsk->blocked, &ka->mask);
	if (!(ka->flags & SA_NODEFER))
		sigaddset(&blocked, sig);
	set_current_blocked(&blocked);
}

/* On the way back to user mode with a signal pending, or a system call to restart. */
void do_signal(struct pt_regs *regs)
{
	struct task_struct *tsk = current;
	const sigset_t *oldset = (tsk->tif & TIF_RESTORE_SIGMASK) ? &tsk->saved_sigmask : &tsk->blocked;
	struct ksiginfo info;
	int sig;

	while ((sig = dequeue_signal(tsk, &info)) != 0) {
		struct k_sigaction *ka = &tsk->sighand->action[sig - 1];

		if (ka->handler == SIG_IGN)
			continue;
		if (ka->handler == SIG_DFL) {
			if (sig_default_ignore(sig))
				continue;
			do_group_exit(sig);   /* the whole process ends; wait status = sig */
		}
		handle_signal(sig, ka, &info, oldset, regs);
		tsk->tif &= ~TIF_RESTORE_SIGMASK;   /* the frame holds the mask to restore */
		return;
	}

	/* No handler ran: an interrupted system call starts over. */
	if (in_syscall(regs)) {
		long ret = (long)regs->eax;

		if (ret == -ERESTARTNOHAND || ret == -ERESTARTSYS || ret == -ERESTARTNOINTR) {
			regs->eax = regs->orig_eax;
			regs->eip -= 2;
		}
		regs->orig_eax = (u32)-1;
	}
	if (tsk->tif & TIF_RESTORE_SIGMASK) {
		tsk->tif &= ~TIF_RESTORE_SIGMASK;
		set_current_blocked(&tsk->saved_sigmask);
	}
}

/* exec: caught signals go back to their default; ignored ones stay ignored. */
void flush_signal_handlers(struct task_struct *t)
{
	int i;

	for (i = 0; i < _NSIG; i++) {
		struct k_sigaction *ka = &t->sighand->action[i];

		if (ka->handler != SIG_IGN)
			ka->handler = SIG_DFL;
		ka->flags = 0;
		ka->restorer = NULL;
		sigemptyset(&ka->mask);
	}
}

/* ---- system calls ---- */

long sys_kill(int pid, int sig)
{
	struct ksiginfo info = { 0 };
	struct task_struct *p;

	if (sig < 0 || sig > _NSIG)
		return -EINVAL;
	info.signo = sig;
	info.code = SI_USER;
	info.pid = current->tgid;
	info.uid = 0;

	if (pid > 0) {
		p = find_task_by_pid(pid);
		if (!p || (p->flags & PF_KTHREAD))
			return -ESRCH;
		return sig ? group_send_sig_info(sig, &info, p) : 0;   /* the whole process */
	}
	if (pid == 0)
		return kill_pgrp(current->pgrp, sig, false);
	if (pid == -1) {
		int found = 0;

		list_for_each_entry(p, &task_list, tasks) {
			if (p->pid <= 1 || p->tgid == current->tgid || !thread_group_leader(p) ||
			    (p->flags & PF_KTHREAD) || !group_signal_target(p, sig))
				continue;
			found = 1;
			if (sig)
				group_send_sig_info(sig, &info, p);
		}
		return found ? 0 : -ESRCH;
	}
	if (pid == (int)0x80000000)
		return -ESRCH;
	return kill_pgrp(-pid, sig, false);
}

long sys_tgkill(int tgid, int pid, int sig)
{
	struct ksiginfo info = { 0 };
	struct task_struct *p;

	if (pid <= 0 || tgid <= 0)
		return -EINVAL;
	if (sig < 0 || sig > _NSIG)
		return -EINVAL;
	p = find_task_by_pid(pid);
	if (!p || p->tgid != tgid || (p->flags & PF_KTHREAD))
		return -ESRCH;
	info.signo = sig;
	info.code = SI_TKILL;
	info.pid = current->tgid;
	return sig ? send_sig_info(sig, &info, p) : 0;
}

long sys_tkill(int pid, int sig)
{
	struct task_struct *p;

	if (pid <= 0)
		return -EINVAL;
	p = find_task_by_pid(pid);
	if (!p)
		return -ESRCH;
	return sys_tgkill(p->tgid, pid, sig);
}

/* Sets (act) and/or reads (oact) sig's action; both are kernel copies. */
static long do_sigaction(int sig, const struct k_sigaction *act, struct k_sigaction *oact)
{
	struct k_sigaction new, *k;
	unsigned long flags;

	if (!valid_signal(sig) || (act && sig_kernel_only(sig)))
		return -EINVAL;
	k = &current->sighand->action[sig - 1];
	if (oact)
		*oact = *k;
	if (act) {
		new = *act;
		sigdelset(&new.mask, SIGKILL);
		sigdelset(&new.mask, SIGSTOP);
		*k = new;
		/* POSIX: setting a disposition that ignores the signal discards it, in
		 * every thread (they share the handlers). */
		if (new.handler == SIG_IGN || (new.handler == SIG_DFL && sig_default_ignore(sig))) {
			struct task_struct *t = current;

			flags = local_irq_save();
			do {
				sigdelset(&t->pending.signal, sig);
				recalc_sigpending_tsk(t);
				t = next_thread(t);
			} while (t != current);
			local_irq_restore(flags);
		}
	}
	return 0;
}

long sys_rt_sigaction(int sig, const struct k_sigaction *act, struct k_sigaction *oact,
		      size_t sigsetsize)
{
	struct k_sigaction new, old;
	long ret;

	if (sigsetsize != sizeof(sigset_t))
		return -EINVAL;
	if (act && copy_from_user(&new, act, sizeof(new)))
		return -EFAULT;
	ret = do_sigaction(sig, act ? &new : NULL, &old);
	if (!ret && oact && copy_to_user(oact, &old, sizeof(old)))
		return -EFAULT;
	return ret;
}

/* The first i386 sigaction (67): a one-word mask, the restorer last. */
struct old_sigaction {
	void *handler;
	unsigned long sa_mask;
	unsigned long sa_flags;
	void *restorer;
};

long sys_sigaction(int sig, const struct old_sigaction *act, struct old_sigaction *oact)
{
	struct k_sigaction new, old;
	struct old_sigaction o;
	long ret;

	if (act) {
		if (copy_from_user(&o, act, sizeof(o)))
			return -EFAULT;
		new.handler = o.handler;
		new.flags = o.sa_flags;
		new.restorer = o.restorer;
		sigemptyset(&new.mask);
		new.mask.sig[0] = o.sa_mask;
	}
	ret = do_sigaction(sig, act ? &new : NULL, &old);
	if (!ret && oact) {
		o.handler = old.handler;
		o.sa_flags = old.flags;
		o.restorer = old.restorer;
		o.sa_mask = old.mask.sig[0];
		if (copy_to_user(oact, &o, sizeof(o)))
			return -EFAULT;
	}
	return ret;
}

long sys_rt_sigprocmask(int how, const sigset_t *set, sigset_t *oset, size_t sigsetsize)
{
	sigset_t old = current->blocked, new;

	if (sigsetsize != sizeof(sigset_t))
		return -EINVAL;
	if (set) {
		sigset_t s;

		if (copy_from_user(&s, set, sizeof(s)))
			return -EFAULT;
		switch (how) {
		case SIG_BLOCK:
			sigorsets(&new, &old, &s);
			break;
		case SIG_UNBLOCK:
			sigandnsets(&new, &old, &s);
			break;
		case SIG_SETMASK:
			new = s;
			break;
		default:
			return -EINVAL;
		}
		set_current_blocked(&new);
	}
	if (oset && copy_to_user(oset, &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

/* The first i386 sigprocmask (126): the first 32 signals only; the others' bits in the
 * mask stay as they are. */
long sys_sigprocmask(int how, const unsigned long *nset, unsigned long *oset)
{
	unsigned long old = current->blocked.sig[0], s;
	sigset_t new = current->blocked;

	if (nset) {
		if (get_user(s, nset))
			return -EFAULT;
		switch (how) {
		case SIG_BLOCK:
			new.sig[0] |= s;
			break;
		case SIG_UNBLOCK:
			new.sig[0] &= ~s;
			break;
		case SIG_SETMASK:
			new.sig[0] = s;
			break;
		default:
			return -EINVAL;
		}
		set_current_blocked(&new);
	}
	if (oset && put_user(old, oset))
		return -EFAULT;
	return 0;
}

long sys_sigpending(unsigned long *set)
{
	return put_user(current->pending.signal.sig[0] & current->blocked.sig[0], set);
}

long sys_rt_sigpending(sigset_t *set, size_t sigsetsize)
{
	sigset_t pending;

	if (sigsetsize > sizeof(sigset_t))
		return -EINVAL;
	pending.sig[0] = current->pending.signal.sig[0] & current->blocked.sig[0];
	pending.sig[1] = current->pending.signal.sig[1] & current->blocked.sig[1];
	if (copy_to_user(set, &pending, sigsetsize))
		return -EFAULT;
	return 0;
}

/* Sleeps until a signal is pending (sigsuspend, pause). */
static void wait_for_signal(void)
{
	for (;;) {
		local_irq_disable();
		set_current_state(TASK_INTERRUPTIBLE);
		if (signal_pending(current))
			break;
		schedule();
	}
	set_current_state(TASK_RUNNING);
	local_irq_enable();
}

/* Waits for a signal with a temporary mask; the old mask returns after the handler. */
static long sigsuspend(const sigset_t *newset)
{
	current->saved_sigmask = current->blocked;
	set_current_blocked(newset);
	wait_for_signal();
	current->tif |= TIF_RESTORE_SIGMASK;
	return -ERESTARTNOHAND;
}

long sys_rt_sigsuspend(const sigset_t *unewset, size_t sigsetsize)
{
	sigset_t newset;

	if (sigsetsize != sizeof(sigset_t))
		return -EINVAL;
	if (copy_from_user(&newset, unewset, sizeof(newset)))
		return -EFAULT;
	return sigsuspend(&newset);
}

/* i386's first sigsuspend (72) takes the mask by value, in the third argument; the
 * other 32 signals are not blocked meanwhile. */
long sys_sigsuspend(int history0, int history1, unsigned long mask)
{
	sigset_t newset;

	(void)history0;
	(void)history1;
	sigemptyset(&newset);
	newset.sig[0] = mask;
	return sigsuspend(&newset);
}

/* Sleeps until a signal is delivered: its handler runs, then pause fails with EINTR. */
long sys_pause(void)
{
	wait_for_signal();
	return -ERESTARTNOHAND;
}

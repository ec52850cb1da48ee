/* signal.c: signal dispositions, masks and sets on the rt_sig* system calls. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

/* syscall.S: the handler's return address points at one of these. */
void __restore_rt(void); /* rt_sigreturn, for SA_SIGINFO handlers (rt frame) */
void __restore(void);    /* sigreturn, for plain handlers (old-style frame) */

/* The kernel's struct sigaction for rt_sigaction: note the field order differs from
 * ours (restorer before mask). */
struct k_sigaction {
	void *handler;
	unsigned long flags;
	void (*restorer)(void);
	sigset_t mask;
};

int sigaction(int sig, const struct sigaction *restrict act, struct sigaction *restrict oldact)
{
	struct k_sigaction kact, kold;

	if (act) {
		kact.handler = (void *)act->sa_handler;
		kact.flags = (unsigned long)act->sa_flags | SA_RESTORER;
		kact.mask = act->sa_mask;
		if (act->sa_flags & SA_RESTORER)
			kact.restorer = act->sa_restorer; /* the caller brought its own */
		else if (act->sa_flags & SA_SIGINFO)
			kact.restorer = __restore_rt;
		else
			kact.restorer = __restore;
	}
	long r = syscall4(SYS_rt_sigaction, sig, act ? (long)&kact : 0, oldact ? (long)&kold : 0,
	                  sizeof(sigset_t));
	if (r < 0)
		return __syscall_ret(r);
	if (oldact) {
		memset(oldact, 0, sizeof(*oldact));
		oldact->sa_handler = (void (*)(int))kold.handler;
		oldact->sa_flags = (int)kold.flags;
		oldact->sa_restorer = kold.restorer;
		oldact->sa_mask = kold.mask;
	}
	return 0;
}

/* BSD semantics, as glibc gives them: the handler stays installed and interrupted
 * system calls restart. */
sighandler_t signal(int sig, sighandler_t handler)
{
	struct sigaction act, old;

	memset(&act, 0, sizeof(act));
	act.sa_handler = handler;
	act.sa_flags = SA_RESTART;
	if (sigaction(sig, &act, &old) < 0)
		return SIG_ERR;
	return old.sa_handler;
}

int raise(int sig)
{
	return kill(getpid(), sig);
}

int sigprocmask(int how, const sigset_t *restrict set, sigset_t *restrict oldset)
{
	return __syscall_ret(syscall4(SYS_rt_sigprocmask, how, (long)set, (long)oldset,
	                              sizeof(sigset_t)));
}

int sigpending(sigset_t *set)
{
	return __syscall_ret(syscall2(SYS_rt_sigpending, (long)set, sizeof(sigset_t)));
}

int sigsuspend(const sigset_t *mask)
{
	return __syscall_ret(syscall2(SYS_rt_sigsuspend, (long)mask, sizeof(sigset_t)));
}

/* ---- signal sets: signal n is bit n-1 ---- */

static int valid(int sig)
{
	if (sig < 1 || sig >= NSIG) {
		errno = EINVAL;
		return 0;
	}
	return 1;
}

int sigemptyset(sigset_t *set)
{
	set->sig[0] = set->sig[1] = 0;
	return 0;
}

int sigfillset(sigset_t *set)
{
	set->sig[0] = set->sig[1] = ~0UL;
	return 0;
}

int sigaddset(sigset_t *set, int sig)
{
	if (!valid(sig))
		return -1;
	set->sig[(sig - 1) / 32] |= 1UL << ((sig - 1) % 32);
	return 0;
}

int sigdelset(sigset_t *set, int sig)
{
	if (!valid(sig))
		return -1;
	set->sig[(sig - 1) / 32] &= ~(1UL << ((sig - 1) % 32));
	return 0;
}

int sigismember(const sigset_t *set, int sig)
{
	if (!valid(sig))
		return -1;
	return (set->sig[(sig - 1) / 32] >> ((sig - 1) % 32)) & 1;
}

/* sigtest: signals within one process, then (only if fork works) with a child.
 * Handlers only record what they saw; main checks and prints. Each check prints one
 * line ending in "ok" or "FAIL"; the exit status is 0 only if every check passed.
 *
 * SIGUSR1 gets a plain handler (Linux i386 builds an old-style frame, returned from
 * with sigreturn); SIGUSR2 an SA_SIGINFO handler (rt frame, rt_sigreturn). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <sched.h>
#include <unistd.h>

static int failures;

static void check(int ok, const char *what)
{
	printf("sigtest: %s: %s\n", what, ok ? "ok" : "FAIL");
	if (!ok)
		failures++;
}

/* ---- what the handlers saw ---- */

static volatile int usr1_count, usr1_signo;
static void *volatile usr1_return;          /* the handler's return address */
static volatile int usr1_self_blocked;      /* SIGUSR1 blocked while its handler runs */
static volatile int usr1_mask_blocked;      /* SIGUSR2 (from sa_mask) blocked too */

static void on_usr1(int sig)
{
	sigset_t now;

	usr1_count++;
	usr1_signo = sig;
	usr1_return = __builtin_return_address(0);
	sigprocmask(SIG_BLOCK, NULL, &now); /* a NULL set just reads the mask */
	usr1_self_blocked = sigismember(&now, SIGUSR1);
	usr1_mask_blocked = sigismember(&now, SIGUSR2);
}

static volatile int usr2_count, usr2_signo, usr2_code;
static volatile pid_t usr2_pid;
static volatile uid_t usr2_uid;
static void *volatile usr2_return;
static volatile unsigned long usr2_saved_eax;

#define NEW_EAX 0x5eed

static void on_usr2(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;

	usr2_count++;
	usr2_signo = sig;
	usr2_code = si->si_code;
	usr2_pid = si->si_pid;
	usr2_uid = si->si_uid;
	usr2_return = __builtin_return_address(0);
	/* The signal arrived as kill() returned, so the saved EAX is kill's result (0).
	 * rt_sigreturn reloads the registers from this frame: change EAX and kill()
	 * must return the new value. */
	usr2_saved_eax = uc->uc_mcontext.eax;
	uc->uc_mcontext.eax = NEW_EAX;
}

static void install(void)
{
	struct sigaction sa, old;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR2);
	check(sigaction(SIGUSR1, &sa, NULL) == 0, "sigaction SIGUSR1 (plain handler)");

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_usr2;
	sa.sa_flags = SA_SIGINFO;
	check(sigaction(SIGUSR2, &sa, NULL) == 0, "sigaction SIGUSR2 (SA_SIGINFO handler)");

	check(sigaction(SIGUSR1, NULL, &old) == 0 && old.sa_handler == on_usr1 &&
	      (old.sa_flags & SA_RESTORER) && old.sa_restorer && sigismember(&old.sa_mask, SIGUSR2) == 1,
	      "sigaction reads back handler, SA_RESTORER, restorer, mask");
}

static void *restorer_of(int sig)
{
	struct sigaction old;
	sigaction(sig, NULL, &old);
	return (void *)old.sa_restorer;
}

static void single_process(void)
{
	install();

	volatile int canary = 12345;
	int r = kill(getpid(), SIGUSR1);
	check(r == 0 && usr1_count == 1 && usr1_signo == SIGUSR1 && canary == 12345,
	      "SIGUSR1 handler ran once, then kill returned 0");
	check(usr1_return == restorer_of(SIGUSR1), "plain handler returns into sa_restorer");
	check(usr1_self_blocked == 1 && usr1_mask_blocked == 1,
	      "inside the handler SIGUSR1 and its sa_mask (SIGUSR2) are blocked");
	sigset_t now;
	sigprocmask(SIG_BLOCK, NULL, &now);
	check(!sigismember(&now, SIGUSR1) && !sigismember(&now, SIGUSR2),
	      "sigreturn restored the signal mask");

	r = kill(getpid(), SIGUSR2);
	check(usr2_count == 1 && usr2_signo == SIGUSR2, "SIGUSR2 SA_SIGINFO handler ran once");
	check(usr2_code == SI_USER && usr2_pid == getpid() && usr2_uid == getuid(),
	      "siginfo: si_code SI_USER, si_pid and si_uid of the sender");
	check(usr2_return == restorer_of(SIGUSR2), "SA_SIGINFO handler returns into sa_restorer");
	check(usr2_saved_eax == 0, "ucontext holds kill's return value in EAX");
	check(r == NEW_EAX, "rt_sigreturn resumed with the EAX the handler wrote");

	/* Blocked: the signal waits in the pending set; two sends are one delivery. */
	sigset_t block, pending;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	check(sigprocmask(SIG_BLOCK, &block, NULL) == 0, "block SIGUSR1");
	kill(getpid(), SIGUSR1);
	kill(getpid(), SIGUSR1);
	check(usr1_count == 1, "blocked SIGUSR1 not delivered");
	check(sigpending(&pending) == 0 && sigismember(&pending, SIGUSR1) == 1,
	      "SIGUSR1 is pending");
	check(sigprocmask(SIG_UNBLOCK, &block, NULL) == 0 && usr1_count == 2,
	      "unblocking delivers it, once, before sigprocmask returns");
	check(sigpending(&pending) == 0 && sigismember(&pending, SIGUSR1) == 0,
	      "nothing pending afterwards");

	/* Ignored: nothing happens at all. */
	signal(SIGUSR2, SIG_IGN);
	check(kill(getpid(), SIGUSR2) == 0 && usr2_count == 1, "ignored SIGUSR2 is discarded");
	check(signal(SIGUSR2, SIG_DFL) == SIG_IGN, "signal() returns the previous disposition");
}

static void with_children(void)
{
	int status;

	printf("sigtest: --- fork-dependent checks ---\n");
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0 && errno == ENOSYS) {
		printf("sigtest: fork not available (ENOSYS): skipped\n");
		return;
	}
	if (pid == 0) /* the child waits to be killed (and prints nothing) */
		for (;;)
			sched_yield();
	check(pid > 0, "fork");
	if (pid < 0)
		return;
	check(kill(pid, SIGTERM) == 0, "kill the child with SIGTERM");
	check(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM &&
	      !WIFEXITED(status), "wait status: killed by SIGTERM (the default action)");

	/* The child inherits handlers: its SIGUSR1 runs on_usr1 in its copy of memory. */
	int before = usr1_count;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		raise(SIGUSR1);
		_exit(usr1_count == before + 1 ? 42 : 1);
	}
	check(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      WEXITSTATUS(status) == 42, "child inherits the handler, exits with 42");
	check(usr1_count == before, "the child's handler ran in the child's memory only");

	/* Pending signals are not inherited; the blocked mask is. */
	sigset_t block, pending;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, NULL);
	raise(SIGUSR1);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		sigset_t mask;
		sigprocmask(SIG_BLOCK, NULL, &mask);
		sigpending(&pending);
		_exit(sigismember(&mask, SIGUSR1) == 1 && sigismember(&pending, SIGUSR1) == 0 ? 0 : 1);
	}
	check(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      WEXITSTATUS(status) == 0, "child inherits the mask but not the pending SIGUSR1");
	before = usr1_count;
	sigprocmask(SIG_UNBLOCK, &block, NULL);
	check(usr1_count == before + 1, "parent still gets its pending SIGUSR1");
}

int main(void)
{
	single_process();
	with_children();
	printf("sigtest: %s\n", failures ? "FAILED" : "all ok");
	return failures ? 1 : 0;
}

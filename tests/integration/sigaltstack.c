/* sigaltstack: errors, SA_ONSTACK delivery (and not without it), nesting on the
 * alternate stack, EPERM while on it, fork keeps it, exec clears it, and the classic
 * use: a SIGSEGV handler for a stack overflow, run on the alternate stack. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#define STK 65536
static char altstack[STK] __attribute__((aligned(16)));
static volatile char *usr1_local, *usr2_local, *segv_local;
static volatile int usr1_flags, usr1_eperm, usr1_eperm_disable, uc_flags;
static volatile unsigned long uc_sp, uc_size;
static sigjmp_buf back;

static int on_alt(volatile char *p)
{
	return p >= altstack && p < altstack + STK;
}

static void say(const char *what, int ok)
{
	printf("sigalt: %s: %s\n", what, ok ? "ok" : "FAILED");
}

static void on_usr2(int sig)
{
	char here;

	(void)sig;
	usr2_local = &here;
}

static void on_usr1(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	stack_t cur, ss = { .ss_sp = altstack, .ss_size = STK };
	char here;

	(void)sig;
	(void)si;
	usr1_local = &here;
	uc_sp = (unsigned long)uc->uc_stack.ss_sp;
	uc_size = uc->uc_stack.ss_size;
	uc_flags = uc->uc_stack.ss_flags;
	sigaltstack(NULL, &cur);
	usr1_flags = cur.ss_flags;
	usr1_eperm = sigaltstack(&ss, NULL) == -1 && errno == EPERM;
	ss.ss_flags = SS_DISABLE;
	usr1_eperm_disable = sigaltstack(&ss, NULL) == -1 && errno == EPERM;
	raise(SIGUSR2);
}

static void on_segv(int sig)
{
	char here;

	(void)sig;
	segv_local = &here;
	siglongjmp(back, 1);
}

static int deep(int n)
{
	volatile char pad[1024];

	pad[0] = (char)n;
	return deep(n + 1) + pad[0];
}

int main(int argc, char **argv)
{
	stack_t ss, old;
	struct sigaction sa;
	char here;

	if (argc > 1 && strcmp(argv[1], "after-exec") == 0) {
		sigaltstack(NULL, &old);
		say("after exec: SS_DISABLE, no stack",
		    old.ss_flags == SS_DISABLE && old.ss_sp == NULL && old.ss_size == 0);
		return 0;
	}
	setvbuf(stdout, NULL, _IONBF, 0);

	say("at start: SS_DISABLE, no stack",
	    sigaltstack(NULL, &old) == 0 && old.ss_flags == SS_DISABLE && old.ss_sp == NULL &&
	    old.ss_size == 0);
	/* The errors through syscall(): musl checks size and flags itself and reads
	 * through the pointer first. */
	ss.ss_sp = altstack;
	ss.ss_flags = 0;
	ss.ss_size = 2047;
	say("size 2047 (below MINSIGSTKSZ): ENOMEM",
	    syscall(SYS_sigaltstack, &ss, NULL) == -1 && errno == ENOMEM);
	ss.ss_size = STK;
	ss.ss_flags = 5;
	say("flags 5: EINVAL", syscall(SYS_sigaltstack, &ss, NULL) == -1 && errno == EINVAL);
	say("bad uss: EFAULT", syscall(SYS_sigaltstack, (stack_t *)8, NULL) == -1 && errno == EFAULT);
	say("bad uoss: EFAULT", syscall(SYS_sigaltstack, NULL, (stack_t *)8) == -1 && errno == EFAULT);
	ss.ss_flags = 0;
	ss.ss_size = 2048;
	say("size 2048: set", sigaltstack(&ss, NULL) == 0);
	ss.ss_size = STK;
	say("size 64 KiB: set, the old one reported",
	    sigaltstack(&ss, &old) == 0 && old.ss_sp == altstack && old.ss_size == 2048 &&
	    old.ss_flags == 0);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr2;
	sa.sa_flags = SA_ONSTACK;
	sigaction(SIGUSR2, &sa, NULL);
	sa.sa_sigaction = on_usr1;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	say("SA_ONSTACK handler runs on the alternate stack", on_alt(usr1_local));
	say("in it, sigaltstack says SS_ONSTACK", usr1_flags == SS_ONSTACK);
	say("in it, setting a stack: EPERM", usr1_eperm);
	say("in it, SS_DISABLE: EPERM", usr1_eperm_disable);
	say("uc_stack: the stack, interrupted off it",
	    uc_sp == (unsigned long)altstack && uc_size == STK && uc_flags == 0);
	say("a nested SA_ONSTACK handler goes below the first, still on it",
	    on_alt(usr2_local) && usr2_local < usr1_local);
	say("back from the handler: flags 0", sigaltstack(NULL, &old) == 0 && old.ss_flags == 0);

	sa.sa_handler = on_usr2;
	sa.sa_flags = 0;
	sigaction(SIGUSR2, &sa, NULL);
	raise(SIGUSR2);
	say("a handler without SA_ONSTACK runs on the normal stack",
	    !on_alt(usr2_local) && usr2_local < &here);

	pid_t pid = fork();
	if (pid == 0) {
		sigaltstack(NULL, &old);
		_exit(old.ss_sp == altstack && old.ss_size == STK && old.ss_flags == 0 ? 0 : 1);
	}
	int status;
	waitpid(pid, &status, 0);
	say("fork: the child has the same alternate stack", WIFEXITED(status) && WEXITSTATUS(status) == 0);

	if (argc > 1 && strcmp(argv[1], "exec") == 0) {
		pid = fork();
		if (pid == 0) {
			execl(argv[0], argv[0], "after-exec", (char *)NULL);
			_exit(127);
		}
		waitpid(pid, &status, 0);
	}

	sa.sa_handler = on_segv;
	sa.sa_flags = SA_ONSTACK | SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
	if (sigsetjmp(back, 1) == 0)
		deep(0);
	say("stack overflow: the SIGSEGV handler ran on the alternate stack", on_alt(segv_local));
	if (sigsetjmp(back, 1) == 0)
		deep(0);
	say("and again after siglongjmp", on_alt(segv_local));

	ss.ss_flags = SS_DISABLE;
	say("SS_DISABLE: disabled, the old one reported",
	    sigaltstack(&ss, &old) == 0 && old.ss_sp == altstack && old.ss_flags == 0);
	say("now: SS_DISABLE, no stack",
	    sigaltstack(NULL, &old) == 0 && old.ss_flags == SS_DISABLE && old.ss_sp == NULL &&
	    old.ss_size == 0);
	return 0;
}

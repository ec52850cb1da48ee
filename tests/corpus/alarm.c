/* Signals: alarm and pause, a handler installed with sigaction, SIGCHLD when a child
 * exits, a blocked signal kept pending until unblocked, kill between processes, and a
 * child killed by a signal as its parent's wait reports it. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t alarms, chlds, usr1;

static void on_alarm(int sig) { (void)sig; alarms++; }
static void on_chld(int sig) { (void)sig; chlds++; }
static void on_usr1(int sig) { (void)sig; usr1++; }

int main(void)
{
	struct sigaction sa;

	setvbuf(stdout, NULL, _IOLBF, 0);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	sa.sa_handler = on_chld;
	sigaction(SIGCHLD, &sa, NULL);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);

	alarm(1);
	pause();
	printf("pause returned after SIGALRM: alarms %d\n", alarms);
	printf("alarm(5) then alarm(0) returns %u left\n", (alarm(5), alarm(0)));

	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, &old);
	kill(getpid(), SIGUSR1);
	sigset_t pending;
	sigpending(&pending);
	printf("blocked SIGUSR1: pending %d, handled %d\n", sigismember(&pending, SIGUSR1), usr1);
	sigprocmask(SIG_SETMASK, &old, NULL);
	printf("unblocked: handled %d\n", usr1);

	/* SIGCHLD stays blocked until sigsuspend waits for it, so it cannot slip in
	 * between the check and the wait. */
	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &old);
	pid_t p = fork();
	if (p == 0)
		_exit(0);
	while (!chlds)
		sigsuspend(&old);
	sigprocmask(SIG_SETMASK, &old, NULL);
	waitpid(p, NULL, 0);
	printf("SIGCHLD after the child exited: %d\n", chlds);

	p = fork();
	if (p == 0) {
		for (;;)
			pause();
	}
	kill(p, SIGTERM);
	int status;
	waitpid(p, &status, 0);
	printf("child killed by signal %d\n", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	return 0;
}

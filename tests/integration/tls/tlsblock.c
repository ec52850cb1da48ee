/* %gs-based TLS (set_thread_area) across every way a process can block (no argument),
 * a cleared slot that %gs names ("clear"), a signal frame whose %gs cannot be loaded
 * ("sigreturn"). One line per check. */
#include <asm/ldt.h>
#include <errno.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int failures;
static void check(int ok, const char *what)
{
	printf("tlsblock: %s: %s\n", what, ok ? "ok" : "FAIL");
	if (!ok)
		failures++;
}

struct tls { struct tls *self; int value; };
static struct tls block = { &block, 1234 };
static unsigned int sel;

static unsigned int get_gs(void)
{
	unsigned int v;
	__asm__ __volatile__("movl %%gs, %0" : "=r"(v));
	return v & 0xffff;
}

static void set_gs(unsigned int v) { __asm__ __volatile__("movl %0, %%gs" :: "r"(v)); }

static int tls_ok(void)
{
	struct tls *t;

	if (get_gs() != sel)
		return 0;
	__asm__ __volatile__("movl %%gs:0, %0" : "=r"(t));
	return t == &block && t->value == 1234;
}

static int set_slot(int entry, int clear)
{
	struct user_desc u;

	memset(&u, 0, sizeof(u));
	u.entry_number = (unsigned int)entry;
	if (clear) {
		u.read_exec_only = 1;
		u.seg_not_present = 1;
	} else {
		u.base_addr = (unsigned int)&block;
		u.limit = 0xfffff;
		u.seg_32bit = 1;
		u.limit_in_pages = 1;
		u.useable = 1;
	}
	if (syscall(SYS_set_thread_area, &u) != 0)
		return -1;
	return (int)u.entry_number;
}

static const struct timespec tick3 = { 0, 30 * 1000 * 1000 };

static void spin(void)
{
	/* Long enough for several timer interrupts (and, in forkscope, preemption). */
	for (volatile unsigned int i = 0; i < 20000000; i++)
		;
}

static volatile unsigned int handler_gs;
static void on_usr1(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;

	(void)sig;
	(void)si;
	handler_gs = get_gs();
	/* A TLS slot nobody set: the selector cannot be loaded on the way back. */
	uc->uc_mcontext.gs = (unsigned short)(((sel >> 3) == 8 ? 7 : 8) << 3 | 3);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	int entry = set_slot(-1, 0), fds[2], status = -1, word = 0;
	pid_t pid;
	char c = 0;

	if (entry < 0) {
		printf("tlsblock: set_thread_area: FAIL\n");
		return 1;
	}
	sel = (unsigned int)entry << 3 | 3;
	set_gs(sel);
	check(tls_ok(), "set_thread_area, %gs loaded, %gs:0 reads the block");

	if (strcmp(mode, "clear") == 0)
		goto clear;
	if (strcmp(mode, "sigreturn") == 0)
		goto sigreturn;

	nanosleep(&tick3, NULL);
	check(tls_ok(), "after nanosleep (the machine idles meanwhile)");

	pipe(fds);
	pid = fork();
	if (pid == 0) {
		nanosleep(&tick3, NULL);
		_exit(tls_ok() && write(fds[1], "x", 1) == 1 ? 0 : 1);
	}
	check(read(fds[0], &c, 1) == 1 && c == 'x' && tls_ok(), "after a read that waited for a sleeping writer");
	check(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "the forked writer's TLS after its own sleep");

	pid = fork();
	if (pid == 0) {
		nanosleep(&tick3, NULL);
		_exit(tls_ok() ? 3 : 1);
	}
	check(waitpid(pid, &status, 0) == pid && WEXITSTATUS(status) == 3 && tls_ok(), "after wait4 for a sleeping child");

	check(syscall(SYS_futex, &word, FUTEX_WAIT, 0, &tick3) == -1 && errno == ETIMEDOUT && tls_ok(),
	      "after a futex wait that timed out");

	spin();
	check(tls_ok(), "after computing across timer interrupts");
	goto out;

clear:
	/* The slot %gs names is cleared: like Linux, the kernel loads %gs afresh (null). */
	set_slot(entry, 1);
	check(get_gs() == 0, "clearing the slot %gs uses leaves %gs null");
	spin();
	check(get_gs() == 0, "and the process runs on across timer interrupts");
	goto out;

sigreturn:
	/* sigreturn to a selector that cannot be loaded: null, as on Linux. */
	{
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = on_usr1;
		sa.sa_flags = SA_SIGINFO;
		sigaction(SIGUSR1, &sa, NULL);
		kill(getpid(), SIGUSR1);
	}
	check(handler_gs == sel, "a handler runs with the interrupted %gs");
	check(get_gs() == 0, "a frame's %gs that cannot be loaded comes back null");
	spin();
	check(get_gs() == 0, "and the process runs on across timer interrupts");

out:
	printf("tlsblock: %s\n", failures ? "FAILED" : "all ok");
	return failures ? 1 : 0;
}

/* stepping: a program that sets EFLAGS.TF on itself and single-steps through system
 * calls, each case in a run of its own (argv[1]):
 *
 *   int80     TF set by popf, then nop, getpid through int 0x80, nop, and popf
 *             clearing TF: a SIGTRAP (si_code is not compared) after each
 *             instruction but the int 0x80, as on the CPU: int clears TF for the
 *             kernel, whose iret puts it back, and the instruction after it traps,
 *             with the pid in EAX
 *   uncaught  TF set with no SIGTRAP handler: killed by SIGTRAP after one instruction
 *
 * The handler records where each trap came from; the lines name those places by the
 * labels of the code below. Built with gcc -m32 -static and musl. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ucontext.h>
#include <unistd.h>

extern const char step_nop1[], step_int80[], step_nop2[], step_popf[], step_end[];
__asm__(".text\n"
	".globl step_through\n"
	"step_through:\n"
	"push %ebx\n"
	"pushf\n"
	"orl $0x100, (%esp)\n"
	"popf\n"                   /* TF from here: the trap comes after the next instruction */
	"step_nop1: nop\n"
	"mov $20, %eax\n"
	"step_int80: int $0x80\n"
	"step_nop2: nop\n"
	"pushf\n"
	"andl $~0x100, (%esp)\n"
	"step_popf: popf\n"
	"step_end: pop %ebx\n"
	"ret\n");
int step_through(void);

#define MAX_TRAPS 16
static struct {
	unsigned long eip, eax;
} traps[MAX_TRAPS];
static volatile int ntraps;

static void on_trap(int sig, siginfo_t *info, void *ctx)
{
	ucontext_t *uc = ctx;

	(void)sig;
	(void)info;
	if (ntraps < MAX_TRAPS) {
		traps[ntraps].eip = uc->uc_mcontext.gregs[REG_EIP];
		traps[ntraps].eax = uc->uc_mcontext.gregs[REG_EAX];
		ntraps++;
	}
}

static const char *place(unsigned long eip)
{
	static const struct {
		const char *name;
		const char *at;
	} labels[] = {
		{ "step_nop1", step_nop1 }, { "step_int80", step_int80 }, { "step_nop2", step_nop2 },
		{ "step_popf", step_popf }, { "step_end", step_end },
	};
	static char other[32];
	int i, n = sizeof(labels) / sizeof(labels[0]);

	/* The last label at or before eip (they are in address order). */
	for (i = n - 1; i >= 0; i--)
		if (eip >= (unsigned long)labels[i].at && eip - (unsigned long)labels[i].at < 16) {
			if (eip == (unsigned long)labels[i].at)
				return labels[i].name;
			snprintf(other, sizeof(other), "%s+%lu", labels[i].name,
				 eip - (unsigned long)labels[i].at);
			return other;
		}
	return "elsewhere";
}

int main(int argc, char **argv)
{
	const char *c = argc == 2 ? argv[1] : "";
	struct sigaction sa;
	int pid, i;

	if (!strcmp(c, "uncaught")) {
		printf("stepping uncaught: TF set\n");
		fflush(stdout);
		step_through();
		printf("stepping uncaught: went on\n");
		return 1;
	}
	if (strcmp(c, "int80")) {
		fprintf(stderr, "usage: stepping int80|uncaught\n");
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_trap;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGTRAP, &sa, NULL);
	pid = step_through();
	printf("stepping int80: getpid gave the pid: %s\n", pid == getpid() ? "yes" : "no");
	for (i = 0; i < ntraps; i++)
		printf("stepping int80: trap %d at %s%s\n", i + 1, place(traps[i].eip),
		       traps[i].eip == (unsigned long)step_nop2 + 1
			       ? (traps[i].eax == (unsigned long)pid ? ", EAX the pid" : ", EAX not the pid")
			       : "");
	return 0;
}

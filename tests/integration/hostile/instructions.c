/* instructions: instructions a 32-bit program may execute but an i386 CPU does not
 * give it, each case in a run of its own (argv[1]), ending as on Linux:
 *
 *   syscall           #UD (EFER.SCE is clear on an i386 CPU): SIGILL, ILL_ILLOPN, at the
 *                     instruction; the handler steps over it and the program goes on
 *   syscall-uncaught  the same without a handler: killed by SIGILL
 *   icebp             INT1 (0xf1): a #DB trap after it: SIGTRAP, TRAP_BRKPT, the
 *                     handler returns and the program goes on
 *   icebp-uncaught    the same without a handler: killed by SIGTRAP
 *
 * Built with gcc -m32 -static and musl. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ucontext.h>
#include <unistd.h>

extern const char syscall_insn[], icebp_next[];
static volatile int si_code_seen;
static volatile unsigned long eip_seen;

static void on_signal(int sig, siginfo_t *info, void *ctx)
{
	ucontext_t *uc = ctx;

	(void)sig;
	si_code_seen = info->si_code;
	eip_seen = uc->uc_mcontext.gregs[REG_EIP];
	if (sig == SIGILL)
		uc->uc_mcontext.gregs[REG_EIP] += 2;   /* over the two bytes of syscall */
}

static void catch(int sig)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO;
	sigaction(sig, &sa, NULL);
}

__attribute__((noinline)) static void run_syscall(void)
{
	__asm__ volatile("syscall_insn: .byte 0x0f, 0x05" : : : "eax", "ecx", "edx", "memory");
}

__attribute__((noinline)) static void run_icebp(void)
{
	__asm__ volatile(".byte 0xf1\nicebp_next:" : : : "memory");
}

int main(int argc, char **argv)
{
	const char *c = argc == 2 ? argv[1] : "";

	printf("instructions %s: start\n", c);
	fflush(stdout);
	if (!strcmp(c, "syscall") || !strcmp(c, "syscall-uncaught")) {
		if (!strcmp(c, "syscall"))
			catch(SIGILL);
		run_syscall();
		printf("instructions: syscall: SIGILL, si_code %s, at the instruction: %s\n",
		       si_code_seen == ILL_ILLOPN ? "ILL_ILLOPN" : "other",
		       eip_seen == (unsigned long)syscall_insn ? "yes" : "no");
	} else if (!strcmp(c, "icebp") || !strcmp(c, "icebp-uncaught")) {
		if (!strcmp(c, "icebp"))
			catch(SIGTRAP);
		run_icebp();
		printf("instructions: icebp: SIGTRAP, si_code %s, after the instruction: %s\n",
		       si_code_seen == TRAP_BRKPT ? "TRAP_BRKPT" : "other",
		       eip_seen == (unsigned long)icebp_next ? "yes" : "no");
	} else {
		fprintf(stderr, "usage: instructions syscall|syscall-uncaught|icebp|icebp-uncaught\n");
		return 2;
	}
	printf("instructions %s: went on\n", c);
	return 0;
}

/* instructions: instructions a 32-bit program may execute but an i386 CPU does not
 * give it, each case in a run of its own (argv[1]), ending as on Linux:
 *
 *   syscall           #UD (EFER.SCE is clear on an i386 CPU): SIGILL, ILL_ILLOPN, at the
 *                     instruction; the handler steps over it and the program goes on
 *   syscall-uncaught  the same without a handler: killed by SIGILL
 *   icebp             INT1 (0xf1): a #DB trap after it: SIGTRAP, TRAP_BRKPT, the
 *                     handler returns and the program goes on
 *   icebp-uncaught    the same without a handler: killed by SIGTRAP
 *   lock              a lock prefix where the SDM allows none (lock stc, lock mov, lock
 *                     add to a register, lock iret, lock sysenter): each #UD, SIGILL,
 *                     ILL_ILLOPN, at the instruction, which did nothing; then a lock
 *                     inc of memory, which is allowed, increments
 *   lock-uncaught     lock stc without a handler: killed by SIGILL
 *   code-reuse        code written into a fresh anonymous page, run, the page unmapped,
 *                     64 times (a JIT reusing its buffer: the same frame comes back):
 *                     each time the page's code is what runs, not the previous one's
 *
 * Built with gcc -m32 -static and musl. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ucontext.h>
#include <unistd.h>

extern const char syscall_insn[], icebp_next[];
static volatile int si_code_seen;
static volatile unsigned long eip_seen;
static volatile unsigned skip = 2;   /* the SIGILL handler steps over this many bytes */

static void on_signal(int sig, siginfo_t *info, void *ctx)
{
	ucontext_t *uc = ctx;

	(void)sig;
	si_code_seen = info->si_code;
	eip_seen = uc->uc_mcontext.gregs[REG_EIP];
	if (sig == SIGILL)
		uc->uc_mcontext.gregs[REG_EIP] += skip;   /* over the instruction */
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

/* Misplaced locks, each "lock_N: bytes" in run_locks below. */
extern const char lock_0[], lock_1[], lock_2[], lock_3[], lock_4[];
static const struct {
	const char *name, *at;
	unsigned length;
} locks[] = {
	{ "lock stc", lock_0, 2 },
	{ "lock mov %eax,%ecx", lock_1, 3 },
	{ "lock add (%esp),%ecx", lock_2, 4 },
	{ "lock iret", lock_3, 2 },
	{ "lock sysenter", lock_4, 3 },
};

/* Each misplaced lock under a SIGILL handler that steps over it: ECX must be what it
 * was (none of them ran). Then a lock inc of memory, which must run. */
__attribute__((noinline)) static int run_locks(void)
{
	volatile unsigned cell = 41;
	unsigned ecx = 0x1234, i;
	int ok = 1;

	for (i = 0; i < sizeof(locks) / sizeof(*locks); i++) {
		si_code_seen = 0;
		eip_seen = 0;
		skip = locks[i].length;
		__asm__ volatile("jmp 9f\n"
				 "lock_0: .byte 0xf0, 0xf9\n"
				 "jmp 8f\n"
				 "lock_1: .byte 0xf0, 0x89, 0xc1\n"
				 "jmp 8f\n"
				 "lock_2: .byte 0xf0, 0x03, 0x0c, 0x24\n"
				 "jmp 8f\n"
				 "lock_3: .byte 0xf0, 0xcf\n"
				 "jmp 8f\n"
				 "lock_4: .byte 0xf0, 0x0f, 0x34\n"
				 "jmp 8f\n"
				 "9: jmp *%1\n"
				 "8:\n"
				 : "+c"(ecx) : "r"(locks[i].at), "a"(0) : "memory", "cc");
		printf("instructions: %s: SIGILL, si_code %s, at the instruction: %s\n", locks[i].name,
		       si_code_seen == ILL_ILLOPN ? "ILL_ILLOPN" : "other",
		       eip_seen == (unsigned long)locks[i].at ? "yes" : "no");
		if (ecx != 0x1234)
			ok = 0;
	}
	__asm__ volatile("lock incl %0" : "+m"(cell));
	printf("instructions: none of them ran: %s; lock incl of memory: %u\n", ok ? "yes" : "no", cell);
	return 0;
}

/* At offset 0 a jump to 0x20, where "mov $i, %eax; ret" is: the store to offset 0 comes
 * first, so a translator that only sees the first store to a page invalidates the old
 * jump and keeps the old mov. Returns how many of the calls returned another value. */
__attribute__((noinline)) static int run_code_reuse(void)
{
	unsigned i, wrong = 0;

	for (i = 0; i < 64; i++) {
		volatile unsigned char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
						 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		unsigned got;

		if (p == MAP_FAILED) {
			perror("instructions: mmap");
			return -1;
		}
		p[0] = 0xeb;   /* jmp .+0x20 */
		p[1] = 0x1e;
		p[0x20] = 0xb8;   /* mov $i, %eax */
		p[0x21] = (unsigned char)i;
		p[0x22] = (unsigned char)(i >> 8);
		p[0x23] = 0;
		p[0x24] = 0;
		p[0x25] = 0xc3;   /* ret */
		got = ((unsigned (*)(void))(uintptr_t)p)();
		if (got != i)
			wrong++;
		munmap((void *)p, 4096);
	}
	return (int)wrong;
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
	} else if (!strcmp(c, "lock")) {
		catch(SIGILL);
		run_locks();
	} else if (!strcmp(c, "lock-uncaught")) {
		__asm__ volatile(".byte 0xf0, 0xf9" : : : "cc");   /* lock stc */
	} else if (!strcmp(c, "code-reuse")) {
		printf("instructions: code-reuse: 64 calls, %d returned old code's value\n", run_code_reuse());
	} else {
		fprintf(stderr, "usage: instructions syscall|syscall-uncaught|icebp|icebp-uncaught|lock|lock-uncaught|"
			"code-reuse\n");
		return 2;
	}
	printf("instructions %s: went on\n", c);
	return 0;
}

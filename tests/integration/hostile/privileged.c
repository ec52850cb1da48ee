/* privileged: instructions ring 3 may not execute, each a #GP that Linux turns into
 * SIGSEGV with si_code SI_KERNEL and si_addr 0, at the instruction. Two cases
 * (argv[1]):
 *
 *   all       every instruction of the table in turn under a SIGSEGV handler that
 *             records what it got and steps over the instruction; one line each
 *   uncaught  hlt without a handler: killed by SIGSEGV
 *
 * The table: hlt, cli, sti, in and out (no I/O permission), lgdt, lidt, ltr, clts,
 * moves to and from CR0, CR3 and DR7, rdmsr, wrmsr, invd, wbinvd, and int $N for
 * vectors whose gates ring 3 may not use (a CPU exception's and ones nothing uses).
 * Built with gcc -m32 -static and musl. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ucontext.h>
#include <unistd.h>

#ifndef SI_KERNEL
#define SI_KERNEL 0x80
#endif

struct insn {
	const char *name;
	const unsigned char *at;   /* the instruction, in the text below */
	unsigned length;
};

/* Each instruction with a label before it, in one block of text that the handler
 * steps through; EAX points at a 6-byte operand for the descriptor-table loads. */
#define INSN(label, bytes) #label ": .byte " bytes "\n"
extern const unsigned char i_hlt[], i_cli[], i_sti[], i_in[], i_out[], i_lgdt[], i_lidt[], i_ltr[],
	i_clts[], i_to_cr0[], i_from_cr0[], i_from_cr3[], i_to_dr7[], i_rdmsr[], i_wrmsr[], i_invd[],
	i_wbinvd[], i_int0d[], i_int0e[], i_int81[], i_intff[], i_end[];
__asm__(".text\n"
	".globl run_table\n"
	"run_table:\n"
	"push %ebx\n"
	"mov 8(%esp), %eax\n"
	"xor %ecx, %ecx\n"
	"xor %edx, %edx\n"
	INSN(i_hlt, "0xf4")
	INSN(i_cli, "0xfa")
	INSN(i_sti, "0xfb")
	INSN(i_in, "0xe4, 0x80")               /* in $0x80, %al */
	INSN(i_out, "0xe6, 0x80")              /* out %al, $0x80 */
	INSN(i_lgdt, "0x0f, 0x01, 0x10")       /* lgdt (%eax) */
	INSN(i_lidt, "0x0f, 0x01, 0x18")       /* lidt (%eax) */
	INSN(i_ltr, "0x0f, 0x00, 0xd9")        /* ltr %cx */
	INSN(i_clts, "0x0f, 0x06")
	INSN(i_to_cr0, "0x0f, 0x22, 0xc1")     /* mov %ecx, %cr0 */
	INSN(i_from_cr0, "0x0f, 0x20, 0xc1")   /* mov %cr0, %ecx */
	INSN(i_from_cr3, "0x0f, 0x20, 0xd9")   /* mov %cr3, %ecx */
	INSN(i_to_dr7, "0x0f, 0x23, 0xf9")     /* mov %ecx, %dr7 */
	INSN(i_rdmsr, "0x0f, 0x32")
	INSN(i_wrmsr, "0x0f, 0x30")
	INSN(i_invd, "0x0f, 0x08")
	INSN(i_wbinvd, "0x0f, 0x09")
	INSN(i_int0d, "0xcd, 0x0d")            /* int $0x0d: #GP's own gate */
	INSN(i_int0e, "0xcd, 0x0e")            /* int $0x0e: the page fault's */
	INSN(i_int81, "0xcd, 0x81")            /* int $0x81: a vector nothing uses */
	INSN(i_intff, "0xcd, 0xff")
	"i_end:\n"
	"pop %ebx\n"
	"ret\n");
void run_table(void *operand);

static const struct insn table[] = {
	{ "hlt", i_hlt, 1 }, { "cli", i_cli, 1 }, { "sti", i_sti, 1 },
	{ "in $0x80, %al", i_in, 2 }, { "out %al, $0x80", i_out, 2 },
	{ "lgdt", i_lgdt, 3 }, { "lidt", i_lidt, 3 }, { "ltr", i_ltr, 3 }, { "clts", i_clts, 2 },
	{ "mov to %cr0", i_to_cr0, 3 }, { "mov from %cr0", i_from_cr0, 3 },
	{ "mov from %cr3", i_from_cr3, 3 }, { "mov to %dr7", i_to_dr7, 3 },
	{ "rdmsr", i_rdmsr, 2 }, { "wrmsr", i_wrmsr, 2 }, { "invd", i_invd, 2 },
	{ "wbinvd", i_wbinvd, 2 }, { "int $0x0d", i_int0d, 2 }, { "int $0x0e", i_int0e, 2 },
	{ "int $0x81", i_int81, 2 }, { "int $0xff", i_intff, 2 },
};
#define N (sizeof(table) / sizeof(table[0]))

static struct {
	int sig, code;
	unsigned long addr, eip;
} seen[N];
static volatile unsigned count;

static void on_signal(int sig, siginfo_t *info, void *ctx)
{
	ucontext_t *uc = ctx;
	unsigned long eip = uc->uc_mcontext.gregs[REG_EIP];
	unsigned i;

	for (i = 0; i < N && table[i].at != (const unsigned char *)eip; i++)
		;
	if (count < N) {
		seen[count].sig = sig;
		seen[count].code = info->si_code;
		seen[count].addr = (unsigned long)info->si_addr;
		seen[count].eip = eip;
		count++;
	}
	if (i == N)   /* not at an instruction of the table: nothing sane to step over */
		_exit(3);
	uc->uc_mcontext.gregs[REG_EIP] += table[i].length;
}

int main(int argc, char **argv)
{
	static unsigned char operand[6];
	const char *c = argc == 2 ? argv[1] : "";
	struct sigaction sa;
	unsigned i;

	if (!strcmp(c, "uncaught")) {
		printf("privileged uncaught: hlt\n");
		fflush(stdout);
		__asm__ volatile("hlt");
		printf("privileged uncaught: went on\n");
		return 1;
	}
	if (strcmp(c, "all")) {
		fprintf(stderr, "usage: privileged all|uncaught\n");
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);
	run_table(operand);
	for (i = 0; i < N; i++) {
		int ok = i < count && seen[i].eip == (unsigned long)table[i].at;

		printf("privileged: %s: %s, si_code %s, si_addr %s, at the instruction: %s\n", table[i].name,
		       i >= count ? "nothing" : seen[i].sig == SIGSEGV ? "SIGSEGV" : strsignal(seen[i].sig),
		       i < count && seen[i].code == SI_KERNEL ? "SI_KERNEL" : "other",
		       i < count && seen[i].addr == 0 ? "0" : "other", ok ? "yes" : "no");
	}
	printf("privileged: %u signals, went on\n", count);
	return 0;
}

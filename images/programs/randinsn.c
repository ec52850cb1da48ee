/* randinsn: a seeded fuzzer of what ring 3 may execute. "randinsn SEED [SNIPPETS]"
 * runs SNIPPETS (default 200) snippets of random code, each in a child of its own:
 * random bytes mixed with the instructions that reach the emulator's own code and the
 * kernel's entry paths (segment loads with odd selectors, far jumps, calls and returns,
 * iret frames with any flags, popf of TF, NT, AC, IOPL and VM, int n, int3, into, icebp,
 * bound, port I/O, hlt, sysenter, syscall, descriptor-table and control-register
 * instructions, FPU state loads, int 0x80 with random numbers), with random registers.
 * Nothing it does may bring the kernel or the emulator down: run it with check=vm.
 *
 * A snippet is pieces, one after another, then an exit(7). Half of the snippets catch
 * every fault on an alternate stack and go on at the next piece, so that one snippet
 * gets through many; the others die of their first. Each child runs as uid 1000 (it
 * may signal only its own kind) with at most 16 processes, and gets 50 ms of guest time
 * before the supervisor kills its process group.
 *
 * The same SEED runs the same snippets: forkscope runs are deterministic, so a failure
 * is reproduced by its seed. Prints one line; exit status 0 unless the supervisor
 * itself could not go on. Never run it outside the emulator. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096
#define CODE_BYTES 3072         /* room for the pieces; the exit follows */
#define MAX_PIECES 96
#define FUZZ_UID 1000
#define SNIPPET_USEC 50000    /* guest time a snippet gets */
#define END_STATUS 7

#ifndef SA_ONSTACK
#define SA_ONSTACK 0x08000000
#endif
enum { NR_setpgid = 57, NR_setuid32 = 213, NR_sigaltstack = 186 };

static uint32_t rng;
static unsigned char *code, *data;    /* the snippet's code page and a scratch page */
static unsigned char *out;            /* where the next byte goes */
static uint32_t pieces[MAX_PIECES + 1];
static unsigned npieces;

static uint32_t next_random(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static uint32_t pick(uint32_t n)
{
	return next_random() % n;
}

static void emit(const void *bytes, unsigned n)
{
	memcpy(out, bytes, n);
	out += n;
}

static void emit8(uint32_t b)
{
	*out++ = (unsigned char)b;
}

static void emit16(uint32_t v)
{
	emit8(v), emit8(v >> 8);
}

static void emit32(uint32_t v)
{
	emit16(v), emit16(v >> 16);
}

/* Selectors worth trying: null ones, the GDT's (any RPL), LDT ones, far out of range. */
static uint32_t random_selector(void)
{
	switch (pick(4)) {
	case 0: return pick(4);                              /* null, any RPL */
	case 1: return (pick(16) << 3) | pick(4);            /* GDT entries 0-15 */
	case 2: return (pick(16) << 3) | 4 | pick(4);        /* LDT: there is none */
	default: return next_random() & 0xffff;
	}
}

/* EFLAGS with bits that change what iret and popf do. */
static uint32_t random_flags(void)
{
	static const uint32_t bits[] = { 0x100, 0x200, 0x400, 0x3000, 0x4000, 0x10000, 0x20000,
					 0x40000, 0x80000, 0x100000, 0x200000, 0x8000 };
	uint32_t f = 0x202;
	int i;

	for (i = 0; i < 3; i++)
		if (pick(2))
			f |= bits[pick(sizeof bits / sizeof *bits)];
	return pick(8) ? f : next_random();
}

/* An address the snippet's instructions may use: its own pages, or anywhere. */
static uint32_t random_address(void)
{
	static const uint32_t other[] = { 0, 0xc0000000, 0xc0100000, 0xffffe000, 0xfffffffc, 0x7ffff000 };

	switch (pick(4)) {
	case 0: return (uint32_t)(uintptr_t)data + pick(PAGE - 64);
	case 1: return (uint32_t)(uintptr_t)code + pick(CODE_BYTES);
	case 2: return other[pick(sizeof other / sizeof *other)];
	default: return next_random();
	}
}

/* One piece: a template with random operands, or random bytes. */
static void piece(void)
{
	static const unsigned char singles[][3] = {
		{ 1, 0xf4 },           /* hlt */
		{ 1, 0xfa },           /* cli */
		{ 1, 0xfb },           /* sti */
		{ 1, 0xcc },           /* int3 */
		{ 1, 0xce },           /* into */
		{ 1, 0xf1 },           /* icebp */
		{ 2, 0x0f, 0x0b },     /* ud2 */
		{ 2, 0x0f, 0x34 },     /* sysenter */
		{ 2, 0x0f, 0x05 },     /* syscall */
		{ 2, 0x0f, 0x35 },     /* sysexit */
		{ 2, 0x0f, 0x07 },     /* sysret */
		{ 2, 0x0f, 0x31 },     /* rdtsc */
		{ 2, 0x0f, 0x33 },     /* rdpmc */
		{ 2, 0x0f, 0x32 },     /* rdmsr */
		{ 2, 0x0f, 0xa2 },     /* cpuid */
		{ 2, 0xdb, 0xe3 },     /* fninit */
		{ 1, 0x60 },           /* pusha */
		{ 1, 0x61 },           /* popa */
		{ 1, 0xcf },           /* iret */
		{ 1, 0xcb },           /* lret */
		{ 2, 0x66, 0xcf },     /* iretw */
		{ 1, 0x9d },           /* popf */
		{ 1, 0xec },           /* in (%dx), %al */
		{ 1, 0xee },           /* out %al, (%dx) */
		{ 1, 0x6c },           /* insb */
		{ 1, 0x6e },           /* outsb */
		{ 1, 0x17 },           /* pop %ss */
		{ 1, 0x1f },           /* pop %ds */
		{ 2, 0x0f, 0xa9 },     /* pop %gs */
		{ 2, 0xeb, 0xfe },     /* jmp . */
	};
	/* Instructions with a ModRM memory operand (mod 00, r/m 101: a 32-bit address):
	 * the opcode's length, its bytes, and the ModRM reg field. */
	static const unsigned char modrm_ops[][4] = {
		{ 2, 0x0f, 0x01, 0 },  /* sgdt */
		{ 2, 0x0f, 0x01, 1 },  /* sidt */
		{ 2, 0x0f, 0x01, 2 },  /* lgdt */
		{ 2, 0x0f, 0x01, 3 },  /* lidt */
		{ 2, 0x0f, 0x01, 7 },  /* invlpg */
		{ 2, 0x0f, 0x00, 0 },  /* sldt */
		{ 2, 0x0f, 0x00, 1 },  /* str */
		{ 2, 0x0f, 0x00, 2 },  /* lldt */
		{ 2, 0x0f, 0x00, 3 },  /* ltr */
		{ 2, 0x0f, 0x00, 4 },  /* verr */
		{ 2, 0x0f, 0x00, 5 },  /* verw */
		{ 2, 0x0f, 0xae, 0 },  /* fxsave */
		{ 2, 0x0f, 0xae, 1 },  /* fxrstor */
		{ 2, 0x0f, 0xae, 2 },  /* ldmxcsr */
		{ 1, 0xdd, 0x00, 4 },  /* frstor */
		{ 1, 0xdd, 0x00, 6 },  /* fnsave */
		{ 1, 0xd9, 0x00, 5 },  /* fldcw */
		{ 1, 0xd9, 0x00, 4 },  /* fldenv */
		{ 1, 0x62, 0x00, 0 },  /* bound %eax */
		{ 1, 0xc4, 0x00, 0 },  /* les */
		{ 1, 0xc5, 0x00, 0 },  /* lds */
		{ 2, 0x0f, 0xb2, 0 },  /* lss */
		{ 2, 0x0f, 0xb4, 0 },  /* lfs */
		{ 2, 0x0f, 0xb5, 0 },  /* lgs */
		{ 1, 0xff, 0x00, 3 },  /* lcall *m16:32 */
		{ 1, 0xff, 0x00, 5 },  /* ljmp *m16:32 */
		{ 1, 0x8e, 0x00, 0 },  /* mov m16, %es */
		{ 1, 0x8e, 0x00, 2 },  /* mov m16, %ss */
		{ 1, 0x8e, 0x00, 5 },  /* mov m16, %gs */
	};
	static const unsigned char sregs[] = { 0xc0, 0xd0, 0xd8, 0xe0, 0xe8 };  /* es ss ds fs gs */
	uint32_t a;
	unsigned i, n;

	switch (pick(16)) {
	case 0: case 1:   /* random bytes */
		for (n = 1 + pick(8), i = 0; i < n; i++)
			emit8(next_random());
		break;
	case 2:           /* mov $sel, %ax; mov %ax, %sreg */
		emit8(0x66), emit8(0xb8), emit16(random_selector());
		emit8(0x8e), emit8(sregs[pick(sizeof sregs)]);
		break;
	case 3:           /* ljmp or lcall $sel, $offset */
		emit8(pick(2) ? 0xea : 0x9a);
		emit32(random_address()), emit16(random_selector());
		break;
	case 4:           /* push $flags; push $sel; push $offset; iret (or the same with lret) */
		a = pick(2);
		if (a)
			emit8(0x68), emit32(random_flags());
		emit8(0x68), emit32(pick(2) ? 0x73 : random_selector());
		emit8(0x68), emit32((uint32_t)(uintptr_t)out + 16 + pick(64));
		emit8(a ? 0xcf : 0xcb);
		break;
	case 5:           /* push $flags; popf */
		emit8(0x68), emit32(random_flags()), emit8(0x9d);
		break;
	case 6:           /* int $n */
		emit8(0xcd), emit8(pick(4) ? pick(32) : next_random());
		break;
	case 7:           /* mov $nr, %eax; int $0x80 */
		emit8(0xb8), emit32(pick(451));
		emit8(0xcd), emit8(0x80);
		break;
	case 8: case 9:   /* one of the single instructions */
		i = pick(sizeof singles / sizeof *singles);
		emit(singles[i] + 1, singles[i][0]);
		break;
	case 10: case 11: /* an instruction with a memory operand */
		i = pick(sizeof modrm_ops / sizeof *modrm_ops);
		emit(modrm_ops[i] + 1, modrm_ops[i][0]);
		emit8((modrm_ops[i][3] << 3) | 5);
		emit32(random_address());
		break;
	case 12:          /* mov $value, %reg: esp included */
		emit8(0xb8 + pick(8)), emit32(pick(2) ? random_address() : next_random());
		break;
	case 13:          /* mov %crN / %drN, either way */
		emit8(0x0f), emit8(0x20 + pick(4)), emit8(0xc0 | (pick(8) << 3) | pick(8));
		break;
	case 14:          /* a segment override, operand or address size, lock or rep prefix */
		emit8((const unsigned char[]){ 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2,
					       0xf3 }[pick(11)]);
		break;
	default:          /* mov $port, %dx */
		emit8(0x66), emit8(0xba), emit16(pick(2) ? pick(0x400) : next_random());
		break;
	}
}

/* Fills the code page: pieces while they fit, then exit(END_STATUS) and jmp . */
static void write_snippet(void)
{
	static const unsigned char tail[] = { 0xb8, 1, 0, 0, 0, 0xbb, END_STATUS, 0, 0, 0, 0xcd, 0x80, 0xeb, 0xfe };

	out = code;
	npieces = 0;
	while (npieces < MAX_PIECES && out < code + CODE_BYTES - 32) {
		pieces[npieces++] = (uint32_t)(uintptr_t)out;
		piece();
	}
	pieces[npieces] = (uint32_t)(uintptr_t)out;
	emit(tail, sizeof tail);
}

/* A fault in the snippet: go on at the next piece after it, with a sane stack. */
static void on_fault(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	uint32_t eip = uc->uc_mcontext.eip;
	unsigned i;

	(void)sig, (void)si;
	for (i = 0; i < npieces && pieces[i] <= eip; i++)
		;
	uc->uc_mcontext.eip = pieces[i];   /* the tail when past the last piece */
	uc->uc_mcontext.esp = (unsigned long)data + PAGE - 64;
}

static void catch_faults(void)
{
	static const int sigs[] = { SIGSEGV, SIGILL, SIGFPE, SIGTRAP, SIGBUS, SIGSYS };
	static char alt[16384];
	stack_t ss = { alt, 0, sizeof alt };
	struct sigaction sa;
	unsigned i;

	if (syscall(NR_sigaltstack, &ss, NULL) < 0)
		_exit(122);
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
	for (i = 0; i < sizeof sigs / sizeof *sigs; i++)
		sigaction(sigs[i], &sa, NULL);
}

/* The child: its own group, /dev/null as 0-2, uid 1000 with 16 processes at most,
 * then the snippet with random registers. */
_Noreturn static void run_snippet(int null)
{
	struct rlimit nproc = { 16, 16 };
	uint32_t regs[8];
	int i;

	syscall(NR_setpgid, 0, 0);
	for (i = 0; i < 3; i++)
		if (dup2(null, i) < 0)
			_exit(119);
	close(null);
	if (setrlimit(RLIMIT_NPROC, &nproc) < 0 || syscall(NR_setuid32, FUZZ_UID) < 0)
		_exit(120);
	code = mmap(NULL, PAGE, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	data = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (code == MAP_FAILED || data == MAP_FAILED)
		_exit(121);
	for (i = 0; i < PAGE; i++)
		data[i] = (unsigned char)next_random();
	write_snippet();
	if (pick(2))
		catch_faults();
	for (i = 0; i < 8; i++)
		regs[i] = pick(2) ? random_address() : next_random();
	regs[4] = (uint32_t)(uintptr_t)data + PAGE - 64 - 4 * pick(8);   /* ESP: the scratch page */
	/* The snippet's stack is the scratch page; ret goes to the code. */
	__asm__ volatile("mov %0, %%esp\n\t"
			 "push %1\n\t"
			 "mov %2, %%esi\n\t"
			 "mov 0(%%esi), %%eax\n\t"
			 "mov 4(%%esi), %%ecx\n\t"
			 "mov 8(%%esi), %%edx\n\t"
			 "mov 12(%%esi), %%ebx\n\t"
			 "mov 20(%%esi), %%ebp\n\t"
			 "mov 28(%%esi), %%edi\n\t"
			 "mov 24(%%esi), %%esi\n\t"
			 "ret"
			 : : "r"(regs[4]), "r"(code), "r"(regs) : "memory");
	__builtin_unreachable();
}

static void on_alarm(int sig)
{
	(void)sig;   /* only interrupts waitpid */
}

int main(int argc, char **argv)
{
	/* The alarm repeats: under check=vm the supervisor itself may use up the first
	 * period before it reaches waitpid, which would then wait for ever on a snippet
	 * that spins. */
	struct itimerval limit = { { 0, SNIPPET_USEC }, { 0, SNIPPET_USEC } }, off = { { 0, 0 }, { 0, 0 } };
	unsigned snippets, s, ended = 0, exited = 0, signalled = 0, timed_out = 0;
	struct sigaction sa;
	uint32_t seed;
	char *end;
	int null;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: randinsn SEED [SNIPPETS]\n");
		return 2;
	}
	seed = (uint32_t)strtoul(argv[1], &end, 0);
	snippets = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 0) : 200;
	if (*end || !snippets) {
		fprintf(stderr, "usage: randinsn SEED [SNIPPETS]\n");
		return 2;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;   /* no SA_RESTART: waitpid returns EINTR */
	if (sigaction(SIGALRM, &sa, NULL) < 0)
		return 1;
	null = open("/dev/null", O_RDWR);
	if (null < 0) {
		fprintf(stderr, "randinsn: /dev/null: %s\n", strerror(errno));
		return 1;
	}
	for (s = 0; s < snippets; s++) {
		int status = 0, killed = 0;
		pid_t pid;

		rng = (seed * 2654435761u) ^ ((s + 0x9e3779b9u) * 40503u);
		if (!rng)
			rng = 1;
		pid = fork();
		if (pid < 0) {
			fprintf(stderr, "randinsn: fork: %s\n", strerror(errno));
			return 1;
		}
		if (pid == 0)
			run_snippet(null);
		setitimer(ITIMER_REAL, &limit, NULL);
		while (waitpid(pid, &status, 0) < 0) {
			if (errno != EINTR) {
				fprintf(stderr, "randinsn: waitpid: %s\n", strerror(errno));
				return 1;
			}
			killed = 1;
			kill(pid, SIGKILL);
		}
		setitimer(ITIMER_REAL, &off, NULL);
		timed_out += killed;
		kill(-pid, SIGKILL);   /* what the snippet's group left */
		if (WIFSIGNALED(status))
			signalled++;
		else if (WEXITSTATUS(status) == END_STATUS)
			ended++;
		else
			exited++;
	}
	kill(-1, SIGKILL);   /* and whatever left its group: init reaps them */
	printf("randinsn: seed %u: %u snippets (%u reached the end, %u exited otherwise, %u killed by a signal, "
	       "%u of them timed out)\n", seed, snippets, ended, exited, signalled, timed_out);
	return 0;
}

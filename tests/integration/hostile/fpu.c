/* fpu: arithmetic exceptions a program unmasks or causes, one after another in one run
 * (argv[1] "all"), or one left uncaught (argv[1] "uncaught": killed by SIGFPE):
 *
 *   x87  with one exception unmasked each: invalid (sqrt of -1), a register-stack
 *        overflow (nine loads), a denormal operand, zero-divide, overflow and underflow
 *        (fscale by +-20000), precision (1/3); each reported at the next waiting
 *        instruction (fwait)
 *   SSE  the same kinds with MXCSR (sqrtss, addss of a denormal, divss, mulss), each at
 *        the instruction itself (#XM)
 *   integer  divide by zero and INT_MIN / -1 (#DE), into with OF set (#OF, a trap),
 *        bound out of range (#BR)
 *
 * Each line: the signal, its si_code, and where the handler found EIP (the reporting
 * instruction, or after it for a trap). Linux gives the x87 and SSE kinds their
 * FPE_FLT* code (a denormal is FPE_FLTUND), #DE FPE_INTDIV, #OF and #BR SIGSEGV. The
 * handler resumes at the case's end with every floating-point exception masked in the
 * state sigreturn puts back. Built with gcc -m32 -static and musl. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ucontext.h>
#include <unistd.h>

/* A case: code from `name` to `name`_end; the instruction that reports is at `name`_at.
 * ECX holds where the handler resumes. Control words: x87 0x037f and MXCSR 0x1f80 mask
 * everything; each case clears one mask bit. */
#define CASE(name, body)                                  \
	".globl " #name ", " #name "_at\n" #name ":\n"    \
	"push %ebx\n"                                     \
	"movl $" #name "_end, %ecx\n"                     \
	body                                              \
	#name "_end:\n"                                   \
	"fninit\n"                                        \
	"pop %ebx\n"                                      \
	"ret\n"

#define X87(name, cw, ops) CASE(name, "pushl $" cw "\nfninit\nfldcw (%esp)\naddl $4, %esp\n" ops \
				 #name "_at: fwait\n")
#define SSE(name, mxcsr, ops) CASE(name, "pushl $" mxcsr "\nldmxcsr (%esp)\naddl $4, %esp\n" ops)

__asm__(".data\n"
	"f_minus_one: .float -1.0\n"
	"f_one: .float 1.0\n"
	"f_three: .float 3.0\n"
	"f_zero: .float 0.0\n"
	"f_max: .float 3.4e38\n"
	"f_min: .float 1.2e-38\n"
	"f_denormal: .long 0x00000001\n"
	"d_denormal: .long 0x00000001, 0x00000000\n"
	"i_big: .long 20000\n"
	"i_small: .long -20000\n"
	"bounds: .long 0, 10\n"
	".text\n"
	X87(x87_invalid, "0x037e", "flds f_minus_one\nfsqrt\n")
	X87(x87_stack, "0x037e", "fld1\nfld1\nfld1\nfld1\nfld1\nfld1\nfld1\nfld1\nfld1\n")
	X87(x87_denormal, "0x037d", "fldl d_denormal\n")
	X87(x87_zero_divide, "0x037b", "flds f_zero\nflds f_one\nfdiv %st(1), %st\n")
	X87(x87_overflow, "0x0377", "fildl i_big\nfld1\nfscale\n")
	X87(x87_underflow, "0x036f", "fildl i_small\nfld1\nfscale\n")
	X87(x87_precision, "0x035f", "flds f_three\nflds f_one\nfdiv %st(1), %st\n")
	SSE(sse_invalid, "0x1f00", "movss f_minus_one, %xmm0\nsse_invalid_at: sqrtss %xmm0, %xmm0\n")
	SSE(sse_denormal, "0x1e80", "movss f_one, %xmm0\nsse_denormal_at: addss f_denormal, %xmm0\n")
	SSE(sse_zero_divide, "0x1d80", "movss f_one, %xmm0\nsse_zero_divide_at: divss f_zero, %xmm0\n")
	SSE(sse_overflow, "0x1b80", "movss f_max, %xmm0\nsse_overflow_at: mulss f_max, %xmm0\n")
	SSE(sse_underflow, "0x1780", "movss f_min, %xmm0\nsse_underflow_at: mulss f_min, %xmm0\n")
	SSE(sse_precision, "0x0f80", "movss f_one, %xmm0\nsse_precision_at: divss f_three, %xmm0\n")
	CASE(int_divide_zero, "movl $1, %eax\nxorl %edx, %edx\nxorl %ebx, %ebx\nint_divide_zero_at: divl %ebx\n")
	CASE(int_divide_overflow, "movl $0x80000000, %eax\ncltd\nmovl $-1, %ebx\nint_divide_overflow_at: idivl %ebx\n")
	CASE(int_into, "movl $0x7fffffff, %eax\naddl $1, %eax\ninto\nint_into_at:\n")
	CASE(int_bound, "movl $11, %eax\nint_bound_at: boundl %eax, bounds\n"));

#define CASES(X)                                                                              \
	X(x87_invalid) X(x87_stack) X(x87_denormal) X(x87_zero_divide) X(x87_overflow)        \
	X(x87_underflow) X(x87_precision) X(sse_invalid) X(sse_denormal) X(sse_zero_divide)   \
	X(sse_overflow) X(sse_underflow) X(sse_precision) X(int_divide_zero)                  \
	X(int_divide_overflow) X(int_into) X(int_bound)
#define DECLARE(name) void name(void); extern const char name##_at[];
CASES(DECLARE)
#define ENTRY(name) { #name, name, name##_at },
static const struct {
	const char *name;
	void (*run)(void);
	const char *at;
} cases[] = { CASES(ENTRY) };

static volatile int signo, code;
static volatile unsigned long eip_seen;

static void on_signal(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;

	signo = sig;
	code = si->si_code;
	eip_seen = uc->uc_mcontext.gregs[REG_EIP];
	uc->uc_mcontext.gregs[REG_EIP] = uc->uc_mcontext.gregs[REG_ECX];
	/* Everything masked and no exception pending in the state that comes back. */
	if (uc->uc_mcontext.fpregs) {
		uint8_t *fp = (uint8_t *)uc->uc_mcontext.fpregs;

		*(uint32_t *)fp |= 0x3f;                   /* x87 control word */
		*(uint32_t *)(fp + 4) &= ~0x80ffu;          /* x87 status word */
		if (*(uint16_t *)(fp + 110) == 0) {        /* the fxsave copy follows */
			*(uint16_t *)(fp + 112) |= 0x3f;
			*(uint16_t *)(fp + 114) &= ~0x80ffu;
			*(uint32_t *)(fp + 112 + 24) = 0x1f80;
		}
	}
}

static const char *code_name(int sig, int c)
{
	static char other[16];

	if (sig == SIGFPE) {
		switch (c) {
		case FPE_INTDIV: return "FPE_INTDIV";
		case FPE_INTOVF: return "FPE_INTOVF";
		case FPE_FLTDIV: return "FPE_FLTDIV";
		case FPE_FLTOVF: return "FPE_FLTOVF";
		case FPE_FLTUND: return "FPE_FLTUND";
		case FPE_FLTRES: return "FPE_FLTRES";
		case FPE_FLTINV: return "FPE_FLTINV";
		}
	}
	if (c == 0x80)
		return "SI_KERNEL";
	snprintf(other, sizeof(other), "%d", c);
	return other;
}

int main(int argc, char **argv)
{
	const char *c = argc == 2 ? argv[1] : "";
	struct sigaction sa;
	unsigned i;

	if (!strcmp(c, "uncaught")) {
		printf("fpu uncaught: divide by zero\n");
		fflush(stdout);
		int_divide_zero();
		printf("fpu uncaught: went on\n");
		return 1;
	}
	if (strcmp(c, "all")) {
		fprintf(stderr, "usage: fpu all|uncaught\n");
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGFPE, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		signo = 0;
		cases[i].run();
		if (!signo)
			printf("fpu %s: no signal\n", cases[i].name);
		else
			printf("fpu %s: %s, %s, EIP at the instruction: %s\n", cases[i].name,
			       signo == SIGFPE ? "SIGFPE" : signo == SIGSEGV ? "SIGSEGV" : "another signal",
			       code_name(signo, code), eip_seen == (unsigned long)cases[i].at ? "yes" : "no");
	}
	return 0;
}

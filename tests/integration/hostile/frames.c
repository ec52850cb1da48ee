/* frames: far transfers ring 3 builds itself (iret, lret, ljmp, lcall frames) and
 * the flags that change what iret does, each case in a run of its own (argv[1]):
 *
 *   iret-vm        iret whose flags image has VM set: at CPL 3 the CPU ignores VM and
 *                  returns in protected mode, so the program goes on
 *   iret-iopl      an image with IOPL 3 and IF clear: CPL 3 may change neither
 *   iret-own       iret to our own CS (the control case): goes on
 *   iret-cs-rpl0   our CS with RPL 0, less than the CPL: #GP
 *   iret-cs-null   the null selector as CS: #GP
 *   iret-cs-data   our data segment as CS: #GP
 *   lret-own       lret to our own CS: goes on
 *   lret-cs-rpl0   lret to our CS with RPL 0: #GP
 *   ljmp-ds        a far jump to our data segment: #GP
 *   ljmp-ldt       a far jump through an LDT selector with no LDT: #GP
 *   lcall-null     a far call to the null selector: #GP
 *   nt-iret        iret with EFLAGS.NT set: a task return, which Linux never allows
 *                  (#GP in long mode, #TS through the null back link of 32-bit Linux)
 *   nt-int80       a system call through int 0x80 with NT set: right answer, NT kept
 *   nt-sysenter    the same through the vDSO's __kernel_vsyscall (AT_SYSINFO), where
 *                  sysenter does not clear NT; int 0x80 where there is no vDSO
 *
 * Each #GP (or #TS) is SIGSEGV with si_code SI_KERNEL at the instruction; a handler
 * reports it and jumps out. Built with gcc -m32 -static and musl. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/ucontext.h>
#include <unistd.h>

#ifndef SI_KERNEL
#define SI_KERNEL 0x80
#endif
#define EFLAGS_IF 0x200u
#define EFLAGS_IOPL 0x3000u
#define EFLAGS_NT 0x4000u
#define EFLAGS_VM 0x20000u

/* Each function's faulting instruction has a global label, `<name>_at`. The ones
 * that return give back EFLAGS as it was after the transfer (iret_vm: the image it
 * popped, which pushf could not show: it never pushes VM). */
__asm__(".text\n"
	".globl iret_vm, iret_vm_at\n"
	"iret_vm:\n"
	"pushf\n"
	"orl $0x20000, (%esp)\n"
	"push %cs\n"
	"push $1f\n"
	"iret_vm_at: iret\n"
	"1: mov -4(%esp), %eax\n"  /* the image it popped, as written */
	"ret\n"

	".globl iret_iopl, iret_iopl_at\n"
	"iret_iopl:\n"
	"pushf\n"
	"orl $0x3000, (%esp)\n"
	"andl $~0x200, (%esp)\n"
	"push %cs\n"
	"push $1f\n"
	"iret_iopl_at: iret\n"
	"1: pushf\n"
	"pop %eax\n"
	"ret\n"

	".globl iret_own, iret_own_at\n"
	"iret_own:\n"
	"pushf\n"
	"push %cs\n"
	"push $1f\n"
	"iret_own_at: iret\n"
	"1: pushf\n"
	"pop %eax\n"
	"ret\n"

	/* iret_to(cs): iret to `cs` with our own flags. */
	".globl iret_to, iret_to_at\n"
	"iret_to:\n"
	"mov 4(%esp), %eax\n"
	"pushf\n"
	"push %eax\n"
	"push $1f\n"
	"iret_to_at: iret\n"
	"1: pushf\n"
	"pop %eax\n"
	"ret\n"

	".globl lret_own, lret_own_at\n"
	"lret_own:\n"
	"push %cs\n"
	"push $1f\n"
	"lret_own_at: lret\n"
	"1: pushf\n"
	"pop %eax\n"
	"ret\n"

	/* lret_to(cs) */
	".globl lret_to, lret_to_at\n"
	"lret_to:\n"
	"mov 4(%esp), %eax\n"
	"push %eax\n"
	"push $1f\n"
	"lret_to_at: lret\n"
	"1: pushf\n"
	"pop %eax\n"
	"ret\n"

	/* ljmp_to(cs): a far jump through a pointer on the stack. */
	".globl ljmp_to, ljmp_to_at\n"
	"ljmp_to:\n"
	"mov 4(%esp), %eax\n"
	"push %eax\n"
	"push $1f\n"
	"ljmp_to_at: ljmp *(%esp)\n"
	"1: add $8, %esp\n"
	"pushf\n"
	"pop %eax\n"
	"ret\n"

	/* lcall_to(cs) */
	".globl lcall_to, lcall_to_at\n"
	"lcall_to:\n"
	"mov 4(%esp), %eax\n"
	"push %eax\n"
	"push $1f\n"
	"lcall_to_at: lcall *(%esp)\n"
	"1: add $8, %esp\n"
	"pushf\n"
	"pop %eax\n"
	"ret\n"

	/* iret_nt: NT set by popf (any CPL may), then an iret to our own CS. */
	".globl iret_nt, iret_nt_at\n"
	"iret_nt:\n"
	"pushf\n"
	"push %cs\n"
	"push $1f\n"
	"pushf\n"
	"orl $0x4000, (%esp)\n"
	"popf\n"
	"iret_nt_at: iret\n"
	"1: pushf\n"
	"pop %eax\n"
	"ret\n"

	/* getpid_nt(entry, &flags): getpid with NT set, through `entry` (a
	 * __kernel_vsyscall) or int 0x80 when entry is 0; stores EFLAGS after it, then
	 * clears NT again. */
	".globl getpid_nt\n"
	"getpid_nt:\n"
	"push %ebx\n"
	"mov 8(%esp), %ecx\n"
	"pushf\n"
	"orl $0x4000, (%esp)\n"
	"popf\n"
	"mov $20, %eax\n"
	"test %ecx, %ecx\n"
	"jz 1f\n"
	"call *%ecx\n"
	"jmp 2f\n"
	"1: int $0x80\n"
	"2: pushf\n"
	"pop %edx\n"
	"mov 12(%esp), %ecx\n"
	"mov %edx, (%ecx)\n"
	"pushf\n"
	"andl $~0x4000, (%esp)\n"
	"popf\n"
	"pop %ebx\n"
	"ret\n");

unsigned iret_vm(void), iret_iopl(void), iret_own(void), iret_to(unsigned), lret_own(void),
	lret_to(unsigned), ljmp_to(unsigned), lcall_to(unsigned), iret_nt(void);
int getpid_nt(unsigned long entry, unsigned *flags);
extern const char iret_vm_at[], iret_iopl_at[], iret_own_at[], iret_to_at[], lret_own_at[],
	lret_to_at[], ljmp_to_at[], lcall_to_at[], iret_nt_at[];

static sigjmp_buf out;
static volatile int si_code_seen;
static volatile unsigned long eip_seen;

static void on_segv(int sig, siginfo_t *info, void *ctx)
{
	ucontext_t *uc = ctx;

	(void)sig;
	si_code_seen = info->si_code;
	eip_seen = uc->uc_mcontext.gregs[REG_EIP];
	/* The handler may have come with NT set (nt-iret): clear it before C goes on. */
	__asm__ volatile("pushf\nandl $~0x4000, (%%esp)\npopf" : : : "cc", "memory");
	siglongjmp(out, 1);
}

static unsigned selector(int which)
{
	unsigned short s;

	if (which == 0)
		__asm__ volatile("mov %%cs, %0" : "=r"(s));
	else
		__asm__ volatile("mov %%ds, %0" : "=r"(s));
	return s;
}

/* Runs a case that must fault at `at`: one line saying what it got. */
#define FAULTS(name, call, at)                                                                  \
	do {                                                                                    \
		if (sigsetjmp(out, 1) == 0) {                                                   \
			unsigned flags_ = (call);                                               \
			printf("frames %s: went on (flags %#x)\n", name, flags_);              \
		} else {                                                                        \
			printf("frames %s: SIGSEGV, si_code %s, at the instruction: %s\n", name,   \
			       si_code_seen == SI_KERNEL ? "SI_KERNEL" : "other",                     \
			       eip_seen == (unsigned long)(at) ? "yes" : "no");                      \
		}                                                                               \
	} while (0)

/* Runs a case that must go on: the flags after it, masked to what the case is about. */
#define GOES_ON(name, call, mask)                                                               \
	do {                                                                                    \
		if (sigsetjmp(out, 1) == 0) {                                                   \
			unsigned flags_ = (call);                                               \
			printf("frames %s: went on, flags & %#x: %#x\n", name, (mask), flags_ & (mask)); \
		} else {                                                                        \
			printf("frames %s: SIGSEGV at %#lx\n", name, eip_seen);                    \
		}                                                                               \
	} while (0)

static void nt_call(const char *name, unsigned long entry)
{
	unsigned flags = 0;
	int pid = getpid_nt(entry, &flags);

	printf("frames %s: getpid with NT set: right pid: %s, NT kept: %s\n", name,
	       pid == getpid() ? "yes" : "no", flags & EFLAGS_NT ? "yes" : "no");
}

int main(int argc, char **argv)
{
	const char *c = argc == 2 ? argv[1] : "";
	const unsigned cs = selector(0), ds = selector(1);
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);

	if (!strcmp(c, "iret-vm"))
		GOES_ON(c, iret_vm(), EFLAGS_VM);   /* the image in memory keeps VM */
	else if (!strcmp(c, "iret-iopl"))
		GOES_ON(c, iret_iopl(), EFLAGS_IOPL | EFLAGS_IF);
	else if (!strcmp(c, "iret-own"))
		GOES_ON(c, iret_own(), EFLAGS_NT);
	else if (!strcmp(c, "iret-cs-rpl0"))
		FAULTS(c, iret_to(cs & ~3u), iret_to_at);
	else if (!strcmp(c, "iret-cs-null"))
		FAULTS(c, iret_to(0), iret_to_at);
	else if (!strcmp(c, "iret-cs-data"))
		FAULTS(c, iret_to(ds), iret_to_at);
	else if (!strcmp(c, "lret-own"))
		GOES_ON(c, lret_own(), EFLAGS_NT);
	else if (!strcmp(c, "lret-cs-rpl0"))
		FAULTS(c, lret_to(cs & ~3u), lret_to_at);
	else if (!strcmp(c, "ljmp-ds"))
		FAULTS(c, ljmp_to(ds), ljmp_to_at);
	else if (!strcmp(c, "ljmp-ldt"))
		FAULTS(c, ljmp_to(0x0f), ljmp_to_at);
	else if (!strcmp(c, "lcall-null"))
		FAULTS(c, lcall_to(0), lcall_to_at);
	else if (!strcmp(c, "nt-iret"))
		FAULTS(c, iret_nt(), iret_nt_at);
	else if (!strcmp(c, "nt-int80"))
		nt_call(c, 0);
	else if (!strcmp(c, "nt-sysenter"))
		nt_call(c, getauxval(AT_SYSINFO));
	else {
		fprintf(stderr, "usage: frames iret-vm|iret-iopl|iret-own|iret-cs-rpl0|iret-cs-null|"
				"iret-cs-data|lret-own|lret-cs-rpl0|ljmp-ds|ljmp-ldt|lcall-null|nt-iret|"
				"nt-int80|nt-sysenter\n");
		return 2;
	}
	return 0;
}

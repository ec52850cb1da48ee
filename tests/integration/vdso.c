/* vdso.c: what a program sees of the kernel's vsyscall page (AT_SYSINFO,
 * AT_SYSINFO_EHDR), and system calls made through it as glibc makes them: all six
 * arguments, fork, a restart after a signal handler, single steps, a bad stack given
 * to sysenter, a write to the page, a handler without a restorer.
 * tests/integration/test_vdso.py builds it with glibc and musl. Without a vDSO (vdso=0,
 * or under qemu-i386) it says so and runs the checks that need none. */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

unsigned long vsyscall;   /* AT_SYSINFO, else int80 below */

/* long vcall(long nr, const long args[6]): a system call through `vsyscall`, with
 * the int 0x80 register convention (EBP is the sixth argument). */
long vcall(long nr, const long *args);
long int80(void);
/* long raw_sysenter(long nr, unsigned long ebp): sysenter with EBP (where the vDSO
 * keeps the user stack) set to anything. */
long raw_sysenter(long nr, unsigned long ebp);
__asm__(".text\n"
	".globl vcall\n"
	"vcall:\n"
	"	push %ebp\n	push %edi\n	push %esi\n	push %ebx\n"
	"	mov 20(%esp), %eax\n"
	"	mov 24(%esp), %ecx\n"
	"	mov 0(%ecx), %ebx\n"
	"	mov 8(%ecx), %edx\n"
	"	mov 12(%ecx), %esi\n"
	"	mov 16(%ecx), %edi\n"
	"	mov 20(%ecx), %ebp\n"
	"	mov 4(%ecx), %ecx\n"
	"	call *vsyscall\n"
	"	pop %ebx\n	pop %esi\n	pop %edi\n	pop %ebp\n"
	"	ret\n"
	".globl int80\n"
	"int80:\n"
	"	int $0x80\n"
	"	ret\n"
	".globl raw_sysenter\n"
	"raw_sysenter:\n"
	"	push %ebp\n"
	"	mov 8(%esp), %eax\n"
	"	mov 12(%esp), %ebp\n"
	"	sysenter\n"
	"	pop %ebp\n"
	"	ret\n");

static int failures;

static void check(const char *what, int ok)
{
	printf("vdso: %s: %s\n", what, ok ? "ok" : "FAILED");
	failures += !ok;
}

static long call0(long nr)
{
	long a[6] = { 0 };
	return vcall(nr, a);
}

/* The ELF image at AT_SYSINFO_EHDR: a shared object whose dynamic symbol table has
 * __kernel_vsyscall at AT_SYSINFO. */
static unsigned long dynamic_symbol(const Elf32_Ehdr *eh, const char *name)
{
	const Elf32_Phdr *ph = (const Elf32_Phdr *)((const char *)eh + eh->e_phoff);
	const Elf32_Dyn *dyn = NULL;
	const Elf32_Sym *sym = NULL;
	const char *str = NULL;
	unsigned long nsyms = 0, load_bias = 0;

	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_LOAD && ph[i].p_offset == 0)
			load_bias = (unsigned long)eh - ph[i].p_vaddr;
		if (ph[i].p_type == PT_DYNAMIC)
			dyn = (const Elf32_Dyn *)((const char *)eh + ph[i].p_offset);
	}
	for (; dyn && dyn->d_tag != DT_NULL; dyn++) {
		if (dyn->d_tag == DT_SYMTAB)
			sym = (const Elf32_Sym *)(dyn->d_un.d_ptr + load_bias);
		if (dyn->d_tag == DT_STRTAB)
			str = (const char *)(dyn->d_un.d_ptr + load_bias);
		if (dyn->d_tag == DT_HASH)
			nsyms = ((const Elf32_Word *)(dyn->d_un.d_ptr + load_bias))[1];
	}
	for (unsigned long i = 0; sym && str && i < nsyms; i++)
		if (!strcmp(str + sym[i].st_name, name))
			return sym[i].st_value + load_bias;
	return 0;
}

static sigjmp_buf back;
static volatile long fault_eax;

static void on_segv(int sig, siginfo_t *info, void *uc_)
{
	ucontext_t *uc = uc_;
	(void)sig;
	(void)info;
	fault_eax = uc->uc_mcontext.gregs[REG_EAX];
	siglongjmp(back, 1);
}

static volatile int stepping, steps;

static void on_trap(int sig, siginfo_t *info, void *uc_)
{
	ucontext_t *uc = uc_;
	(void)sig;
	(void)info;
	steps++;
	if (!stepping)
		uc->uc_mcontext.gregs[REG_EFL] &= ~0x100;
}

static int alarm_pipe[2];

static void on_alarm(int sig)
{
	(void)sig;
	(void)!write(alarm_pipe[1], "x", 1);
}

static volatile int plain_handled;

static void plain_handler(int sig)
{
	plain_handled = sig;
}

/* Blocks in read(2) through the vDSO until SIGALRM's handler writes the pipe. */
static long read_interrupted(int flags)
{
	struct sigaction sa = { 0 };
	struct itimerval t = { { 0, 0 }, { 0, 20000 } };
	char c;
	long a[6] = { alarm_pipe[0], (long)&c, 1, 0, 0, 0 };

	sa.sa_handler = on_alarm;
	sa.sa_flags = flags;
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &t, NULL);
	return vcall(SYS_read, a);
}

int main(void)
{
	struct sigaction sa = { 0 };
	unsigned long ehdr = getauxval(AT_SYSINFO_EHDR);
	vsyscall = getauxval(AT_SYSINFO);

	if (!vsyscall || !ehdr) {
		printf("vdso: none (no AT_SYSINFO, AT_SYSINFO_EHDR): int 0x80 only\n");
		vsyscall = (unsigned long)int80;
	} else {
		const Elf32_Ehdr *eh = (const Elf32_Ehdr *)ehdr;
		check("AT_SYSINFO_EHDR: an ELF shared object", !memcmp(eh->e_ident, ELFMAG, SELFMAG) &&
		      eh->e_ident[EI_CLASS] == ELFCLASS32 && eh->e_type == ET_DYN && eh->e_machine == EM_386);
		check("its __kernel_vsyscall is AT_SYSINFO", dynamic_symbol(eh, "__kernel_vsyscall") == vsyscall);
		check("its __kernel_sigreturn and __kernel_rt_sigreturn are there",
		      dynamic_symbol(eh, "__kernel_sigreturn") && dynamic_symbol(eh, "__kernel_rt_sigreturn"));

		/* A write to the page: SIGSEGV, and the program goes on. The handler runs
		 * on an alternate stack: below, the stack pointer is not a stack. */
		static char altstack[65536];
		stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack };
		sigaltstack(&ss, NULL);
		sa.sa_sigaction = on_segv;
		sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
		sigaction(SIGSEGV, &sa, NULL);
		if (!sigsetjmp(back, 1)) {
			*(volatile char *)ehdr = 0;
			check("a write to the page: SIGSEGV", 0);
		} else {
			check("a write to the page: SIGSEGV", 1);
		}
		/* sysenter with a user stack the kernel cannot read: EFAULT, and back in
		 * the vDSO on that stack, which faults. */
		fault_eax = 0;
		if (!sigsetjmp(back, 1))
			raw_sysenter(SYS_getpid, 0xc0000000ul);
		check("sysenter with a kernel address as its stack: EFAULT, then SIGSEGV", fault_eax == -EFAULT);
		fault_eax = 0;
		if (!sigsetjmp(back, 1))
			raw_sysenter(SYS_getpid, 16);
		check("sysenter with an unmapped stack: EFAULT, then SIGSEGV", fault_eax == -EFAULT);
		signal(SIGSEGV, SIG_DFL);
	}

	check("getpid", call0(SYS_getpid) == getpid());
	{
		/* All six arguments: mmap2's page offset is the sixth (EBP). */
		char name[] = "/tmp/vdso.XXXXXX", page[4096];
		int fd = mkstemp(name);
		memset(page, 'a', sizeof page);
		(void)!write(fd, page, sizeof page);
		memset(page, 'b', sizeof page);
		(void)!write(fd, page, sizeof page);
		long a[6] = { 0, 4096, PROT_READ, MAP_PRIVATE, fd, 1 };
		long p = vcall(SYS_mmap2, a);
		check("mmap2 with a page offset of 1 (the sixth argument)", (unsigned long)p < 0xfffff000ul &&
		      *(const char *)p == 'b');
		close(fd);
		unlink(name);
	}
	{
		long a[6] = { 0 };
		long pid = vcall(SYS_fork, a);
		int status = 0;
		if (pid == 0)
			_exit(5);
		check("fork: the child returns 0 and exits", pid > 0 && waitpid(pid, &status, 0) == pid &&
		      WIFEXITED(status) && WEXITSTATUS(status) == 5);
	}
	(void)!pipe(alarm_pipe);
	check("read interrupted by a SA_RESTART handler: restarted, then the byte",
	      read_interrupted(SA_RESTART) == 1);
	check("read interrupted by a handler without SA_RESTART: EINTR", read_interrupted(0) == -EINTR);
	{
		/* Single steps through a call: the kernel goes on stepping after it. */
		long pid;
		sa.sa_sigaction = on_trap;
		sa.sa_flags = SA_SIGINFO;
		sigaction(SIGTRAP, &sa, NULL);
		steps = 0;
		stepping = 1;
		__asm__ __volatile__("pushf; orl $0x100, (%esp); popf");
		pid = call0(SYS_getpid);
		stepping = 0;
		__asm__ __volatile__("nop");
		check("getpid single-stepped: the result, and traps after it", pid == getpid() && steps > 5);
	}
	{
		/* A handler installed without SA_RESTORER returns through the kernel's
		 * trampoline (the vDSO's __kernel_sigreturn, or the frame's retcode). */
		struct { void (*handler)(int); unsigned long flags; void (*restorer)(void); unsigned long mask[2]; }
			ka = { plain_handler, 0, 0, { 0, 0 } };
		long a[6] = { SIGUSR1, (long)&ka, 0, 8, 0, 0 };
		check("rt_sigaction without SA_RESTORER", vcall(SYS_rt_sigaction, a) == 0);
		raise(SIGUSR1);
		check("its handler ran and returned", plain_handled == SIGUSR1);
	}
	printf("vdso: %s\n", failures ? "FAILED" : "all ok");
	return failures != 0;
}

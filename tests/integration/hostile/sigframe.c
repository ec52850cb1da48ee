/* sigframe: signals whose frame the kernel cannot build, and frames a program forges.
 * Each case (argv[1]) runs alone and must end as on Linux, promptly: a kernel that
 * retried the delivery for ever would hang here instead.
 *
 *   overflow           a SIGSEGV handler on the normal stack, then endless recursion:
 *                      the fault's frame does not fit, so SIGSEGV kills the program
 *   altstack-unmapped  the same with SA_ONSTACK and an alternate stack that was unmapped
 *   altstack-readonly  the same with an alternate stack the program may only read
 *   handler-faults     the SIGSEGV handler faults itself (SIGSEGV is blocked in it)
 *   nodefer-faults     the same with SA_NODEFER: handlers nest until the stack is gone
 *   storm              a handler that raises its own signal 1000 times, nested through
 *                      SA_NODEFER 50 deep, then returns: the program goes on, exit 0
 *   sigreturn-zero     rt_sigreturn over a frame of zeros: CS 0 cannot be loaded
 *
 * Built with gcc -m32 -static and musl. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define ALT_SIZE (64 * 1024)

static volatile int depth, raised;

static void on_segv(int sig)
{
	(void)sig;
	printf("sigframe: SIGSEGV handler ran\n");   /* only if a frame could be built */
	_exit(3);
}

static void on_segv_faulting(int sig)
{
	(void)sig;
	*(volatile int *)0 = 1;
}

static void on_usr1(int sig)
{
	if (raised < 1000 && depth < 50) {
		raised++;
		depth++;
		raise(sig);
		depth--;
	}
}

static volatile int forever = 1;

__attribute__((noinline)) static int recurse(int n)
{
	volatile char pad[256];

	pad[0] = (char)n;
	return forever ? recurse(n + 1) + pad[0] : 0;
}

static void handle(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sa.sa_flags = flags;
	sigaction(sig, &sa, NULL);
}

static void alt_stack(int prot, int unmap)
{
	stack_t ss;
	void *p = mmap(NULL, ALT_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ss.ss_sp = p;
	ss.ss_size = ALT_SIZE;
	ss.ss_flags = 0;
	if (p == MAP_FAILED || sigaltstack(&ss, NULL) < 0)
		_exit(4);
	if (unmap)
		munmap(p, ALT_SIZE);
	else
		mprotect(p, ALT_SIZE, prot);
}

int main(int argc, char **argv)
{
	const char *c = argc == 2 ? argv[1] : "";

	setvbuf(stdout, NULL, _IONBF, 0);
	printf("sigframe %s: start\n", c);
	if (!strcmp(c, "overflow")) {
		handle(SIGSEGV, on_segv, 0);
		recurse(0);
	} else if (!strcmp(c, "altstack-unmapped") || !strcmp(c, "altstack-readonly")) {
		alt_stack(PROT_READ, !strcmp(c, "altstack-unmapped"));
		handle(SIGSEGV, on_segv, SA_ONSTACK);
		recurse(0);
	} else if (!strcmp(c, "handler-faults") || !strcmp(c, "nodefer-faults")) {
		handle(SIGSEGV, on_segv_faulting, !strcmp(c, "nodefer-faults") ? SA_NODEFER : 0);
		*(volatile int *)0 = 1;
	} else if (!strcmp(c, "storm")) {
		handle(SIGUSR1, on_usr1, SA_NODEFER);
		while (raised < 1000)
			raise(SIGUSR1);
		printf("sigframe: %d signals handled\n", raised);
		return 0;
	} else if (!strcmp(c, "sigreturn-zero")) {
		static char frame[4096] __attribute__((aligned(16)));

		/* rt_sigreturn reads its frame at ESP: point ESP at zeros and call it. */
		__asm__ volatile("movl %0, %%esp\n\tmovl %1, %%eax\n\tint $0x80"
				 : : "r"(frame + 2048), "i"(SYS_rt_sigreturn) : "memory");
	} else {
		fprintf(stderr, "usage: sigframe overflow|altstack-unmapped|altstack-readonly|handler-faults|"
				"nodefer-faults|storm|sigreturn-zero\n");
		return 2;
	}
	printf("sigframe %s: went on\n", c);
	return 1;
}

/* segments: a program that hands the kernel selectors it cannot load where it must load
 * them itself: on the iret back to user mode. One case per run (argv[1]); each prints
 * what it saw, and the cases that end by a signal end as on Linux (x86-64 kernels,
 * whose fixup_bad_iret turns the iret's fault into the program's own):
 *
 *   tls-kinds         set_thread_area refuses code, not-present and 16-bit segments
 *                     (EINVAL), takes a 32-bit data segment and the clearing encodings
 *   ss-cleared        SS holds a TLS selector whose slot the program then clears: the
 *                     return from that very call cannot reload SS: SIGSEGV
 *   ss-cleared-caught the same with a SIGSEGV handler: it runs (its frame has flat
 *                     segments) and exits 3
 *   sigreturn-cs      a handler rewrites its frame's CS to the kernel's code selector:
 *                     CPL 3 cannot load it on the way back: SIGSEGV
 *   sigreturn-ss      the same with SS and an empty GDT slot: SIGSEGV
 *
 * System calls whose return must go through iret use int 0x80 (a vDSO's sysexit
 * reloads flat selectors and would hide the case). Built with gcc -m32 -static and musl. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ucontext.h>
#include <unistd.h>

#define NR_set_thread_area 243
#define TLS_SLOT 8    /* the last of 6-8: the C library's own %gs takes the first free one */
#define TLS_SELECTOR ((TLS_SLOT << 3) | 3)

struct user_desc {
	unsigned int entry_number, base_addr, limit;
	unsigned int seg_32bit:1, contents:2, read_exec_only:1, limit_in_pages:1,
		     seg_not_present:1, useable:1;
};

static long int80(long nr, long a1)
{
	long r;

	__asm__ volatile("int $0x80" : "=a"(r) : "a"(nr), "b"(a1) : "memory");
	return r;
}

static long set_slot(struct user_desc u)
{
	u.entry_number = TLS_SLOT;
	return int80(NR_set_thread_area, (long)&u);
}

static struct user_desc flat_data(void)
{
	struct user_desc u;

	memset(&u, 0, sizeof(u));
	u.limit = 0xfffff;
	u.seg_32bit = 1;
	u.limit_in_pages = 1;
	u.useable = 1;
	return u;
}

static struct user_desc cleared(void)
{
	struct user_desc u;

	memset(&u, 0, sizeof(u));
	u.read_exec_only = 1;
	u.seg_not_present = 1;
	return u;
}

static void say(const char *line)
{
	write(1, line, strlen(line));
}

static int tls_kinds(void)
{
	struct user_desc code = flat_data(), absent = flat_data(), small = flat_data(), zero;

	code.contents = 2;
	absent.seg_not_present = 1;
	small.seg_32bit = 0;
	memset(&zero, 0, sizeof(zero));
	printf("segments: a code segment: %ld\n", set_slot(code));
	printf("segments: a segment marked not present: %ld\n", set_slot(absent));
	printf("segments: a 16-bit segment: %ld\n", set_slot(small));
	printf("segments: a 32-bit data segment: %ld\n", set_slot(flat_data()));
	printf("segments: cleared (not present, read-exec-only): %ld\n", set_slot(cleared()));
	printf("segments: cleared (all zero): %ld\n", set_slot(zero));
	return 0;
}

static void on_segv(int sig)
{
	(void)sig;
	say("segments: SIGSEGV handler ran\n");
	_exit(3);
}

static int ss_cleared(int caught)
{
	unsigned short ss;

	if (caught)
		signal(SIGSEGV, on_segv);
	if (set_slot(flat_data()) != 0) {
		say("segments: set_thread_area failed\n");
		return 1;
	}
	say("segments: SS gets the TLS selector, then the slot is cleared\n");
	/* No system call in between but the clearing one, through int 0x80: a return by
	 * sysexit would load a flat SS. */
	__asm__ volatile("movw %w0, %%ss" : : "r"(TLS_SELECTOR));
	__asm__ volatile("movw %%ss, %w0" : "=r"(ss));
	set_slot(cleared());   /* returns through iret, which cannot load SS now */
	printf("segments: back in user mode with SS %#x cleared under it\n", ss);
	return 0;
}

static int rewrite_reg;
static unsigned int rewrite_to;

static void on_usr1(int sig, siginfo_t *info, void *ctx)
{
	ucontext_t *uc = ctx;

	(void)sig;
	(void)info;
	uc->uc_mcontext.gregs[rewrite_reg] = rewrite_to;
}

static int sigreturn_case(int reg, unsigned int selector)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_usr1;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR1, &sa, NULL);
	rewrite_reg = reg;
	rewrite_to = selector;
	say("segments: raising SIGUSR1\n");
	raise(SIGUSR1);
	say("segments: back in user mode after the sigreturn\n");
	return 0;
}

int main(int argc, char **argv)
{
	const char *c = argc == 2 ? argv[1] : "";

	if (!strcmp(c, "tls-kinds"))
		return tls_kinds();
	if (!strcmp(c, "ss-cleared"))
		return ss_cleared(0);
	if (!strcmp(c, "ss-cleared-caught"))
		return ss_cleared(1);
	if (!strcmp(c, "sigreturn-cs"))
		return sigreturn_case(REG_CS, 0x10);              /* the kernel's data selector (RPL 3 added) */
	if (!strcmp(c, "sigreturn-ss"))
		return sigreturn_case(REG_SS, 7 << 3);             /* an empty TLS slot */
	fprintf(stderr, "usage: segments tls-kinds|ss-cleared|ss-cleared-caught|sigreturn-cs|sigreturn-ss\n");
	return 2;
}

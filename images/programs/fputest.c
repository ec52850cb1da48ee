/* fputest: every process keeps its own x87 and SSE state (xmm0-7, MXCSR, the x87
 * stack and control word) across preemption, fork, signal handlers and exec.
 *
 *   fputest          start-up state, fork, three processes at once, exec; one line per
 *                    check, "ok" or "FAIL"; exit 0 if all pass
 *   fputest signals  handlers that clobber every register, in the middle of a
 *                    computation too; the frame's _fpstate; frames with garbage there
 *   fputest handler-state  the state a signal handler starts with
 *   fputest fpe      unmasked x87 and SIMD divide-by-zero: which signal arrives
 *   fputest exec-state  prints the state a program starts with (fputest execs it)
 *   fputest x87      fork, three processes at once and signal handlers with the x87
 *                    registers only (for a kernel booted with nofxsr: no SSE)
 *
 * The program is built without SSE code generation, so the compiler and the libc
 * never touch the xmm registers: whatever they hold between the asm statements
 * here is what the kernel preserved. */
#include <signal.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;
static int sse = 1;   /* 0: the x87 registers only (fputest x87) */

/* A check's line; "REGS" in `what` names the registers the mode uses. */
static void check(int ok, const char *what)
{
	const char *regs = strstr(what, "REGS");

	if (regs)
		printf("fputest: %.*s%s%s: %s\n", (int)(regs - what), what,
		       sse ? "xmm0-7, MXCSR, x87 stack and control word" : "x87 stack and control word",
		       regs + 4, ok ? "ok" : "FAIL");
	else
		printf("fputest: %s: %s\n", what, ok ? "ok" : "FAIL");
	if (!ok)
		failures++;
}

/* ---- the registers ---- */

typedef uint32_t xmm_t[8][4];

static void load_xmm(const xmm_t x)
{
	__asm__ __volatile__("movdqu   0(%0), %%xmm0\n\tmovdqu  16(%0), %%xmm1\n\t"
			     "movdqu  32(%0), %%xmm2\n\tmovdqu  48(%0), %%xmm3\n\t"
			     "movdqu  64(%0), %%xmm4\n\tmovdqu  80(%0), %%xmm5\n\t"
			     "movdqu  96(%0), %%xmm6\n\tmovdqu 112(%0), %%xmm7"
			     :: "r"(x) : "memory");
}

static void store_xmm(xmm_t x)
{
	__asm__ __volatile__("movdqu %%xmm0,   0(%0)\n\tmovdqu %%xmm1,  16(%0)\n\t"
			     "movdqu %%xmm2,  32(%0)\n\tmovdqu %%xmm3,  48(%0)\n\t"
			     "movdqu %%xmm4,  64(%0)\n\tmovdqu %%xmm5,  80(%0)\n\t"
			     "movdqu %%xmm6,  96(%0)\n\tmovdqu %%xmm7, 112(%0)"
			     :: "r"(x) : "memory");
}

static void set_mxcsr(uint32_t v) { __asm__ __volatile__("ldmxcsr %0" :: "m"(v)); }

static uint32_t get_mxcsr(void)
{
	uint32_t v;
	__asm__ __volatile__("stmxcsr %0" : "=m"(v));
	return v;
}

static void set_fcw(uint16_t v) { __asm__ __volatile__("fldcw %0" :: "m"(v)); }

static uint16_t get_fcw(void)
{
	uint16_t v;
	__asm__ __volatile__("fnstcw %0" : "=m"(v));
	return v;
}

/* x87: st(1) = step, st(0) = an accumulator starting at 0. */
static void x87_push(int32_t step)
{
	__asm__ __volatile__("fildl %0\n\tfldz" :: "m"(step));
}

static void x87_pop(int64_t *acc, int64_t *step)
{
	__asm__ __volatile__("fistpll %0\n\tfistpll %1" : "=m"(*acc), "=m"(*step));
}

/* One step of work that depends on every register it keeps: xmm0 += xmm1,
 * xmm2 += xmm3, xmm4 += xmm5 (32-bit lanes), st(0) += st(1); xmm6, xmm7 stay. */
static void step(void)
{
	if (sse)
		__asm__ __volatile__("paddd %%xmm1, %%xmm0\n\tpaddd %%xmm3, %%xmm2\n\t"
				     "paddd %%xmm5, %%xmm4\n\tfadd %%st(1), %%st" ::: "memory");
	else
		__asm__ __volatile__("fadd %%st(1), %%st" ::: "memory");
}

static uint32_t pattern(int who, int reg, int lane)
{
	return (uint32_t)(who + 1) * 0x01000193u ^ (uint32_t)(reg * 4 + lane) * 0x9e3779b9u;
}

/* Rounding modes differ per process, so a leaked MXCSR or control word shows. */
static uint32_t mxcsr_of(int who) { return 0x1f80u | (uint32_t)(who & 3) << 13; }
static uint16_t fcw_of(int who) { return (uint16_t)(0x037f | (who & 3) << 10); }

struct state {
	xmm_t xmm;
	uint32_t mxcsr;
	uint16_t fcw;
};

static void fill(struct state *s, int who)
{
	for (int r = 0; r < 8; r++)
		for (int l = 0; l < 4; l++)
			s->xmm[r][l] = pattern(who, r, l);
	s->mxcsr = mxcsr_of(who);
	s->fcw = fcw_of(who);
}

static void load_state(const struct state *s, int32_t x87_step)
{
	if (sse) {
		load_xmm(s->xmm);
		set_mxcsr(s->mxcsr);
	}
	set_fcw(s->fcw);
	x87_push(x87_step);
}

/* The registers after n steps from s. */
static void advance(struct state *s, uint32_t n)
{
	if (!sse)
		return;
	for (int l = 0; l < 4; l++) {
		s->xmm[0][l] += n * s->xmm[1][l];
		s->xmm[2][l] += n * s->xmm[3][l];
		s->xmm[4][l] += n * s->xmm[5][l];
	}
}

/* Do the registers hold *want, and the x87 pair (want_acc, want_step)? Pops the pair. */
static int registers_are(const struct state *want, int64_t want_acc, int64_t want_step)
{
	xmm_t now;
	int64_t acc, stp;
	uint32_t mx = sse ? get_mxcsr() : want->mxcsr;
	uint16_t cw = get_fcw();

	if (sse)
		store_xmm(now);
	else
		memcpy(now, want->xmm, sizeof(now));
	x87_pop(&acc, &stp);
	return memcmp(now, want->xmm, sizeof(now)) == 0 && mx == want->mxcsr && cw == want->fcw &&
	       acc == want_acc && stp == want_step;
}

/* ---- a program's starting state ---- */

static int initial_state_ok(void)
{
	xmm_t now, zero;

	memset(zero, 0, sizeof(zero));
	store_xmm(now);
	return get_mxcsr() == 0x1f80 && get_fcw() == 0x037f && memcmp(now, zero, sizeof(now)) == 0;
}

static int exec_state(void)
{
	printf("fputest: after exec: MXCSR 0x%x, x87 control word 0x%x, xmm0-7 %s\n",
	       (unsigned)get_mxcsr(), (unsigned)get_fcw(), initial_state_ok() ? "zero" : "not zero");
	return 0;
}

/* ---- concurrent processes ---- */

#define WORKERS 3
#define WORK_STEPS 6000000u

struct shared {
	volatile uint32_t progress[WORKERS];
	volatile int seen_other[WORKERS];
	volatile int ok[WORKERS];
	volatile int stop;
};

static struct shared *sh;

/* Worker `who` runs WORK_STEPS steps on its own registers, noting whether another
 * worker made progress meanwhile (preemption or another CPU), then checks them. */
static void work(int who)
{
	struct state s;
	uint32_t before[WORKERS];

	fill(&s, who);
	load_state(&s, who + 1);
	for (int k = 0; k < WORKERS; k++)
		before[k] = sh->progress[k];
	for (uint32_t i = 1; i <= WORK_STEPS; i++) {
		step();
		if ((i & 0xffff) == 0) {
			sh->progress[who] = i;
			for (int k = 0; k < WORKERS; k++)
				if (k != who && sh->progress[k] != before[k])
					sh->seen_other[who] = 1;
		}
	}
	advance(&s, WORK_STEPS);
	sh->ok[who] = registers_are(&s, (int64_t)WORK_STEPS * (who + 1), who + 1);
}

static void fork_inherits_state(void)
{
	struct state s;
	pid_t pid;
	int status = -1;

	fill(&s, 7);
	load_state(&s, 9);
	__asm__ __volatile__("fadd %st(1), %st");   /* accumulator 9 */
	pid = fork();
	if (pid == 0)
		_exit(registers_are(&s, 9, 9) ? 0 : 1);
	waitpid(pid, &status, 0);
	check(pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "a forked child starts with its parent's REGS");
	check(registers_are(&s, 9, 9), "the parent keeps them too");
}

static void concurrent_workers(void)
{
	pid_t pids[WORKERS];
	int all_ok = 1, seen = 0;

	memset((void *)sh, 0, sizeof(*sh));
	for (int w = 1; w < WORKERS; w++) {
		pids[w] = fork();
		if (pids[w] == 0) {
			work(w);
			_exit(0);
		}
	}
	work(0);
	for (int w = 1; w < WORKERS; w++) {
		int status = -1;

		waitpid(pids[w], &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			all_ok = 0;
	}
	for (int w = 0; w < WORKERS; w++) {
		all_ok &= sh->ok[w];
		seen |= sh->seen_other[w];
	}
	check(seen, "three processes computing at the same time (progress of others seen mid-loop)");
	check(all_ok, "each process ends with its own REGS");
}

/* ---- signal handlers ---- */

static volatile int usr1_count;
static volatile int frame_magic = -1;
static volatile uint32_t frame_mxcsr, frame_xmm7[4];

/* Leaves every register different from the interrupted code's. */
static void clobber(void)
{
	struct state junk;

	fill(&junk, 11);
	load_state(&junk, 5);
	__asm__ __volatile__("fldpi\n\tfldpi");
}

static void on_usr1(int sig)
{
	(void)sig;
	usr1_count++;
	clobber();
}

/* The rt frame's FPU area (Linux's struct _fpstate): magic at byte 110, the fxsave
 * image from byte 112 (MXCSR at +24, xmm0 at +160). */
static void on_usr2(int sig, siginfo_t *si, void *ctx)
{
	const uint8_t *fp = (const uint8_t *)((ucontext_t *)ctx)->uc_mcontext.fpstate;

	(void)sig;
	(void)si;
	if (fp) {
		frame_magic = *(const uint16_t *)(fp + 110);
		frame_mxcsr = *(const uint32_t *)(fp + 112 + 24);
		memcpy((void *)frame_xmm7, fp + 112 + 160 + 7 * 16, 16);
	}
	clobber();
}

/* Frames a handler spoils: sigreturn must take any bytes safely. */
static volatile int spoil;

static void on_usr2_spoil(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;

	(void)sig;
	(void)si;
	if (spoil == 1)
		memset((void *)uc->uc_mcontext.fpstate, 0xff, 624);   /* the whole _fpstate */
	else if (spoil == 2)
		uc->uc_mcontext.fpstate = 0;
	else
		uc->uc_mcontext.fpstate = 0xb0000000;   /* nothing mapped there */
}

static void spoiled_frames(void)
{
	struct sigaction sa;
	struct state s;
	uint32_t mx;
	pid_t pid;
	int status = -1;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_usr2_spoil;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR2, &sa, NULL);

	fill(&s, 8);
	load_state(&s, 1);
	spoil = 1;
	kill(getpid(), SIGUSR2);
	mx = sse ? get_mxcsr() : 0;
	__asm__ __volatile__("fninit");
	set_mxcsr(0x1f80);
	check((mx & 0xffff0000u) == 0, "an _fpstate of 0xff bytes is taken safely, MXCSR's reserved bits cleared");

	load_state(&s, 1);
	spoil = 2;
	kill(getpid(), SIGUSR2);
	check(initial_state_ok() && get_fcw() == 0x037f, "fpstate 0 in the frame: sigreturn gives the initial state");
	__asm__ __volatile__("fninit");

	pid = fork();
	if (pid == 0) {
		spoil = 3;
		kill(getpid(), SIGUSR2);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	check(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV, "fpstate pointing at nothing: SIGSEGV");
	signal(SIGUSR2, SIG_DFL);
}

static void signal_handlers(void)
{
	struct sigaction sa;
	struct state s;
	uint32_t n = 0;
	pid_t pid, parent = getpid();
	int status = -1;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_usr2;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR2, &sa, NULL);

	/* A handler run from a system call (rt frame): it sees the state in its frame. */
	fill(&s, 5);
	load_state(&s, 3);
	kill(parent, SIGUSR2);
	check(registers_are(&s, 0, 3), "SA_SIGINFO handler clobbers every register; rt_sigreturn restores them");
	if (sse)
		check(frame_magic == 0 && frame_mxcsr == s.mxcsr &&
		      memcmp((void *)frame_xmm7, s.xmm[7], 16) == 0,
		      "its frame's _fpstate: FXSR magic 0, the interrupted MXCSR and xmm7");

	/* Handlers run where the code was interrupted: a second process sends SIGUSR1
	 * while this one computes. */
	sh->stop = 0;
	pid = fork();
	if (pid == 0) {
		while (!sh->stop) {
			kill(parent, SIGUSR1);
			sched_yield();
		}
		_exit(0);
	}
	fill(&s, 6);
	load_state(&s, 2);
	while (usr1_count < 3) {
		step();
		n++;
	}
	sh->stop = 1;
	advance(&s, n);
	check(registers_are(&s, (int64_t)n * 2, 2),
	      "plain handlers clobber every register mid-computation; sigreturn restores them");
	waitpid(pid, &status, 0);
	signal(SIGUSR1, SIG_DFL);
	signal(SIGUSR2, SIG_DFL);
}

/* ---- exec ---- */

static void exec_resets_state(const char *self)
{
	struct state s;
	pid_t pid;
	int status = -1;

	fill(&s, 4);
	load_state(&s, 1);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		char *argv[] = { (char *)self, "exec-state", NULL };

		execv(self, argv);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "exec of a process with its own FPU state");
	check(registers_are(&s, 0, 1), "the parent's registers are unchanged");
}

/* ---- the state a handler starts with ---- */

static volatile uint32_t handler_mxcsr;
static volatile uint16_t handler_fcw;
static volatile int handler_xmm_zero;

static void on_usr1_state(int sig)
{
	(void)sig;
	handler_mxcsr = get_mxcsr();
	handler_fcw = get_fcw();
	handler_xmm_zero = initial_state_ok();
}

static int handler_state(void)
{
	struct state s;

	signal(SIGUSR1, on_usr1_state);
	fill(&s, 3);
	load_state(&s, 1);
	kill(getpid(), SIGUSR1);
	printf("fputest: handler starts with MXCSR 0x%x, x87 control word 0x%x, xmm0-7 %s\n",
	       (unsigned)handler_mxcsr, (unsigned)handler_fcw, handler_xmm_zero ? "zero" : "not zero");
	check(registers_are(&s, 0, 1), "after the handler the registers are the program's again");
	return failures ? 1 : 0;
}

/* ---- unmasked floating-point exceptions ---- */

static volatile int fpe_signo, fpe_code;
static volatile uintptr_t fpe_addr;

static void on_fpe(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;

	fpe_signo = sig;
	fpe_code = si->si_code;
	fpe_addr = (uintptr_t)si->si_addr;
	/* Resume after the faulting instruction's check: the marker's address. */
	uc->uc_mcontext.eip = (unsigned long)uc->uc_mcontext.ecx;
	/* The frame's FPU state goes back in: mask everything there so it does not fault again. */
	if (uc->uc_mcontext.fpstate) {
		uint8_t *fp = (uint8_t *)uc->uc_mcontext.fpstate;

		*(uint32_t *)fp |= 0x3f;                   /* x87 control word: all masked */
		*(uint32_t *)(fp + 4) &= ~0x80ffu;          /* x87 status: no exception flags */
		if (*(uint16_t *)(fp + 110) == 0) {
			*(uint16_t *)(fp + 112) |= 0x3f;    /* the fxsave copy */
			*(uint16_t *)(fp + 114) &= ~0x80ff;
			*(uint32_t *)(fp + 112 + 24) = 0x1f80;
		}
	}
}

static void report_fpe(const char *what, uintptr_t where)
{
	if (!fpe_signo)
		printf("fputest: %s: no signal\n", what);
	else
		printf("fputest: %s: signal %d, si_code %d, si_addr %s\n", what, fpe_signo, fpe_code,
		       fpe_addr == where ? "the faulting instruction" : "elsewhere");
	fpe_signo = fpe_code = 0;
}

static int fpe(void)
{
	struct sigaction sa;
	uintptr_t where;
	uint16_t cw = 0x037b;            /* zero-divide unmasked */
	uint32_t mx = 0x1f80 & ~0x200u;  /* zero-divide unmasked */
	uint32_t one = 0x3f800000u, zero = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fpe;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGFPE, &sa, NULL);

	/* x87: the error shows at the next waiting instruction (fwait). ECX holds where the
	 * handler resumes; `where` is the instruction that reports it. */
	__asm__ __volatile__("fldcw %1\n\tfldz\n\tfld1\n\tmovl $2f, %%ecx\n\tmovl $1f, %0\n\t"
			     "fdiv %%st(1), %%st\n"
			     "1:\tfwait\n"
			     "2:\tfninit"
			     : "=&r"(where) : "m"(cw) : "ecx", "memory");
	report_fpe("x87 1.0/0.0 with zero-divide unmasked", where);

	/* SSE: divss faults itself (#XM). */
	__asm__ __volatile__("ldmxcsr %1\n\tmovd %2, %%xmm0\n\tmovd %3, %%xmm1\n\t"
			     "movl $2f, %%ecx\n\tmovl $1f, %0\n"
			     "1:\tdivss %%xmm1, %%xmm0\n"
			     "2:"
			     : "=&r"(where) : "m"(mx), "r"(one), "r"(zero) : "ecx", "memory");
	report_fpe("SSE divss 1.0/0.0 with zero-divide unmasked", where);
	return 0;
}

static int map_shared(void)
{
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		printf("fputest: mmap: FAIL\n");
		return 0;
	}
	return 1;
}

static int done(void)
{
	printf("fputest: %s\n", failures ? "FAILED" : "all ok");
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	if (strcmp(mode, "exec-state") == 0)
		return exec_state();
	if (strcmp(mode, "fpe") == 0)
		return fpe();
	if (strcmp(mode, "handler-state") == 0)
		return handler_state();
	if (!map_shared())
		return 1;
	if (strcmp(mode, "x87") == 0) {
		sse = 0;
		fork_inherits_state();
		concurrent_workers();
		signal_handlers();
		return done();
	}
	if (strcmp(mode, "signals") == 0) {
		signal_handlers();
		spoiled_frames();
		return done();
	}
	check(initial_state_ok(), "a program starts with MXCSR 0x1f80, x87 control word 0x37f, xmm0-7 zero");
	fork_inherits_state();
	concurrent_workers();
	exec_resets_state(argv[0]);
	return done();
}

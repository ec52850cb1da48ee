/* randcall: a seeded system-call fuzzer, in the spirit of OS/161's randcall and of
 * trinity. "randcall SEED [CALLS [PER_WORKER]]" makes CALLS (default 2000) random
 * system calls: numbers 0-450 with arguments drawn from edge cases (0, -1, small and
 * huge numbers, kernel addresses, unaligned pointers, pointers into unmapped and
 * read-only pages, valid buffers, file descriptors and paths). Nothing it does may
 * bring the kernel down: run it with check=vm, and every call is followed by the
 * kernel's memory invariants.
 *
 * The calls are made by workers, PER_WORKER (default 100) each: a worker is a child
 * that may well destroy itself (unmap its own code, send itself SIGKILL, return from
 * a sigreturn with garbage registers), so it is expendable. The supervisor starts
 * one after another, gives each a time limit (SIGKILL after 2 s of guest time: a call
 * may block for ever) and then kills whatever the worker's process group left behind.
 * Workers fork, vfork and clone now and then (the children and threads make up to 20
 * calls of their own), half of them run as uid 1000, and half of their calls go
 * through int 0x80, the other half through the vDSO's sysenter.
 *
 * Never called: those that only end or stop the caller (exit, exit_group, pause,
 * sigsuspend, rt_sigsuspend). kill, tkill, tgkill and prlimit64 get only the worker's
 * own pids or ones that exist nowhere: the kernel lets any process signal any other,
 * and the supervisor must survive. execve gets no valid path: it would end the worker.
 *
 * The same SEED makes the same calls: forkscope runs are deterministic, so a failure
 * is reproduced by its seed, and `forkscope run --trace syscall` shows its last call
 * (tests/bench/fuzz_campaign.py does both). Prints one line; exit status 0 unless
 * the supervisor itself could not go on. Never run it outside the emulator. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096
#define MAX_NR 450
#define CHILD_CALLS 20          /* what a forked child or a thread makes */
#define WORKER_SECONDS 2        /* guest time a worker gets */
#define FUZZ_UID 1000
#define THREAD_STACKS 4
#define THREAD_STACK_SIZE (16 * 1024)
#define SCRATCH "/tmp/randcall"

/* Linux i386 numbers the calls are steered by (our libc names only some). */
enum {
	NR_exit = 1, NR_fork = 2, NR_execve = 11, NR_pause = 29, NR_kill = 37,
	NR_sigsuspend = 72, NR_clone = 120, NR_rt_sigsuspend = 179, NR_vfork = 190,
	NR_tkill = 238, NR_exit_group = 252, NR_tgkill = 270, NR_prlimit64 = 340,
	NR_setpgid = 57, NR_setuid32 = 213,
};

/* Shared by every process and thread of the run (MAP_SHARED): the call count. A
 * worker's calls may unmap or overwrite it: the count is a figure, not a check. */
struct tally {
	unsigned long calls;
};

struct fuzz {
	uint32_t rng;           /* xorshift32 state, never 0 */
	int budget;             /* calls left */
};

static struct tally *tally;
static unsigned char *area;     /* 2 writable pages, then one PROT_NONE page */
static unsigned char *ro_page;  /* random bytes, read-only */
static int fds[10];
static char thread_stacks[THREAD_STACKS][THREAD_STACK_SIZE] __attribute__((aligned(16)));
static unsigned next_stack;

static char long_path[PAGE + 16];
static const char *const paths[] = {
	SCRATCH "/a", SCRATCH "/b", SCRATCH "/dir", SCRATCH "/file", SCRATCH "/a/b", SCRATCH,
	"/tmp", "/", ".", "..", "", "/proc/self/maps", "/proc/self/status", "/proc/1/stat",
	"/proc/self/fd/3", "/dev/null", "/dev/zero", "/dev/full", "/bin/hello", "/nonexistent",
	long_path,
};

static uint32_t next_random(struct fuzz *f)
{
	f->rng ^= f->rng << 13;
	f->rng ^= f->rng >> 17;
	f->rng ^= f->rng << 5;
	return f->rng;
}

static uint32_t pick(struct fuzz *f, uint32_t n)
{
	return next_random(f) % n;
}

static uint32_t seeded(uint32_t seed, uint32_t stream)
{
	uint32_t x = seed * 2654435761u ^ (stream + 0x9e3779b9u) * 40503u;

	return x ? x : 1;
}

static unsigned long random_pointer(struct fuzz *f)
{
	static const unsigned long unmapped[] = { 0, 1, 0x1000, 0x7ffff000, 0x40000000 };
	static const unsigned long kernel[] = { 0xc0000000, 0xc0100000, 0xc0400000, 0xfffff000,
						0xfffffffc, 0xffffe000 };

	switch (pick(f, 7)) {
	case 0: return (unsigned long)area + pick(f, 2 * PAGE);                     /* valid */
	case 1: return (unsigned long)area + 2 * PAGE - 1 - pick(f, 16);            /* runs into PROT_NONE */
	case 2: return (unsigned long)area + 2 * PAGE + pick(f, PAGE);              /* PROT_NONE */
	case 3: return unmapped[pick(f, sizeof unmapped / sizeof *unmapped)];
	case 4: return kernel[pick(f, sizeof kernel / sizeof *kernel)] + pick(f, 4) * pick(f, 2);
	case 5: return (unsigned long)ro_page + pick(f, PAGE);                      /* read-only */
	default: return (unsigned long)&random_pointer + pick(f, 64);               /* our code */
	}
}

static unsigned long random_number(struct fuzz *f)
{
	static const unsigned long edge[] = { 0x7fffffff, 0x80000000, 0xffffffff, 0xfffff000, 0xfff,
					      0x1000, 0x1001, 0x10000, 0x100000, 0x40000000, 0x7ffff000,
					      0xfffffffe, 0x80000001 };

	switch (pick(f, 5)) {
	case 0: return pick(f, 8);
	case 1: return (unsigned long)-(long)pick(f, 4) - 1;                       /* -1 .. -4 */
	case 2: return edge[pick(f, sizeof edge / sizeof *edge)];
	case 3: return 1ul << pick(f, 32);
	default: return next_random(f);
	}
}

static unsigned long random_arg(struct fuzz *f, int with_paths)
{
	switch (pick(f, with_paths ? 6 : 5)) {
	case 0: case 1: return random_number(f);
	case 2: return random_pointer(f);
	case 3: {
		static const int odd_fds[] = { -1, 99, 1023, 1 << 20 };
		uint32_t k = pick(f, 14);

		return k < 10 ? (unsigned long)fds[k] : (unsigned long)odd_fds[k - 10];
	}
	case 4: return (unsigned long)pick(f, 0x40000) << 12;                      /* a page address */
	default: return (unsigned long)paths[pick(f, sizeof paths / sizeof *paths)];
	}
}

/* What pointers point at: random bytes, zeros, or words that are arguments
 * themselves (iovecs, pollfds, argv arrays, timespecs with pointers and fds in them). */
static void scramble_area(struct fuzz *f)
{
	uint32_t at = pick(f, 2 * PAGE), len = 1 + pick(f, 512), i;

	if (at + len > 2 * PAGE)
		len = 2 * PAGE - at;
	switch (pick(f, 3)) {
	case 0:
		for (i = 0; i < len; i++)
			area[at + i] = (unsigned char)next_random(f);
		break;
	case 1:
		memset(area + at, 0, len);
		break;
	default:
		for (i = 0; i + 4 <= len; i += 4) {
			unsigned long w = random_arg(f, 1);

			memcpy(area + at + i, &w, 4);
		}
	}
}

/* pair[0] the number, pair[1] the sixth argument: EBP is loaded last, from memory,
 * so the compiler's frame pointer survives. */
static long int80(const long pair[2], long a1, long a2, long a3, long a4, long a5)
{
	long ret;

	__asm__ volatile("pushl %%ebp\n\t"
			 "movl 4(%%eax), %%ebp\n\t"
			 "movl (%%eax), %%eax\n\t"
			 "int $0x80\n\t"
			 "popl %%ebp"
			 : "=a"(ret)
			 : "a"(pair), "b"(a1), "c"(a2), "d"(a3), "S"(a4), "D"(a5)
			 : "memory");
	return ret;
}

static long make_call(struct fuzz *f, long nr, const unsigned long a[6])
{
	const long pair[2] = { nr, (long)a[5] };

	__atomic_fetch_add(&tally->calls, 1, __ATOMIC_RELAXED);
	if (pick(f, 2))
		return int80(pair, (long)a[0], (long)a[1], (long)a[2], (long)a[3], (long)a[4]);
	return syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);   /* the vDSO: sysenter */
}

static void fuzz_loop(struct fuzz *f);

/* A forked or cloned child without its own stack: the loop goes on in it, shorter. */
static void go_on_as_child(struct fuzz *f)
{
	if (f->budget > CHILD_CALLS)
		f->budget = CHILD_CALLS;
	f->rng = seeded(f->rng, (uint32_t)getpid());
}

static int thread_main(void *arg)
{
	struct fuzz f = { seeded(*(uint32_t *)arg, 7), CHILD_CALLS };

	fuzz_loop(&f);
	return 0;
}

/* clone with random flags: with CLONE_VM on a stack of its own running the loop,
 * without it (a copy of our stack) going on like a fork's child. */
static void random_clone(struct fuzz *f, unsigned long a[6])
{
	static const unsigned long flag_bits[] = {
		CLONE_VM, CLONE_FS, CLONE_FILES, CLONE_SIGHAND, CLONE_THREAD, CLONE_PARENT,
		CLONE_SETTLS, CLONE_PARENT_SETTID, CLONE_CHILD_SETTID, CLONE_CHILD_CLEARTID,
		CLONE_VFORK, CLONE_SYSVSEM, 0x00008000 /* CLONE_UNTRACED */, 0x04000000 /* CLONE_NEWUTS */,
	};
	unsigned long flags = pick(f, 65);   /* the exit signal, 0-64 */
	uint32_t n = pick(f, 6), i;
	long r;

	for (i = 0; i < n; i++)
		flags |= flag_bits[pick(f, sizeof flag_bits / sizeof *flag_bits)];
	if (!pick(f, 8))
		flags = random_number(f);
	if (flags & CLONE_VM) {
		char *stack = thread_stacks[next_stack++ % THREAD_STACKS];
		uint32_t *seed = (uint32_t *)stack;   /* the bottom word: the thread's seed */

		*seed = next_random(f);
		__atomic_fetch_add(&tally->calls, 1, __ATOMIC_RELAXED);
		clone(thread_main, stack + THREAD_STACK_SIZE, (int)flags, seed, (pid_t *)a[2],
		      (void *)a[3], (pid_t *)a[4]);
		return;
	}
	a[0] = flags;
	a[1] = 0;
	r = make_call(f, NR_clone, a);
	if (r == 0)
		go_on_as_child(f);
}

/* vfork: the child shares our memory and stack until it execs or exits, so it only
 * tries an execve of whatever the arguments are and leaves. */
static void random_vfork(struct fuzz *f, const unsigned long a[6])
{
	int code = (int)pick(f, 256);
	pid_t pid;

	__atomic_fetch_add(&tally->calls, 1, __ATOMIC_RELAXED);
	pid = vfork();
	if (pid == 0) {
		syscall(NR_execve, a[0], a[1], a[2]);
		_exit(code);
	}
}

/* A pid for kill and its kin: ours, our thread's, or ones that do not exist. */
static unsigned long random_pid(struct fuzz *f)
{
	switch (pick(f, 4)) {
	case 0: return (unsigned long)getpid();
	case 1: return (unsigned long)syscall(SYS_gettid);
	case 2: return 30000 + pick(f, 1000);
	default: return 0x7fffffff;
	}
}

static void one_call(struct fuzz *f)
{
	unsigned long a[6];
	long nr;
	int i;

	do
		nr = (long)pick(f, MAX_NR + 1);
	while (nr == NR_exit || nr == NR_exit_group || nr == NR_pause || nr == NR_sigsuspend ||
	       nr == NR_rt_sigsuspend);
	for (i = 0; i < 6; i++)
		a[i] = random_arg(f, nr != NR_execve);
	if (!pick(f, 4))
		scramble_area(f);

	switch (nr) {
	case NR_fork:
		__atomic_fetch_add(&tally->calls, 1, __ATOMIC_RELAXED);
		if (fork() == 0)
			go_on_as_child(f);
		return;
	case NR_vfork:
		random_vfork(f, a);
		return;
	case NR_clone:
		random_clone(f, a);
		return;
	case NR_kill:
	case NR_tkill:
		a[0] = random_pid(f);
		break;
	case NR_tgkill:
		a[0] = (unsigned long)getpid();
		a[1] = random_pid(f);
		break;
	case NR_prlimit64:
		a[0] = pick(f, 2) ? 0 : random_pid(f);
		break;
	}
	make_call(f, nr, a);
}

static void fuzz_loop(struct fuzz *f)
{
	while (f->budget-- > 0)
		one_call(f);
}

static void fail(const char *what)
{
	fprintf(stderr, "randcall: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* A worker's world: its own process group, /dev/null as 0-2 (the supervisor opened it
 * at the start: a root worker may unlink it, and the console is not for workers), the
 * files and pipes of fds[], the area and the read-only page. Then the calls, _exit. */
_Noreturn static void worker(uint32_t seed, unsigned index, int calls, int null)
{
	struct fuzz f = { seeded(seed, index), calls };
	int pipe_fds[2], i;

	syscall(NR_setpgid, 0, 0);
	for (i = 0; i < 3; i++)
		if (dup2(null, i) < 0)
			_exit(119);
	close(null);
	if (pick(&f, 2) && syscall(NR_setuid32, FUZZ_UID) < 0)
		_exit(120);
	fds[0] = 0, fds[1] = 1, fds[2] = 2;
	fds[3] = open(SCRATCH "/file", O_RDWR | O_CREAT, 0666);
	if (pipe2(pipe_fds, O_NONBLOCK) == 0)
		fds[4] = pipe_fds[0], fds[5] = pipe_fds[1];
	fds[6] = open(SCRATCH, O_RDONLY | O_DIRECTORY);
	fds[7] = open("/proc/self/status", O_RDONLY);
	fds[8] = open("/dev/zero", O_RDWR);
	fds[9] = open("/bin/hello", O_RDONLY);

	area = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ro_page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED || ro_page == MAP_FAILED || mprotect(area + 2 * PAGE, PAGE, PROT_NONE) < 0)
		_exit(121);
	for (i = 0; i < PAGE; i++)
		ro_page[i] = (unsigned char)next_random(&f);
	for (i = 0; i < 8; i++)
		scramble_area(&f);
	if (mprotect(ro_page, PAGE, PROT_READ) < 0)
		_exit(121);

	fuzz_loop(&f);
	_exit(0);
}

static void on_alarm(int sig)
{
	(void)sig;   /* only interrupts waitpid */
}

/* Waits for the worker, for WORKER_SECONDS at most; 1 if it had to be killed. The
 * alarm repeats: one that fires before waitpid blocks (a busy machine can delay the
 * supervisor that long) must not leave it waiting for ever on a worker that spins. */
static int wait_worker(pid_t pid, int *status)
{
	struct itimerval limit = { { WORKER_SECONDS, 0 }, { WORKER_SECONDS, 0 } };
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	int timed_out = 0;

	setitimer(ITIMER_REAL, &limit, NULL);
	while (waitpid(pid, status, 0) < 0) {
		if (errno != EINTR)
			fail("waitpid");
		timed_out = 1;
		kill(pid, SIGKILL);
	}
	setitimer(ITIMER_REAL, &off, NULL);
	return timed_out;
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	unsigned long calls, per_worker;
	unsigned workers, w, exited = 0, signalled = 0, timed_out = 0;
	uint32_t seed;
	char *end;
	int null;

	if (argc < 2 || argc > 4) {
		fprintf(stderr, "usage: randcall SEED [CALLS [PER_WORKER]]\n");
		return 2;
	}
	seed = (uint32_t)strtoul(argv[1], &end, 0);
	calls = argc > 2 ? strtoul(argv[2], NULL, 0) : 2000;
	per_worker = argc > 3 ? strtoul(argv[3], NULL, 0) : 100;
	if (*end || !per_worker || !calls) {
		fprintf(stderr, "usage: randcall SEED [CALLS [PER_WORKER]]\n");
		return 2;
	}
	workers = (unsigned)((calls + per_worker - 1) / per_worker);

	memset(long_path, 'x', sizeof long_path - 1);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;   /* no SA_RESTART: waitpid returns EINTR */
	if (sigaction(SIGALRM, &sa, NULL) < 0)
		fail("sigaction");
	/* Above the page addresses random_arg makes, so that few calls write over it. */
	tally = mmap((void *)0x70000000, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (tally == MAP_FAILED)
		fail("mmap");
	null = open("/dev/null", O_RDWR);
	if (null < 0)
		fail("/dev/null");
	if (mkdir(SCRATCH, 0777) < 0 && errno != EEXIST)
		fail("mkdir " SCRATCH);
	chmod(SCRATCH, 0777);
	close(open(SCRATCH "/file", O_RDWR | O_CREAT, 0666));
	chmod(SCRATCH "/file", 0666);

	for (w = 0; w < workers; w++) {
		int status = 0, left = (int)(calls - w * per_worker);
		pid_t pid = fork();

		if (pid < 0)
			fail("fork");
		if (pid == 0)
			worker(seed, w, left < (int)per_worker ? left : (int)per_worker, null);
		timed_out += wait_worker(pid, &status);
		kill(-pid, SIGKILL);   /* what the worker's group left */
		if (WIFSIGNALED(status))
			signalled++;
		else
			exited++;
	}
	kill(-1, SIGKILL);   /* and whatever left the group: init reaps them */
	printf("randcall: seed %u: %u workers (%u exited, %u killed by a signal, %u of them timed out), "
	       "%lu calls\n", seed, workers, exited, signalled, timed_out, tally->calls);
	return 0;
}

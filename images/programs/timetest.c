/* timetest: clocks and sleeping (the time64 calls, clock_nanosleep, clock_settime's
 * errors), interval timers (alarm, setitimer, getitimer: REAL, VIRTUAL, PROF), pause,
 * and the first i386 signal calls (sigaction, sigprocmask, sigpending, sigsuspend).
 * Each check prints one line; times are checked against bounds, never printed, so
 * the transcript is the same on Linux. System calls go through raw(): -errno back. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NR_alarm 27
#define NR_pause 29
#define NR_sigaction 67
#define NR_sigsuspend 72
#define NR_sigpending 73
#define NR_setitimer 104
#define NR_getitimer 105
#define NR_sigprocmask 126
#define NR_nanosleep 162
#define NR_clock_settime 264
#define NR_clock_gettime 265
#define NR_clock_nanosleep 267
#define NR_clock_gettime64 403
#define NR_clock_settime64 404
#define NR_clock_getres_time64 406
#define NR_clock_nanosleep_time64 407

#define MS 1000000LL
#define TIMER_ABSTIME 1
#define SA_RESTORER_FLAG 0x04000000

struct ts64 { long long sec, nsec; };
struct tv { long sec, usec; };
struct itv { struct tv interval, value; };
struct old_sigaction { void (*handler)(int); unsigned long mask, flags; void (*restorer)(void); };

extern void __restore(void);   /* libc: the sigreturn trampoline */

static int failures;

static void check(int ok, const char *what)
{
	printf("timetest: %s: %s\n", what, ok ? "ok" : "FAIL");
	if (!ok)
		failures++;
}

static long raw(long nr, long a, long b, long c, long d)
{
	long r;
	__asm__ volatile("int $0x80" : "=a"(r) : "0"(nr), "b"(a), "c"(b), "d"(c), "S"(d) : "memory");
	return r;
}

static long long now_ns(int clock)
{
	struct timespec t;
	clock_gettime(clock, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static volatile int alarms, vtalarms, profs, usr1s, usr2s;
static void on_alarm(int sig) { (void)sig; alarms++; }
static void on_vtalarm(int sig) { (void)sig; vtalarms++; }
static void on_prof(int sig) { (void)sig; profs++; }
static void on_usr1(int sig) { (void)sig; usr1s++; }
static void on_usr2(int sig) { (void)sig; usr2s++; }

static void handle(int sig, void (*fn)(int))
{
	struct sigaction sa = { 0 };
	sa.sa_handler = fn;
	sigaction(sig, &sa, NULL);
}

static long itimer(int which, long vs, long vus, long is, long ius, struct itv *old)
{
	struct itv v = { { is, ius }, { vs, vus } };
	return raw(NR_setitimer, which, (long)&v, (long)old, 0);
}

static void test_clocks(void)
{
	struct ts64 t64, res;
	struct timespec t32;
	long long a, b;

	check(raw(NR_clock_gettime, CLOCK_MONOTONIC, (long)&t32, 0, 0) == 0 &&
	      raw(NR_clock_gettime64, CLOCK_MONOTONIC, (long)&t64, 0, 0) == 0,
	      "clock_gettime and clock_gettime64 (CLOCK_MONOTONIC)");
	a = t32.tv_sec * 1000000000LL + t32.tv_nsec;
	b = t64.sec * 1000000000LL + t64.nsec;
	check(b >= a && b - a < 1000 * MS, "clock_gettime64 follows clock_gettime");
	check(raw(NR_clock_gettime64, CLOCK_REALTIME, (long)&t64, 0, 0) == 0 && t64.sec >= 946684800LL &&
	      t64.nsec >= 0 && t64.nsec < 1000000000LL, "clock_gettime64 (CLOCK_REALTIME): after 2000");
	check(raw(NR_clock_gettime64, 99, (long)&t64, 0, 0) == -EINVAL, "clock_gettime64, unknown clock: EINVAL");
	check(raw(NR_clock_gettime64, CLOCK_MONOTONIC, 0x1000, 0, 0) == -EFAULT, "clock_gettime64, bad pointer: EFAULT");
	check(raw(NR_clock_getres_time64, CLOCK_MONOTONIC, (long)&res, 0, 0) == 0 && res.sec == 0 &&
	      res.nsec >= 1 && res.nsec <= 10 * MS, "clock_getres_time64 (CLOCK_MONOTONIC): at most 10 ms");
	check(raw(NR_clock_getres_time64, CLOCK_REALTIME, 0, 0, 0) == 0, "clock_getres_time64, NULL: 0");
	check(raw(NR_clock_getres_time64, 99, (long)&res, 0, 0) == -EINVAL, "clock_getres_time64, unknown clock: EINVAL");
}

static void test_settime(void)
{
	struct timespec bad = { 1, 1000000000 }, good = { 1700000000, 0 };
	struct ts64 bad64 = { 1, 1000000000 };
	int status;
	pid_t pid;

	check(raw(NR_clock_settime, CLOCK_MONOTONIC, (long)&good, 0, 0) == -EINVAL, "clock_settime (CLOCK_MONOTONIC): EINVAL");
	check(raw(NR_clock_settime, 99, (long)&good, 0, 0) == -EINVAL, "clock_settime, unknown clock: EINVAL");
	check(raw(NR_clock_settime, CLOCK_REALTIME, (long)&bad, 0, 0) == -EINVAL, "clock_settime, tv_nsec 1e9: EINVAL");
	check(raw(NR_clock_settime64, CLOCK_REALTIME, (long)&bad64, 0, 0) == -EINVAL, "clock_settime64, tv_nsec 1e9: EINVAL");
	check(raw(NR_clock_settime, CLOCK_REALTIME, 0x1000, 0, 0) == -EFAULT, "clock_settime, bad pointer: EFAULT");
	check(raw(NR_clock_settime, CLOCK_PROCESS_CPUTIME_ID, (long)&good, 0, 0) == -EINVAL,
	      "clock_settime (CLOCK_PROCESS_CPUTIME_ID): EINVAL");
	/* Not root: EPERM. (Never as root: that would set the clock.) */
	pid = fork();
	if (pid == 0) {
		if (raw(213, 4242, 0, 0, 0) != 0 && getuid() == 0)   /* setuid32 */
			_exit(2);
		_exit(raw(NR_clock_settime, CLOCK_REALTIME, (long)&good, 0, 0) == -EPERM &&
		      raw(NR_clock_settime64, CLOCK_REALTIME, (long)&(struct ts64){ 1700000000, 0 }, 0, 0) == -EPERM ? 0 : 1);
	}
	check(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "clock_settime and clock_settime64 as uid 4242: EPERM");
}

static void test_nanosleep(void)
{
	struct timespec t = { 0, 30 * MS }, bad = { 0, 1000000000 }, neg = { -1, 0 }, rem;
	struct ts64 t64 = { 0, 20 * MS }, rem64;
	long long start, end, deadline;

	start = now_ns(CLOCK_MONOTONIC);
	check(raw(NR_clock_nanosleep, CLOCK_MONOTONIC, 0, (long)&t, 0) == 0 &&
	      now_ns(CLOCK_MONOTONIC) - start >= 30 * MS, "clock_nanosleep 30 ms (CLOCK_MONOTONIC): slept 30 ms");
	start = now_ns(CLOCK_MONOTONIC);
	check(raw(NR_clock_nanosleep_time64, CLOCK_MONOTONIC, 0, (long)&t64, 0) == 0 &&
	      now_ns(CLOCK_MONOTONIC) - start >= 20 * MS, "clock_nanosleep_time64 20 ms: slept 20 ms");
	deadline = now_ns(CLOCK_MONOTONIC) + 30 * MS;
	t.tv_sec = deadline / 1000000000LL;
	t.tv_nsec = deadline % 1000000000LL;
	check(raw(NR_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, (long)&t, 0) == 0 &&
	      now_ns(CLOCK_MONOTONIC) >= deadline, "clock_nanosleep TIMER_ABSTIME (CLOCK_MONOTONIC): woke at the deadline");
	deadline = now_ns(CLOCK_REALTIME) + 20 * MS;
	t64.sec = deadline / 1000000000LL;
	t64.nsec = deadline % 1000000000LL;
	check(raw(NR_clock_nanosleep_time64, CLOCK_REALTIME, TIMER_ABSTIME, (long)&t64, 0) == 0 &&
	      now_ns(CLOCK_REALTIME) >= deadline, "clock_nanosleep_time64 TIMER_ABSTIME (CLOCK_REALTIME): woke at the deadline");
	t.tv_sec = 0;
	t.tv_nsec = 1;
	start = now_ns(CLOCK_MONOTONIC);
	check(raw(NR_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, (long)&t, 0) == 0 &&
	      now_ns(CLOCK_MONOTONIC) - start < 500 * MS, "clock_nanosleep TIMER_ABSTIME in the past: at once");
	check(raw(NR_clock_nanosleep, 99, 0, (long)&t, 0) == -EINVAL, "clock_nanosleep, unknown clock: EINVAL");
	check(raw(NR_clock_nanosleep, CLOCK_THREAD_CPUTIME_ID, 0, (long)&t, 0) == -EOPNOTSUPP,
	      "clock_nanosleep (CLOCK_THREAD_CPUTIME_ID): EOPNOTSUPP");
	check(raw(NR_clock_nanosleep, CLOCK_MONOTONIC_RAW, 0, (long)&t, 0) == -EOPNOTSUPP,
	      "clock_nanosleep (CLOCK_MONOTONIC_RAW): EOPNOTSUPP");
	check(raw(NR_clock_nanosleep, CLOCK_MONOTONIC, 0, (long)&bad, 0) == -EINVAL, "clock_nanosleep, tv_nsec 1e9: EINVAL");
	check(raw(NR_clock_nanosleep, CLOCK_MONOTONIC, 0, (long)&neg, 0) == -EINVAL, "clock_nanosleep, tv_sec -1: EINVAL");
	check(raw(NR_clock_nanosleep, CLOCK_MONOTONIC, 0, 0x1000, 0) == -EFAULT, "clock_nanosleep, bad pointer: EFAULT");

	/* A signal cuts sleeps short: EINTR, and a relative sleep says what was left. */
	handle(SIGALRM, on_alarm);
	t.tv_sec = 2;
	t.tv_nsec = 0;
	alarms = 0;
	itimer(0, 0, 50000, 0, 0, NULL);
	start = now_ns(CLOCK_MONOTONIC);
	long r = raw(NR_nanosleep, (long)&t, (long)&rem, 0, 0);
	end = now_ns(CLOCK_MONOTONIC);
	check(r == -EINTR && alarms == 1 && end - start >= 50 * MS && end - start < 1500 * MS,
	      "nanosleep 2 s, SIGALRM after 50 ms: EINTR");
	check(rem.tv_sec * 1000000000LL + rem.tv_nsec > 500 * MS && rem.tv_sec < 2,
	      "nanosleep: the time left is between 0.5 and 2 s");
	itimer(0, 0, 50000, 0, 0, NULL);
	t64.sec = 2;
	t64.nsec = 0;
	r = raw(NR_clock_nanosleep_time64, CLOCK_MONOTONIC, 0, (long)&t64, (long)&rem64);
	check(r == -EINTR && alarms == 2 && rem64.sec * 1000000000LL + rem64.nsec > 500 * MS &&
	      rem64.sec < 2, "clock_nanosleep_time64 2 s, SIGALRM: EINTR and the time left");
	itimer(0, 0, 50000, 0, 0, NULL);
	deadline = now_ns(CLOCK_MONOTONIC) + 2000 * MS;
	t.tv_sec = deadline / 1000000000LL;
	t.tv_nsec = deadline % 1000000000LL;
	rem.tv_sec = 77;
	r = raw(NR_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, (long)&t, (long)&rem);
	check(r == -EINTR && alarms == 3 && rem.tv_sec == 77,
	      "clock_nanosleep TIMER_ABSTIME, SIGALRM: EINTR, the time left not written");
}

static void test_itimers(void)
{
	struct itv v, old;
	long long start;

	handle(SIGALRM, on_alarm);
	check(raw(NR_alarm, 5, 0, 0, 0) == 0, "alarm(5) with none set: 0");
	check(raw(NR_alarm, 3, 0, 0, 0) == 5, "alarm(3) after alarm(5): 5 (rounded)");
	check(raw(NR_alarm, 0, 0, 0, 0) == 3, "alarm(0): 3, and it is off");
	check(raw(NR_getitimer, 0, (long)&v, 0, 0) == 0 && v.value.sec == 0 && v.value.usec == 0,
	      "getitimer(ITIMER_REAL) after alarm(0): off");

	check(itimer(0, 1, 500000, 0, 250000, NULL) == 0, "setitimer(ITIMER_REAL, 1.5 s, every 0.25 s)");
	check(raw(NR_getitimer, 0, (long)&v, 0, 0) == 0 && v.interval.sec == 0 && v.interval.usec == 250000 &&
	      v.value.sec * 1000000L + v.value.usec <= 1500000 && v.value.sec * 1000000L + v.value.usec > 1000000,
	      "getitimer(ITIMER_REAL): at most 1.5 s left, interval 0.25 s");
	check(itimer(0, 0, 0, 0, 0, &old) == 0 && old.value.sec * 1000000L + old.value.usec <= 1500000 &&
	      old.interval.usec == 250000, "setitimer(ITIMER_REAL, 0) returns the old value");
	check(raw(NR_getitimer, 0, (long)&v, 0, 0) == 0 && !v.value.sec && !v.value.usec && !v.interval.usec,
	      "ITIMER_REAL is off");

	/* A periodic timer: three SIGALRMs, each ending a pause. */
	alarms = 0;
	start = now_ns(CLOCK_MONOTONIC);
	itimer(0, 0, 20000, 0, 20000, NULL);
	int paused = 0;
	for (int i = 0; i < 3; i++)
		paused += raw(NR_pause, 0, 0, 0, 0) == -EINTR;
	itimer(0, 0, 0, 0, 0, NULL);
	check(paused == 3 && alarms == 3 && now_ns(CLOCK_MONOTONIC) - start >= 60 * MS,
	      "ITIMER_REAL every 20 ms: three pauses end with EINTR after 60 ms");

	handle(SIGVTALRM, on_vtalarm);
	handle(SIGPROF, on_prof);
	vtalarms = profs = 0;
	check(itimer(1, 0, 30000, 0, 0, NULL) == 0 && itimer(2, 0, 30000, 0, 0, NULL) == 0,
	      "setitimer(ITIMER_VIRTUAL and ITIMER_PROF, 30 ms)");
	check(raw(NR_getitimer, 1, (long)&v, 0, 0) == 0 && v.value.usec > 0 && v.value.usec <= 60000,
	      "getitimer(ITIMER_VIRTUAL): armed");
	start = now_ns(CLOCK_MONOTONIC);
	/* Spin in user mode (a system call now and then only to bound the loop): the
	 * timer ticks land in user mode, and CPU time passes. */
	while ((!vtalarms || !profs) && now_ns(CLOCK_MONOTONIC) - start < 10000 * MS)
		for (volatile int i = 0; i < 100000; i++)
			;
	check(vtalarms == 1 && profs == 1, "a busy loop gets SIGVTALRM and SIGPROF");
	check(raw(NR_getitimer, 1, (long)&v, 0, 0) == 0 && !v.value.sec && !v.value.usec,
	      "ITIMER_VIRTUAL without an interval is off after it fired");

	check(itimer(5, 1, 0, 0, 0, NULL) == -EINVAL, "setitimer, unknown timer: EINVAL");
	check(itimer(0, 0, 1000000, 0, 0, NULL) == -EINVAL, "setitimer, tv_usec 1e6: EINVAL");
	check(itimer(0, -1, 0, 0, 0, NULL) == -EINVAL, "setitimer, tv_sec -1: EINVAL");
	check(raw(NR_setitimer, 0, 0x1000, 0, 0) == -EFAULT, "setitimer, bad pointer: EFAULT");
	check(raw(NR_getitimer, 5, (long)&v, 0, 0) == -EINVAL, "getitimer, unknown timer: EINVAL");
	check(raw(NR_getitimer, 0, 0x1000, 0, 0) == -EFAULT, "getitimer, bad pointer: EFAULT");
}

static void test_old_signals(void)
{
	struct old_sigaction sa = { on_usr2, 0, SA_RESTORER_FLAG, __restore }, osa;
	unsigned long mask, pending;

	check(raw(NR_sigaction, SIGUSR2, (long)&sa, 0, 0) == 0, "sigaction (67): SIGUSR2 handler");
	check(raw(NR_sigaction, SIGUSR2, 0, (long)&osa, 0) == 0 && osa.handler == on_usr2 &&
	      (osa.flags & SA_RESTORER_FLAG) && osa.restorer == __restore, "sigaction (67) reads it back");
	usr2s = 0;
	kill(getpid(), SIGUSR2);
	check(usr2s == 1, "the handler runs and returns through sigreturn");
	check(raw(NR_sigaction, 0, (long)&sa, 0, 0) == -EINVAL, "sigaction (67), signal 0: EINVAL");
	check(raw(NR_sigaction, SIGKILL, (long)&sa, 0, 0) == -EINVAL, "sigaction (67), SIGKILL: EINVAL");
	check(raw(NR_sigaction, SIGUSR2, 0x1000, 0, 0) == -EFAULT, "sigaction (67), bad pointer: EFAULT");

	handle(SIGUSR1, on_usr1);
	mask = 1UL << (SIGUSR1 - 1);
	check(raw(NR_sigprocmask, SIG_BLOCK, (long)&mask, 0, 0) == 0, "sigprocmask (126): block SIGUSR1");
	usr1s = 0;
	kill(getpid(), SIGUSR1);
	check(usr1s == 0 && raw(NR_sigpending, (long)&pending, 0, 0, 0) == 0 &&
	      (pending & (1UL << (SIGUSR1 - 1))), "sigpending (73): SIGUSR1 is pending");
	/* Linux i386 takes the mask by value in the third argument (EDX); qemu-i386 reads
	 * it through a pointer in the first (EBX), so EBX points at the same mask here.
	 * "timetest sigsuspend-abi" tells the two apart (forkscope only). */
	unsigned long empty = 0;
	check(raw(NR_sigsuspend, (long)&empty, 0, 0, 0) == -EINTR && usr1s == 1,
	      "sigsuspend (72) with an empty mask: the handler ran, EINTR");
	check(raw(NR_sigprocmask, SIG_BLOCK, 0, (long)&mask, 0) == 0 && (mask & (1UL << (SIGUSR1 - 1))),
	      "sigsuspend put the old mask back: SIGUSR1 blocked");
	mask = 1UL << (SIGUSR1 - 1);
	check(raw(NR_sigprocmask, SIG_UNBLOCK, (long)&mask, 0, 0) == 0 &&
	      raw(NR_sigprocmask, SIG_SETMASK, 0, (long)&mask, 0) == 0 && !(mask & (1UL << (SIGUSR1 - 1))),
	      "sigprocmask (126): unblock");
	check(raw(NR_sigprocmask, 7, (long)&mask, 0, 0) == -EINVAL, "sigprocmask (126), bad how: EINVAL");
	check(raw(NR_sigprocmask, SIG_BLOCK, 0x1000, 0, 0) == -EFAULT, "sigprocmask (126), bad pointer: EFAULT");
}

/* The mask in EDX counts (empty: SIGUSR1 gets through), not what EBX points at (a
 * mask that blocks it). */
static int sigsuspend_abi(void)
{
	unsigned long block = 1UL << (SIGUSR1 - 1), full = ~0UL;

	handle(SIGUSR1, on_usr1);
	raw(NR_sigprocmask, SIG_BLOCK, (long)&block, 0, 0);
	kill(getpid(), SIGUSR1);
	check(raw(NR_sigsuspend, (long)&full, 0, 0, 0) == -EINTR && usr1s == 1,
	      "sigsuspend (72) takes its mask from EDX");
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc > 1 && !strcmp(argv[1], "sigsuspend-abi"))
		return sigsuspend_abi();
	test_clocks();
	test_settime();
	test_nanosleep();
	test_itimers();
	test_old_signals();
	printf("timetest: %s\n", failures ? "FAILED" : "all ok");
	return failures ? 1 : 0;
}

/* systest: uname, supplementary groups (16- and 32-bit calls), getrandom, prctl
 * (names, parent-death signal), the scheduling calls (affinity, priorities, getcpu),
 * and ("systest enosys") the calls this kernel answers with ENOSYS on purpose (rseq,
 * clone3, membarrier: C libraries fall back). Each check prints one line; the
 * transcript is the same on Linux (as root, which the group checks need). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#define NR_getgroups16 80
#define NR_setgroups16 81
#define NR_prctl 172
#define NR_getgroups 205
#define NR_setgroups 206
#define NR_setuid32 213
#define NR_sched_getparam 155
#define NR_sched_getscheduler 157
#define NR_sched_get_priority_max 159
#define NR_sched_get_priority_min 160
#define NR_sched_setaffinity 241
#define NR_sched_getaffinity 242
#define NR_getcpu 318
#define NR_getrandom 355
#define NR_membarrier 375
#define NR_rseq 386
#define NR_clone3 435


long __syscall(long n, long a1, long a2, long a3, long a4, long a5, long a6);
#define raw(n, a, b, c, d, e) __syscall(n, (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), 0)

static int failures;

static void check(int ok, const char *what)
{
	printf("systest: %s: %s\n", what, ok ? "ok" : "FAIL");
	if (!ok)
		failures++;
}

/* Runs fn in a child; true when it exits 0. */
static int in_child(int (*fn)(void))
{
	int status;
	pid_t pid = fork();
	if (pid == 0)
		_exit(fn());
	return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void test_uname(void)
{
	struct utsname u;
	int major = 0;

	check(uname(&u) == 0 && strcmp(u.sysname, "Linux") == 0, "uname: sysname Linux");
	for (const char *p = u.release; *p >= '0' && *p <= '9'; p++)
		major = major * 10 + (*p - '0');
	check(major >= 3 && strchr(u.release, '.') != NULL, "uname: release at least 3 (glibc's minimum is 3.2)");
	check(strcmp(u.machine, "i686") == 0, "uname: machine i686");
}

static int groups_as_user(void)
{
	unsigned int g[2] = { 1, 2 };
	if (raw(NR_setuid32, 4242, 0, 0, 0, 0) != 0)
		return 2;
	return raw(NR_setgroups, 2, g, 0, 0, 0) == -EPERM && raw(NR_getgroups, 0, 0, 0, 0, 0) == 3 ? 0 : 1;
}

static void test_groups(void)
{
	unsigned int set[3] = { 300, 100, 70000 }, got[8];
	unsigned short set16[2] = { 9, 5 }, got16[8];

	check(raw(NR_setgroups, 3, set, 0, 0, 0) == 0, "setgroups32 (300, 100, 70000)");
	check(raw(NR_getgroups, 0, 0, 0, 0, 0) == 3, "getgroups32(0): the count, 3");
	check(raw(NR_getgroups, 8, got, 0, 0, 0) == 3 && got[0] == 100 && got[1] == 300 && got[2] == 70000,
	      "getgroups32: sorted, 100 300 70000");
	check(raw(NR_getgroups, 2, got, 0, 0, 0) == -EINVAL, "getgroups32 with room for 2: EINVAL");
	check(raw(NR_getgroups, -1, got, 0, 0, 0) == -EINVAL, "getgroups32(-1): EINVAL");
	check(raw(NR_getgroups, 8, 0x1000, 0, 0, 0) == -EFAULT, "getgroups32, bad pointer: EFAULT");
	check(raw(NR_getgroups16, 8, got16, 0, 0, 0) == 3 && got16[0] == 100 && got16[1] == 300 && got16[2] == 65534,
	      "getgroups (16-bit): a gid above 65535 reads as 65534");
	check(in_child(groups_as_user), "as uid 4242: setgroups32 EPERM, the list is inherited");
	check(raw(NR_setgroups, 70000, set, 0, 0, 0) == -EINVAL, "setgroups32, 70000 groups: EINVAL");
	check(raw(NR_setgroups, 1, 0x1000, 0, 0, 0) == -EFAULT, "setgroups32, bad pointer: EFAULT");
	check(raw(NR_setgroups16, 2, set16, 0, 0, 0) == 0 && raw(NR_getgroups, 8, got, 0, 0, 0) == 2 &&
	      got[0] == 5 && got[1] == 9, "setgroups (16-bit) 9 5: getgroups32 reads 5 9");
	check(raw(NR_setgroups, 0, 0, 0, 0, 0) == 0 && raw(NR_getgroups, 0, 0, 0, 0, 0) == 0, "setgroups32(0): no groups");
}

static void test_getrandom(void)
{
	unsigned char a[64], b[64], big[10000];
	int zeros = 0;

	memset(a, 0, sizeof(a));
	check(raw(NR_getrandom, a, sizeof(a), 0, 0, 0) == 64, "getrandom 64 bytes: 64");
	check(raw(NR_getrandom, b, sizeof(b), 1, 0, 0) == 64 && memcmp(a, b, 64) != 0,
	      "getrandom GRND_NONBLOCK: 64 other bytes");
	for (int i = 0; i < 64; i++)
		zeros += a[i] == 0;
	check(zeros < 8, "getrandom: not zeros");
	check(raw(NR_getrandom, big, sizeof(big), 2, 0, 0) == (long)sizeof(big), "getrandom GRND_RANDOM 10000 bytes");
	check(raw(NR_getrandom, a, 0, 0, 0, 0) == 0, "getrandom 0 bytes: 0");
	check(raw(NR_getrandom, a, 16, 0x40, 0, 0) == -EINVAL, "getrandom, unknown flag: EINVAL");
	check(raw(NR_getrandom, a, 16, 6, 0, 0) == -EINVAL, "getrandom GRND_RANDOM | GRND_INSECURE: EINVAL");
	check(raw(NR_getrandom, 0x1000, 16, 0, 0, 0) == -EFAULT, "getrandom, bad pointer: EFAULT");
}

static volatile int hups;
static void on_hup(int sig) { (void)sig; hups++; }

/* A child that asked for SIGHUP when its parent dies: the parent is a middle process
 * that exits while the child waits in pause. */
static int pdeath_child(void)
{
	int p[2];
	pipe(p);
	pid_t mid = fork();
	if (mid == 0) {
		pid_t kid = fork();
		if (kid == 0) {
			struct sigaction sa = { 0 };
			sigset_t block, empty;
			sa.sa_handler = on_hup;
			sigaction(SIGHUP, &sa, NULL);
			sigemptyset(&block);
			sigaddset(&block, SIGHUP);
			sigemptyset(&empty);
			sigprocmask(SIG_BLOCK, &block, NULL);   /* no SIGHUP before sigsuspend */
			raw(NR_prctl, 1, SIGHUP, 0, 0, 0);
			write(p[1], "r", 1);   /* ready: the middle process may go */
			while (!hups)
				sigsuspend(&empty);
			write(p[1], "h", 1);
			_exit(0);
		}
		char c;
		read(p[0], &c, 1);
		_exit(0);
	}
	waitpid(mid, NULL, 0);
	char c = 0, d = 0;
	read(p[0], &c, 1);   /* "r" may still be there if the middle one had not read it */
	if (c == 'r')
		read(p[0], &d, 1);
	return (c == 'h' || d == 'h') ? 0 : 1;
}

static void test_prctl(void)
{
	char name[16];
	int sig = -1;

	check(raw(NR_prctl, 15, "systest-thread0", 0, 0, 0) == 0, "prctl(PR_SET_NAME)");
	memset(name, 'x', sizeof(name));
	check(raw(NR_prctl, 16, name, 0, 0, 0) == 0 && strcmp(name, "systest-thread0") == 0,
	      "prctl(PR_GET_NAME) reads it back");
	raw(NR_prctl, 15, "a-name-longer-than-fifteen", 0, 0, 0);
	raw(NR_prctl, 16, name, 0, 0, 0);
	check(strcmp(name, "a-name-longer-t") == 0, "PR_SET_NAME keeps 15 bytes");
	check(raw(NR_prctl, 15, 0x1000, 0, 0, 0) == -EFAULT, "PR_SET_NAME, bad pointer: EFAULT");
	check(raw(NR_prctl, 2, &sig, 0, 0, 0) == 0 && sig == 0, "prctl(PR_GET_PDEATHSIG): 0");
	check(raw(NR_prctl, 1, SIGUSR1, 0, 0, 0) == 0 && raw(NR_prctl, 2, &sig, 0, 0, 0) == 0 && sig == SIGUSR1,
	      "PR_SET_PDEATHSIG SIGUSR1, read back");
	check(raw(NR_prctl, 1, 65, 0, 0, 0) == -EINVAL, "PR_SET_PDEATHSIG 65: EINVAL");
	raw(NR_prctl, 1, 0, 0, 0, 0);
	check(in_child(pdeath_child), "PR_SET_PDEATHSIG: SIGHUP when the parent exits");
	check(raw(NR_prctl, 0x7fff0000, 0, 0, 0, 0) == -EINVAL, "prctl, unknown option: EINVAL");
}

static void test_sched(void)
{
	unsigned long mask = 0;
	unsigned int cpu = 99, node = 99;
	long r;

	r = raw(NR_sched_getaffinity, 0, sizeof(mask), &mask, 0, 0);
	check(r > 0 && (mask & 1), "sched_getaffinity: CPU 0 is in the mask");
	check(raw(NR_sched_getaffinity, 0, 3, &mask, 0, 0) == -EINVAL, "sched_getaffinity, length 3: EINVAL");
	check(raw(NR_sched_getaffinity, 999999, sizeof(mask), &mask, 0, 0) == -ESRCH, "sched_getaffinity, no such pid: ESRCH");
	mask = 1;
	check(raw(NR_sched_setaffinity, 0, sizeof(mask), &mask, 0, 0) == 0, "sched_setaffinity to CPU 0");
	check(raw(NR_getcpu, &cpu, &node, 0, 0, 0) == 0 && cpu == 0 && node == 0, "getcpu: CPU 0, node 0");
	check(raw(NR_sched_get_priority_max, 1, 0, 0, 0, 0) == 99 && raw(NR_sched_get_priority_min, 1, 0, 0, 0, 0) == 1,
	      "SCHED_FIFO priorities 1..99");
	check(raw(NR_sched_get_priority_max, 0, 0, 0, 0, 0) == 0 && raw(NR_sched_get_priority_min, 0, 0, 0, 0, 0) == 0,
	      "SCHED_OTHER priorities 0..0");
	check(raw(NR_sched_get_priority_max, 42, 0, 0, 0, 0) == -EINVAL, "sched_get_priority_max, unknown policy: EINVAL");
	int prio = 7;
	check(raw(NR_sched_getscheduler, 0, 0, 0, 0, 0) == 0, "sched_getscheduler: SCHED_OTHER");
	check(raw(NR_sched_getparam, 0, &prio, 0, 0, 0) == 0 && prio == 0, "sched_getparam: priority 0");
	check(raw(NR_sched_getscheduler, -1, 0, 0, 0, 0) == -EINVAL, "sched_getscheduler(-1): EINVAL");
	check(raw(NR_sched_getparam, 0, 0, 0, 0, 0) == -EINVAL, "sched_getparam, NULL: EINVAL");
	check(raw(NR_sched_getparam, 999999, &prio, 0, 0, 0) == -ESRCH, "sched_getparam, no such pid: ESRCH");
}

/* Under forkscope: the calls that are ENOSYS on purpose (guestkernel/README.md). */
static void test_enosys(void)
{
	check(raw(NR_rseq, 0, 0, 0, 0, 0) == -ENOSYS, "rseq: ENOSYS");
	check(raw(NR_clone3, 0, 0, 0, 0, 0) == -ENOSYS, "clone3: ENOSYS");
	check(raw(NR_membarrier, 0, 0, 0, 0, 0) == -ENOSYS, "membarrier: ENOSYS");
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc > 1 && !strcmp(argv[1], "random")) {   /* 16 bytes of getrandom, in hex */
		unsigned char b[16];
		if (raw(NR_getrandom, b, sizeof(b), 0, 0, 0) != 16)
			return 1;
		printf("systest: random");
		for (int i = 0; i < 16; i++)
			printf(" %02x", b[i]);
		printf("\n");
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "enosys")) {
		test_enosys();
		return failures ? 1 : 0;
	}
	test_uname();
	test_groups();
	test_getrandom();
	test_prctl();
	test_sched();
	printf("systest: %s\n", failures ? "FAILED" : "all ok");
	return failures ? 1 : 0;
}

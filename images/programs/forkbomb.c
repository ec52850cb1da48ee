/* forkbomb: a fork bomb that RLIMIT_NPROC stops. We drop from root to an otherwise
 * unused uid (root is exempt from the limit, as in Linux), set a small limit and fork
 * children that block on a pipe until fork fails with EAGAIN. Then the count: we
 * count against the limit too, so LIMIT - 1 children. Closing the pipe lets every
 * child exit; we reap them all, and fork works again. The bombing runs twice: under
 * forkscope, the kernel's free memory (sysinfo) after the second round must equal
 * what it was after the first, so nothing leaked. setrlimit's refusals (soft above
 * hard, raising the hard limit without privilege, an unknown resource) are checked
 * too. Lines hold no pids or counts that depend on the host, so the transcript is the
 * same natively, where the exact count is only checked when the uid switch worked
 * (natively as root): otherwise other processes of our uid count as well. Exit
 * status 0 only if every check passed. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#define NR_sysinfo 116    /* Linux i386 numbers; our libc has no wrappers for these */
#define NR_setuid32 213
#define NR_old_getrlimit 76
#define NR_prlimit64 340

#define LIMIT 8           /* RLIMIT_NPROC we set */
#define BOMB_UID 4242     /* a uid with no other processes */
#define MAX_FORKS 64      /* a bound in case the limit does not hold */

/* Linux i386 struct sysinfo */
struct sysinfo {
	long uptime;
	unsigned long loads[3];
	unsigned long totalram, freeram, sharedram, bufferram, totalswap, freeswap;
	unsigned short procs, pad;
	unsigned long totalhigh, freehigh;
	unsigned int mem_unit;
	char _f[8];
};

static int failures;
static int exact;   /* our uid has no processes but ours: the count must be exact */

static void check(int ok, const char *what)
{
	printf("forkbomb: %s: %s\n", what, ok ? "ok" : "FAIL");
	if (!ok)
		failures++;
}

static int under_forkscope(void)
{
	struct utsname u;

	return uname(&u) == 0 && strstr(u.release, "-forkscope") != NULL;
}

static unsigned long free_bytes(void)
{
	struct sysinfo si;

	if (syscall(NR_sysinfo, &si) < 0)
		return 0;
	return si.freeram * si.mem_unit;
}

/* One round: fork until EAGAIN, let the children go, reap them. */
static void bomb(int round)
{
	int fds[2], forks = 0, fork_errno = 0, reaped = 0, wait_errno, status;
	char c, what[96];

	if (pipe(fds) < 0) {
		perror("forkbomb: pipe");
		failures++;
		return;
	}
	while (forks < MAX_FORKS) {
		fflush(stdout);
		pid_t pid = fork();

		if (pid == 0) {
			close(fds[1]);
			while (read(fds[0], &c, 1) > 0)
				;
			_exit(0);
		}
		if (pid < 0) {
			fork_errno = errno;
			break;
		}
		forks++;
	}
	snprintf(what, sizeof(what), "round %d: fork fails with EAGAIN at the limit", round);
	check(fork_errno == EAGAIN, what);
	snprintf(what, sizeof(what), "round %d: %d children before that (we count too)", round,
		 LIMIT - 1);
	check(exact ? forks == LIMIT - 1 : forks <= LIMIT - 1, what);
	close(fds[0]);
	close(fds[1]);   /* EOF: every child exits */
	while (wait(&status) > 0)
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			reaped++;
	wait_errno = errno;
	snprintf(what, sizeof(what), "round %d: every child reaped, each exited 0", round);
	check(reaped == forks && wait_errno == ECHILD, what);

	pid_t pid = fork();

	if (pid == 0)
		_exit(3);
	snprintf(what, sizeof(what), "round %d: fork works again once they are gone", round);
	/* (Without the uid switch, other processes of our uid may still fill the limit.) */
	check(pid > 0 ? waitpid(pid, &status, 0) == pid && WEXITSTATUS(status) == 3 :
			!exact && errno == EAGAIN, what);
}

/* The three ways to read a limit agree: ugetrlimit (our getrlimit), the old
 * getrlimit that reads RLIM_INFINITY as 0x7fffffff, and prlimit64's 64-bit one. */
static void limit_calls(void)
{
	struct rlimit u, old;
	unsigned long long p64[2];

	check(getrlimit(RLIMIT_CPU, &u) == 0 && syscall(NR_old_getrlimit, RLIMIT_CPU, &old) == 0 &&
	      (u.rlim_cur == RLIM_INFINITY ? old.rlim_cur == 0x7fffffff : old.rlim_cur == u.rlim_cur),
	      "old getrlimit reads RLIM_INFINITY as 0x7fffffff");
	check(getrlimit(RLIMIT_NPROC, &u) == 0 && syscall(NR_prlimit64, 0, RLIMIT_NPROC, 0, p64) == 0 &&
	      p64[0] == u.rlim_cur && p64[1] == u.rlim_max, "prlimit64 reads the same limit");
}

static int recurse(int depth)
{
	volatile char frame[1024];

	frame[0] = (char)depth;
	return depth == 0 ? frame[0] : recurse(depth - 1) + frame[0];
}

/* The other limits the kernel enforces, each in a child (limits are per process):
 * RLIMIT_NOFILE bounds new descriptors, RLIMIT_STACK the stack's growth. */
static void other_limits(void)
{
	int status = -1;

	fflush(stdout);
	pid_t pid = fork();

	if (pid == 0) {
		struct rlimit nofile = { 8, 8 };
		int fd, last = -1, dup_errno;

		if (setrlimit(RLIMIT_NOFILE, &nofile) < 0)
			_exit(1);
		while ((fd = dup(0)) >= 0)
			last = fd;
		dup_errno = errno;
		errno = 0;
		_exit(last == 7 && dup_errno == EMFILE && dup2(0, 8) == -1 && errno == EBADF ? 0 : 2);
	}
	check(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "RLIMIT_NOFILE 8: dup stops at fd 7 (EMFILE), dup2 to fd 8 is EBADF");

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct rlimit stack = { 512 * 1024, 512 * 1024 }, none = { 0, 0 };

		setrlimit(RLIMIT_CORE, &none);   /* no core bit in the status */
		if (setrlimit(RLIMIT_STACK, &stack) < 0)
			_exit(1);
		_exit(recurse(2048) == 12345 ? 3 : 4);   /* 2 MiB of frames */
	}
	check(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV,
	      "RLIMIT_STACK 512 KiB: 2 MiB of recursion dies of SIGSEGV");
}

int main(void)
{
	struct rlimit lim = { LIMIT, LIMIT }, r;
	int forkscope = under_forkscope();
	unsigned long after_first, after_second;

	check(setrlimit(RLIMIT_NPROC, &lim) == 0, "setrlimit RLIMIT_NPROC to 8");
	check(getrlimit(RLIMIT_NPROC, &r) == 0 && r.rlim_cur == LIMIT && r.rlim_max == LIMIT,
	      "getrlimit reads 8 back");
	/* Root may fork past the limit: become someone else (natively only root can). */
	exact = syscall(NR_setuid32, BOMB_UID) == 0 && getuid() == BOMB_UID;
	if (forkscope && !exact)
		printf("forkbomb: setuid %d failed under forkscope: FAIL\n", BOMB_UID), failures++;

	bomb(1);
	after_first = free_bytes();
	bomb(2);
	after_second = free_bytes();
	if (forkscope && after_second != after_first)
		printf("forkbomb: free memory %lu bytes after round 1, %lu after round 2: FAIL\n",
		       after_first, after_second), failures++;

	limit_calls();
	other_limits();
	lim.rlim_cur = LIMIT + 1;
	lim.rlim_max = LIMIT;
	errno = 0;
	check(setrlimit(RLIMIT_NPROC, &lim) == -1 && errno == EINVAL, "soft above hard: EINVAL");
	lim.rlim_cur = LIMIT;
	lim.rlim_max = LIMIT + 1;
	errno = 0;
	check(setrlimit(RLIMIT_NPROC, &lim) == -1 && errno == EPERM,
	      "raising the hard limit without privilege: EPERM");
	lim.rlim_cur = lim.rlim_max = LIMIT;
	errno = 0;
	check(setrlimit(99, &lim) == -1 && errno == EINVAL, "an unknown resource: EINVAL");
	lim.rlim_cur = LIMIT - 2;
	check(setrlimit(RLIMIT_NPROC, &lim) == 0 && getrlimit(RLIMIT_NPROC, &r) == 0 &&
	      r.rlim_cur == LIMIT - 2 && r.rlim_max == LIMIT, "lowering the soft limit alone");
	if (failures) {
		printf("forkbomb: %d FAILED\n", failures);
		return 1;
	}
	printf("forkbomb: all ok\n");
	return 0;
}

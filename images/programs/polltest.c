/* polltest: poll, ppoll, select (old and new), pselect6 and the time64 forms on pipes
 * and a regular file: readiness, hang-up and error bits, descriptors that are not
 * open, timeouts (and the time left written back), a wake-up by another process,
 * signals (EINTR) and the temporary signal masks. "polltest tty" waits for a line on
 * the console instead (tests/integration/test_syscalls.py types it).
 * Each check prints one line; nothing printed depends on timing. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NR_select_old 82
#define NR_setitimer 104
#define NR_select 142
#define NR_poll 168
#define NR_pselect6 308
#define NR_ppoll 309
#define NR_pselect6_time64 413
#define NR_ppoll_time64 414

#define POLLIN 0x1
#define POLLPRI 0x2
#define POLLOUT 0x4
#define POLLERR 0x8
#define POLLHUP 0x10
#define POLLNVAL 0x20
#define MS 1000000LL

struct pollfd { int fd; short events, revents; };
struct tv { long sec, usec; };
struct ts64 { long long sec, nsec; };
struct fdset { unsigned long bits[32]; };   /* FD_SETSIZE 1024 */
struct sel_args { unsigned long n; struct fdset *in, *out, *ex; struct tv *tvp; };
struct sigpack { const sigset_t *set; size_t size; };

static int failures;

static void check(int ok, const char *what)
{
	printf("polltest: %s: %s\n", what, ok ? "ok" : "FAIL");
	if (!ok)
		failures++;
}

/* libc's one int $0x80 (syscall.S): the raw result, -errno on failure. */
long __syscall(long n, long a1, long a2, long a3, long a4, long a5, long a6);
#define raw __syscall

static long long now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static long poll1(int fd, short events, int timeout, short *revents)
{
	struct pollfd p = { fd, events, 0x7777 };
	long r = raw(NR_poll, (long)&p, 1, timeout, 0, 0, 0);
	*revents = p.revents;
	return r;
}

static void fd_set1(struct fdset *s, int fd) { s->bits[fd / 32] |= 1UL << (fd % 32); }
static int fd_isset1(const struct fdset *s, int fd) { return (s->bits[fd / 32] >> (fd % 32)) & 1; }

static volatile int alarms;
static void on_alarm(int sig) { (void)sig; alarms++; }

static void alarm_in_ms(long ms)
{
	long v[4] = { 0, 0, ms / 1000, (ms % 1000) * 1000 };
	raw(NR_setitimer, 0, (long)v, 0, 0, 0, 0);
}

static void test_poll_pipe(void)
{
	int p[2];
	short re;
	char buf[4096];
	long long start;

	pipe(p);
	check(poll1(p[0], POLLIN, 0, &re) == 0 && re == 0, "poll, empty pipe, timeout 0: 0, revents 0");
	check(poll1(p[1], POLLOUT, 0, &re) == 1 && re == POLLOUT, "poll, pipe's write end: POLLOUT");
	write(p[1], "x", 1);
	check(poll1(p[0], POLLIN | POLLOUT, 0, &re) == 1 && re == POLLIN, "poll, pipe with data: POLLIN");
	check(poll1(p[0], 0, 0, &re) == 0 && re == 0, "poll, no events asked: 0");
	close(p[1]);
	check(poll1(p[0], POLLIN, 0, &re) == 1 && re == (POLLIN | POLLHUP), "poll, data and no writer: POLLIN | POLLHUP");
	read(p[0], buf, 1);
	check(poll1(p[0], POLLIN, 0, &re) == 1 && re == POLLHUP, "poll, drained and no writer: POLLHUP");
	check(poll1(p[0], 0, 0, &re) == 1 && re == POLLHUP, "poll, POLLHUP even when not asked for");
	close(p[0]);

	pipe(p);
	close(p[0]);
	check(poll1(p[1], POLLOUT, 0, &re) == 1 && re == (POLLOUT | POLLERR), "poll, no reader: POLLOUT | POLLERR");
	close(p[1]);

	pipe2(p, O_NONBLOCK);
	memset(buf, 'a', sizeof(buf));
	while (write(p[1], buf, sizeof(buf)) > 0)
		;
	check(poll1(p[1], POLLOUT, 0, &re) == 0 && re == 0, "poll, full pipe: not writable");
	read(p[0], buf, sizeof(buf));
	check(poll1(p[1], POLLOUT, 0, &re) == 1 && re == POLLOUT, "poll, a page read from a full pipe: writable");
	close(p[0]);
	close(p[1]);

	pipe(p);
	start = now_ns();
	check(poll1(p[0], POLLIN, 50, &re) == 0 && re == 0 && now_ns() - start >= 50 * MS,
	      "poll, empty pipe, 50 ms: 0 after 50 ms");
	pid_t pid = fork();
	if (pid == 0) {
		struct timespec t = { 0, 30 * MS };
		nanosleep(&t, NULL);
		write(p[1], "y", 1);
		_exit(0);
	}
	check(poll1(p[0], POLLIN, -1, &re) == 1 && re == POLLIN, "poll without timeout: woken by a child's write");
	waitpid(pid, NULL, 0);
	close(p[0]);
	close(p[1]);
}

static void test_poll_misc(const char *self)
{
	struct pollfd ps[3];
	int fd = open(self, O_RDONLY), p[2];
	short re;

	check(poll1(fd, POLLIN | POLLOUT, 0, &re) == 1 && re == (POLLIN | POLLOUT),
	      "poll, a regular file: POLLIN | POLLOUT");
	close(fd);
	pipe(p);
	write(p[1], "z", 1);
	ps[0] = (struct pollfd){ -1, POLLIN, 0x7777 };
	ps[1] = (struct pollfd){ 50, POLLIN, 0x7777 };
	ps[2] = (struct pollfd){ p[0], POLLIN, 0x7777 };
	check(raw(NR_poll, (long)ps, 3, 0, 0, 0, 0) == 2 && ps[0].revents == 0 && ps[1].revents == POLLNVAL &&
	      ps[2].revents == POLLIN, "poll, fd -1 ignored, fd 50 not open: POLLNVAL, and a ready pipe: 2");
	/* More descriptors than RLIMIT_NOFILE allows. */
	static struct pollfd many[65];
	struct rlimit old, low;
	getrlimit(RLIMIT_NOFILE, &old);
	low = old;
	low.rlim_cur = 64;
	setrlimit(RLIMIT_NOFILE, &low);
	check(raw(NR_poll, (long)many, 65, 0, 0, 0, 0) == -EINVAL, "poll, 65 descriptors with RLIMIT_NOFILE 64: EINVAL");
	setrlimit(RLIMIT_NOFILE, &old);
	check(raw(NR_poll, 0x1000, 1, 0, 0, 0, 0) == -EFAULT, "poll, bad pointer: EFAULT");
	close(p[0]);
	close(p[1]);

	/* A signal ends the wait: EINTR, with or without SA_RESTART. */
	struct sigaction sa = { 0 };
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	pipe(p);
	alarms = 0;
	alarm_in_ms(30);
	check(poll1(p[0], POLLIN, 5000, &re) == -EINTR && alarms == 1, "poll, SIGALRM after 30 ms: EINTR");
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	alarm_in_ms(30);
	check(poll1(p[0], POLLIN, 5000, &re) == -EINTR && alarms == 2, "poll, SIGALRM with SA_RESTART: EINTR all the same");
	sa.sa_flags = 0;
	sigaction(SIGALRM, &sa, NULL);
	check(raw(NR_poll, 0, 0, 20, 0, 0, 0) == 0, "poll, no descriptors, 20 ms: 0");
	close(p[0]);
	close(p[1]);
}

static void test_ppoll(void)
{
	int p[2];
	struct pollfd ps;
	struct timespec t = { 0, 30 * MS }, bad = { 0, 1000000000 };
	struct ts64 t64 = { 0, 20 * MS };
	sigset_t block, empty, now;

	pipe(p);
	ps = (struct pollfd){ p[0], POLLIN, 0 };
	check(raw(NR_ppoll, (long)&ps, 1, (long)&t, 0, 8, 0) == 0 && t.tv_sec == 0 && t.tv_nsec == 0,
	      "ppoll 30 ms: 0, the time left written back as 0");
	check(raw(NR_ppoll_time64, (long)&ps, 1, (long)&t64, 0, 8, 0) == 0 && t64.sec == 0 && t64.nsec == 0,
	      "ppoll_time64 20 ms: 0");
	check(raw(NR_ppoll, (long)&ps, 1, (long)&bad, 0, 8, 0) == -EINVAL, "ppoll, tv_nsec 1e9: EINVAL");
	sigemptyset(&empty);
	t.tv_nsec = 0;
	check(raw(NR_ppoll, (long)&ps, 1, (long)&t, (long)&empty, 4, 0) == -EINVAL, "ppoll, sigsetsize 4: EINVAL");

	/* SIGALRM blocked; ppoll lets it in for the wait only. */
	sigemptyset(&block);
	sigaddset(&block, SIGALRM);
	sigprocmask(SIG_BLOCK, &block, NULL);
	alarms = 0;
	alarm_in_ms(30);
	t.tv_sec = 2;
	check(raw(NR_ppoll, (long)&ps, 1, (long)&t, (long)&empty, 8, 0) == -EINTR && alarms == 1,
	      "ppoll with an empty mask: SIGALRM gets in, EINTR");
	/* (qemu-i386 leaves the timeout as it was after EINTR; Linux writes the time left.) */
	check(t.tv_sec * 1000000000LL + t.tv_nsec > 1000 * MS && t.tv_sec * 1000000000LL + t.tv_nsec <= 2000 * MS,
	      "ppoll: the timeout holds at most 2 s, more than 1 s");
	sigprocmask(SIG_BLOCK, NULL, &now);
	check(sigismember(&now, SIGALRM), "ppoll put the old mask back: SIGALRM blocked");
	sigprocmask(SIG_UNBLOCK, &block, NULL);
	write(p[1], "q", 1);
	t.tv_sec = 1;
	t.tv_nsec = 0;
	check(raw(NR_ppoll, (long)&ps, 1, (long)&t, (long)&block, 8, 0) == 1 && ps.revents == POLLIN,
	      "ppoll with a mask, data ready: 1");
	sigprocmask(SIG_BLOCK, NULL, &now);
	check(!sigismember(&now, SIGALRM), "the mask is back at once when nothing interrupted");
	close(p[0]);
	close(p[1]);
}

static void test_select(void)
{
	int p[2], q[2];
	struct fdset in, out, ex;
	struct tv tv;
	struct timespec t;
	struct ts64 t64;
	long r;

	pipe(p);
	pipe(q);
	write(p[1], "s", 1);
	memset(&in, 0, sizeof(in));
	memset(&out, 0, sizeof(out));
	memset(&ex, 0, sizeof(ex));
	fd_set1(&in, p[0]);
	fd_set1(&in, q[0]);
	fd_set1(&out, q[1]);
	fd_set1(&ex, p[0]);
	tv = (struct tv){ 0, 0 };
	r = raw(NR_select, q[1] + 1, (long)&in, (long)&out, (long)&ex, (long)&tv, 0);
	check(r == 2 && fd_isset1(&in, p[0]) && !fd_isset1(&in, q[0]) && fd_isset1(&out, q[1]) && !fd_isset1(&ex, p[0]),
	      "select: one pipe readable, another writable: 2, and the sets say which");
	memset(&in, 0, sizeof(in));
	fd_set1(&in, q[0]);
	tv = (struct tv){ 0, 30000 };
	check(raw(NR_select, q[0] + 1, (long)&in, 0, 0, (long)&tv, 0) == 0 && !fd_isset1(&in, q[0]) &&
	      tv.sec == 0 && tv.usec == 0, "select, 30 ms: 0, the sets and the timeval cleared");
	memset(&in, 0, sizeof(in));
	fd_set1(&in, p[0]);
	tv = (struct tv){ 1, 500000 };
	check(raw(NR_select, p[0] + 1, (long)&in, 0, 0, (long)&tv, 0) == 1 && tv.sec == 1 && tv.usec > 400000,
	      "select, 1.5 s, a pipe ready: the time left written back");
	tv = (struct tv){ -1, 0 };
	check(raw(NR_select, p[0] + 1, (long)&in, 0, 0, (long)&tv, 0) == -EINVAL, "select, tv_sec -1: EINVAL");
	check(raw(NR_select, -1, 0, 0, 0, 0, 0) == -EINVAL, "select, n -1: EINVAL");
	memset(&in, 0, sizeof(in));
	fd_set1(&in, 40);
	check(raw(NR_select, 41, (long)&in, 0, 0, 0, 0) == -EBADF, "select, fd 40 not open: EBADF");
	check(raw(NR_select, 1, 0x1000, 0, 0, 0, 0) == -EFAULT, "select, bad set pointer: EFAULT");

	/* The first i386 select: its arguments in one structure. */
	struct sel_args a = { p[0] + 1, &in, 0, 0, 0 };
	memset(&in, 0, sizeof(in));
	fd_set1(&in, p[0]);
	check(raw(NR_select_old, (long)&a, 0, 0, 0, 0, 0) == 1 && fd_isset1(&in, p[0]), "select (82): readable pipe");
	check(raw(NR_select_old, 0x1000, 0, 0, 0, 0, 0) == -EFAULT, "select (82), bad pointer: EFAULT");

	/* pselect6 with and without a mask; the time64 form. */
	sigset_t empty;
	struct sigpack pack = { &empty, 8 };
	sigemptyset(&empty);
	memset(&in, 0, sizeof(in));
	fd_set1(&in, q[0]);
	t = (struct timespec){ 0, 20 * MS };
	check(raw(NR_pselect6, q[0] + 1, (long)&in, 0, 0, (long)&t, (long)&pack) == 0 && t.tv_nsec == 0,
	      "pselect6 20 ms with a mask: 0");
	memset(&in, 0, sizeof(in));
	fd_set1(&in, p[0]);
	t64 = (struct ts64){ 0, 20 * MS };
	check(raw(NR_pselect6_time64, p[0] + 1, (long)&in, 0, 0, (long)&t64, 0) == 1 && fd_isset1(&in, p[0]),
	      "pselect6_time64: readable pipe");
	pack.size = 4;
	check(raw(NR_pselect6, p[0] + 1, (long)&in, 0, 0, 0, (long)&pack) == -EINVAL, "pselect6, sigsetsize 4: EINVAL");
	t = (struct timespec){ 0, 1000000000 };
	check(raw(NR_pselect6, p[0] + 1, (long)&in, 0, 0, (long)&t, 0) == -EINVAL, "pselect6, tv_nsec 1e9: EINVAL");

	/* select sleeps until a signal: EINTR, the sets untouched. */
	struct sigaction sa = { 0 };
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	alarms = 0;
	memset(&in, 0, sizeof(in));
	fd_set1(&in, q[0]);
	alarm_in_ms(30);
	check(raw(NR_select, q[0] + 1, (long)&in, 0, 0, 0, 0) == -EINTR && alarms == 1 && fd_isset1(&in, q[0]),
	      "select without timeout, SIGALRM: EINTR, the set as it was");
	close(p[0]);
	close(p[1]);
	close(q[0]);
	close(q[1]);
}

/* The console: not readable until a line is typed, then readable; the line reads. */
static int test_tty(void)
{
	char line[64];
	short re;
	long n;

	check(poll1(0, POLLIN, 0, &re) == 0 && re == 0, "poll, console without input: 0");
	check(poll1(1, POLLOUT, 0, &re) == 1 && re == POLLOUT, "poll, console output: POLLOUT");
	printf("polltest: type a line\n");
	check(poll1(0, POLLIN, -1, &re) == 1 && re == POLLIN, "poll, console: a line typed, POLLIN");
	n = read(0, line, sizeof(line) - 1);
	line[n > 0 ? n : 0] = 0;
	printf("polltest: read %ld bytes: %s", n, line);
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc > 1 && !strcmp(argv[1], "tty"))
		return test_tty();
	test_poll_pipe();
	test_poll_misc(argv[0]);
	test_ppoll();
	test_select();
	printf("polltest: %s\n", failures ? "FAILED" : "all ok");
	return failures ? 1 : 0;
}

/* futextest: the futex operations glibc's threads use beyond WAIT and WAKE:
 * WAIT_BITSET/WAKE_BITSET (bitset matching, absolute timeouts on CLOCK_MONOTONIC and
 * CLOCK_REALTIME), FUTEX_CLOCK_REALTIME, REQUEUE/CMP_REQUEUE, WAKE_OP, futex_time64.
 * "futextest forkscope" checks set_robust_list/get_robust_list and the kernel's walk
 * of a dead thread's robust list, and two more things qemu-i386 does not do as Linux
 * does (so that part runs on forkscope only). Only the main thread prints; every
 * wait has a timeout. */
#include <errno.h>
#include <linux/futex.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NR_gettid 224
#define NR_futex 240
#define NR_set_robust_list 311
#define NR_get_robust_list 312
#define NR_futex_time64 422

#define WAIT_BITSET 9
#define WAKE_BITSET 10
#define PRIVATE 128
#define CLOCK_RT 256
#define FUTEX_WAITERS 0x80000000u
#define FUTEX_OWNER_DIED 0x40000000u
#define MS 1000000LL
#define THREAD_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | \
		      CLONE_SYSVSEM | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID)

long __syscall(long n, long a1, long a2, long a3, long a4, long a5, long a6);
#define raw(n, a, b, c, d, e, f) __syscall(n, (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f))

struct ts64 { long long sec, nsec; };

static int failures;

static void check(int ok, const char *what)
{
	printf("futextest: %s: %s\n", what, ok ? "ok" : "FAIL");
	if (!ok)
		failures++;
}

static long long now_ns(int clock)
{
	struct timespec t;
	clock_gettime(clock, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static struct timespec at(long long ns)
{
	struct timespec t = { (time_t)(ns / 1000000000LL), (long)(ns % 1000000000LL) };
	return t;
}

static char stacks[4][16384] __attribute__((aligned(16)));
static int tids[4];

static int spawn(int i, int (*fn)(void *), void *arg)
{
	return clone(fn, stacks[i] + sizeof(stacks[i]), THREAD_FLAGS, arg, &tids[i], NULL, &tids[i]);
}

/* Until the kernel clears thread i's tid word at its exit. */
static void join(int i)
{
	struct timespec guard = { 5, 0 };
	int v;
	for (int n = 0; n < 100 && (v = __atomic_load_n(&tids[i], __ATOMIC_SEQ_CST)) != 0; n++)
		raw(NR_futex, &tids[i], FUTEX_WAIT, v, &guard, 0, 0);
}

/* Until n waiters sleep on word: FUTEX_REQUEUE of every waiter onto the same word
 * moves nothing and returns how many there are (at most 5 s). */
static volatile int arrived;
static void settle_on(int *word, int n, int flags)
{
	struct timespec t = { 0, MS };
	for (int i = 0; i < 5000; i++) {
		if (raw(NR_futex, word, FUTEX_REQUEUE | flags, 0, 0x7fffffff, word, 0) >= n)
			return;
		nanosleep(&t, NULL);
	}
}

static void test_single(void)
{
	static int word = 5, word2;
	struct timespec t;
	struct ts64 t64;
	long long deadline;
	long r;

	check(raw(NR_futex, &word, WAIT_BITSET, 5, 0, 0, 0) == -EINVAL, "FUTEX_WAIT_BITSET with bitset 0: EINVAL");
	check(raw(NR_futex, &word, WAKE_BITSET, 1, 0, 0, 0) == -EINVAL, "FUTEX_WAKE_BITSET with bitset 0: EINVAL");
	check(raw(NR_futex, &word, WAIT_BITSET, 6, 0, 0, -1) == -EAGAIN, "FUTEX_WAIT_BITSET, the word differs: EAGAIN");
	check(raw(NR_futex, &word, WAKE_BITSET | PRIVATE, 1, 0, 0, -1) == 0, "FUTEX_WAKE_BITSET, nobody waits: 0");
	deadline = now_ns(CLOCK_MONOTONIC) + 30 * MS;
	t = at(deadline);
	r = raw(NR_futex, &word, WAIT_BITSET | PRIVATE, 5, &t, 0, -1);
	check(r == -ETIMEDOUT && now_ns(CLOCK_MONOTONIC) >= deadline,
	      "FUTEX_WAIT_BITSET, absolute CLOCK_MONOTONIC deadline: ETIMEDOUT at it");
	deadline = now_ns(CLOCK_REALTIME) + 20 * MS;
	t = at(deadline);
	r = raw(NR_futex, &word, WAIT_BITSET | CLOCK_RT, 5, &t, 0, -1);
	check(r == -ETIMEDOUT && now_ns(CLOCK_REALTIME) >= deadline,
	      "FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME: ETIMEDOUT at the deadline");
	t = at(1);
	check(raw(NR_futex, &word, WAIT_BITSET, 5, &t, 0, -1) == -ETIMEDOUT, "FUTEX_WAIT_BITSET, deadline passed: ETIMEDOUT");
	check(raw(NR_futex, &word, FUTEX_WAKE | CLOCK_RT, 1, 0, 0, 0) == -ENOSYS, "FUTEX_WAKE | FUTEX_CLOCK_REALTIME: ENOSYS");
	t = (struct timespec){ 0, 1000000000 };
	check(raw(NR_futex, &word, WAIT_BITSET, 5, &t, 0, -1) == -EINVAL, "FUTEX_WAIT_BITSET, tv_nsec 1e9: EINVAL");

	t64 = (struct ts64){ 0, 20 * MS };
	deadline = now_ns(CLOCK_MONOTONIC) + 20 * MS;
	check(raw(NR_futex_time64, &word, FUTEX_WAIT, 5, &t64, 0, 0) == -ETIMEDOUT && now_ns(CLOCK_MONOTONIC) >= deadline,
	      "futex_time64 FUTEX_WAIT 20 ms: ETIMEDOUT");
	deadline = now_ns(CLOCK_MONOTONIC) + 20 * MS;
	t64 = (struct ts64){ deadline / 1000000000LL, deadline % 1000000000LL };
	check(raw(NR_futex_time64, &word, WAIT_BITSET, 5, &t64, 0, -1) == -ETIMEDOUT &&
	      now_ns(CLOCK_MONOTONIC) >= deadline, "futex_time64 FUTEX_WAIT_BITSET, absolute: ETIMEDOUT");
	check(raw(NR_futex_time64, &word, FUTEX_WAIT, 5, 0x1000, 0, 0) == -EFAULT, "futex_time64, bad timeout: EFAULT");

	check(raw(NR_futex, &word, FUTEX_CMP_REQUEUE, 1, 1, &word2, 4) == -EAGAIN, "FUTEX_CMP_REQUEUE, the word differs: EAGAIN");
	check(raw(NR_futex, &word, FUTEX_CMP_REQUEUE, 1, 1, &word2, 5) == 0, "FUTEX_CMP_REQUEUE, nobody waits: 0");
	check(raw(NR_futex, &word, FUTEX_REQUEUE, 1, 1, &word2, 0) == 0, "FUTEX_REQUEUE, nobody waits: 0");
	check(raw(NR_futex, &word, FUTEX_CMP_REQUEUE, -1, 1, &word2, 5) == -EINVAL, "FUTEX_CMP_REQUEUE, nr_wake -1: EINVAL");
	check(raw(NR_futex, &word, FUTEX_REQUEUE, 1, 1, (char *)&word2 + 1, 0) == -EINVAL, "FUTEX_REQUEUE, misaligned target: EINVAL");

	/* WAKE_OP: op 31-28, cmp 27-24, oparg 23-12, cmparg 11-0. */
	word2 = 10;
	check(raw(NR_futex, &word, FUTEX_WAKE_OP, 1, 1, &word2, (0 << 28) | (0 << 24) | (7 << 12) | 0) == 0 &&
	      word2 == 7, "FUTEX_WAKE_OP SET 7: the second word is 7");
	check(raw(NR_futex, &word, FUTEX_WAKE_OP, 1, 1, &word2, (1 << 28) | (3 << 12)) == 0 && word2 == 10,
	      "FUTEX_WAKE_OP ADD 3: 10");
	check(raw(NR_futex, &word, FUTEX_WAKE_OP, 1, 1, &word2, (8 << 28) | (4 << 12)) == 0 && word2 == 16,
	      "FUTEX_WAKE_OP SET with FUTEX_OP_OPARG_SHIFT 4: 16");
	check(raw(NR_futex, &word, FUTEX_WAKE_OP, 1, 1, &word2, (4 << 28) | (1 << 12)) == 0 && word2 == 17,
	      "FUTEX_WAKE_OP XOR 1: 17");
	check(raw(NR_futex, &word, FUTEX_WAKE_OP, 1, 1, &word2, (7 << 28)) == -ENOSYS, "FUTEX_WAKE_OP, op 7: ENOSYS");
	check(raw(NR_futex, &word, FUTEX_WAKE_OP, 1, 1, &word2, (9 << 24)) == -ENOSYS, "FUTEX_WAKE_OP, cmp 9: ENOSYS");
	check(raw(NR_futex, &word, FUTEX_WAKE_OP, 1, 1, 0x1000, 0) == -EFAULT, "FUTEX_WAKE_OP, unmapped second word: EFAULT");
}

/* ---- with threads ---- */

static int gate, gate2;
static volatile long results[4];

struct waiter { int *word; int val; unsigned int bitset; int slot; };

static int bitset_waiter(void *arg)
{
	struct waiter *w = arg;
	struct timespec t = at(now_ns(CLOCK_MONOTONIC) + 5000 * MS);
	__atomic_fetch_add(&arrived, 1, __ATOMIC_SEQ_CST);
	results[w->slot] = raw(NR_futex, w->word, WAIT_BITSET | PRIVATE, w->val, &t, 0, w->bitset);
	return 0;
}

static int plain_waiter(void *arg)
{
	struct waiter *w = arg;
	struct timespec t = { 5, 0 };
	__atomic_fetch_add(&arrived, 1, __ATOMIC_SEQ_CST);
	results[w->slot] = raw(NR_futex, w->word, FUTEX_WAIT, w->val, &t, 0, 0);
	return 0;
}

static void test_bitsets(void)
{
	struct waiter a = { &gate, 0, 0x1, 0 }, b = { &gate, 0, 0x2, 1 };
	long r2, r4, r1;

	gate = 0;
	arrived = 0;
	results[0] = results[1] = 99;
	spawn(0, bitset_waiter, &a);
	spawn(1, bitset_waiter, &b);
	settle_on(&gate, 2, PRIVATE);
	r2 = raw(NR_futex, &gate, WAKE_BITSET | PRIVATE, 10, 0, 0, 0x2);
	r4 = raw(NR_futex, &gate, WAKE_BITSET | PRIVATE, 10, 0, 0, 0x4);
	r1 = raw(NR_futex, &gate, FUTEX_WAKE | PRIVATE, 10, 0, 0, 0);
	join(0);
	join(1);
	check(r2 == 1 && results[1] == 0, "FUTEX_WAKE_BITSET 0x2 wakes the waiter with bitset 0x2 only");
	check(r4 == 0, "FUTEX_WAKE_BITSET 0x4 wakes nobody");
	check(r1 == 1 && results[0] == 0, "FUTEX_WAKE (any bitset) wakes the waiter with bitset 0x1");
}

static void test_requeue(void)
{
	struct waiter w[3] = { { &gate, 0, 0, 0 }, { &gate, 0, 0, 1 }, { &gate, 0, 0, 2 } };
	long r, on2, on1;

	gate = gate2 = 0;
	arrived = 0;
	for (int i = 0; i < 3; i++) {
		results[i] = 99;
		spawn(i, plain_waiter, &w[i]);
	}
	settle_on(&gate, 3, 0);
	r = raw(NR_futex, &gate, FUTEX_CMP_REQUEUE, 1, 1, &gate2, 0);
	on2 = raw(NR_futex, &gate2, FUTEX_WAKE, 10, 0, 0, 0);
	on1 = raw(NR_futex, &gate, FUTEX_WAKE, 10, 0, 0, 0);
	for (int i = 0; i < 3; i++)
		join(i);
	check(r == 2, "FUTEX_CMP_REQUEUE wake 1, requeue 1, of three waiters: 2");
	check(on2 == 1 && on1 == 1, "then one waiter wakes on the second word, one on the first");
	check(results[0] == 0 && results[1] == 0 && results[2] == 0, "all three waits returned 0");
}

static void test_wake_op(void)
{
	struct waiter x = { &gate, 0, 0, 0 }, y = { &gate2, 0, 0, 1 };
	long r;

	gate = gate2 = 0;
	arrived = 0;
	results[0] = results[1] = 99;
	spawn(0, plain_waiter, &x);
	spawn(1, plain_waiter, &y);
	settle_on(&gate, 1, 0);
	settle_on(&gate2, 1, 0);
	/* ADD 1 to gate2; wake one on gate, and one on gate2 if gate2 was 0 (it was). */
	r = raw(NR_futex, &gate, FUTEX_WAKE_OP, 1, 1, &gate2, (1 << 28) | (0 << 24) | (1 << 12) | 0);
	join(0);
	join(1);
	check(r == 2 && gate2 == 1 && results[0] == 0 && results[1] == 0,
	      "FUTEX_WAKE_OP ADD 1, cmp EQ 0: both words' waiters woke, the second word is 1");
}

/* ---- a futex in shared memory, between processes ---- */

static void test_shared_memory(void)
{
	int *shm = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	long priv, shared;
	int status;

	shm[0] = 0;   /* the futex word */
	shm[1] = 0;   /* the child says it is about to wait */
	pid_t pid = fork();
	if (pid == 0) {
		struct timespec guard = { 5, 0 };
		__atomic_store_n(&shm[1], 1, __ATOMIC_SEQ_CST);
		_exit(raw(NR_futex, &shm[0], FUTEX_WAIT, 0, &guard, 0, 0) == 0 ? 0 : 1);
	}
	while (!__atomic_load_n(&shm[1], __ATOMIC_SEQ_CST))
		sched_yield();
	settle_on(&shm[0], 1, 0);
	priv = raw(NR_futex, &shm[0], FUTEX_WAKE | PRIVATE, 1, 0, 0, 0);
	shared = raw(NR_futex, &shm[0], FUTEX_WAKE, 1, 0, 0, 0);
	check(priv == 0, "MAP_SHARED word: FUTEX_WAKE_PRIVATE in the parent does not wake the child");
	check(shared == 1 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "MAP_SHARED word: FUTEX_WAKE in the parent wakes the child's FUTEX_WAIT");
	munmap(shm, 4096);
}

/* ---- "futextest forkscope": what qemu-i386 lacks ---- */

struct robust_lock { unsigned int next; unsigned int word; };
struct robust_head { unsigned int next; long offset; unsigned int pending; };

static struct robust_head head;
static struct robust_lock lock1, lock2;
static int go;
static volatile int owner_tid;

static int robust_owner(void *arg)
{
	(void)arg;
	struct timespec t = { 5, 0 };
	int tid = (int)raw(NR_gettid, 0, 0, 0, 0, 0, 0);
	lock1.word = (unsigned int)tid;               /* held */
	lock2.word = (unsigned int)tid;               /* being locked: list_op_pending */
	head.next = (unsigned int)&lock1;
	lock1.next = (unsigned int)&head;
	head.offset = (long)((char *)&lock1.word - (char *)&lock1);
	head.pending = (unsigned int)&lock2;
	raw(NR_set_robust_list, &head, sizeof(head), 0, 0, 0, 0);
	owner_tid = tid;
	while (!__atomic_load_n(&go, __ATOMIC_SEQ_CST))
		raw(NR_futex, &go, FUTEX_WAIT, 0, &t, 0, 0);
	return 0;   /* dies holding both */
}

/* Robust lists (qemu-i386 answers set_robust_list with ENOSYS), FUTEX_WAIT with
 * FUTEX_CLOCK_REALTIME (Linux 4.5; qemu-i386 says ENOSYS), and the PI operations,
 * which this kernel answers with ENOSYS (Linux has them). */
static int forkscope_only(void)
{
	static int word = 5;
	struct robust_head *h = NULL;
	size_t len = 0;
	struct timespec t = { 5, 0 }, rel = { 0, 20 * MS };
	long long deadline = now_ns(CLOCK_MONOTONIC) + 20 * MS;
	long r;

	check(raw(NR_futex, &word, FUTEX_WAIT | CLOCK_RT, 5, &rel, 0, 0) == -ETIMEDOUT &&
	      now_ns(CLOCK_MONOTONIC) >= deadline, "FUTEX_WAIT | FUTEX_CLOCK_REALTIME, 20 ms: ETIMEDOUT");
	check(raw(NR_futex, &word, 6, 0, 0, 0, 0) == -ENOSYS, "FUTEX_LOCK_PI: ENOSYS");

	check(raw(NR_set_robust_list, &head, 8, 0, 0, 0, 0) == -EINVAL, "set_robust_list, length 8: EINVAL");
	check(raw(NR_set_robust_list, &head, sizeof(head), 0, 0, 0, 0) == 0, "set_robust_list");
	check(raw(NR_get_robust_list, 0, &h, &len, 0, 0, 0) == 0 && h == &head && len == 12,
	      "get_robust_list(0): the head, length 12");
	check(raw(NR_get_robust_list, 999999, &h, &len, 0, 0, 0) == -ESRCH, "get_robust_list, no such pid: ESRCH");
	check(raw(NR_get_robust_list, 0, 0x1000, &len, 0, 0, 0) == -EFAULT, "get_robust_list, bad pointer: EFAULT");
	raw(NR_set_robust_list, 0, sizeof(head), 0, 0, 0, 0);

	spawn(0, robust_owner, NULL);
	while (!owner_tid)
		sched_yield();
	/* A waiter: it marks the lock contended and sleeps on it. */
	lock1.word |= FUTEX_WAITERS;
	__atomic_store_n(&go, 1, __ATOMIC_SEQ_CST);
	raw(NR_futex, &go, FUTEX_WAKE, 1, 0, 0, 0);
	r = raw(NR_futex, &lock1.word, FUTEX_WAIT, owner_tid | FUTEX_WAITERS, &t, 0, 0);
	join(0);
	check(r == 0 || r == -EAGAIN, "the waiter on the dead thread's lock wakes");
	check(lock1.word == (FUTEX_WAITERS | FUTEX_OWNER_DIED), "the lock says FUTEX_OWNER_DIED, waiters kept");
	check(lock2.word == FUTEX_OWNER_DIED, "the pending lock says FUTEX_OWNER_DIED");
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc > 1 && !strcmp(argv[1], "forkscope"))
		return forkscope_only();
	test_single();
	test_bitsets();
	test_requeue();
	test_wake_op();
	test_shared_memory();
	printf("futextest: %s\n", failures ? "FAILED" : "all ok");
	return failures ? 1 : 0;
}

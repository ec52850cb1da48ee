/* clonetest: vfork, clone and thread-local storage, the process-creation paths
 * besides fork. Each part is skipped (with a line saying so) if its system call
 * fails with ENOSYS; otherwise each check prints one line ending in "ok" or "FAIL"
 * and the exit status is 0 only if every check passed.
 *  1. vfork: the child shares our memory and we sleep until it exits; a vfork child
 *     that calls execve (this tests that vfork() returns correctly to the parent
 *     after the child has reused the stack).
 *  2. clone as a process (new stack, SIGCHLD): fn's return value is the exit status.
 *  3. set_thread_area: a TLS descriptor read through %gs.
 *  4. clone as a thread (CLONE_VM ... CLONE_THREAD, SETTLS, PARENT_SETTID,
 *     CHILD_CLEARTID): shared memory, its own %gs base, and the kernel's futex wake
 *     of the cleared tid when it exits.
 *  5. several threads add to one counter under a futex-based lock, each with its own
 *     TLS block; joined by waiting until the kernel clears each one's tid word; the
 *     count must be exact, and threads are not children for waitpid.
 *  6. exit_group from a thread ends the whole process: its parent sees the status.
 * Only the main thread prints, after the others are gone, so the output is the same
 * whatever the scheduling. */
#include <asm/ldt.h>
#include <errno.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int failures;

static void check(int ok, const char *what)
{
	printf("clonetest: %s: %s\n", what, ok ? "ok" : "FAIL");
	if (!ok)
		failures++;
}

static int skipped(int r, const char *what)
{
	if (r < 0 && errno == ENOSYS) {
		printf("clonetest: %s not available (ENOSYS): skipped\n", what);
		return 1;
	}
	return 0;
}

static volatile int shared;

static void test_vfork(void)
{
	fflush(stdout);
	pid_t pid = vfork();
	if (skipped(pid, "vfork"))
		return;
	if (pid == 0) {
		shared = 1; /* our memory is the parent's */
		_exit(3);
	}
	int status;
	check(pid > 0 && shared == 1, "vfork child wrote the parent's memory before we resumed");
	check(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 3,
	      "vfork child exit status 3");

	char *const args[] = { "echo", "clonetest: echo from a vfork child", NULL };
	char *const env[] = { NULL };
	fflush(stdout); /* our lines first, then echo's */
	pid = vfork();
	if (pid == 0) {
		execve("/bin/echo", args, env);
		_exit(127);
	}
	check(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      WEXITSTATUS(status) == 0, "vfork + execve /bin/echo, parent resumes");
}

static char stack_a[16384] __attribute__((aligned(16)));

static int child_process(void *arg)
{
	shared = 100; /* a copy: CLONE_VM not given */
	return *(int *)arg;
}

static void test_clone_process(void)
{
	int seven = 7, status;
	shared = 0;
	fflush(stdout);
	pid_t pid = clone(child_process, stack_a + sizeof(stack_a), SIGCHLD, &seven);
	if (skipped(pid, "clone"))
		return;
	check(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      WEXITSTATUS(status) == 7, "clone process: fn's return value is the exit status");
	check(shared == 0, "clone process has its own memory");
}

/* Thread-local storage: %gs points at a block whose first word is its own address. */
struct tls {
	struct tls *self;
	int value;
};

static struct tls main_tls = { &main_tls, 1 }, thread_tls = { &thread_tls, 2 };
static int tls_entry = -1; /* the GDT slot set_thread_area gave us */

static struct tls *current_tls(void)
{
	struct tls *t;
	__asm__ volatile("movl %%gs:0, %0" : "=r"(t));
	return t;
}

static void describe(struct user_desc *u, struct tls *t, int entry)
{
	memset(u, 0, sizeof(*u));
	u->entry_number = (unsigned int)entry;
	u->base_addr = (unsigned int)t;
	u->limit = 0xfffff;
	u->seg_32bit = 1;
	u->limit_in_pages = 1;
	u->useable = 1;
}

static void test_tls(void)
{
	struct user_desc u;
	describe(&u, &main_tls, -1); /* -1: the kernel picks a free slot */
	int r = set_thread_area(&u);
	if (skipped(r, "set_thread_area"))
		return;
	check(r == 0 && (int)u.entry_number >= 0, "set_thread_area picks a slot");
	if (r != 0)
		return;
	tls_entry = (int)u.entry_number;
	unsigned short sel = (unsigned short)(tls_entry * 8 + 3); /* GDT, RPL 3 */
	__asm__ volatile("movw %0, %%gs" : : "r"(sel));
	check(current_tls() == &main_tls && current_tls()->value == 1, "%gs:0 reads the TLS block");
}

static int thread_tid_parent; /* CLONE_PARENT_SETTID writes here */
static int thread_tid_child;  /* CLONE_CHILD_CLEARTID clears this, then futex-wakes it */
static volatile int thread_saw_own_tls, thread_gettid_ok;

static int thread_fn(void *arg)
{
	(void)arg;
	shared = 42; /* CLONE_VM: the parent sees this */
	thread_saw_own_tls = tls_entry < 0 || (current_tls() == &thread_tls);
	thread_gettid_ok = gettid() != getpid(); /* a thread of the same process */
	return 0;
}

static void test_thread(void)
{
	static char stack[65536] __attribute__((aligned(16)));
	int flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
	            CLONE_SYSVSEM | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
	struct user_desc u;
	if (tls_entry >= 0) {
		flags |= CLONE_SETTLS;
		describe(&u, &thread_tls, tls_entry); /* same slot, the thread's own base */
	}
	shared = 0;
	thread_tid_child = -1;
	pid_t tid = clone(thread_fn, stack + sizeof(stack), flags, NULL, &thread_tid_parent,
	                  tls_entry >= 0 ? &u : NULL, &thread_tid_child);
	if (skipped(tid, "clone (thread)"))
		return;
	check(tid > 0, "clone thread");
	if (tid <= 0)
		return;
	/* Wait for the kernel to clear the tid at thread exit (and wake us). */
	int v;
	while ((v = __atomic_load_n(&thread_tid_child, __ATOMIC_SEQ_CST)) != 0) {
		long r = futex(&thread_tid_child, FUTEX_WAIT, v, NULL, NULL, 0);
		if (r < 0 && errno != EAGAIN && errno != EINTR) {
			check(0, "futex wait for the thread");
			return;
		}
	}
	check(thread_tid_parent == tid, "CLONE_PARENT_SETTID stored the tid");
	check(shared == 42, "thread wrote shared memory");
	check(thread_gettid_ok, "thread has its own tid in our process");
	check(thread_saw_own_tls, "thread sees its own TLS through %gs");
	check(tls_entry < 0 || current_tls() == &main_tls, "our TLS is unchanged");
}

/* futex without errno (the threads share one): the raw result, or -errno. */
static long raw_futex(int *uaddr, int op, int val, const struct timespec *timeout)
{
	long r;
	__asm__ volatile("int $0x80"
	                 : "=a"(r)
	                 : "0"(SYS_futex), "b"(uaddr), "c"(op), "d"(val), "S"(timeout)
	                 : "memory");
	return r;
}

/* A lock word: 0 free, 1 taken, 2 taken and someone may sleep on it (the classic
 * three-state futex mutex). Sleepers only enter the kernel when the lock is taken. */
static void lock(int *m)
{
	int c = 0;
	if (__atomic_compare_exchange_n(m, &c, 1, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		return;
	if (c != 2)
		c = __atomic_exchange_n(m, 2, __ATOMIC_SEQ_CST);
	while (c != 0) {
		raw_futex(m, FUTEX_WAIT_PRIVATE, 2, NULL);
		c = __atomic_exchange_n(m, 2, __ATOMIC_SEQ_CST);
	}
}

static void unlock(int *m)
{
	if (__atomic_fetch_sub(m, 1, __ATOMIC_SEQ_CST) != 1) {
		__atomic_store_n(m, 0, __ATOMIC_SEQ_CST);
		raw_futex(m, FUTEX_WAKE_PRIVATE, 1, NULL);
	}
}

/* Sleeps until the kernel has cleared *tid (CLONE_CHILD_CLEARTID at thread exit). */
static void join(int *tid)
{
	int v;
	while ((v = __atomic_load_n(tid, __ATOMIC_SEQ_CST)) != 0)
		raw_futex(tid, FUTEX_WAIT, v, NULL);
}

#define NTHREADS 4
#define ROUNDS 20000

static int counter_lock;
static volatile int counter;
static struct tls worker_tls[NTHREADS];
static int worker_tid[NTHREADS];
static volatile int worker_ok[NTHREADS];
static char worker_stack[NTHREADS][16384] __attribute__((aligned(16)));

static int worker(void *arg)
{
	int i = (int)(long)arg, ok = 1;
	for (int n = 0; n < ROUNDS; n++) {
		lock(&counter_lock);
		counter = counter + 1;
		if (n % 2000 == 0)
			sched_yield(); /* holding the lock: the others must wait for it */
		unlock(&counter_lock);
		if (n % 5000 == 0 && tls_entry >= 0)
			ok &= current_tls() == &worker_tls[i] && current_tls()->value == 10 + i;
	}
	ok &= gettid() != getpid();
	worker_ok[i] = ok;
	return 0;
}

static void test_threads_counter(void)
{
	int flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
	            CLONE_SYSVSEM | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
	struct user_desc u[NTHREADS];
	int created = 0;
	if (tls_entry >= 0)
		flags |= CLONE_SETTLS;
	counter = 0;
	for (int i = 0; i < NTHREADS; i++) {
		worker_tls[i].self = &worker_tls[i];
		worker_tls[i].value = 10 + i;
		describe(&u[i], &worker_tls[i], tls_entry);
		/* PARENT_SETTID and CHILD_CLEARTID on one word, as thread libraries do: it
		 * holds the tid from before the thread runs until the kernel clears it. */
		if (clone(worker, worker_stack[i] + sizeof(worker_stack[i]), flags, (void *)(long)i,
		          &worker_tid[i], tls_entry >= 0 ? &u[i] : NULL, &worker_tid[i]) > 0)
			created++;
	}
	check(created == NTHREADS, "4 threads with CLONE_SETTLS and CLONE_CHILD_CLEARTID");
	for (int i = 0; i < NTHREADS; i++)
		join(&worker_tid[i]);
	check(counter == NTHREADS * ROUNDS, "80000 increments under a futex lock, count exact");
	int all_ok = 1;
	for (int i = 0; i < NTHREADS; i++)
		all_ok &= worker_ok[i];
	check(all_ok, "each thread saw its own TLS block and its own tid");
	check(tls_entry < 0 || current_tls() == &main_tls, "the main thread's TLS is unchanged");
	check(waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD, "threads are not children: ECHILD");
}

static int never_set;

static int exit_group_fn(void *arg)
{
	(void)arg;
	syscall(SYS_exit_group, 5);
	return 1;
}

static void test_exit_group(void)
{
	static char stack[16384] __attribute__((aligned(16)));
	int status;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		int flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM;
		if (clone(exit_group_fn, stack + sizeof(stack), flags, NULL) <= 0)
			_exit(2);
		/* Sleep; the thread's exit_group ends us too. (A guard, not a wait.) */
		struct timespec guard = { 10, 0 };
		raw_futex(&never_set, FUTEX_WAIT, 0, &guard);
		_exit(3);
	}
	check(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 5,
	      "exit_group in a thread ends the process: status 5");
}

int main(void)
{
	test_vfork();
	test_clone_process();
	test_tls();
	test_thread();
	test_threads_counter();
	test_exit_group();
	printf("clonetest: %s\n", failures ? "FAILED" : "all ok");
	return failures ? 1 : 0;
}

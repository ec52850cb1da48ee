"""Threads and futexes in the guest kernel: a program compiled for the test (forkscope
cc) checks futex errors and timeouts, thread groups (getpid/gettid/getppid, waitpid),
signals to a thread group, exit and exit_group from threads, and exec in a process
with threads. It runs natively on the host too (tests/i386_runner.py: directly, or
under qemu-i386): both runs must print the same, the transcript below, and exit 0; the
guest run with check=vm must find no violation.

meson passes FORKSCOPE, KERNEL, INITRAMFS, PROGRAMS_DIR. Python 3 stdlib only.
"""

import os
import re
import subprocess
import unittest

import i386_runner  # tests/, on PYTHONPATH
from forkscope_testlib import FORKSCOPE, RUN_TIMEOUT, TempDir, run_native
from test_programs import MOTD, ProgramCase, base_entries, boot, have_cc, newc

THREADS_C = r"""
/* Threads and futexes, each check one line. Only the main thread prints, and only
 * once the threads it checks are gone, so the output does not depend on scheduling.
 * Every sleep has a timeout: a kernel bug makes a check fail, not the program hang. */
#include <errno.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NR_tgkill 270
#define THREAD_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | \
                      CLONE_SYSVSEM | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID)

static int failures;
static void check(int ok, const char *what)
{
	printf("threads: %s: %s\n", what, ok ? "ok" : "FAIL");
	if (!ok)
		failures++;
}

/* System calls without errno (threads share it): the raw result, or -errno. */
static long raw(long nr, long a, long b, long c, long d)
{
	long r;
	__asm__ volatile("int $0x80" : "=a"(r) : "0"(nr), "b"(a), "c"(b), "d"(c), "S"(d) : "memory");
	return r;
}

static long futex_wait(int *w, int val, const struct timespec *t)
{
	return raw(SYS_futex, (long)w, FUTEX_WAIT, val, (long)t);
}

static long futex_wake(int *w, int n)
{
	return raw(SYS_futex, (long)w, FUTEX_WAKE, n, 0);
}

static const struct timespec guard = { 5, 0 };

/* Until *w is 0 (the kernel clears a thread's tid word when it exits). */
static void join(int *w)
{
	int v;
	for (int i = 0; i < 100 && (v = __atomic_load_n(w, __ATOMIC_SEQ_CST)) != 0; i++)
		futex_wait(w, v, &guard);
}

static char stacks[4][16384] __attribute__((aligned(16)));
static int tids[4];

static int spawn(int i, int (*fn)(void *), void *arg)
{
	return clone(fn, stacks[i] + sizeof(stacks[i]), THREAD_FLAGS, arg, &tids[i], NULL, &tids[i]);
}

static long ms_since(const struct timespec *a)
{
	struct timespec b;
	clock_gettime(CLOCK_MONOTONIC, &b);
	return (b.tv_sec - a->tv_sec) * 1000 + (b.tv_nsec - a->tv_nsec) / 1000000;
}

/* ---- futex alone ---- */

static void test_futex_errors(void)
{
	static int word = 7;
	struct timespec t = { 0, 20 * 1000 * 1000 }, start, zero = { 0, 0 }, bad = { 0, 1000000000 };
	check(futex_wait(&word, 8, NULL) == -EAGAIN, "FUTEX_WAIT when the word differs: EAGAIN");
	clock_gettime(CLOCK_MONOTONIC, &start);
	long r = futex_wait(&word, 7, &t);
	long ms = ms_since(&start);
	check(r == -ETIMEDOUT && ms >= 20 && ms < 200, "FUTEX_WAIT 20 ms: ETIMEDOUT after 20 ms");
	check(futex_wait(&word, 7, &zero) == -ETIMEDOUT, "FUTEX_WAIT with a zero timeout: ETIMEDOUT");
	check(raw(SYS_futex, (long)&word, FUTEX_WAIT_PRIVATE, 7, (long)&zero) == -ETIMEDOUT,
	      "FUTEX_WAIT_PRIVATE: ETIMEDOUT");
	check(futex_wait((int *)0x1000, 0, NULL) == -EFAULT, "FUTEX_WAIT on an unmapped address: EFAULT");
	check(futex_wait((int *)0xC0000000, 0, NULL) == -EFAULT, "FUTEX_WAIT on a kernel address: EFAULT");
	check(futex_wait(&word, 7, (struct timespec *)0x1000) == -EFAULT, "FUTEX_WAIT, timeout unmapped: EFAULT");
	check(futex_wait(&word, 7, &bad) == -EINVAL, "FUTEX_WAIT, tv_nsec 1e9: EINVAL");
	check(futex_wait((int *)((char *)&word + 1), 0, NULL) == -EINVAL, "FUTEX_WAIT misaligned: EINVAL");
	check(futex_wake(&word, 1) == 0, "FUTEX_WAKE with nobody waiting: 0");
	check(raw(SYS_futex, (long)&word, FUTEX_WAKE_PRIVATE, 1, 0) == 0, "FUTEX_WAKE_PRIVATE: 0");
	check(raw(SYS_futex, (long)&word, 30, 0, 0) == -ENOSYS, "an unknown futex operation: ENOSYS");
}

/* ---- wake counts ---- */

static int gate;
static volatile int woke;

static int waiter(void *arg)
{
	(void)arg;
	while (__atomic_load_n(&gate, __ATOMIC_SEQ_CST) == 0)
		futex_wait(&gate, 0, &guard);
	__atomic_fetch_add(&woke, 1, __ATOMIC_SEQ_CST);
	return 0;
}

static void test_wake_counts(void)
{
	int ok = 1, total = 0;
	gate = 0;
	woke = 0;
	for (int i = 0; i < 3; i++)
		ok &= spawn(i, waiter, NULL) > 0;
	/* Wake them one at a time: each FUTEX_WAKE 1 wakes at most one. The gate opens
	 * only at the end, so a woken waiter sleeps again until then. */
	for (int tries = 0; tries < 2000 && total < 3; tries++) {
		long r = futex_wake(&gate, 1);
		ok &= r == 0 || r == 1;
		total += (int)r;
		sched_yield();
	}
	__atomic_store_n(&gate, 1, __ATOMIC_SEQ_CST);
	futex_wake(&gate, 1000);
	for (int i = 0; i < 3; i++)
		join(&tids[i]);
	check(ok && total >= 3 && woke == 3, "FUTEX_WAKE 1 wakes one waiter at a time");
}

/* ---- clone's own errors ---- */

static int exits_at_once(void *arg)
{
	(void)arg;
	return 0;
}

static int clone_error(int flags, void *tls)
{
	int r = clone(exits_at_once, stacks[3] + sizeof(stacks[3]), flags, NULL, &tids[3], tls, &tids[3]);
	if (r > 0) { /* should not have happened: do not leave it running */
		join(&tids[3]);
		return 0;
	}
	return errno;
}

static void test_clone_errors(void)
{
	struct {
		unsigned int entry_number, base_addr, limit, flags;
	} any_slot = { (unsigned int)-1, 0, 0xfffff, 0x51 };
	check(clone_error(THREAD_FLAGS | CLONE_SETTLS, (void *)0x1000) == EFAULT,
	      "CLONE_SETTLS with an unmapped user_desc: EFAULT");
	check(clone_error(THREAD_FLAGS | CLONE_SETTLS, &any_slot) == EINVAL,
	      "CLONE_SETTLS with entry_number -1: EINVAL");
	check(clone_error(CLONE_VM | CLONE_THREAD, NULL) == EINVAL, "CLONE_THREAD without CLONE_SIGHAND: EINVAL");
	check(clone_error(CLONE_SIGHAND, NULL) == EINVAL, "CLONE_SIGHAND without CLONE_VM: EINVAL");
}

/* ---- a signal ends a wait ---- */

static volatile int usr2s;
static void on_usr2(int sig)
{
	(void)sig;
	usr2s++;
}

static int main_tid;

static int poke_main(void *arg)
{
	(void)arg;
	struct timespec t = { 0, 50 * 1000 * 1000 };
	nanosleep(&t, NULL);
	raw(NR_tgkill, getpid(), main_tid, SIGUSR2, 0);
	return 0;
}

static void test_futex_eintr(void)
{
	static int word;
	struct sigaction sa;
	struct timespec t = { 2, 0 }, start;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr2; /* no SA_RESTART */
	sigaction(SIGUSR2, &sa, NULL);
	main_tid = gettid();
	clock_gettime(CLOCK_MONOTONIC, &start);
	spawn(0, poke_main, NULL);
	long r = futex_wait(&word, 0, &t);
	long ms = ms_since(&start);
	join(&tids[0]);
	check(r == -EINTR && usr2s == 1 && ms < 1000, "a signal handler ends FUTEX_WAIT: EINTR");
	signal(SIGUSR2, SIG_DFL);
}

/* ---- identity ---- */

static volatile int t_pid, t_tid, t_ppid;

static int identity(void *arg)
{
	(void)arg;
	t_pid = getpid();
	t_tid = gettid();
	t_ppid = getppid();
	return 0;
}

static void test_identity(void)
{
	int tid = spawn(0, identity, NULL);
	join(&tids[0]);
	check(tid > 0 && t_pid == getpid() && t_tid == tid && t_tid != getpid(),
	      "a thread: getpid is the process's, gettid its own");
	check(gettid() == getpid(), "the main thread: gettid == getpid");
	check(t_ppid == getppid(), "a thread: getppid is the process's parent");
	check(waitpid(tid, NULL, __WALL | WNOHANG) == -1 && errno == ECHILD,
	      "waitpid on a thread: ECHILD");
}

/* ---- signals, exit and exit_group in child processes ---- */

static int sleeper(void *arg)
{
	(void)arg;
	static int never;
	for (;;)
		futex_wait(&never, 0, &guard);
	return 0;
}

static int status_of(pid_t pid)
{
	int status;
	return waitpid(pid, &status, 0) == pid ? status : -1;
}

static void test_kill_group(void)
{
	int p[2], status;
	char c;
	pipe(p);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		spawn(0, sleeper, NULL);
		spawn(1, sleeper, NULL);
		write(p[1], "r", 1);
		sleeper(NULL);
	}
	read(p[0], &c, 1);
	kill(pid, SIGTERM);
	status = status_of(pid);
	check(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM, "kill(pid, SIGTERM) ends every thread");

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		int tid = spawn(0, sleeper, NULL);
		raw(NR_tgkill, getpid(), tid, SIGTERM, 0);
		sleeper(NULL);
	}
	status = status_of(pid);
	check(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM,
	      "tgkill of one thread with a fatal signal ends the process");
	close(p[0]);
	close(p[1]);
}

static int faults(void *arg)
{
	volatile int *unmapped = arg; /* through the argument: the compiler cannot see it */
	return *unmapped; /* SIGSEGV, default action */
}

static void test_fault_in_thread(void)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		spawn(0, sleeper, NULL);
		spawn(1, faults, (void *)0x10);
		sleeper(NULL);
	}
	int status = status_of(pid);
	check(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV, "a fault in one thread kills the process: SIGSEGV");
}

static volatile int handled_by;
static void on_usr1(int sig)
{
	(void)sig;
	handled_by = gettid();
}

static int unblocked(void *arg)
{
	int *ready = arg;
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	raw(SYS_rt_sigprocmask, SIG_UNBLOCK, (long)&s, 0, 8);
	__atomic_store_n(ready, 1, __ATOMIC_SEQ_CST);
	for (int i = 0; i < 50 && !handled_by; i++) {
		struct timespec t = { 0, 20 * 1000 * 1000 };
		nanosleep(&t, NULL);
	}
	return 0;
}

static void test_signal_to_unblocking_thread(void)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		static int ready;
		sigset_t s;
		signal(SIGUSR1, on_usr1);
		sigemptyset(&s);
		sigaddset(&s, SIGUSR1);
		sigprocmask(SIG_BLOCK, &s, NULL); /* the main thread blocks it */
		int tid = spawn(0, unblocked, &ready);
		while (!__atomic_load_n(&ready, __ATOMIC_SEQ_CST))
			sched_yield();
		kill(getpid(), SIGUSR1);
		join(&tids[0]);
		_exit(handled_by == tid ? 0 : 1);
	}
	int status = status_of(pid);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "kill(getpid()) is handled by the thread that does not block it");
}

static int leader_tid_word;
static int to_parent[2], from_parent[2];

/* After the leader has gone: tell the parent, wait for its go, then end as arg says. */
static int survivor(void *arg)
{
	char c;
	join(&leader_tid_word);
	raw(SYS_write, to_parent[1], (long)"g", 1, 0);
	raw(SYS_read, from_parent[0], (long)&c, 1, 0);
	if (arg)
		raw(SYS_exit_group, 9, 0, 0, 0);
	raw(SYS_exit, 4, 0, 0, 0);
	return 0;
}

static volatile int sigchlds;
static void on_chld(int sig)
{
	(void)sig;
	sigchlds++;
}

static void test_leader_exits_first(int group, const char *what)
{
	char c;
	pipe(to_parent);
	pipe(from_parent);
	signal(SIGCHLD, on_chld);
	sigchlds = 0;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		/* set_tid_address: the kernel clears this word when the leader exits. */
		leader_tid_word = (int)set_tid_address(&leader_tid_word);
		spawn(0, survivor, group ? (void *)1 : NULL);
		raw(SYS_exit, 0, 0, 0, 0); /* only the leader ends */
	}
	read(to_parent[0], &c, 1);
	int early = waitpid(pid, NULL, WNOHANG);
	int chld_early = sigchlds;
	write(from_parent[1], "x", 1);
	int status = status_of(pid);
	check(early == 0 && chld_early == 0, "a leader that exits first is not reported while a thread runs");
	check(WIFEXITED(status) && WEXITSTATUS(status) == (group ? 9 : 4), what);
	signal(SIGCHLD, SIG_DFL);
	close(to_parent[0]);
	close(to_parent[1]);
	close(from_parent[0]);
	close(from_parent[1]);
}

/* ---- nothing leaks ---- */

#define NR_sysinfo 116
struct sysinfo {
	long uptime;
	unsigned long loads[3], totalram, freeram, sharedram, bufferram, totalswap, freeswap;
	unsigned short procs, pad;
	unsigned long totalhigh, freehigh;
	unsigned int mem_unit;
	char reserved[8];
};

static unsigned long free_ram(void)
{
	struct sysinfo si;
	return raw(NR_sysinfo, (long)&si, 0, 0, 0) == 0 ? si.freeram : 0;
}

/* Under forkscope, free memory after 20 more rounds of four threads equals what it
 * was after the first: task structs, kernel stacks and shared parts all come back.
 * (Natively other processes use memory too: only the threads are checked.) */
static void test_no_leak(void)
{
	struct utsname u;
	int forkscope = uname(&u) == 0 && strstr(u.release, "-forkscope") != NULL;
	unsigned long after_first = 0;
	int ok = 1;
	for (int round = 0; round <= 20; round++) {
		for (int i = 0; i < 4; i++)
			ok &= spawn(i, exits_at_once, NULL) > 0;
		for (int i = 0; i < 4; i++)
			join(&tids[i]);
		if (round == 0)
			after_first = free_ram();
	}
	if (forkscope)
		ok &= after_first != 0 && free_ram() == after_first;
	check(ok, "84 threads come and go: free memory as after the first 4");
}

/* ---- exec with threads ---- */

static char *self;

static int exec_from_thread(void *arg)
{
	char pid[16];
	snprintf(pid, sizeof(pid), "%d", (int)(long)arg);
	char *argv[] = { self, "reexec", pid, NULL };
	char *envp[] = { NULL };
	raw(SYS_execve, (long)self, (long)argv, (long)envp, 0);
	raw(SYS_exit_group, 99, 0, 0, 0);
	return 0;
}

static void test_exec(void)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		char buf[16];
		snprintf(buf, sizeof(buf), "%d", getpid());
		spawn(0, sleeper, NULL);
		spawn(1, sleeper, NULL);
		char *argv[] = { self, "reexec", buf, NULL };
		char *envp[] = { NULL };
		execve(self, argv, envp);
		_exit(98);
	}
	int status = status_of(pid);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "execve in the leader of a process with threads");

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		spawn(0, sleeper, NULL);
		spawn(1, exec_from_thread, (void *)(long)getpid());
		sleeper(NULL);
	}
	status = status_of(pid);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "execve in another thread: it takes over the process's pid");
}

int main(int argc, char **argv)
{
	self = argv[0];
	if (argc == 3 && strcmp(argv[1], "reexec") == 0) {
		/* The new program: alone in its process, with the process's pid. */
		static int w;
		struct timespec zero = { 0, 0 };
		int ok = getpid() == atoi(argv[2]) && gettid() == getpid() &&
		         futex_wait(&w, 0, &zero) == -ETIMEDOUT;
		return ok ? 0 : 1;
	}
	test_futex_errors();
	test_wake_counts();
	test_futex_eintr();
	test_clone_errors();
	test_identity();
	test_kill_group();
	test_fault_in_thread();
	test_signal_to_unblocking_thread();
	test_leader_exits_first(0, "then exit(4) in the last thread: status 4");
	test_leader_exits_first(1, "then exit_group(9) in the last thread: status 9");
	test_exec();
	test_no_leak();
	printf("threads: %s\n", failures ? "FAILED" : "all ok");
	return failures != 0;
}
"""

CHECKS = [
    "FUTEX_WAIT when the word differs: EAGAIN",
    "FUTEX_WAIT 20 ms: ETIMEDOUT after 20 ms",
    "FUTEX_WAIT with a zero timeout: ETIMEDOUT",
    "FUTEX_WAIT_PRIVATE: ETIMEDOUT",
    "FUTEX_WAIT on an unmapped address: EFAULT",
    "FUTEX_WAIT on a kernel address: EFAULT",
    "FUTEX_WAIT, timeout unmapped: EFAULT",
    "FUTEX_WAIT, tv_nsec 1e9: EINVAL",
    "FUTEX_WAIT misaligned: EINVAL",
    "FUTEX_WAKE with nobody waiting: 0",
    "FUTEX_WAKE_PRIVATE: 0",
    "an unknown futex operation: ENOSYS",
    "FUTEX_WAKE 1 wakes one waiter at a time",
    "a signal handler ends FUTEX_WAIT: EINTR",
    "CLONE_SETTLS with an unmapped user_desc: EFAULT",
    "CLONE_SETTLS with entry_number -1: EINVAL",
    "CLONE_THREAD without CLONE_SIGHAND: EINVAL",
    "CLONE_SIGHAND without CLONE_VM: EINVAL",
    "a thread: getpid is the process's, gettid its own",
    "the main thread: gettid == getpid",
    "a thread: getppid is the process's parent",
    "waitpid on a thread: ECHILD",
    "kill(pid, SIGTERM) ends every thread",
    "tgkill of one thread with a fatal signal ends the process",
    "a fault in one thread kills the process: SIGSEGV",
    "kill(getpid()) is handled by the thread that does not block it",
    "a leader that exits first is not reported while a thread runs",
    "then exit(4) in the last thread: status 4",
    "a leader that exits first is not reported while a thread runs",
    "then exit_group(9) in the last thread: status 9",
    "execve in the leader of a process with threads",
    "execve in another thread: it takes over the process's pid",
    "84 threads come and go: free memory as after the first 4",
]
TRANSCRIPT = "".join("threads: %s: ok\n" % c for c in CHECKS) + "threads: all ok\n"


class ThreadsTest(ProgramCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = TempDir()
        cls.dir = cls.tmp.__enter__()
        cls.binary = None
        if not have_cc():
            return
        src = cls.dir.write("threads.c", THREADS_C.encode())
        out = cls.dir.path("threads")
        r = subprocess.run([FORKSCOPE, "cc", src, "-o", out], capture_output=True, text=True,
                           timeout=RUN_TIMEOUT)
        cls.cc_error = r.stderr
        if r.returncode == 0:
            cls.binary = out

    @classmethod
    def tearDownClass(cls):
        cls.tmp.__exit__(None, None, None)

    def need_binary(self):
        if not have_cc():
            self.skipTest("forkscope cc needs gcc and ld on the host")
        if not self.binary:
            self.fail("forkscope cc failed: " + self.cc_error[:2000])

    def test_in_the_guest(self):
        self.need_binary()
        with open(self.binary, "rb") as f:
            data = f.read()
        with open(MOTD, "rb") as f:
            motd = f.read()
        entries = base_entries("echo") + [("bin/threads", 0o100755, data), ("etc", 0o040755, b""),
                                          ("etc/motd", 0o100644, motd), ("tmp", 0o041777, b"")]
        initrd = self.dir.write("threads.cpio", newc(entries))
        b = boot("/bin/threads", options="check=vm", initrd=initrd)
        self.assertProgram(b, TRANSCRIPT)
        self.assertEqual(b.violations, 0, b.run.describe())
        self.assertNotIn("Oops", b.run.text)

    def test_a_bad_tls_argument_unwinds_from_the_last_label(self):
        # No allocation follows copy_mm, so the fault-injection sweep (test_programs.py)
        # cannot reach bad_fork_cleanup_mm: CLONE_SETTLS with a bad user_desc does, and
        # the whole ladder below it runs, leaving nothing behind.
        self.need_binary()
        with open(self.binary, "rb") as f:
            data = f.read()
        entries = base_entries("echo") + [("bin/threads", 0o100755, data), ("tmp", 0o041777, b"")]
        initrd = self.dir.write("threads-debug.cpio", newc(entries))
        b = boot("/bin/threads", options="check=vm loglevel=7", initrd=initrd)
        self.assertEqual(b.violations, 0, b.run.describe())
        ladder = re.findall(r"^fork: unwind (\w+)", b.output, re.M)
        self.assertIn("bad_fork_cleanup_mm", ladder, b.run.describe())
        i = ladder.index("bad_fork_cleanup_mm")
        self.assertEqual(ladder[i:i + 8], ["bad_fork_cleanup_mm", "bad_fork_cleanup_signal",
                                           "bad_fork_cleanup_sighand", "bad_fork_cleanup_fs",
                                           "bad_fork_cleanup_files", "bad_fork_cleanup_count",
                                           "bad_fork_free", "fork_out"])

    def test_natively(self):
        # The same binary on the host's Linux: the transcript is Linux's behaviour.
        self.need_binary()
        i386_runner.skip_if_deviates(self, "threads")
        r = run_native(self.binary)
        self.assertEqual(r.text, TRANSCRIPT, r.stderr)
        self.assertEqual(r.returncode, 0)


if __name__ == "__main__":
    unittest.main()

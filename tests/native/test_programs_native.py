#!/usr/bin/env python3
"""Run the guest programs natively on the host and check exact output and status.

The programs are static i386 ELF files on the Linux syscall ABI (images/libc), so an
x86-64 Linux host with IA32 emulation runs them directly; a host without it runs them
under qemu-i386 (tests/i386_runner.py, which lists where qemu-i386 is not Linux). What
they print here is what they must print inside forkscope, so the transcripts below
double as the expected guest output (natively fork works, so the fork-dependent parts
run too).

Environment: PROGRAMS_DIR (build/images/programs), INITRAMFS
(build/images/initramfs.cpio), MOTD_SOURCE (images/programs/motd.txt).
Stdlib only; the initramfs checks use the host's cpio.
"""

import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import unittest

import i386_runner  # tests/, on PYTHONPATH

PROGRAMS_DIR = os.environ.get("PROGRAMS_DIR", "")
INITRAMFS = os.environ.get("INITRAMFS", "")
MOTD_SOURCE = os.environ.get("MOTD_SOURCE", "")

PROGRAMS = ["init", "hello", "echo", "cat", "ls", "sleep", "memtest", "segv", "pipes",
            "sigtest", "exectest", "libctest", "clonetest", "forktest",
            "cowtest", "kbench", "forkbench", "vforktest", "forkbomb", "orphans", "waittest", "forkexec", "sh",
            "fputest", "timetest", "polltest", "systest", "mmtest", "futextest",
            "fstest", "proctest", "devtest", "forkwide", "randcall", "randinsn"]

# forkwide 16 1024: 16 processes alive at once, then released and reaped.
FORKWIDE_16_1024 = "forkwide: 16 processes, 1024 KiB each, 0 failed\n"

# Expected stdout of the self-checking programs (exit status 0).
TRANSCRIPTS = {
    "hello": "hello, world\n",
    "memtest": """\
memtest: brk: 256 pages grown, zeroed, written, verified, released
memtest: mmap: 256 pages mapped, zeroed, written, verified, unmapped
memtest: sparse: 64 MiB reserved, 16 pages touched, verified, unmapped
memtest: malloc: 1000 blocks and a 1 MiB block allocated, verified, freed
memtest: ok
""",
    "pipes": """\
pipes: pipe: ok
pipes: write 11 bytes: ok
pipes: read 5 of them: ok
pipes: partial read returns the other 6: ok
pipes: dup of the write end: ok
pipes: dup2 of the write end to fd 10: ok
pipes: write through three descriptors: ok
pipes: read them back in order: ok
pipes: EOF after the write ends are closed: ok
pipes: pipe2 O_NONBLOCK: ok
pipes: empty nonblocking read: EAGAIN: ok
pipes: pipe2: ok
pipes: write with no reader, SIGPIPE ignored: EPIPE: ok
pipes: write with no reader, SIGPIPE caught: EPIPE and one SIGPIPE: ok
pipes: --- fork-dependent checks ---
pipes: fork: ok
pipes: parent reads the child's message, then EOF: ok
pipes: child exited with status 0: ok
pipes: all ok
""",
    "sigtest": """\
sigtest: sigaction SIGUSR1 (plain handler): ok
sigtest: sigaction SIGUSR2 (SA_SIGINFO handler): ok
sigtest: sigaction reads back handler, SA_RESTORER, restorer, mask: ok
sigtest: SIGUSR1 handler ran once, then kill returned 0: ok
sigtest: plain handler returns into sa_restorer: ok
sigtest: inside the handler SIGUSR1 and its sa_mask (SIGUSR2) are blocked: ok
sigtest: sigreturn restored the signal mask: ok
sigtest: SIGUSR2 SA_SIGINFO handler ran once: ok
sigtest: siginfo: si_code SI_USER, si_pid and si_uid of the sender: ok
sigtest: SA_SIGINFO handler returns into sa_restorer: ok
sigtest: ucontext holds kill's return value in EAX: ok
sigtest: rt_sigreturn resumed with the EAX the handler wrote: ok
sigtest: block SIGUSR1: ok
sigtest: blocked SIGUSR1 not delivered: ok
sigtest: SIGUSR1 is pending: ok
sigtest: unblocking delivers it, once, before sigprocmask returns: ok
sigtest: nothing pending afterwards: ok
sigtest: ignored SIGUSR2 is discarded: ok
sigtest: signal() returns the previous disposition: ok
sigtest: --- fork-dependent checks ---
sigtest: fork: ok
sigtest: kill the child with SIGTERM: ok
sigtest: wait status: killed by SIGTERM (the default action): ok
sigtest: child inherits the handler, exits with 42: ok
sigtest: the child's handler ran in the child's memory only: ok
sigtest: child inherits the mask but not the pending SIGUSR1: ok
sigtest: parent still gets its pending SIGUSR1: ok
sigtest: all ok
""",
    "fputest": """\
fputest: a program starts with MXCSR 0x1f80, x87 control word 0x37f, xmm0-7 zero: ok
fputest: a forked child starts with its parent's xmm0-7, MXCSR, x87 stack and control word: ok
fputest: the parent keeps them too: ok
fputest: three processes computing at the same time (progress of others seen mid-loop): ok
fputest: each process ends with its own xmm0-7, MXCSR, x87 stack and control word: ok
fputest: after exec: MXCSR 0x1f80, x87 control word 0x37f, xmm0-7 zero
fputest: exec of a process with its own FPU state: ok
fputest: the parent's registers are unchanged: ok
fputest: all ok
""",
    "exectest": """\
exectest: level 0
exectest: level 1, EXECTEST_LEVEL=1
exectest: argv and the new environment arrived: ok
exectest: level 2, EXECTEST_LEVEL=2
exectest: argv and the new environment arrived: ok
exectest: level 3, EXECTEST_LEVEL=3
exectest: argv and the new environment arrived: ok
exectest: auxv AT_PAGESZ is 4096: ok
exectest: execve of a missing file: ENOENT: ok
exectest: execve of a non-ELF file: ENOEXEC: ok
exectest: now running /bin/echo
""",
    "libctest": """\
libctest: printf: 56 checks
libctest: strings: 27 checks
libctest: numbers: 19 checks
libctest: sorting: 6 checks
libctest: malloc: 6 checks
libctest: stdio: 13 checks
libctest: signal sets: 7 checks
libctest: all ok
""",
    "clonetest": """\
clonetest: vfork child wrote the parent's memory before we resumed: ok
clonetest: vfork child exit status 3: ok
clonetest: echo from a vfork child
clonetest: vfork + execve /bin/echo, parent resumes: ok
clonetest: clone process: fn's return value is the exit status: ok
clonetest: clone process has its own memory: ok
clonetest: set_thread_area picks a slot: ok
clonetest: %gs:0 reads the TLS block: ok
clonetest: clone thread: ok
clonetest: CLONE_PARENT_SETTID stored the tid: ok
clonetest: thread wrote shared memory: ok
clonetest: thread has its own tid in our process: ok
clonetest: thread sees its own TLS through %gs: ok
clonetest: our TLS is unchanged: ok
clonetest: 4 threads with CLONE_SETTLS and CLONE_CHILD_CLEARTID: ok
clonetest: 80000 increments under a futex lock, count exact: ok
clonetest: each thread saw its own TLS block and its own tid: ok
clonetest: the main thread's TLS is unchanged: ok
clonetest: threads are not children: ECHILD: ok
clonetest: exit_group in a thread ends the process: status 5: ok
clonetest: all ok
""",
    "forktest": """\
forktest: fork 5 children: ok
forktest: wait reaped every child, then ECHILD: ok
forktest: child 0 exited with 10: ok
forktest: child 1 exited with 11: ok
forktest: child 2 exited with 12: ok
forktest: child 3 exited with 13: ok
forktest: child 4 exited with 14: ok
forktest: parent's data unchanged: ok
forktest: parent's bss unchanged: ok
forktest: parent's heap unchanged: ok
forktest: parent's stack unchanged: ok
forktest: WNOHANG with a running child returns 0: ok
forktest: write the byte the child waits for: ok
forktest: waitpid for that child: exit status 7: ok
forktest: child killed by SIGKILL: WTERMSIG 9: ok
forktest: clone CLONE_CHILD_SETTID: the child's pid in the child's memory only: ok
forktest: no children: ECHILD: ok
forktest: all ok
""",
    "cowtest": """\
cowtest: parent writes right after fork and sees its own value: ok
cowtest: child still sees the value from before the fork: ok
cowtest: parent writes the page again once the child is gone: ok
cowtest: child and grandchild each see their parent's value, then their own: ok
cowtest: the parent's value is unchanged: ok
cowtest: a shared mapping stays shared: the parent sees the child's write: ok
cowtest: all ok
""",
    "vforktest": """\
vforktest: the child's store before _exit is seen by the parent: ok
vforktest: the child's exit code 5 comes back through waitpid: ok
vforktest: the parent stays suspended until the child exits (steps ccc then p): ok
vforktest: echo ran through vfork and execve
vforktest: the parent resumes after the child's execve, seeing its store: ok
vforktest: echo exits 0: ok
vforktest: a failed execve leaves the child on our memory (errno ENOENT): ok
vforktest: that child's exit code 127 comes back: ok
vforktest: four vfork children exit 20..23, collected in reverse order: ok
vforktest: no child left: ECHILD: ok
vforktest: all ok
""",
    "forkbomb": """\
forkbomb: setrlimit RLIMIT_NPROC to 8: ok
forkbomb: getrlimit reads 8 back: ok
forkbomb: round 1: fork fails with EAGAIN at the limit: ok
forkbomb: round 1: 7 children before that (we count too): ok
forkbomb: round 1: every child reaped, each exited 0: ok
forkbomb: round 1: fork works again once they are gone: ok
forkbomb: round 2: fork fails with EAGAIN at the limit: ok
forkbomb: round 2: 7 children before that (we count too): ok
forkbomb: round 2: every child reaped, each exited 0: ok
forkbomb: round 2: fork works again once they are gone: ok
forkbomb: old getrlimit reads RLIM_INFINITY as 0x7fffffff: ok
forkbomb: prlimit64 reads the same limit: ok
forkbomb: RLIMIT_NOFILE 8: dup stops at fd 7 (EMFILE), dup2 to fd 8 is EBADF: ok
forkbomb: RLIMIT_STACK 512 KiB: 2 MiB of recursion dies of SIGSEGV: ok
forkbomb: soft above hard: EINVAL: ok
forkbomb: raising the hard limit without privilege: EPERM: ok
forkbomb: an unknown resource: EINVAL: ok
forkbomb: lowering the soft limit alone: ok
forkbomb: all ok
""",
    "orphans": """\
orphans: the child forked a grandchild and exited 0: ok
orphans: the grandchild reported back: ok
orphans: the grandchild's first parent was the child: ok
orphans: after the child's exit the grandchild's parent is init: ok
orphans: the grandchild is not our child (waitpid: ECHILD): ok
orphans: init reaped the grandchild (kill 0: ESRCH): ok
orphans: no child left: ECHILD: ok
orphans: all ok
""",
    "waittest": """\
waittest: exit(0): status 0x0000, WIFEXITED, WEXITSTATUS 0: ok
waittest: exit(1): status 0x0100, WIFEXITED, WEXITSTATUS 1: ok
waittest: exit(255): status 0xff00, WIFEXITED, WEXITSTATUS 255: ok
waittest: killed by SIGKILL: status 0x0009, WIFSIGNALED, WTERMSIG 9: ok
waittest: killed by SIGTERM: status 0x000f, WIFSIGNALED, WTERMSIG 15: ok
waittest: killed by SIGSEGV (a store to address 0): WTERMSIG 11, no core: ok
waittest: WNOHANG while the child runs returns 0: ok
waittest: WNOHANG for any child returns 0 too: ok
waittest: after the pipe closes the child exits 7: ok
waittest: waitpid for the second child gets it (4): ok
waittest: wait then gets the first (3): ok
waittest: wait with no children: ECHILD: ok
waittest: waitpid WNOHANG with no children: ECHILD: ok
waittest: waitpid for a pid that is not our child: ECHILD: ok
waittest: status 0x0000: WIFEXITED 1 WEXITSTATUS 0 WIFSIGNALED 0 WTERMSIG 0 WCOREDUMP 0 WIFSTOPPED 0 WSTOPSIG 0 WIFCONTINUED 0
waittest: status 0x0100: WIFEXITED 1 WEXITSTATUS 1 WIFSIGNALED 0 WTERMSIG 0 WCOREDUMP 0 WIFSTOPPED 0 WSTOPSIG 1 WIFCONTINUED 0
waittest: status 0xff00: WIFEXITED 1 WEXITSTATUS 255 WIFSIGNALED 0 WTERMSIG 0 WCOREDUMP 0 WIFSTOPPED 0 WSTOPSIG 255 WIFCONTINUED 0
waittest: status 0x0009: WIFEXITED 0 WEXITSTATUS 0 WIFSIGNALED 1 WTERMSIG 9 WCOREDUMP 0 WIFSTOPPED 0 WSTOPSIG 0 WIFCONTINUED 0
waittest: status 0x000f: WIFEXITED 0 WEXITSTATUS 0 WIFSIGNALED 1 WTERMSIG 15 WCOREDUMP 0 WIFSTOPPED 0 WSTOPSIG 0 WIFCONTINUED 0
waittest: status 0x008b: WIFEXITED 0 WEXITSTATUS 0 WIFSIGNALED 1 WTERMSIG 11 WCOREDUMP 1 WIFSTOPPED 0 WSTOPSIG 0 WIFCONTINUED 0
waittest: status 0x137f: WIFEXITED 0 WEXITSTATUS 19 WIFSIGNALED 0 WTERMSIG 127 WCOREDUMP 0 WIFSTOPPED 1 WSTOPSIG 19 WIFCONTINUED 0
waittest: status 0x057f: WIFEXITED 0 WEXITSTATUS 5 WIFSIGNALED 0 WTERMSIG 127 WCOREDUMP 0 WIFSTOPPED 1 WSTOPSIG 5 WIFCONTINUED 0
waittest: status 0xffff: WIFEXITED 0 WEXITSTATUS 255 WIFSIGNALED 0 WTERMSIG 127 WCOREDUMP 1 WIFSTOPPED 0 WSTOPSIG 255 WIFCONTINUED 1
waittest: all ok
""",
    "timetest": """\
timetest: clock_gettime and clock_gettime64 (CLOCK_MONOTONIC): ok
timetest: clock_gettime64 follows clock_gettime: ok
timetest: clock_gettime64 (CLOCK_REALTIME): after 2000: ok
timetest: clock_gettime64, unknown clock: EINVAL: ok
timetest: clock_gettime64, bad pointer: EFAULT: ok
timetest: clock_getres_time64 (CLOCK_MONOTONIC): at most 10 ms: ok
timetest: clock_getres_time64, NULL: 0: ok
timetest: clock_getres_time64, unknown clock: EINVAL: ok
timetest: clock_settime (CLOCK_MONOTONIC): EINVAL: ok
timetest: clock_settime, unknown clock: EINVAL: ok
timetest: clock_settime, tv_nsec 1e9: EINVAL: ok
timetest: clock_settime64, tv_nsec 1e9: EINVAL: ok
timetest: clock_settime, bad pointer: EFAULT: ok
timetest: clock_settime (CLOCK_PROCESS_CPUTIME_ID): EINVAL: ok
timetest: clock_settime and clock_settime64 as uid 4242: EPERM: ok
timetest: clock_nanosleep 30 ms (CLOCK_MONOTONIC): slept 30 ms: ok
timetest: clock_nanosleep_time64 20 ms: slept 20 ms: ok
timetest: clock_nanosleep TIMER_ABSTIME (CLOCK_MONOTONIC): woke at the deadline: ok
timetest: clock_nanosleep_time64 TIMER_ABSTIME (CLOCK_REALTIME): woke at the deadline: ok
timetest: clock_nanosleep TIMER_ABSTIME in the past: at once: ok
timetest: clock_nanosleep, unknown clock: EINVAL: ok
timetest: clock_nanosleep (CLOCK_THREAD_CPUTIME_ID): EOPNOTSUPP: ok
timetest: clock_nanosleep (CLOCK_MONOTONIC_RAW): EOPNOTSUPP: ok
timetest: clock_nanosleep, tv_nsec 1e9: EINVAL: ok
timetest: clock_nanosleep, tv_sec -1: EINVAL: ok
timetest: clock_nanosleep, bad pointer: EFAULT: ok
timetest: nanosleep 2 s, SIGALRM after 50 ms: EINTR: ok
timetest: nanosleep: the time left is between 0.5 and 2 s: ok
timetest: clock_nanosleep_time64 2 s, SIGALRM: EINTR and the time left: ok
timetest: clock_nanosleep TIMER_ABSTIME, SIGALRM: EINTR, the time left not written: ok
timetest: alarm(5) with none set: 0: ok
timetest: alarm(3) after alarm(5): 5 (rounded): ok
timetest: alarm(0): 3, and it is off: ok
timetest: getitimer(ITIMER_REAL) after alarm(0): off: ok
timetest: setitimer(ITIMER_REAL, 1.5 s, every 0.25 s): ok
timetest: getitimer(ITIMER_REAL): at most 1.5 s left, interval 0.25 s: ok
timetest: setitimer(ITIMER_REAL, 0) returns the old value: ok
timetest: ITIMER_REAL is off: ok
timetest: ITIMER_REAL every 20 ms: three pauses end with EINTR after 60 ms: ok
timetest: setitimer(ITIMER_VIRTUAL and ITIMER_PROF, 30 ms): ok
timetest: getitimer(ITIMER_VIRTUAL): armed: ok
timetest: a busy loop gets SIGVTALRM and SIGPROF: ok
timetest: ITIMER_VIRTUAL without an interval is off after it fired: ok
timetest: setitimer, unknown timer: EINVAL: ok
timetest: setitimer, tv_usec 1e6: EINVAL: ok
timetest: setitimer, tv_sec -1: EINVAL: ok
timetest: setitimer, bad pointer: EFAULT: ok
timetest: getitimer, unknown timer: EINVAL: ok
timetest: getitimer, bad pointer: EFAULT: ok
timetest: sigaction (67): SIGUSR2 handler: ok
timetest: sigaction (67) reads it back: ok
timetest: the handler runs and returns through sigreturn: ok
timetest: sigaction (67), signal 0: EINVAL: ok
timetest: sigaction (67), SIGKILL: EINVAL: ok
timetest: sigaction (67), bad pointer: EFAULT: ok
timetest: sigprocmask (126): block SIGUSR1: ok
timetest: sigpending (73): SIGUSR1 is pending: ok
timetest: sigsuspend (72) with an empty mask: the handler ran, EINTR: ok
timetest: sigsuspend put the old mask back: SIGUSR1 blocked: ok
timetest: sigprocmask (126): unblock: ok
timetest: sigprocmask (126), bad how: EINVAL: ok
timetest: sigprocmask (126), bad pointer: EFAULT: ok
timetest: all ok
""",
    "polltest": """\
polltest: poll, empty pipe, timeout 0: 0, revents 0: ok
polltest: poll, pipe's write end: POLLOUT: ok
polltest: poll, pipe with data: POLLIN: ok
polltest: poll, no events asked: 0: ok
polltest: poll, data and no writer: POLLIN | POLLHUP: ok
polltest: poll, drained and no writer: POLLHUP: ok
polltest: poll, POLLHUP even when not asked for: ok
polltest: poll, no reader: POLLOUT | POLLERR: ok
polltest: poll, full pipe: not writable: ok
polltest: poll, a page read from a full pipe: writable: ok
polltest: poll, empty pipe, 50 ms: 0 after 50 ms: ok
polltest: poll without timeout: woken by a child's write: ok
polltest: poll, a regular file: POLLIN | POLLOUT: ok
polltest: poll, fd -1 ignored, fd 50 not open: POLLNVAL, and a ready pipe: 2: ok
polltest: poll, 65 descriptors with RLIMIT_NOFILE 64: EINVAL: ok
polltest: poll, bad pointer: EFAULT: ok
polltest: poll, SIGALRM after 30 ms: EINTR: ok
polltest: poll, SIGALRM with SA_RESTART: EINTR all the same: ok
polltest: poll, no descriptors, 20 ms: 0: ok
polltest: ppoll 30 ms: 0, the time left written back as 0: ok
polltest: ppoll_time64 20 ms: 0: ok
polltest: ppoll, tv_nsec 1e9: EINVAL: ok
polltest: ppoll, sigsetsize 4: EINVAL: ok
polltest: ppoll with an empty mask: SIGALRM gets in, EINTR: ok
polltest: ppoll: the timeout holds at most 2 s, more than 1 s: ok
polltest: ppoll put the old mask back: SIGALRM blocked: ok
polltest: ppoll with a mask, data ready: 1: ok
polltest: the mask is back at once when nothing interrupted: ok
polltest: select: one pipe readable, another writable: 2, and the sets say which: ok
polltest: select, 30 ms: 0, the sets and the timeval cleared: ok
polltest: select, 1.5 s, a pipe ready: the time left written back: ok
polltest: select, tv_sec -1: EINVAL: ok
polltest: select, n -1: EINVAL: ok
polltest: select, fd 40 not open: EBADF: ok
polltest: select, bad set pointer: EFAULT: ok
polltest: select (82): readable pipe: ok
polltest: select (82), bad pointer: EFAULT: ok
polltest: pselect6 20 ms with a mask: 0: ok
polltest: pselect6_time64: readable pipe: ok
polltest: pselect6, sigsetsize 4: EINVAL: ok
polltest: pselect6, tv_nsec 1e9: EINVAL: ok
polltest: select without timeout, SIGALRM: EINTR, the set as it was: ok
polltest: all ok
""",
    "systest": """\
systest: uname: sysname Linux: ok
systest: uname: release at least 3 (glibc's minimum is 3.2): ok
systest: uname: machine i686: ok
systest: setgroups32 (300, 100, 70000): ok
systest: getgroups32(0): the count, 3: ok
systest: getgroups32: sorted, 100 300 70000: ok
systest: getgroups32 with room for 2: EINVAL: ok
systest: getgroups32(-1): EINVAL: ok
systest: getgroups32, bad pointer: EFAULT: ok
systest: getgroups (16-bit): a gid above 65535 reads as 65534: ok
systest: as uid 4242: setgroups32 EPERM, the list is inherited: ok
systest: setgroups32, 70000 groups: EINVAL: ok
systest: setgroups32, bad pointer: EFAULT: ok
systest: setgroups (16-bit) 9 5: getgroups32 reads 5 9: ok
systest: setgroups32(0): no groups: ok
systest: getrandom 64 bytes: 64: ok
systest: getrandom GRND_NONBLOCK: 64 other bytes: ok
systest: getrandom: not zeros: ok
systest: getrandom GRND_RANDOM 10000 bytes: ok
systest: getrandom 0 bytes: 0: ok
systest: getrandom, unknown flag: EINVAL: ok
systest: getrandom GRND_RANDOM | GRND_INSECURE: EINVAL: ok
systest: getrandom, bad pointer: EFAULT: ok
systest: prctl(PR_SET_NAME): ok
systest: prctl(PR_GET_NAME) reads it back: ok
systest: PR_SET_NAME keeps 15 bytes: ok
systest: PR_SET_NAME, bad pointer: EFAULT: ok
systest: prctl(PR_GET_PDEATHSIG): 0: ok
systest: PR_SET_PDEATHSIG SIGUSR1, read back: ok
systest: PR_SET_PDEATHSIG 65: EINVAL: ok
systest: PR_SET_PDEATHSIG: SIGHUP when the parent exits: ok
systest: prctl, unknown option: EINVAL: ok
systest: sched_getaffinity: CPU 0 is in the mask: ok
systest: sched_getaffinity, length 3: EINVAL: ok
systest: sched_getaffinity, no such pid: ESRCH: ok
systest: sched_setaffinity to CPU 0: ok
systest: getcpu: CPU 0, node 0: ok
systest: SCHED_FIFO priorities 1..99: ok
systest: SCHED_OTHER priorities 0..0: ok
systest: sched_get_priority_max, unknown policy: EINVAL: ok
systest: sched_getscheduler: SCHED_OTHER: ok
systest: sched_getparam: priority 0: ok
systest: sched_getscheduler(-1): EINVAL: ok
systest: sched_getparam, NULL: EINVAL: ok
systest: sched_getparam, no such pid: ESRCH: ok
systest: all ok
""",
    "mmtest": """\
mmtest: madvise(MADV_DONTNEED) on two pages: ok
mmtest: MADV_DONTNEED: those pages read zeros, the others keep their bytes: ok
mmtest: MADV_DONTNEED on shared memory: its bytes stay: ok
mmtest: madvise(MADV_FREE) on private memory: 0: ok
mmtest: madvise(MADV_NORMAL): 0: ok
mmtest: madvise, unaligned: EINVAL: ok
mmtest: madvise, unknown advice: EINVAL: ok
mmtest: madvise, length 0: 0: ok
mmtest: madvise over a hole: ENOMEM: ok
mmtest: madvise(MADV_WIPEONFORK): ok
mmtest: after fork the child's page reads zero, the parent's is kept: ok
mmtest: MADV_WIPEONFORK on shared memory: EINVAL: ok
mmtest: madvise(MADV_DONTFORK): ok
mmtest: the child of fork has no such page: SIGSEGV: ok
mmtest: mremap shrink 4 to 2 pages: same address: ok
mmtest: the tail is gone: mapped anew with MAP_FIXED: ok
mmtest: mremap grow into a mapping, no MREMAP_MAYMOVE: ENOMEM: ok
mmtest: mremap grow in place 2 to 3 pages: new page zero, old kept: ok
mmtest: mremap MREMAP_MAYMOVE 3 to 8 pages: moved, contents kept, the rest zero: ok
mmtest: the old address is unmapped: ok
mmtest: mremap MREMAP_FIXED to the first address, shrunk to 2 pages: ok
mmtest: MREMAP_FIXED without MREMAP_MAYMOVE: EINVAL: ok
mmtest: MREMAP_FIXED onto an overlapping range: EINVAL: ok
mmtest: mremap, unaligned: EINVAL: ok
mmtest: mremap to length 0: EINVAL: ok
mmtest: mremap, unknown flag: EINVAL: ok
mmtest: mremap of a range beyond its mapping: EFAULT: ok
mmtest: mremap of unmapped memory: EFAULT: ok
mmtest: mremap MREMAP_MAYMOVE of a file mapping: the written page and the file's bytes move: ok
mmtest: the grown part maps the file further: ok
mmtest: grown in place: the file further still: ok
mmtest: MAP_SHARED | MAP_ANONYMOUS: a page the child touched first holds its byte: ok
mmtest: MAP_SHARED | MAP_ANONYMOUS: the child read what the parent wrote after fork: ok
mmtest: /dev/zero, MAP_SHARED: a page the child touched first holds its byte: ok
mmtest: /dev/zero, MAP_SHARED: the child read what the parent wrote after fork: ok
mmtest: all ok
""",
    "futextest": """\
futextest: FUTEX_WAIT_BITSET with bitset 0: EINVAL: ok
futextest: FUTEX_WAKE_BITSET with bitset 0: EINVAL: ok
futextest: FUTEX_WAIT_BITSET, the word differs: EAGAIN: ok
futextest: FUTEX_WAKE_BITSET, nobody waits: 0: ok
futextest: FUTEX_WAIT_BITSET, absolute CLOCK_MONOTONIC deadline: ETIMEDOUT at it: ok
futextest: FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME: ETIMEDOUT at the deadline: ok
futextest: FUTEX_WAIT_BITSET, deadline passed: ETIMEDOUT: ok
futextest: FUTEX_WAKE | FUTEX_CLOCK_REALTIME: ENOSYS: ok
futextest: FUTEX_WAIT_BITSET, tv_nsec 1e9: EINVAL: ok
futextest: futex_time64 FUTEX_WAIT 20 ms: ETIMEDOUT: ok
futextest: futex_time64 FUTEX_WAIT_BITSET, absolute: ETIMEDOUT: ok
futextest: futex_time64, bad timeout: EFAULT: ok
futextest: FUTEX_CMP_REQUEUE, the word differs: EAGAIN: ok
futextest: FUTEX_CMP_REQUEUE, nobody waits: 0: ok
futextest: FUTEX_REQUEUE, nobody waits: 0: ok
futextest: FUTEX_CMP_REQUEUE, nr_wake -1: EINVAL: ok
futextest: FUTEX_REQUEUE, misaligned target: EINVAL: ok
futextest: FUTEX_WAKE_OP SET 7: the second word is 7: ok
futextest: FUTEX_WAKE_OP ADD 3: 10: ok
futextest: FUTEX_WAKE_OP SET with FUTEX_OP_OPARG_SHIFT 4: 16: ok
futextest: FUTEX_WAKE_OP XOR 1: 17: ok
futextest: FUTEX_WAKE_OP, op 7: ENOSYS: ok
futextest: FUTEX_WAKE_OP, cmp 9: ENOSYS: ok
futextest: FUTEX_WAKE_OP, unmapped second word: EFAULT: ok
futextest: FUTEX_WAKE_BITSET 0x2 wakes the waiter with bitset 0x2 only: ok
futextest: FUTEX_WAKE_BITSET 0x4 wakes nobody: ok
futextest: FUTEX_WAKE (any bitset) wakes the waiter with bitset 0x1: ok
futextest: FUTEX_CMP_REQUEUE wake 1, requeue 1, of three waiters: 2: ok
futextest: then one waiter wakes on the second word, one on the first: ok
futextest: all three waits returned 0: ok
futextest: FUTEX_WAKE_OP ADD 1, cmp EQ 0: both words' waiters woke, the second word is 1: ok
futextest: MAP_SHARED word: FUTEX_WAKE_PRIVATE in the parent does not wake the child: ok
futextest: MAP_SHARED word: FUTEX_WAKE in the parent wakes the child's FUTEX_WAIT: ok
futextest: all ok
""",
    "forkexec": """\
forkexec: echo | cat passes 'hello through a pipe': ok
forkexec: echo | cat: both exit 0: ok
forkexec: echo -n | cat | cat | cat passes the bytes unchanged: ok
forkexec: four stages, four exit statuses 0: ok
forkexec: cat of a missing file | cat carries the error message: ok
forkexec: statuses 1 and 0: ok
forkexec: a stage that cannot be executed exits 127 and passes nothing on: ok
forkexec: the echo before it exits 0 or dies of SIGPIPE: ok
forkexec: echo of 38 words | cat | cat: ok
forkexec: every stage was waited for: ECHILD: ok
forkexec: all ok
""",
}

# fputest signals: handlers that clobber every FPU register (not a TRANSCRIPTS entry:
# it takes an argument, and qemu-i386 deviates, see tests/i386_runner.py).
FPUTEST_SIGNALS = """\
fputest: SA_SIGINFO handler clobbers every register; rt_sigreturn restores them: ok
fputest: its frame's _fpstate: FXSR magic 0, the interrupted MXCSR and xmm7: ok
fputest: plain handlers clobber every register mid-computation; sigreturn restores them: ok
fputest: an _fpstate of 0xff bytes is taken safely, MXCSR's reserved bits cleared: ok
fputest: fpstate 0 in the frame: sigreturn gives the initial state: ok
fputest: fpstate pointing at nothing: SIGSEGV: ok
fputest: all ok
"""

# fputest x87: the same with the x87 registers only (qemu-i386 deviates too).
FPUTEST_X87 = """\
fputest: a forked child starts with its parent's x87 stack and control word: ok
fputest: the parent keeps them too: ok
fputest: three processes computing at the same time (progress of others seen mid-loop): ok
fputest: each process ends with its own x87 stack and control word: ok
fputest: SA_SIGINFO handler clobbers every register; rt_sigreturn restores them: ok
fputest: plain handlers clobber every register mid-computation; sigreturn restores them: ok
fputest: all ok
"""


def prog(name):
    return os.path.join(PROGRAMS_DIR, name)


def exec_path(name):
    """The path under which one program runs another (init's argument)."""
    return i386_runner.runner().exec_path(prog(name))


def run(name, *args, stdin=None, env=None, cwd=None):
    """Runs a program by its full path (argv[0] is that path) with a small, fixed
    environment; returns the CompletedProcess with text stdout/stderr."""
    return i386_runner.run(prog(name), *args, input=stdin, text=True, timeout=60, cwd=cwd,
                           env=env if env is not None else {"LANG": "C"})


class ProgramsTestCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not PROGRAMS_DIR:
            raise unittest.SkipTest("PROGRAMS_DIR is not set (run through meson test)")

    def expect(self, result, stdout, returncode=0, stderr=None):
        self.assertEqual(result.stdout, stdout)
        self.assertEqual(result.returncode, returncode, msg=f"stderr: {result.stderr!r}")
        if stderr is not None:
            self.assertEqual(result.stderr, stderr)


class TestTranscripts(ProgramsTestCase):
    def test_self_checking_programs(self):
        for name, expected in TRANSCRIPTS.items():
            with self.subTest(program=name):
                i386_runner.skip_if_deviates(self, name)
                self.expect(run(name), expected, 0, stderr="")

    def test_fputest_signals(self):
        i386_runner.skip_if_deviates(self, "fputest signals")
        self.expect(run("fputest", "signals"), FPUTEST_SIGNALS, 0, stderr="")

    def test_fputest_x87(self):
        i386_runner.skip_if_deviates(self, "fputest x87")
        self.expect(run("fputest", "x87"), FPUTEST_X87, 0, stderr="")

    def test_forkwide(self):
        self.expect(run("forkwide", "16", "1024"), FORKWIDE_16_1024, 0, stderr="")
        self.expect(run("forkwide"), "", 2, stderr="usage: forkwide N KIB\n")

    def test_segv_dies_from_sigsegv(self):
        r = run("segv")
        self.expect(r, "segv: reading 0xc0000000\n", -signal.SIGSEGV)


class TestEcho(ProgramsTestCase):
    def test_echo(self):
        self.expect(run("echo"), "\n")
        self.expect(run("echo", "a", "b  c", "d"), "a b  c d\n")
        self.expect(run("echo", "-n", "no", "newline"), "no newline")
        self.expect(run("echo", "-n", "-n", "x"), "x")
        self.expect(run("echo", "x", "-n"), "x -n\n")
        self.expect(run("echo", ""), "\n")


class TestCat(ProgramsTestCase):
    def test_stdin(self):
        self.expect(run("cat", stdin="line 1\nline 2\n"), "line 1\nline 2\n")
        self.expect(run("cat", stdin=""), "")

    def test_files_and_dash(self):
        with tempfile.TemporaryDirectory() as d:
            a, b = os.path.join(d, "a"), os.path.join(d, "b")
            with open(a, "w") as f:
                f.write("first\n")
            big = "".join(f"{i:05d} the quick brown fox\n" for i in range(2000))  # > 4 KiB
            with open(b, "w") as f:
                f.write(big)
            self.expect(run("cat", a, "-", b, stdin="middle\n"), "first\nmiddle\n" + big)

    def test_missing_file(self):
        r = run("cat", "/nonexistent/file")
        self.expect(r, "", 1, stderr="cat: /nonexistent/file: No such file or directory\n")


class TestLs(ProgramsTestCase):
    def test_sorted_listing(self):
        with tempfile.TemporaryDirectory() as d:
            for name in ["b", "a", "C", "c10", "c2", ".hidden"]:
                open(os.path.join(d, name), "w").close()
            os.mkdir(os.path.join(d, "subdir"))
            self.expect(run("ls", d), "C\na\nb\nc10\nc2\nsubdir\n")
            self.expect(run("ls", "-a", d), ".\n..\n.hidden\nC\na\nb\nc10\nc2\nsubdir\n")

    def test_default_is_cwd(self):
        with tempfile.TemporaryDirectory() as d:
            open(os.path.join(d, "only"), "w").close()
            self.expect(run("ls", cwd=d), "only\n")

    def test_many_entries(self):
        # More entries than one 4 KiB getdents64 buffer holds.
        with tempfile.TemporaryDirectory() as d:
            names = [f"file-with-a-longish-name-{i:04d}" for i in range(500)]
            for name in names:
                open(os.path.join(d, name), "w").close()
            self.expect(run("ls", d), "".join(n + "\n" for n in sorted(names)))

    def test_several_arguments_and_errors(self):
        with tempfile.TemporaryDirectory() as d:
            os.mkdir(os.path.join(d, "x"))
            open(os.path.join(d, "x", "f"), "w").close()
            open(os.path.join(d, "plain"), "w").close()
            x, plain = os.path.join(d, "x"), os.path.join(d, "plain")
            self.expect(run("ls", x, plain), f"{x}:\nf\n\n{plain}:\n{plain}\n")
        r = run("ls", "/nonexistent")
        self.expect(r, "", 1, stderr="ls: cannot access '/nonexistent': No such file or directory\n")


class TestSleep(ProgramsTestCase):
    def test_fraction(self):
        start = time.monotonic()
        self.expect(run("sleep", "0.15"), "")
        self.assertGreaterEqual(time.monotonic() - start, 0.14)

    def test_zero_and_usage(self):
        self.expect(run("sleep", "0"), "")
        for bad in [[], ["x"], ["1s"], ["."], ["1", "2"]]:
            with self.subTest(args=bad):
                self.expect(run("sleep", *bad), "", 1, stderr="usage: sleep SECONDS[.FRACTION]\n")


class TestInit(ProgramsTestCase):
    def test_no_program(self):
        self.expect(run("init"), "init: no program given\n")

    def test_runs_program_with_arguments(self):
        self.expect(run("init", exec_path("hello")), "hello, world\n")
        self.expect(run("init", exec_path("echo"), "one", "two"), "one two\n")
        # argv[0] becomes the path: exectest finds notelf beside itself through it.
        self.expect(run("init", exec_path("exectest")), TRANSCRIPTS["exectest"])

    def test_passes_exit_status_and_signals(self):
        self.expect(run("init", exec_path("cat"), "/nonexistent"), "", 1)
        path = exec_path("segv")
        self.expect(run("init", path),
                    f"segv: reading 0xc0000000\ninit: {path} killed by signal 11 "
                    "(Segmentation fault)\n", 128 + 11)

    def test_missing_program(self):
        r = run("init", "/nonexistent/prog")
        self.expect(r, "", 127,
                    stderr="init: cannot run /nonexistent/prog: No such file or directory\n")


def read_elf(path):
    """(header fields, [program headers]) of a 32-bit ELF file."""
    with open(path, "rb") as f:
        data = f.read()
    ident = data[:16]
    (e_type, e_machine, _version, e_entry, e_phoff, _shoff, _flags, _ehsize, e_phentsize,
     e_phnum) = struct.unpack_from("<HHIIIIIHHH", data, 16)
    phdrs = []
    for i in range(e_phnum):
        phdrs.append(struct.unpack_from("<IIIIIIII", data, e_phoff + i * e_phentsize))
    return {"ident": ident, "type": e_type, "machine": e_machine, "entry": e_entry}, phdrs


class TestElfLayout(unittest.TestCase):
    PT_LOAD, PT_INTERP, PT_DYNAMIC = 1, 3, 2
    PF_X, PF_W = 1, 2

    def test_static_i386_with_separate_page_aligned_segments(self):
        if not PROGRAMS_DIR:
            self.skipTest("PROGRAMS_DIR is not set")
        for name in PROGRAMS:
            with self.subTest(program=name):
                hdr, phdrs = read_elf(prog(name))
                self.assertEqual(hdr["ident"][:4], b"\x7fELF")
                self.assertEqual(hdr["ident"][4], 1, "ELFCLASS32")
                self.assertEqual(hdr["ident"][5], 1, "little-endian")
                self.assertEqual(hdr["type"], 2, "ET_EXEC")
                self.assertEqual(hdr["machine"], 3, "EM_386")
                types = [p[0] for p in phdrs]
                self.assertNotIn(self.PT_INTERP, types)
                self.assertNotIn(self.PT_DYNAMIC, types)
                loads = [p for p in phdrs if p[0] == self.PT_LOAD]
                self.assertGreaterEqual(len(loads), 2)
                for (_t, offset, vaddr, _pa, filesz, memsz, flags, align) in loads:
                    self.assertEqual(vaddr % 4096, 0, "segment starts on a page")
                    self.assertEqual(offset % 4096, 0)
                    self.assertEqual(align, 4096)
                    self.assertLessEqual(filesz, memsz)
                    self.assertFalse(flags & self.PF_W and flags & self.PF_X, "W^X")
                    self.assertGreaterEqual(vaddr, 0x08048000)
                    self.assertLess(vaddr + memsz, 0xC0000000, "below the kernel")
                self.assertTrue(any(p[6] & self.PF_X for p in loads), "a text segment")
                self.assertTrue(any(p[6] & self.PF_W for p in loads), "a data segment")
                # Segments do not share pages: each one's last page ends before the next.
                spans = sorted((p[2], p[2] + p[5]) for p in loads)
                for (_s0, e0), (s1, _e1) in zip(spans, spans[1:]):
                    self.assertLessEqual((e0 + 4095) // 4096 * 4096, s1)
                self.assertTrue(any(p[2] <= hdr["entry"] < p[2] + p[5] and p[6] & self.PF_X
                                    for p in loads), "entry point in the text segment")


class TestInitramfs(unittest.TestCase):
    EXPECTED_NAMES = [".", "bin", "dev", "etc", "proc", "tmp"] + sorted(
        [f"bin/{p}" for p in PROGRAMS] + ["bin/notelf", "etc/group", "etc/motd", "etc/passwd"]) + [
        f"dev/{n}" for n in sorted(["console", "fd", "full", "null", "random", "stderr", "stdin",
                                    "stdout", "tty", "ttyS0", "urandom", "zero"])]

    @classmethod
    def setUpClass(cls):
        if not INITRAMFS:
            raise unittest.SkipTest("INITRAMFS is not set (run through meson test)")
        if not shutil.which("cpio"):
            raise unittest.SkipTest("cpio is not installed")

    def test_lists_every_entry(self):
        with open(INITRAMFS, "rb") as archive:
            r = subprocess.run(["cpio", "-t", "--quiet"], stdin=archive, capture_output=True,
                               text=True, check=True)
        self.assertEqual(r.stdout.splitlines(), self.EXPECTED_NAMES)

    def test_newc_format(self):
        with open(INITRAMFS, "rb") as f:
            data = f.read()
        self.assertEqual(data[:6], b"070701")
        self.assertEqual(len(data) % 4, 0)
        self.assertIn(b"TRAILER!!!\0", data[-128:])

    def test_extracts_identical_files_with_modes(self):
        with tempfile.TemporaryDirectory() as d:
            with open(INITRAMFS, "rb") as archive:
                # Not /dev: device nodes need root to be made.
                subprocess.run(["cpio", "-i", "-d", "--quiet", "--no-absolute-filenames", "-f", "dev/*"],
                               stdin=archive, cwd=d, check=True)
            # The archive's programs are the built ones without debug information.
            for name in PROGRAMS + ["notelf"]:
                with self.subTest(file=name):
                    extracted = os.path.join(d, "bin", name)
                    expected = prog(name)
                    if name != "notelf":
                        expected = os.path.join(d, name + ".stripped")
                        subprocess.run(["objcopy", "--strip-debug", prog(name), expected], check=True)
                    with open(extracted, "rb") as a, open(expected, "rb") as b:
                        self.assertEqual(a.read(), b.read())
                    self.assertEqual(os.stat(extracted).st_mode & 0o7777, 0o755)
            motd = os.path.join(d, "etc", "motd")
            with open(motd, "rb") as a, open(MOTD_SOURCE, "rb") as b:
                self.assertEqual(a.read(), b.read())
            self.assertEqual(os.stat(motd).st_mode & 0o7777, 0o644)
            self.assertTrue(os.path.isdir(os.path.join(d, "tmp")))

    def test_extracted_programs_run(self):
        with tempfile.TemporaryDirectory() as d:
            with open(INITRAMFS, "rb") as archive:
                # Not /dev: device nodes need root to be made.
                subprocess.run(["cpio", "-i", "-d", "--quiet", "--no-absolute-filenames", "-f", "dev/*"],
                               stdin=archive, cwd=d, check=True)
            r = i386_runner.run(os.path.join(d, "bin", "hello"), text=True, timeout=30)
            self.assertEqual(r.stdout, "hello, world\n")
            self.assertEqual(r.returncode, 0)


if __name__ == "__main__":
    unittest.main()

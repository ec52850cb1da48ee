#ifndef _LINUX_SCHED_H
#define _LINUX_SCHED_H

#include <asm/desc.h>
#include <asm/i387.h>
#include <asm/page.h>
#include <asm/ptrace.h>
#include <linux/list.h>
#include <linux/mm_types.h>
#include <linux/resource.h>
#include <linux/signal.h>
#include <linux/timer.h>
#include <linux/types.h>
#include <linux/wait.h>

/* task_struct.state */
#define TASK_RUNNING         0
#define TASK_INTERRUPTIBLE   1   /* sleeping; a signal wakes it */
#define TASK_UNINTERRUPTIBLE 2   /* sleeping; only the event wakes it */
#define TASK_DEAD            64  /* switched away from for the last time */

/* task_struct.exit_state */
#define EXIT_ZOMBIE 16           /* exited, waiting for the parent's wait4 */
#define EXIT_DEAD   32           /* being released */

/* task_struct.flags */
#define PF_EXITING  0x0004
#define PF_KTHREAD  0x0008
#define PF_KERNEL_DS 0x0100   /* copy_from_user may read kernel memory (sendfile) */

/* task_struct.tif: work to do before returning to user mode */
#define TIF_NEED_RESCHED     0x1
#define TIF_SIGPENDING       0x2
#define TIF_RESTORE_SIGMASK  0x4   /* rt_sigsuspend: put saved_sigmask back */

/* clone() flags (Linux values); the low byte is the exit signal. */
#define CSIGNAL              0x000000ff
#define CLONE_VM             0x00000100
#define CLONE_FS             0x00000200
#define CLONE_FILES          0x00000400
#define CLONE_SIGHAND        0x00000800
#define CLONE_VFORK          0x00004000
#define CLONE_PARENT         0x00008000
#define CLONE_THREAD         0x00010000
#define CLONE_NEWNS          0x00020000
#define CLONE_SETTLS         0x00080000
#define CLONE_PARENT_SETTID  0x00100000
#define CLONE_CHILD_CLEARTID 0x00200000
#define CLONE_CHILD_SETTID   0x01000000

#define PID_MAX       32768
#define TASK_COMM_LEN 16
#define NGROUPS_SMALL 32          /* supplementary groups a task can have here */
#define DEF_TIMESLICE 5           /* ticks: 50 ms at HZ = 100 */

#define GDT_ENTRY_TLS_ENTRIES 3

struct thread_struct {
	unsigned long esp;        /* kernel stack pointer while switched out */
	unsigned long esp0;       /* top of the kernel stack: TSS.ESP0 while running */
	struct desc_struct tls_array[GDT_ENTRY_TLS_ENTRIES];   /* set_thread_area */
	unsigned long cr2, trap_no, error_code;                 /* last fault, for signals */
	unsigned long fs, gs;     /* the user's %fs and %gs while switched out */
	union i387_union i387;    /* x87/SSE state while switched out (asm/i387.h) */
};

struct files_struct;
struct fs_struct;
struct robust_list_head;
struct poll_table_struct;

/* Signal dispositions, shared by threads (CLONE_SIGHAND) and copied by fork. */
struct sighand_struct {
	int count;
	struct k_sigaction action[_NSIG];
};

/* signal_struct.flags */
#define SIGNAL_GROUP_EXIT 0x8   /* exit_group, a fatal signal or exec is ending the other threads */

/* Per-process state shared by threads. */
struct signal_struct {
	int count;
	wait_queue_head_t wait_chldexit;   /* parents sleeping in wait4 */
	int group_exit_code;               /* every thread's exit code once SIGNAL_GROUP_EXIT */
	unsigned long flags;
	struct task_struct *group_exit_task;   /* exec waiting for the other threads to go */
	struct rlimit rlim[RLIM_NLIMITS];   /* inherited by fork, kept by exec */
	/* Interval timers (kernel/itimer.c): not inherited by fork, kept by exec. */
	struct timer_list real_timer;       /* ITIMER_REAL: SIGALRM when it fires */
	s64 it_real_deadline;               /* CLOCK_MONOTONIC ns; the timer's expiry */
	s64 it_real_incr;                   /* reload interval in ns, 0 for one shot */
	int it_real_tgid;                   /* the process it signals */
	unsigned long it_virt_value, it_virt_incr;   /* ITIMER_VIRTUAL: user ticks left */
	unsigned long it_prof_value, it_prof_incr;   /* ITIMER_PROF: user + system ticks */
};

/* vfork: the parent sleeps on this until the child execs or exits (mm_release). */
struct vfork_done {
	int done;
	wait_queue_head_t wait;
};

struct task_struct {
#ifdef FORKSCOPE_LAYOUT_TEST
	unsigned long layout_test;          /* kernel-layout-test.elf: every offset moves */
#endif
	volatile long state;
	unsigned long flags;
	unsigned long tif;
	int usage;                         /* references; freed at 0 */
	int pid, tgid, pgrp, session;
	unsigned int uid, euid, suid;      /* real, effective, saved user ids */
	int ngroups;                       /* supplementary groups (setgroups), sorted */
	unsigned int groups[NGROUPS_SMALL];
	struct user_struct *user;          /* our uid's process count (RLIMIT_NPROC) */
	struct task_struct *real_parent;   /* who forked us (init after reparenting) */
	struct task_struct *parent;        /* who gets SIGCHLD and waits for us */
	struct task_struct *group_leader;  /* the thread whose pid is our tgid */
	struct list_head thread_group;     /* the other threads of our group (no head) */
	struct list_head children;         /* our children, linked by their sibling */
	struct list_head sibling;
	struct list_head tasks;            /* every task, in pid creation order */
	struct list_head run_list;         /* on the run queue while runnable */
	int time_slice;
	int exit_state, exit_code, exit_signal;
	void *stack;                       /* THREAD_SIZE kernel stack; pt_regs at its top */
	struct thread_struct thread;
	struct mm_struct *mm;              /* NULL for kernel threads */
	struct mm_struct *active_mm;       /* the page tables in CR3 while we run */
	struct files_struct *files;
	struct fs_struct *fs;
	struct sighand_struct *sighand;
	struct signal_struct *signal;
	sigset_t blocked, saved_sigmask;
	struct sigpending pending;
	unsigned long utime, stime;        /* ticks spent in user / kernel mode */
	unsigned long start_time;          /* jiffies at creation */
	int *set_child_tid, *clear_child_tid;
	struct vfork_done *vfork_done;     /* set while our vfork parent waits */
	struct robust_list_head *robust_list;   /* set_robust_list: walked at exit */
	int pdeath_signal;                 /* prctl(PR_SET_PDEATHSIG): sent when our parent dies */
	unsigned long sas_ss_sp, sas_ss_size;   /* sigaltstack: the alternate signal stack */
	struct poll_table_struct *poll_table;   /* while in poll/select: its file references */
	struct file *opening_file;         /* while a driver's open sleeps (a fifo's) */
	char comm[TASK_COMM_LEN];          /* executable name (exec, PR_SET_NAME) */
	char exec_path[128];               /* the path execve ran (init reports it) */
	bool wake_on_kill;                 /* sleeping TASK_UNINTERRUPTIBLE where SIGKILL may end
					    * the wait (Linux's TASK_KILLABLE): the vfork parent's */
};

extern struct task_struct init_task;       /* pid 0: the boot thread, then idle */
extern struct task_struct *current_task;
#define current current_task
extern struct list_head task_list;         /* every task but init_task */
extern struct task_struct *child_reaper;   /* pid 1 */
extern struct mm_struct init_mm;           /* swapper_pg_dir, for kernel threads */

static inline struct pt_regs *task_pt_regs(struct task_struct *t)
{
	return (struct pt_regs *)((char *)t->stack + THREAD_SIZE) - 1;
}

static inline void set_tsk_need_resched(struct task_struct *t) { t->tif |= TIF_NEED_RESCHED; }
static inline bool need_resched(void) { return current->tif & TIF_NEED_RESCHED; }
#define set_current_state(s) (current->state = (s))

/* kernel/sched.c */
void sched_init(void);
void schedule(void);
void wake_up_process(struct task_struct *p);
void scheduler_tick(bool user);
void cpu_idle(void) __noreturn;
long schedule_timeout(long ticks);        /* returns ticks left (0 if it expired) */
void yield(void);
void sched_fork_task(struct task_struct *p);   /* new task: runnable on the queue */
void exit_to_user_mode(struct pt_regs *regs);  /* entry.S, before iret to ring 3 */
void schedule_tail(struct task_struct *prev);  /* entry.S, first run of a new task */
void schedule_tail_fork(struct task_struct *prev);   /* entry.S: ... of a forked one */
extern unsigned long nr_context_switches;

/* kernel/pid.c */
int alloc_pidmap(void);                   /* -EAGAIN when all pids are in use */
void free_pidmap(int pid);
bool pid_in_use(int pid);                 /* check=vm: the bitmap against the tasks */
int pids_in_use(void);
struct task_struct *find_task_by_pid(int pid);

/* kernel/fork.c */
struct task_struct *alloc_task(void);     /* task_struct + kernel stack, zeroed */
void free_task(struct task_struct *t);
void put_task_struct(struct task_struct *t);
int kernel_thread(int (*fn)(void *), void *arg);   /* pid or -errno */
void fork_init(void);
struct sighand_struct *alloc_sighand(void);   /* default dispositions, count 1 */
struct signal_struct *alloc_signal(void);
void kernel_thread_exit(int ret);             /* entry.S: fn returned */
void mm_release(struct task_struct *tsk, struct mm_struct *mm);   /* exec/exit: vfork, clear_child_tid */
long do_fork(unsigned long clone_flags, unsigned long stack_start, struct pt_regs *regs,
	     int *parent_tidptr, int *child_tidptr);

/* kernel/exit.c */
void do_exit(long code) __noreturn;       /* code: Linux wait status (exit << 8 | sig) */
void do_group_exit(long code) __noreturn; /* every thread of the group exits with code */
void zap_other_threads(struct task_struct *p);   /* SIGKILL to the rest of p's group */
void release_task(struct task_struct *p);
int de_thread(struct task_struct *tsk);   /* exec: become the only thread of the group */

/* Thread groups: every thread of a group is on the others' thread_group lists. */
static inline bool thread_group_leader(const struct task_struct *p) { return p->group_leader == p; }
static inline bool thread_group_empty(const struct task_struct *p) { return list_empty(&p->thread_group); }
static inline struct task_struct *next_thread(const struct task_struct *p)
{
	return list_entry(p->thread_group.next, struct task_struct, thread_group);
}

/* kernel/futex.c */
int futex_wake(struct mm_struct *mm, u32 *uaddr, int nr_wake);
void exit_robust_list(struct task_struct *tsk);   /* exit, exec: locks it still held */

/* kernel/itimer.c */
void itimers_init(struct signal_struct *sig);      /* a new process: none armed */
void exit_itimers(struct signal_struct *sig);      /* the process is gone: disarm */
void account_itimers(struct task_struct *p, bool user);   /* each tick: VIRTUAL, PROF */

/* arch/process.c */
void switch_to(struct task_struct *prev, struct task_struct *next);
void copy_thread_kernel(struct task_struct *p, int (*fn)(void *), void *arg);
/* For fork: the child resumes in user mode from a copy of regs, EAX = 0; with
 * CLONE_SETTLS it gets the TLS descriptor whose struct user_desc * is in ESI. */
int copy_thread_user(unsigned long clone_flags, struct task_struct *p, const struct pt_regs *regs);

/* arch/tls.c */
struct user_desc;
int do_set_thread_area(struct task_struct *t, struct user_desc *u_info, bool can_allocate);
void start_thread(struct pt_regs *regs, unsigned long eip, unsigned long esp);
void load_tls(struct task_struct *t);
void flush_thread(struct task_struct *t);   /* exec: TLS and FPU to their initial state */
void ret_to_user(struct pt_regs *regs) __noreturn;   /* entry.S: leave via regs */

#endif

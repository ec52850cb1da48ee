/*
 * kernel/exit.c - the end of a task.
 *
 * do_exit() gives back the task's memory, files and directories, hands its children to
 * init, and tells its parent (SIGCHLD, a wake-up of wait4 sleepers). The task then
 * stays a zombie until the parent reaps it with wait4, or is released at once
 * when the parent said it will not wait (SIGCHLD ignored or SA_NOCLDWAIT). Its kernel
 * stack is freed only after the last switch away from it (schedule_tail).
 *
 * Threads (CLONE_THREAD) are released at once when they exit: nobody waits for them.
 * The process is reported to its parent when its last thread is gone; exit_group or a
 * fatal signal ends every thread (do_group_exit), and exec keeps only the caller
 * (de_thread).
 *
 * When pid 1 exits the machine stops: its exit status (or 128 + the signal that killed
 * it) goes to the DebugExit port, as <abi/forkscope.h> promises the host.
 */
#include <abi/forkscope.h>
#include <asm/irqflags.h>
#include <asm/pgtable.h>
#include <asm/uaccess.h>
#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/reboot.h>
#include <linux/sched.h>
#include <linux/selfdump.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/syscalls.h>
#include <linux/vmcheck.h>

extern struct kmem_cache *sighand_cachep, *signal_cachep;

struct task_struct *child_reaper;

static noinline void exit_mm(struct task_struct *tsk)
{
	struct mm_struct *mm = tsk->mm;

	if (!mm)
		return;
	mm_release(tsk, mm);
	tsk->mm = NULL;
	tsk->active_mm = &init_mm;
	/* Leave the page tables before they are freed. */
	load_cr3(__pa(swapper_pg_dir));
	mmput(mm);
}

static void exit_sighand(struct task_struct *tsk)
{
	if (tsk->sighand && --tsk->sighand->count == 0)
		kmem_cache_free(sighand_cachep, tsk->sighand);
	tsk->sighand = NULL;
	if (tsk->signal && --tsk->signal->count == 0) {
		exit_itimers(tsk->signal);
		kmem_cache_free(signal_cachep, tsk->signal);
	}
	tsk->signal = NULL;
}

static bool do_notify_parent(struct task_struct *p, int sig);

/* Unlinks a dead task for good: pid, lists, and the parent's reference. When the last
 * thread of a group goes and the group's leader is already a zombie, the leader's
 * parent hears only now that the process is gone (and may reap it at once). */
void release_task(struct task_struct *p)
{
	struct task_struct *leader;
	bool zap_leader;
	unsigned long flags;

repeat:
	flags = local_irq_save();
	p->exit_state = EXIT_DEAD;
	list_del_init(&p->tasks);
	list_del_init(&p->sibling);
	list_del_init(&p->thread_group);
	leader = p->group_leader;
	zap_leader = false;
	if (leader != p && thread_group_empty(leader) && leader->exit_state == EXIT_ZOMBIE)
		zap_leader = leader->parent == &init_task ||
			     do_notify_parent(leader, leader->exit_signal);
	local_irq_restore(flags);
	free_pidmap(p->pid);
	uncharge_user_process(p);   /* RLIMIT_NPROC: one task fewer for its user */
	exit_sighand(p);
	put_task_struct(p);
	if (zap_leader) {
		p = leader;
		goto repeat;
	}
}

/* What the parent is told: the group's code when the group was ended as one. */
static int group_exit_status(const struct task_struct *p)
{
	if (p->signal && (p->signal->flags & SIGNAL_GROUP_EXIT))
		return p->signal->group_exit_code;
	return p->exit_code;
}

/* Tells p's parent that p is gone. Returns true when nobody will wait for p. */
static bool do_notify_parent(struct task_struct *p, int sig)
{
	struct task_struct *parent = p->parent;
	struct k_sigaction *ka;
	struct ksiginfo info = { 0 };
	bool autoreap = false;

	info.signo = sig;
	info.pid = p->tgid;
	info.uid = 0;
	if (group_exit_status(p) & 0x7f) {
		info.code = CLD_KILLED;
		info.status = group_exit_status(p) & 0x7f;
	} else {
		info.code = CLD_EXITED;
		info.status = (group_exit_status(p) >> 8) & 0xff;
	}
	ka = &parent->sighand->action[SIGCHLD - 1];
	if (sig == SIGCHLD && (ka->handler == SIG_IGN || (ka->flags & SA_NOCLDWAIT))) {
		autoreap = true;
		if (ka->handler == SIG_IGN)
			sig = 0;
	}
	if (sig > 0 && sig <= _NSIG)
		group_send_sig_info(sig, &info, parent);
	wake_up(&parent->signal->wait_chldexit);
	return autoreap;
}

/* Our children become another live thread's of our group, else init's; any that are
 * zombies already, the new parent must hear of. */
static void forget_original_parent(struct task_struct *father)
{
	struct task_struct *p, *n, *t;
	struct task_struct *reaper = child_reaper ? child_reaper : &init_task;

	list_for_each_entry(t, &father->thread_group, thread_group) {
		if (!t->exit_state && !(t->flags & PF_EXITING)) {
			reaper = t;
			break;
		}
	}

	list_for_each_entry_safe(p, n, &father->children, sibling) {
		list_del_init(&p->sibling);
		p->real_parent = p->parent = reaper;
		/* A process that goes to init (not to another thread of the group) reports
		 * with SIGCHLD, whatever it was cloned with: nobody may signal init so. */
		if (reaper->tgid != father->tgid && p->exit_signal != -1)
			p->exit_signal = SIGCHLD;
		/* prctl(PR_SET_PDEATHSIG): the child asked to hear of its parent's death. */
		if (p->pdeath_signal && !p->exit_state)
			group_send_sig_info(p->pdeath_signal, &(struct ksiginfo){
				.signo = p->pdeath_signal, .code = SI_USER, .pid = father->tgid }, p);
		list_add_tail(&p->sibling, &reaper->children);
		if (p->exit_state == EXIT_ZOMBIE && p->exit_signal != -1 && thread_group_empty(p) &&
		    do_notify_parent(p, p->exit_signal))
			release_task(p);
	}
}

/* A thread (exit_signal -1) is released at once: nobody waits for it. A group leader
 * whose threads still run stays a zombie without telling its parent: release_task of
 * the last thread does that. */
static noinline void exit_notify(struct task_struct *tsk)
{
	struct task_struct *waiter = tsk->signal->group_exit_task;
	bool autoreap = true;

	forget_original_parent(tsk);
	if (tsk->exit_signal == -1)
		autoreap = true;
	else if (!thread_group_empty(tsk))
		autoreap = false;
	else if (tsk->parent != &init_task)
		autoreap = do_notify_parent(tsk, tsk->exit_signal);
	/* An exec in another thread waits for us to be gone (de_thread). */
	if (waiter && waiter != tsk)
		wake_up_process(waiter);
	if (autoreap) {
		release_task(tsk);
	} else {
		tsk->exit_state = EXIT_ZOMBIE;
	}
}

/* pid 1 is gone: say how, and stop the machine with its status. */
static void __noreturn init_exited(long code)
{
	int sig = code & 0x7f;
	int status = sig ? 128 + sig : (int)((code >> 8) & 0xff);

	/* With fork, init reports a child killed by a signal itself. When init had
	 * become the program (exec without fork), the kernel says it in init's words. */
	if (sig)
		printk("init: %s killed by signal %d (%s)\n", current->exec_path, sig, signal_name(sig));
	vm_check_report();
	printk(KERN_INFO "exit: status %d\n", status);
	machine_exit((unsigned int)status);
}

/* Is every other thread of tsk's group exiting or gone? */
static bool last_thread_exiting(struct task_struct *tsk)
{
	struct task_struct *t;

	list_for_each_entry(t, &tsk->thread_group, thread_group)
		if (!(t->flags & PF_EXITING))
			return false;
	return true;
}

noinline void do_exit(long code)
{
	struct task_struct *tsk = current;

	selfdump_exit(tsk);   /* the exit and end stop points: everything still there */
	if (tsk == &init_task)
		panic("attempted to kill the idle task");
	if (tsk->flags & PF_EXITING) {
		/* A fault while exiting: just stop running this task. */
		printk(KERN_ERR "do_exit: recursive exit of pid %d\n", tsk->pid);
		local_irq_disable();
		tsk->state = TASK_UNINTERRUPTIBLE;
		for (;;)
			schedule();
	}
	tsk->flags |= PF_EXITING;
	tsk->exit_code = (int)code;
	/* The last thread to go decides the process's status, unless exit_group or a
	 * fatal signal already did (Linux since 6.0; 2.6 reported the leader's code). */
	if (last_thread_exiting(tsk) && !(tsk->signal->flags & SIGNAL_GROUP_EXIT)) {
		tsk->signal->flags |= SIGNAL_GROUP_EXIT;
		tsk->signal->group_exit_code = (int)code;
	}
	if (last_thread_exiting(tsk))
		exit_itimers(tsk->signal);   /* no SIGALRM for a process that is gone */

	exit_mm(tsk);
	exit_files(tsk);
	exit_fs(tsk);
	if (tsk == child_reaper)
		init_exited(code);

	local_irq_disable();
	exit_notify(tsk);
	tsk->state = TASK_DEAD;
	schedule();
	panic("do_exit: a dead task was scheduled");
}

long sys_exit(int error_code)
{
	do_exit(((long)error_code & 0xff) << 8);
}

/* ---- thread groups ---- */

/* Every other live thread of p's group gets SIGKILL (which nothing blocks or catches)
 * and is woken if its sleep lets SIGKILL end it (a vfork wait too); each then ends in
 * do_group_exit. */
void zap_other_threads(struct task_struct *p)
{
	struct task_struct *t;
	unsigned long flags = local_irq_save();

	p->signal->flags |= SIGNAL_GROUP_EXIT;
	list_for_each_entry(t, &p->thread_group, thread_group) {
		if (t->exit_state || (t->flags & PF_EXITING))
			continue;
		sigaddset(&t->pending.signal, SIGKILL);
		t->tif |= TIF_SIGPENDING;
		signal_wake_up(t);
	}
	local_irq_restore(flags);
}

/* exit_group, or a fatal signal: the whole group ends, every thread with the same code
 * (the first thread to start the group's exit decides it). */
void do_group_exit(long code)
{
	struct signal_struct *sig = current->signal;

	if (sig->flags & SIGNAL_GROUP_EXIT) {
		code = sig->group_exit_code;
	} else if (!thread_group_empty(current)) {
		sig->group_exit_code = (int)code;
		zap_other_threads(current);
	}
	do_exit(code);
}

long sys_exit_group(int error_code)
{
	do_group_exit(((long)error_code & 0xff) << 8);
}

/* Are all of tsk's group but tsk gone (released, or a zombie leader)? */
static bool others_gone(struct task_struct *tsk)
{
	struct task_struct *t;

	list_for_each_entry(t, &tsk->thread_group, thread_group)
		if (!t->exit_state)
			return false;
	return true;
}

/*
 * exec: the new program starts as the only thread of its process. The other threads
 * are killed and waited for; when tsk is not the leader, it then takes over the
 * leader's pid and place (the parent sees the same process), and the leader, a zombie
 * by then, is released. Signal handlers shared with another process are unshared.
 * Fails (before anything changed) with -EAGAIN when the group is already being ended,
 * or -ENOMEM.
 */
int de_thread(struct task_struct *tsk)
{
	struct signal_struct *sig = tsk->signal;
	struct sighand_struct *newsighand = NULL;
	unsigned long flags;

	if (sig->flags & SIGNAL_GROUP_EXIT)
		return -EAGAIN;
	if (tsk->sighand->count > 1) {
		newsighand = alloc_sighand();
		if (!newsighand)
			return -ENOMEM;
	}
	if (!thread_group_empty(tsk)) {
		struct task_struct *leader = tsk->group_leader;

		sig->group_exit_task = tsk;
		sig->group_exit_code = SIGKILL;
		zap_other_threads(tsk);
		for (;;) {
			flags = local_irq_save();
			set_current_state(TASK_UNINTERRUPTIBLE);
			if (others_gone(tsk)) {
				set_current_state(TASK_RUNNING);
				local_irq_restore(flags);
				break;
			}
			local_irq_restore(flags);
			schedule();
		}
		if (leader != tsk) {
			/* Swap pids with the zombie leader; it goes, silently. We are on the
			 * same parent's children list already. */
			int pid = tsk->pid;

			flags = local_irq_save();
			tsk->pid = leader->pid;
			leader->pid = pid;
			tsk->exit_signal = leader->exit_signal;
			leader->exit_signal = -1;
			tsk->group_leader = tsk;
			leader->group_leader = tsk;
			tsk->start_time = leader->start_time;
			local_irq_restore(flags);
			release_task(leader);
		}
		sig->group_exit_task = NULL;
		sig->group_exit_code = 0;
		sig->flags &= ~SIGNAL_GROUP_EXIT;
	}
	if (newsighand) {
		if (tsk->sighand->count > 1) {
			memcpy(newsighand->action, tsk->sighand->action, sizeof(newsighand->action));
			tsk->sighand->count--;
			tsk->sighand = newsighand;
		} else {
			kmem_cache_free(sighand_cachep, newsighand);
		}
	}
	return 0;
}

#define WNOHANG     0x00000001
#define WUNTRACED   0x00000002
#define __WNOTHREAD 0x20000000
#define __WALL      0x40000000
#define __WCLONE    0x80000000

/* Linux i386 struct rusage: two timevals, then 14 longs we leave at zero. */
struct rusage {
	long utime_sec, utime_usec, stime_sec, stime_usec;
	long rest[14];
};

static bool wait_matches(struct task_struct *p, int pid)
{
	if (pid > 0)
		return p->pid == pid;
	if (pid == 0)
		return p->pgrp == current->pgrp;
	if (pid < -1)
		return p->pgrp == -pid;
	return true;
}

/* Threads are never waited for. Otherwise __WALL takes every child, __WCLONE only
 * those that report with a signal other than SIGCHLD, and neither only SIGCHLD ones. */
static bool eligible_child(struct task_struct *p, int pid, int options)
{
	if (!wait_matches(p, pid) || p->exit_signal == -1)
		return false;
	if (options & __WALL)
		return true;
	return (p->exit_signal != SIGCHLD) == ((options & __WCLONE) != 0);
}

/* A leader whose threads still run is a zombie its parent may not reap yet. */
static bool delay_group_leader(struct task_struct *p)
{
	return thread_group_leader(p) && !thread_group_empty(p);
}

/* Hands a zombie's status (and times) to the waiter, then releases it. */
static long wait_task_zombie(struct task_struct *p, int *stat_addr, struct rusage *ru)
{
	int pid = p->pid;

	if (stat_addr && put_user(group_exit_status(p), stat_addr))
		return -EFAULT;
	if (ru) {
		struct rusage r = { 0 };

		r.utime_sec = (long)(p->utime / HZ);
		r.utime_usec = (long)(p->utime % HZ) * (1000000 / HZ);
		r.stime_sec = (long)(p->stime / HZ);
		r.stime_usec = (long)(p->stime % HZ) * (1000000 / HZ);
		if (copy_to_user(ru, &r, sizeof(r)))
			return -EFAULT;
	}
	release_task(p);
	return pid;
}

long sys_wait4(int pid, int *stat_addr, int options, void *ru)
{
	DEFINE_WAIT(wait);
	long retval;

	if (options & ~(WNOHANG | WUNTRACED | __WNOTHREAD | __WALL | __WCLONE))
		return -EINVAL;
	for (;;) {
		struct task_struct *p, *n, *tsk = current;
		bool any = false;

		/* On the queue before looking, so an exit between the two still wakes us. */
		prepare_to_wait(&current->signal->wait_chldexit, &wait, TASK_INTERRUPTIBLE);
		/* The children of every thread of our group, unless __WNOTHREAD. */
		do {
			list_for_each_entry_safe(p, n, &tsk->children, sibling) {
				if (!eligible_child(p, pid, options))
					continue;
				any = true;
				if (p->exit_state == EXIT_ZOMBIE && !delay_group_leader(p)) {
					retval = wait_task_zombie(p, stat_addr, ru);
					goto out;
				}
			}
			if (options & __WNOTHREAD)
				break;
			tsk = next_thread(tsk);
		} while (tsk != current);
		retval = -ECHILD;
		if (!any)
			goto out;
		retval = 0;
		if (options & WNOHANG)
			goto out;
		retval = -ERESTARTSYS;
		if (signal_pending(current))
			goto out;
		schedule();
	}
out:
	finish_wait(&current->signal->wait_chldexit, &wait);
	return retval;
}

long sys_waitpid(int pid, int *stat_addr, int options)
{
	return sys_wait4(pid, stat_addr, options, NULL);
}

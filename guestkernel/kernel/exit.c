/*
 * kernel/exit.c - the end of a task.
 *
 * do_exit() gives back the task's memory, files and directories, hands its children to
 * init, and tells its parent (SIGCHLD, a wake-up of wait4 sleepers). The task then
 * stays a zombie until the parent reaps it with wait4, or is released at once
 * when the parent said it will not wait (SIGCHLD ignored or SA_NOCLDWAIT). Its kernel
 * stack is freed only after the last switch away from it (schedule_tail).
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
#include <linux/slab.h>
#include <linux/syscalls.h>
#include <linux/vmcheck.h>

extern struct kmem_cache *sighand_cachep, *signal_cachep;

struct task_struct *child_reaper;

static void exit_mm(struct task_struct *tsk)
{
	struct mm_struct *mm = tsk->mm;

	if (!mm)
		return;
	/* A thread's clear_child_tid tells whoever waits for it that it is gone. */
	if (tsk->clear_child_tid && mm->mm_users > 1)
		put_user(0, tsk->clear_child_tid);
	mm_release(tsk);
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
	if (tsk->signal && --tsk->signal->count == 0)
		kmem_cache_free(signal_cachep, tsk->signal);
	tsk->signal = NULL;
}

/* Unlinks a dead task for good: pid, lists, and the parent's reference. */
void release_task(struct task_struct *p)
{
	unsigned long flags = local_irq_save();

	p->exit_state = EXIT_DEAD;
	list_del_init(&p->tasks);
	list_del_init(&p->sibling);
	local_irq_restore(flags);
	free_pidmap(p->pid);
	exit_sighand(p);
	put_task_struct(p);
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
	if (p->exit_code & 0x7f) {
		info.code = CLD_KILLED;
		info.status = p->exit_code & 0x7f;
	} else {
		info.code = CLD_EXITED;
		info.status = (p->exit_code >> 8) & 0xff;
	}
	ka = &parent->sighand->action[SIGCHLD - 1];
	if (sig == SIGCHLD && (ka->handler == SIG_IGN || (ka->flags & SA_NOCLDWAIT))) {
		autoreap = true;
		if (ka->handler == SIG_IGN)
			sig = 0;
	}
	if (sig > 0 && sig <= _NSIG)
		send_sig_info(sig, &info, parent);
	wake_up(&parent->signal->wait_chldexit);
	return autoreap;
}

/* Our children become init's; any that are zombies already, init must hear of. */
static void forget_original_parent(struct task_struct *father)
{
	struct task_struct *p, *n;
	struct task_struct *reaper = child_reaper ? child_reaper : &init_task;

	list_for_each_entry_safe(p, n, &father->children, sibling) {
		list_del_init(&p->sibling);
		p->real_parent = p->parent = reaper;
		list_add_tail(&p->sibling, &reaper->children);
		if (p->exit_state == EXIT_ZOMBIE && p->exit_signal != -1 && do_notify_parent(p, p->exit_signal))
			release_task(p);
	}
}

static void exit_notify(struct task_struct *tsk)
{
	bool autoreap = true;

	forget_original_parent(tsk);
	if (tsk->exit_signal != -1 && tsk->parent != &init_task)
		autoreap = do_notify_parent(tsk, tsk->exit_signal);
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
	printk("exit: status %d\n", status);
	machine_exit((unsigned int)status);
}

void do_exit(long code)
{
	struct task_struct *tsk = current;

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

/* One thread per process so far: the group is just us. */
long sys_exit_group(int error_code)
{
	do_exit(((long)error_code & 0xff) << 8);
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

/* Hands a zombie's status (and times) to the waiter, then releases it. */
static long wait_task_zombie(struct task_struct *p, int *stat_addr, struct rusage *ru)
{
	int pid = p->pid;

	if (stat_addr && put_user(p->exit_code, stat_addr))
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
		struct task_struct *p, *n;
		bool any = false;

		/* On the queue before looking, so an exit between the two still wakes us. */
		prepare_to_wait(&current->signal->wait_chldexit, &wait, TASK_INTERRUPTIBLE);
		list_for_each_entry_safe(p, n, &current->children, sibling) {
			if (!wait_matches(p, pid))
				continue;
			any = true;
			if (p->exit_state == EXIT_ZOMBIE) {
				retval = wait_task_zombie(p, stat_addr, ru);
				goto out;
			}
		}
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

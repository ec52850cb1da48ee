/*
 * kernel/sched.c - preemptive round robin on one CPU.
 *
 * Runnable tasks wait on one queue; the one at its head runs for DEF_TIMESLICE ticks,
 * then goes to the tail. The timer tick only sets TIF_NEED_RESCHED: the switch happens
 * on the way back to user mode (exit_to_user_mode) or when a task sleeps, never in the
 * middle of kernel code, so the kernel needs no locks beyond turning interrupts off
 * around what interrupt handlers also touch (the run queue, wait queues, timers).
 * With nothing runnable, the idle task (pid 0, the boot thread) halts.
 */
#include <asm/irqflags.h>
#include <asm/pgtable.h>
#include <asm/processor.h>
#include <asm/irq.h>
#include <asm/ptrace.h>
#include <asm/traps.h>
#include <asm/uaccess.h>
#include <linux/errno.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/syscalls.h>
#include <linux/timer.h>

struct mm_struct init_mm = {
	.pgd = swapper_pg_dir,
	.mm_users = 1,
	.mm_count = 1,
};

struct task_struct init_task = {
	.state = TASK_RUNNING,
	.usage = 2,
	.comm = "swapper",
	.user = &root_user,
	.active_mm = &init_mm,
	.exit_signal = -1,
};

struct task_struct *current_task = &init_task;
LIST_HEAD(task_list);
static LIST_HEAD(runqueue);
unsigned long nr_context_switches;

void __init sched_init(void)
{
	INIT_LIST_HEAD(&init_task.children);
	INIT_LIST_HEAD(&init_task.sibling);
	INIT_LIST_HEAD(&init_task.tasks);
	INIT_LIST_HEAD(&init_task.run_list);
	INIT_LIST_HEAD(&init_task.thread_group);
	init_task.group_leader = &init_task;
	init_task.real_parent = init_task.parent = &init_task;
	init_task.stack = init_stack;
	init_task.thread.esp0 = (unsigned long)init_stack_top;
	init_task.time_slice = DEF_TIMESLICE;
}

static void enqueue_task(struct task_struct *p)
{
	if (p != &init_task && list_empty(&p->run_list))
		list_add_tail(&p->run_list, &runqueue);
}

noinline void sched_fork_task(struct task_struct *p)
{
	unsigned long flags = local_irq_save();

	p->state = TASK_RUNNING;
	p->time_slice = DEF_TIMESLICE;
	enqueue_task(p);
	if (current == &init_task)
		set_tsk_need_resched(current);
	local_irq_restore(flags);
}

void wake_up_process(struct task_struct *p)
{
	unsigned long flags = local_irq_save();

	if (p->state == TASK_INTERRUPTIBLE || p->state == TASK_UNINTERRUPTIBLE) {
		p->state = TASK_RUNNING;
		enqueue_task(p);
		/* The idle task gives way at once; a running task finishes its slice. */
		if (current == &init_task)
			set_tsk_need_resched(current);
	}
	local_irq_restore(flags);
}

void schedule(void)
{
	struct task_struct *prev = current, *next;
	unsigned long flags = local_irq_save();

	if (prev != &init_task) {
		if (prev->state != TASK_RUNNING)
			list_del_init(&prev->run_list);
		else if (!list_empty(&prev->run_list))
			list_move_tail(&prev->run_list, &runqueue);
	}
	prev->tif &= ~TIF_NEED_RESCHED;

	next = list_empty(&runqueue) ? &init_task
				     : list_first_entry(&runqueue, struct task_struct, run_list);
	if (next->time_slice <= 0)
		next->time_slice = DEF_TIMESLICE;
	if (next != prev) {
		nr_context_switches++;
		current_task = next;
		switch_to(prev, next);
	}
	local_irq_restore(flags);
}

/* After every switch, in the task that now runs: the one we left may be finished. */
void schedule_tail(struct task_struct *prev)
{
	if (prev->state == TASK_DEAD)
		put_task_struct(prev);
}

void yield(void)
{
	current->time_slice = 0;
	schedule();
}

/* Timer interrupt: charge the tick, and ask for a switch when the slice is used up
 * (or, in the idle task, as soon as anything is runnable). */
void scheduler_tick(bool user)
{
	struct task_struct *p = current;

	if (user)
		p->utime++;
	else
		p->stime++;
	if (p != &init_task)
		account_itimers(p, user);
	if (p == &init_task) {
		if (!list_empty(&runqueue))
			set_tsk_need_resched(p);
		return;
	}
	if (--p->time_slice <= 0)
		set_tsk_need_resched(p);
}

void cpu_idle(void)
{
	for (;;) {
		local_irq_disable();
		if (!need_resched())
			safe_halt();       /* sti; hlt: no wakeup can slip in between */
		else
			local_irq_enable();
		if (need_resched())
			schedule();
	}
}

static void process_timeout(unsigned long data)
{
	wake_up_process((struct task_struct *)data);
}

/* Sleeps (in the state the caller set) for up to `ticks`; returns what is left. */
long schedule_timeout(long ticks)
{
	struct timer_list timer;
	long left;

	if (ticks <= 0) {
		set_current_state(TASK_RUNNING);
		return 0;
	}
	timer.expires = jiffies + (unsigned long)ticks;
	timer.function = process_timeout;
	timer.data = (unsigned long)current;
	INIT_LIST_HEAD(&timer.entry);
	add_timer(&timer);
	schedule();
	del_timer(&timer);
	left = (long)(timer.expires - jiffies);
	return left < 0 ? 0 : left;
}

/* ---- wait queues ---- */

void prepare_to_wait(wait_queue_head_t *q, wait_queue_t *wait, long state)
{
	unsigned long flags = local_irq_save();

	if (list_empty(&wait->entry))
		list_add_tail(&wait->entry, &q->task_list);
	set_current_state(state);
	local_irq_restore(flags);
}

void finish_wait(wait_queue_head_t *q, wait_queue_t *wait)
{
	unsigned long flags = local_irq_save();

	(void)q;
	set_current_state(TASK_RUNNING);
	list_del_init(&wait->entry);
	local_irq_restore(flags);
}

void wake_up(wait_queue_head_t *q)
{
	unsigned long flags = local_irq_save();
	wait_queue_t *w;

	list_for_each_entry(w, &q->task_list, entry)
		wake_up_process(w->task);
	local_irq_restore(flags);
}

/* ---- the way back to user mode ---- */

static bool syscall_restart_pending(const struct pt_regs *regs)
{
	long ret = (long)regs->eax;

	return regs->vector == SYSCALL_VECTOR && (long)regs->orig_eax >= 0 &&
	       (ret == -ERESTARTSYS || ret == -ERESTARTNOINTR || ret == -ERESTARTNOHAND);
}

/* entry.S calls this with interrupts in any state before every iret to ring 3; it
 * returns with interrupts off and nothing left to do. */
void exit_to_user_mode(struct pt_regs *regs)
{
	for (;;) {
		local_irq_disable();
		if (!(current->tif & (TIF_NEED_RESCHED | TIF_SIGPENDING | TIF_RESTORE_SIGMASK)) &&
		    !syscall_restart_pending(regs))
			break;
		local_irq_enable();
		if (current->tif & TIF_NEED_RESCHED)
			schedule();
		if ((current->tif & (TIF_SIGPENDING | TIF_RESTORE_SIGMASK)) || syscall_restart_pending(regs))
			do_signal(regs);
	}
}

/* ---- scheduling system calls: one CPU, one policy ---- */

#define SCHED_OTHER 0
#define SCHED_FIFO  1
#define SCHED_RR    2
#define SCHED_BATCH 3
#define SCHED_IDLE  5
#define SCHED_DEADLINE 6

/* Linux's ranges: 1..99 for the real-time policies, 0 for the others. */
long sys_sched_get_priority_max(int policy)
{
	switch (policy) {
	case SCHED_FIFO: case SCHED_RR:
		return 99;
	case SCHED_OTHER: case SCHED_BATCH: case SCHED_IDLE: case SCHED_DEADLINE:
		return 0;
	}
	return -EINVAL;
}

long sys_sched_get_priority_min(int policy)
{
	switch (policy) {
	case SCHED_FIFO: case SCHED_RR:
		return 1;
	case SCHED_OTHER: case SCHED_BATCH: case SCHED_IDLE: case SCHED_DEADLINE:
		return 0;
	}
	return -EINVAL;
}

static struct task_struct *find_process_by_pid(int pid)
{
	struct task_struct *p = pid ? find_task_by_pid(pid) : current;

	return p && !(p->flags & PF_KTHREAD) && !p->exit_state ? p : NULL;
}

/* Every task is SCHED_OTHER with priority 0: there is one policy, round robin.
 * (Setting another is not yet done: sched_setscheduler and sched_setparam.) */
long sys_sched_getscheduler(int pid)
{
	if (pid < 0)
		return -EINVAL;
	return find_process_by_pid(pid) ? SCHED_OTHER : -ESRCH;
}

long sys_sched_getparam(int pid, int *param)
{
	if (!param || pid < 0)
		return -EINVAL;
	if (!find_process_by_pid(pid))
		return -ESRCH;
	return put_user(0, param);
}

/* The CPU mask is one unsigned long with bit 0 (CPU 0) set; the call returns the bytes
 * it wrote, as Linux's does. */
long sys_sched_getaffinity(int pid, unsigned int len, unsigned long *user_mask_ptr)
{
	unsigned long mask = 1;

	if (len * 8 < 1 || (len & (sizeof(unsigned long) - 1)))
		return -EINVAL;
	if (!find_process_by_pid(pid))
		return -ESRCH;
	if (put_user(mask, user_mask_ptr))
		return -EFAULT;
	return sizeof(mask);
}

/* Any mask that contains CPU 0 is accepted (it is the only CPU); one without is -EINVAL. */
long sys_sched_setaffinity(int pid, unsigned int len, const unsigned long *user_mask_ptr)
{
	unsigned long mask = 0;

	if (len && copy_from_user(&mask, user_mask_ptr, min(len, (unsigned int)sizeof(mask))))
		return -EFAULT;
	if (!find_process_by_pid(pid))
		return -ESRCH;
	return (mask & 1) ? 0 : -EINVAL;
}

long sys_getcpu(unsigned int *cpu, unsigned int *node, void *unused)
{
	(void)unused;
	if (cpu && put_user(0u, cpu))
		return -EFAULT;
	if (node && put_user(0u, node))
		return -EFAULT;
	return 0;
}

/*
 * kernel/fork.c - creating tasks and the lifetime of their parts.
 *
 * The object caches for everything a task is made of live here, as do mm_alloc/mmput
 * and kernel_thread(), and fork itself: do_fork -> copy_process, which builds the child
 * part by part (copy_files, copy_fs, copy_sighand, copy_signal, copy_mm -> dup_mmap ->
 * copy_page_range, copy_thread) and on any failure takes the parts apart again in
 * reverse order through the bad_fork_* labels, so that nothing is left behind.
 * Memory is shared copy-on-write; mm/memory.c's do_wp_page breaks the sharing.
 */
#include <asm/irqflags.h>
#include <asm/page.h>
#include <linux/errno.h>
#include <linux/fault-inject.h>
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/selfdump.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/syscalls.h>
#include <asm/uaccess.h>
#include <linux/init.h>

struct kmem_cache *task_struct_cachep;
struct kmem_cache *mm_cachep;
struct kmem_cache *vm_area_cachep;
struct kmem_cache *files_cachep;
struct kmem_cache *fs_cachep;
struct kmem_cache *sighand_cachep;
struct kmem_cache *signal_cachep;

LIST_HEAD(mm_list);

int max_threads;   /* tasks fork may create; from memory size, as Linux's fork_init */

void __init fork_init(void)
{
	/* At most an eighth of memory in kernel stacks, and never fewer than 20. */
	max_threads = (int)(totalram_pages / (8 * THREAD_SIZE / PAGE_SIZE));
	if (max_threads < 20)
		max_threads = 20;
	task_struct_cachep = kmem_cache_create("task_struct", sizeof(struct task_struct), 32);
	mm_cachep = kmem_cache_create("mm_struct", sizeof(struct mm_struct), 32);
	vm_area_cachep = kmem_cache_create("vm_area_struct", sizeof(struct vm_area_struct), 8);
	files_cachep = kmem_cache_create("files_cache", sizeof(struct files_struct), 32);
	fs_cachep = kmem_cache_create("fs_cache", sizeof(struct fs_struct), 8);
	sighand_cachep = kmem_cache_create("sighand_cache", sizeof(struct sighand_struct), 32);
	signal_cachep = kmem_cache_create("signal_cache", sizeof(struct signal_struct), 8);
}

/* A zeroed task with its own THREAD_SIZE kernel stack. usage starts at 2: one
 * reference is dropped when the task has switched away for the last time
 * (schedule_tail), the other when it is released (reaped by wait4, or at exit when
 * nobody will wait for it). */
noinline struct task_struct *alloc_task(void)
{
	struct task_struct *t = kmem_cache_alloc(task_struct_cachep);

	if (!t)
		return NULL;
	t->stack = __get_free_pages(PG_KERNEL, 1);
	if (!t->stack) {
		kmem_cache_free(task_struct_cachep, t);
		return NULL;
	}
	t->usage = 2;
	INIT_LIST_HEAD(&t->children);
	INIT_LIST_HEAD(&t->sibling);
	INIT_LIST_HEAD(&t->tasks);
	INIT_LIST_HEAD(&t->run_list);
	INIT_LIST_HEAD(&t->thread_group);
	t->group_leader = t;
	t->exit_signal = -1;
	t->start_time = jiffies;
	t->active_mm = &init_mm;
	return t;
}

noinline void free_task(struct task_struct *t)
{
	free_pages(t->stack, 1);
	kmem_cache_free(task_struct_cachep, t);
}

void put_task_struct(struct task_struct *t)
{
	if (--t->usage == 0)
		free_task(t);
}

struct sighand_struct *alloc_sighand(void)
{
	struct sighand_struct *sh = kmem_cache_alloc(sighand_cachep);

	if (sh)
		sh->count = 1;
	return sh;
}

struct signal_struct *alloc_signal(void)
{
	struct signal_struct *sig = kmem_cache_alloc(signal_cachep);

	if (sig) {
		sig->count = 1;
		init_waitqueue_head(&sig->wait_chldexit);
		rlimit_init(sig);
		itimers_init(sig);
	}
	return sig;
}

/* Links a new task into the task list and its parent's children, with a fresh pid. */
static int attach_task(struct task_struct *p, struct task_struct *parent)
{
	int pid = alloc_pidmap();

	if (pid < 0)
		return pid;
	p->pid = p->tgid = pid;
	p->pgrp = parent->pgrp;
	p->session = parent->session;
	p->real_parent = p->parent = parent;
	list_add_tail(&p->sibling, &parent->children);
	list_add_tail(&p->tasks, &task_list);
	return pid;
}

/* A task that runs fn(arg) in the kernel, with no user memory, no files, default
 * signal handling. Its exit status is fn's return value. */
int kernel_thread(int (*fn)(void *), void *arg)
{
	struct task_struct *p = alloc_task();
	int pid;

	if (!p)
		return -ENOMEM;
	p->flags = PF_KTHREAD;
	p->sighand = alloc_sighand();
	p->signal = alloc_signal();
	if (!p->sighand || !p->signal)
		goto nomem;
	strlcpy(p->comm, "kthread", sizeof(p->comm));
	copy_thread_kernel(p, fn, arg);
	pid = attach_task(p, current);
	if (pid < 0)
		goto fail;
	p->user = current->user;
	charge_user_process(p);   /* root (init_task's): never refused */
	sched_fork_task(p);
	return pid;
nomem:
	pid = -ENOMEM;
fail:
	if (p->sighand)
		kmem_cache_free(sighand_cachep, p->sighand);
	if (p->signal)
		kmem_cache_free(signal_cachep, p->signal);
	free_task(p);
	return pid;
}

/* entry.S: a kernel thread's function returned. */
void kernel_thread_exit(int ret)
{
	do_exit(((long)ret & 0xff) << 8);
}

/* ---- mm_struct lifetime ---- */

noinline struct mm_struct *mm_alloc(void)
{
	struct mm_struct *mm;

	fault_site("mm_alloc");
	mm = kmem_cache_alloc(mm_cachep);
	if (!mm)
		return NULL;
	fault_site("pgd_alloc");
	mm->pgd = pgd_alloc();
	if (!mm->pgd) {
		kmem_cache_free(mm_cachep, mm);
		return NULL;
	}
	mm->mm_users = 1;
	mm->mm_count = 1;
	mm->mmap_base = TASK_UNMAPPED_BASE;
	list_add_tail(&mm->mmlist, &mm_list);
	return mm;
}

noinline void mmdrop(struct mm_struct *mm)
{
	if (--mm->mm_count == 0) {
		pgd_free(mm->pgd);
		kmem_cache_free(mm_cachep, mm);
	}
}

noinline void mmput(struct mm_struct *mm)
{
	if (--mm->mm_users == 0) {
		exit_mmap(mm);
		list_del_init(&mm->mmlist);
		mmdrop(mm);
	}
}

/* tsk lets go of mm (exec or exit), while mm is still the one in CR3. A vfork parent
 * sleeps until this happens. A thread's clear_child_tid word is zeroed and one futex
 * waiter on it woken (how pthread_join learns of the exit) when others still use mm. */
noinline void mm_release(struct task_struct *tsk, struct mm_struct *mm)
{
	struct vfork_done *vd = tsk->vfork_done;

	if (tsk->robust_list)
		exit_robust_list(tsk);
	if (vd) {
		tsk->vfork_done = NULL;
		vd->done = 1;
		wake_up(&vd->wait);
	}
	if (tsk->clear_child_tid && mm->mm_users > 1) {
		u32 *tidptr = (u32 *)tsk->clear_child_tid;

		tsk->clear_child_tid = NULL;
		/* A bad pointer is the program's problem: no error to report to anyone. */
		if (put_user(0, tidptr) == 0)
			futex_wake(mm, tidptr, 1);
	}
}

/* entry.S: a forked child's first run, before it returns to user mode. Its
 * CLONE_CHILD_SETTID store happens here, in the child's own address space. */
void schedule_tail_fork(struct task_struct *prev)
{
	schedule_tail(prev);
	if (current->set_child_tid)
		put_user(current->pid, current->set_child_tid);
}

/* ---- fork: do_fork, copy_process and its helpers ---- */

static noinline int nr_processes(void)
{
	struct task_struct *t;
	int n = 0;

	list_for_each_entry(t, &task_list, tasks)
		n++;
	return n;
}

/* The new task and its kernel stack, with what a child inherits from orig directly. */
static noinline struct task_struct *dup_task_struct(struct task_struct *orig)
{
	struct task_struct *p;

	fault_site("dup_task_struct");
	p = alloc_task();
	if (!p)
		return NULL;
	p->blocked = orig->blocked;
	p->sas_ss_sp = orig->sas_ss_sp;   /* fork keeps the alternate stack (the same memory) */
	p->sas_ss_size = orig->sas_ss_size;
	p->uid = orig->uid;
	p->euid = orig->euid;
	p->suid = orig->suid;
	p->ngroups = orig->ngroups;
	memcpy(p->groups, orig->groups, sizeof(p->groups));
	p->user = orig->user;   /* charged by copy_process */
	p->thread.tls_array[0] = orig->thread.tls_array[0];
	p->thread.tls_array[1] = orig->thread.tls_array[1];
	p->thread.tls_array[2] = orig->thread.tls_array[2];
	memcpy(p->comm, orig->comm, sizeof(p->comm));
	memcpy(p->exec_path, orig->exec_path, sizeof(p->exec_path));
	return p;
}

/* Each VMA is copied and linked into mm (kept sorted: we copy in order) before its
 * pages are, so that a failure part-way leaves mm consistent for mmput to free. */
static noinline int dup_mmap(struct mm_struct *mm, struct mm_struct *oldmm)
{
	struct vm_area_struct *mpnt, *tmp, **pprev = &mm->mmap;
	int retval = 0;

	mm->start_code = oldmm->start_code;
	mm->end_code = oldmm->end_code;
	mm->start_data = oldmm->start_data;
	mm->end_data = oldmm->end_data;
	mm->start_brk = oldmm->start_brk;
	mm->brk = oldmm->brk;
	mm->start_stack = oldmm->start_stack;
	mm->arg_start = oldmm->arg_start;
	mm->arg_end = oldmm->arg_end;
	mm->env_start = oldmm->env_start;
	mm->env_end = oldmm->env_end;
	mm->mmap_base = oldmm->mmap_base;
	for (mpnt = oldmm->mmap; mpnt; mpnt = mpnt->vm_next) {
		if (mpnt->vm_flags & VM_DONTCOPY)
			continue;
		fault_site("dup_mmap");
		tmp = vma_alloc();
		if (!tmp) {
			retval = -ENOMEM;
			break;
		}
		*tmp = *mpnt;
		tmp->vm_mm = mm;
		tmp->vm_next = NULL;
		if (tmp->vm_file)
			get_file(tmp->vm_file);
		*pprev = tmp;
		pprev = &tmp->vm_next;
		mm->map_count++;
		mm->total_vm += (tmp->vm_end - tmp->vm_start) >> PAGE_SHIFT;
		if (tmp->vm_flags & VM_WIPEONFORK)   /* the child's copy starts empty */
			continue;
		fault_site("copy_page_range");
		retval = copy_page_range(mm, oldmm, tmp);
		if (retval)
			break;
	}
	/* Parent PTEs lost _PAGE_RW: its TLB must not keep the writable entries.
	 * fork_tlb_flush=0 (tests) leaves that out, except in init, so that the program
	 * under test gets to run and show the bug. */
	if (fork_tlb_flush || current->pid == 1)
		flush_tlb_mm(oldmm);
	return retval;
}

static noinline int copy_mm(unsigned long clone_flags, struct task_struct *tsk)
{
	struct mm_struct *mm, *oldmm = current->mm;
	int retval;

	tsk->mm = NULL;
	tsk->active_mm = &init_mm;
	if (!oldmm)     /* a kernel thread forking: the child has no user memory either */
		return 0;
	if (clone_flags & CLONE_VM) {
		oldmm->mm_users++;
		mm = oldmm;
		goto good_mm;
	}
	mm = mm_alloc();
	if (!mm)
		return -ENOMEM;
	retval = dup_mmap(mm, oldmm);
	if (retval) {
		mmput(mm);      /* frees whatever dup_mmap managed to copy */
		return retval;
	}
good_mm:
	tsk->mm = tsk->active_mm = mm;
	return 0;
}

static noinline int copy_fs(unsigned long clone_flags, struct task_struct *tsk)
{
	struct fs_struct *fs;

	if (!current->fs)
		return 0;
	if (clone_flags & CLONE_FS) {
		current->fs->count++;
		tsk->fs = current->fs;
		return 0;
	}
	fault_site("copy_fs");
	fs = alloc_fs(current->fs->root);
	if (!fs)
		return -ENOMEM;
	set_fs_pwd(fs, current->fs->pwd);
	fs->umask = current->fs->umask;
	tsk->fs = fs;
	return 0;
}

/* A copy of the descriptor table: both tables now refer to each open file. */
static noinline int copy_files(unsigned long clone_flags, struct task_struct *tsk)
{
	struct files_struct *oldf = current->files, *newf;
	int fd;

	if (!oldf)
		return 0;
	if (clone_flags & CLONE_FILES) {
		oldf->count++;
		tsk->files = oldf;
		return 0;
	}
	fault_site("copy_files");
	newf = alloc_files();
	if (!newf)
		return -ENOMEM;
	for (fd = 0; fd < NR_OPEN; fd++)
		newf->fd[fd] = oldf->fd[fd] ? get_file(oldf->fd[fd]) : NULL;
	memcpy(newf->close_on_exec, oldf->close_on_exec, sizeof(newf->close_on_exec));
	tsk->files = newf;
	return 0;
}

static noinline int copy_sighand(unsigned long clone_flags, struct task_struct *tsk)
{
	struct sighand_struct *sig;

	if (clone_flags & CLONE_SIGHAND) {
		current->sighand->count++;
		tsk->sighand = current->sighand;
		return 0;
	}
	fault_site("copy_sighand");
	sig = alloc_sighand();
	if (!sig)
		return -ENOMEM;
	memcpy(sig->action, current->sighand->action, sizeof(sig->action));
	tsk->sighand = sig;
	return 0;
}

static noinline int copy_signal(unsigned long clone_flags, struct task_struct *tsk)
{
	if (clone_flags & CLONE_THREAD) {
		current->signal->count++;
		tsk->signal = current->signal;
		return 0;
	}
	fault_site("copy_signal");
	tsk->signal = alloc_signal();
	if (!tsk->signal)
		return -ENOMEM;
	memcpy(tsk->signal->rlim, current->signal->rlim, sizeof(tsk->signal->rlim));
	return 0;
}

/* The parts are put back in the reverse order of copy_process's steps. */
static void put_sighand(struct task_struct *p)
{
	if (--p->sighand->count == 0)
		kmem_cache_free(sighand_cachep, p->sighand);
	p->sighand = NULL;
}

static void put_signal(struct task_struct *p)
{
	if (--p->signal->count == 0) {
		exit_itimers(p->signal);
		kmem_cache_free(signal_cachep, p->signal);
	}
	p->signal = NULL;
}

/*
 * Builds the child of current, not yet runnable. The reference's security, audit,
 * SysV semaphore, key, namespace, cpuset and mempolicy steps have no counterpart here
 * and are left out.
 */
static noinline struct task_struct *copy_process(unsigned long clone_flags, unsigned long stack_start,
						 struct pt_regs *regs, int *parent_tidptr,
						 int *child_tidptr, int pid)
{
	struct task_struct *p;
	int retval;

	if ((clone_flags & (CLONE_NEWNS | CLONE_FS)) == (CLONE_NEWNS | CLONE_FS))
		return ERR_PTR(-EINVAL);
	/* Threads share signal handlers; shared handlers need shared memory. */
	if ((clone_flags & CLONE_THREAD) && !(clone_flags & CLONE_SIGHAND))
		return ERR_PTR(-EINVAL);
	if ((clone_flags & CLONE_SIGHAND) && !(clone_flags & CLONE_VM))
		return ERR_PTR(-EINVAL);
	/* init has no parent to share: its siblings would be nobody's to reap (Linux). */
	if ((clone_flags & CLONE_PARENT) && current->group_leader == child_reaper)
		return ERR_PTR(-EINVAL);

	retval = -ENOMEM;
	p = dup_task_struct(current);
	if (!p)
		goto fork_out;
	/* A new thread (shared memory, no vfork) must not share its creator's alternate
	 * stack: both could be on it at once. */
	if ((clone_flags & (CLONE_VM | CLONE_VFORK)) == CLONE_VM)
		p->sas_ss_sp = p->sas_ss_size = 0;

	/* RLIMIT_NPROC, counted per user; root is exempt (kernel/resource.c). */
	retval = charge_user_process(p);
	if (retval)
		goto bad_fork_free;

	retval = -EAGAIN;
	if (nr_processes() >= max_threads)
		goto bad_fork_cleanup_count;

	p->pid = pid;
	retval = -EFAULT;
	if (clone_flags & CLONE_PARENT_SETTID)
		if (put_user(p->pid, parent_tidptr))
			goto bad_fork_cleanup_count;
	p->set_child_tid = (clone_flags & CLONE_CHILD_SETTID) ? child_tidptr : NULL;
	p->clear_child_tid = (clone_flags & CLONE_CHILD_CLEARTID) ? child_tidptr : NULL;
	sigemptyset(&p->pending.signal);
	p->tgid = p->pid;
	if (clone_flags & CLONE_THREAD)
		p->tgid = current->tgid;

	if ((retval = copy_files(clone_flags, p)))
		goto bad_fork_cleanup_count;
	if ((retval = copy_fs(clone_flags, p)))
		goto bad_fork_cleanup_files;
	if ((retval = copy_sighand(clone_flags, p)))
		goto bad_fork_cleanup_fs;
	if ((retval = copy_signal(clone_flags, p)))
		goto bad_fork_cleanup_sighand;
	if ((retval = copy_mm(clone_flags, p)))
		goto bad_fork_cleanup_signal;
	if ((retval = copy_thread_user(clone_flags, p, regs)))
		goto bad_fork_cleanup_mm;
	if (stack_start)
		task_pt_regs(p)->esp = stack_start;

	/* A thread reports to nobody. A CLONE_PARENT child is the caller's sibling and
	 * reports to the caller's parent with the caller's own exit signal, as on Linux
	 * today (the reference took the clone flags' signal: a caller could send its
	 * parent any signal it liked, SIGKILL included). */
	if (clone_flags & CLONE_THREAD)
		p->exit_signal = -1;
	else if (clone_flags & CLONE_PARENT)
		p->exit_signal = current->group_leader->exit_signal;
	else
		p->exit_signal = (int)(clone_flags & CSIGNAL);
	p->pgrp = current->pgrp;
	p->session = current->session;

	/* A group that is being ended (exit_group, a fatal signal, exec) gets no new
	 * threads; a caller with SIGKILL pending is about to die. */
	retval = -EAGAIN;
	if ((clone_flags & CLONE_THREAD) && (current->signal->flags & SIGNAL_GROUP_EXIT))
		goto bad_fork_cleanup_mm;
	retval = -EINTR;
	if (fatal_signal_pending(current))
		goto bad_fork_cleanup_mm;

	/* From here on nothing can fail: link the child in. A thread's parent is its
	 * group's parent (it is on that parent's children list, but never reported: its
	 * exit_signal is -1). */
	local_irq_disable();
	if (clone_flags & (CLONE_PARENT | CLONE_THREAD))
		p->real_parent = current->real_parent;
	else
		p->real_parent = current;
	p->parent = p->real_parent;
	if (clone_flags & CLONE_THREAD) {
		p->group_leader = current->group_leader;
		list_add_tail(&p->thread_group, &p->group_leader->thread_group);
	}
	list_add_tail(&p->sibling, &p->parent->children);
	list_add_tail(&p->tasks, &task_list);
	local_irq_enable();
	return p;

bad_fork_cleanup_mm:
	printk(KERN_DEBUG "fork: unwind bad_fork_cleanup_mm\n");
	if (p->mm)
		mmput(p->mm);
bad_fork_cleanup_signal:
	printk(KERN_DEBUG "fork: unwind bad_fork_cleanup_signal\n");
	put_signal(p);
bad_fork_cleanup_sighand:
	printk(KERN_DEBUG "fork: unwind bad_fork_cleanup_sighand\n");
	put_sighand(p);
bad_fork_cleanup_fs:
	printk(KERN_DEBUG "fork: unwind bad_fork_cleanup_fs\n");
	exit_fs(p);
bad_fork_cleanup_files:
	printk(KERN_DEBUG "fork: unwind bad_fork_cleanup_files\n");
	exit_files(p);
bad_fork_cleanup_count:
	printk(KERN_DEBUG "fork: unwind bad_fork_cleanup_count\n");
	uncharge_user_process(p);
bad_fork_free:
	printk(KERN_DEBUG "fork: unwind bad_fork_free\n");
	free_task(p);
fork_out:
	printk(KERN_DEBUG "fork: unwind fork_out, error %d\n", retval);
	return ERR_PTR(retval);
}

noinline long do_fork(unsigned long clone_flags, unsigned long stack_start, struct pt_regs *regs,
		      int *parent_tidptr, int *child_tidptr)
{
	struct task_struct *p;
	long pid = alloc_pidmap();

	if (pid < 0)
		return -EAGAIN;
	fault_inject_fork_begin();
	p = copy_process(clone_flags, stack_start, regs, parent_tidptr, child_tidptr, (int)pid);
	selfdump_fork(p);   /* the fork stop point: the child exists and has not run */
	fault_inject_fork_end();
	if (IS_ERR(p)) {
		free_pidmap((int)pid);
		return PTR_ERR(p);
	}
	if (clone_flags & CLONE_VFORK) {
		struct vfork_done vfork = { 0 };

		init_waitqueue_head(&vfork.wait);
		p->vfork_done = &vfork;
		sched_fork_task(p);
		/* The child's exec or exit ends this wait; other signals wait too, the
		 * child runs on our memory. SIGKILL ends it as well, as on Linux since 3.6
		 * (TASK_KILLABLE): a child that never execs or exits must not make its
		 * parent unkillable. The child keeps the memory (its own mm reference) and
		 * wakes nobody once our vfork_done is gone with this frame. */
		{
			DEFINE_WAIT(w);

			for (;;) {
				prepare_to_wait(&vfork.wait, &w, TASK_UNINTERRUPTIBLE);
				current->wake_on_kill = true;
				if (vfork.done || fatal_signal_pending(current))
					break;
				schedule();
			}
			current->wake_on_kill = false;
			finish_wait(&vfork.wait, &w);
			/* Not done: the child has not reached mm_release, so it is alive. */
			if (!vfork.done)
				p->vfork_done = NULL;
		}
		return pid;
	}
	sched_fork_task(p);
	return pid;
}

long sys_fork(void)
{
	return do_fork(SIGCHLD, 0, task_pt_regs(current), NULL, NULL);
}

long sys_vfork(void)
{
	return do_fork(CLONE_VFORK | CLONE_VM | SIGCHLD, 0, task_pt_regs(current), NULL, NULL);
}

/* Linux i386 order: flags, new stack, parent tid pointer, TLS, child tid pointer. The
 * TLS argument (a struct user_desc *) is read from the copied registers' ESI by
 * copy_thread_user, as Linux's copy_thread does. */
long sys_clone(unsigned long flags, unsigned long newsp, int *parent_tidptr,
	       unsigned long tls, int *child_tidptr)
{
	(void)tls;
	return do_fork(flags, newsp, task_pt_regs(current), parent_tidptr, child_tidptr);
}

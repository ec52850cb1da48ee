/*
 * kernel/fork.c - creating tasks and the lifetime of their parts.
 *
 * The object caches for everything a task is made of live here, as do mm_alloc/mmput
 * and kernel_thread(). fork, vfork and clone themselves (do_fork, copy_process with its
 * copy_* helpers and copy-on-write) arrive with issue 4; until then they return
 * -ENOSYS, and user space (init, the test programs) falls back or skips.
 */
#include <asm/irqflags.h>
#include <asm/page.h>
#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/syscalls.h>

struct kmem_cache *task_struct_cachep;
struct kmem_cache *mm_cachep;
struct kmem_cache *vm_area_cachep;
struct kmem_cache *files_cachep;
struct kmem_cache *fs_cachep;
struct kmem_cache *sighand_cachep;
struct kmem_cache *signal_cachep;

LIST_HEAD(mm_list);

void __init fork_init(void)
{
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
struct task_struct *alloc_task(void)
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
	t->exit_signal = -1;
	t->start_time = jiffies;
	t->active_mm = &init_mm;
	return t;
}

void free_task(struct task_struct *t)
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

struct mm_struct *mm_alloc(void)
{
	struct mm_struct *mm = kmem_cache_alloc(mm_cachep);

	if (!mm)
		return NULL;
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

void mmdrop(struct mm_struct *mm)
{
	if (--mm->mm_count == 0) {
		pgd_free(mm->pgd);
		kmem_cache_free(mm_cachep, mm);
	}
}

void mmput(struct mm_struct *mm)
{
	if (--mm->mm_users == 0) {
		exit_mmap(mm);
		list_del_init(&mm->mmlist);
		mmdrop(mm);
	}
}

/* ---- fork, vfork, clone: issue 4 ---- */

long sys_fork(void)
{
	return -ENOSYS;
}

long sys_vfork(void)
{
	return -ENOSYS;
}

long sys_clone(unsigned long flags, unsigned long newsp, int *parent_tidptr,
	       unsigned long tls, int *child_tidptr)
{
	(void)flags; (void)newsp; (void)parent_tidptr; (void)tls; (void)child_tidptr;
	return -ENOSYS;
}

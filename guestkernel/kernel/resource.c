/*
 * kernel/resource.c - resource limits and per-user process counts.
 *
 * Limits live in signal_struct: one set per process, copied by fork (copy_signal),
 * untouched by exec. The system calls are Linux i386's: getrlimit (76, the old one
 * that reports RLIM_INFINITY as 0x7fffffff), ugetrlimit (191), setrlimit (75) and
 * prlimit64 (340).
 *
 * RLIMIT_NPROC counts tasks per user, as Linux 2.6 does: each uid that has tasks has
 * a user_struct whose `processes` copy_process charges (refusing with -EAGAIN at the
 * limit) and release_task gives back; set_user moves a task's charge when its real
 * uid changes. As in the reference, root is exempt: a task with euid 0 (which stands
 * for CAP_SYS_ADMIN/CAP_SYS_RESOURCE here; there are no separate capabilities) or
 * whose user is root_user may fork past the limit. A program that wants the limit to
 * bite drops to another uid first (setuid32/setresuid32, kernel/sys.c).
 *
 * The limits the kernel enforces: RLIMIT_NPROC (fork), RLIMIT_STACK (stack growth,
 * mm/mmap.c; never above the 8 MiB the address-space layout leaves) and
 * RLIMIT_NOFILE (new descriptors, fs/file.c; never above the table's 256). Their
 * hard limits cannot be raised above those ceilings, even by root (like Linux's
 * nr_open for RLIMIT_NOFILE). The other limits are kept and reported but nothing
 * checks them.
 *
 * sysinfo (116) is here too: memory and process totals.
 */
#include <asm/irqflags.h>
#include <asm/uaccess.h>
#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/resource.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/syscalls.h>

extern int max_threads;   /* kernel/fork.c */

/* processes starts at 1: init_task (pid 0), which is never released. */
struct user_struct root_user = {
	.count = 1,
	.processes = 1,
	.uid = 0,
	.list = LIST_HEAD_INIT(root_user.list),
};

/* Every user_struct but root_user's. */
static LIST_HEAD(user_list);

/* ---- user_struct lifetime ---- */

static struct user_struct *find_user(unsigned int uid)
{
	struct user_struct *u;

	if (uid == 0)
		return &root_user;
	list_for_each_entry(u, &user_list, list)
		if (u->uid == uid)
			return u;
	return NULL;
}

/* A reference to uid's user_struct, made if it does not exist yet; NULL if memory
 * ran out. */
struct user_struct *alloc_uid(unsigned int uid)
{
	struct user_struct *u = find_user(uid);

	if (u) {
		u->count++;
		return u;
	}
	u = kmalloc(sizeof(*u));
	if (!u)
		return NULL;
	u->count = 1;
	u->processes = 0;
	u->uid = uid;
	list_add_tail(&u->list, &user_list);
	return u;
}

void free_uid(struct user_struct *u)
{
	if (--u->count == 0 && u != &root_user) {
		list_del(&u->list);
		kfree(u);
	}
}

/* The caller's soft limit (boot code without a signal_struct has none). */
unsigned long rlimit(unsigned int resource)
{
	return current->signal ? current->signal->rlim[resource].rlim_cur : RLIM_INFINITY;
}

bool capable_resource(void)
{
	return current->euid == 0;
}

/* copy_process, right after dup_task_struct (p->user is the parent's): refuse when
 * the user has as many tasks as the limit allows, unless privileged, else count p. */
int charge_user_process(struct task_struct *p)
{
	if (p->user != &root_user && !capable_resource() &&
	    (unsigned long)p->user->processes >= current->signal->rlim[RLIMIT_NPROC].rlim_cur)
		return -EAGAIN;
	p->user->count++;
	p->user->processes++;
	return 0;
}

void uncharge_user_process(struct task_struct *p)
{
	if (!p->user)
		return;
	p->user->processes--;
	free_uid(p->user);
	p->user = NULL;
}

/* The current task's real uid becomes uid: its process count moves to that user.
 * Refused, as in Linux 2.6, when that user is at RLIMIT_NPROC already. */
int set_user(unsigned int uid)
{
	struct user_struct *new_user = alloc_uid(uid), *old_user = current->user;

	if (!new_user)
		return -EAGAIN;
	if ((unsigned long)new_user->processes >= current->signal->rlim[RLIMIT_NPROC].rlim_cur &&
	    new_user != &root_user) {
		free_uid(new_user);
		return -EAGAIN;
	}
	new_user->processes++;
	current->user = new_user;
	current->uid = uid;
	old_user->processes--;
	free_uid(old_user);
	return 0;
}

/* check=vm: each user's count equals its live tasks (init_task counts for root), and
 * every task points at the user of its real uid. Returns the number of mismatches. */
unsigned long check_user_counts(void)
{
	struct user_struct *u;
	struct task_struct *t;
	unsigned long bad = 0;
	int n;

	list_for_each_entry(t, &task_list, tasks)
		if (!t->user || t->user->uid != t->uid) {
			printk(KERN_ERR "check=vm: task %d (uid %u) has the wrong user_struct\n",
			       t->pid, t->uid);
			bad++;
		}
	n = 1;
	list_for_each_entry(t, &task_list, tasks)
		n += t->user == &root_user;
	if (n != root_user.processes) {
		printk(KERN_ERR "check=vm: uid 0 has %d tasks, its count says %d\n", n,
		       root_user.processes);
		bad++;
	}
	list_for_each_entry(u, &user_list, list) {
		n = 0;
		list_for_each_entry(t, &task_list, tasks)
			n += t->user == u;
		if (n != u->processes || u->count < n) {
			printk(KERN_ERR "check=vm: uid %u has %d tasks, counts say %d processes, %d references\n",
			       u->uid, n, u->processes, u->count);
			bad++;
		}
	}
	return bad;
}

/* ---- limits ---- */

/* The limits of the first process (pid 1), as Linux's INIT_RLIMITS and fork_init:
 * RLIMIT_NPROC is half of max_threads. */
void rlimit_init(struct signal_struct *sig)
{
	int i;

	for (i = 0; i < RLIM_NLIMITS; i++)
		sig->rlim[i].rlim_cur = sig->rlim[i].rlim_max = RLIM_INFINITY;
	sig->rlim[RLIMIT_STACK].rlim_cur = sig->rlim[RLIMIT_STACK].rlim_max = STACK_RLIMIT;
	sig->rlim[RLIMIT_NOFILE].rlim_cur = sig->rlim[RLIMIT_NOFILE].rlim_max = NR_OPEN;
	sig->rlim[RLIMIT_CORE].rlim_cur = 0;
	sig->rlim[RLIMIT_MEMLOCK].rlim_cur = sig->rlim[RLIMIT_MEMLOCK].rlim_max = 64 * 1024;
	sig->rlim[RLIMIT_MSGQUEUE].rlim_cur = sig->rlim[RLIMIT_MSGQUEUE].rlim_max = 819200;
	sig->rlim[RLIMIT_NICE].rlim_cur = sig->rlim[RLIMIT_NICE].rlim_max = 0;
	sig->rlim[RLIMIT_RTPRIO].rlim_cur = sig->rlim[RLIMIT_RTPRIO].rlim_max = 0;
	sig->rlim[RLIMIT_NPROC].rlim_cur = sig->rlim[RLIMIT_NPROC].rlim_max =
		(unsigned long)max_threads / 2;
	/* One pending instance per signal is all this kernel queues. */
	sig->rlim[RLIMIT_SIGPENDING].rlim_cur = sig->rlim[RLIMIT_SIGPENDING].rlim_max = _NSIG;
}

/* The most a hard limit may be for the resources this kernel enforces at a fixed size. */
static unsigned long rlimit_ceiling(unsigned int resource)
{
	if (resource == RLIMIT_STACK)
		return STACK_RLIMIT;
	if (resource == RLIMIT_NOFILE)
		return NR_OPEN;
	return RLIM_INFINITY;
}

/* Sets tsk's limit (new may be NULL) and reports the old one (old may be NULL). */
static int do_prlimit(struct task_struct *tsk, unsigned int resource, const struct rlimit *new,
		      struct rlimit *old)
{
	struct rlimit *r;

	if (resource >= RLIM_NLIMITS)
		return -EINVAL;
	r = &tsk->signal->rlim[resource];
	if (new) {
		if (new->rlim_cur > new->rlim_max)
			return -EINVAL;
		if (new->rlim_max > r->rlim_max && !capable_resource())
			return -EPERM;
		if (new->rlim_max > rlimit_ceiling(resource))
			return -EPERM;
	}
	if (old)
		*old = *r;
	if (new)
		*r = *new;
	return 0;
}

/* The old getrlimit (76): a limit above 0x7fffffff reads as 0x7fffffff. */
long sys_getrlimit(unsigned int resource, struct rlimit *rlim)
{
	struct rlimit r;
	int err = do_prlimit(current, resource, NULL, &r);

	if (err)
		return err;
	if (r.rlim_cur > 0x7fffffff)
		r.rlim_cur = 0x7fffffff;
	if (r.rlim_max > 0x7fffffff)
		r.rlim_max = 0x7fffffff;
	return copy_to_user(rlim, &r, sizeof(r)) ? -EFAULT : 0;
}

long sys_ugetrlimit(unsigned int resource, struct rlimit *rlim)
{
	struct rlimit r;
	int err = do_prlimit(current, resource, NULL, &r);

	if (err)
		return err;
	return copy_to_user(rlim, &r, sizeof(r)) ? -EFAULT : 0;
}

long sys_setrlimit(unsigned int resource, const struct rlimit *rlim)
{
	struct rlimit r;

	if (resource >= RLIM_NLIMITS)
		return -EINVAL;
	if (copy_from_user(&r, rlim, sizeof(r)))
		return -EFAULT;
	return do_prlimit(current, resource, &r, NULL);
}

struct rlimit64 {
	u64 rlim_cur, rlim_max;
};

#define RLIM64_INFINITY (~0ULL)

static unsigned long rlim_from64(u64 v)
{
	return v >= RLIM_INFINITY ? RLIM_INFINITY : (unsigned long)v;
}

static u64 rlim_to64(unsigned long v)
{
	return v == RLIM_INFINITY ? RLIM64_INFINITY : v;
}

/* prlimit64 (340): pid 0 is the caller; another process only with the same real
 * uid as ours, or as root. */
long sys_prlimit64(int pid, unsigned int resource, const struct rlimit64 *new_rlim,
		   struct rlimit64 *old_rlim)
{
	struct task_struct *tsk = pid ? find_task_by_pid(pid) : current;
	struct rlimit64 r64;
	struct rlimit new, old;
	int err;

	if (resource >= RLIM_NLIMITS)
		return -EINVAL;
	if (!tsk || !tsk->signal || tsk->exit_state)
		return -ESRCH;
	if (tsk != current && !capable_resource() &&
	    (tsk->uid != current->uid || tsk->euid != current->uid || tsk->suid != current->uid))
		return -EPERM;
	if (new_rlim) {
		if (copy_from_user(&r64, new_rlim, sizeof(r64)))
			return -EFAULT;
		new.rlim_cur = rlim_from64(r64.rlim_cur);
		new.rlim_max = rlim_from64(r64.rlim_max);
	}
	err = do_prlimit(tsk, resource, new_rlim ? &new : NULL, &old);
	if (err)
		return err;
	if (old_rlim) {
		r64.rlim_cur = rlim_to64(old.rlim_cur);
		r64.rlim_max = rlim_to64(old.rlim_max);
		if (copy_to_user(old_rlim, &r64, sizeof(r64)))
			return -EFAULT;
	}
	return 0;
}

/* ---- sysinfo ---- */

/* Linux i386 struct sysinfo: 64 bytes. */
struct sysinfo {
	long uptime;                 /* seconds since boot */
	unsigned long loads[3];      /* load averages (not kept: 0) */
	unsigned long totalram, freeram, sharedram, bufferram, totalswap, freeswap;
	unsigned short procs, pad;   /* tasks, zombies included */
	unsigned long totalhigh, freehigh;
	unsigned int mem_unit;       /* the memory figures are in units of this many bytes */
	char _f[8];
};

long sys_sysinfo(struct sysinfo *info)
{
	struct sysinfo s;
	struct task_struct *t;
	unsigned long flags;
	unsigned int procs = 0;

	memset(&s, 0, sizeof(s));
	flags = local_irq_save();
	list_for_each_entry(t, &task_list, tasks)
		procs++;
	s.totalram = totalram_pages;
	s.freeram = nr_free_pages;
	local_irq_restore(flags);
	s.uptime = (long)(jiffies / HZ);
	s.procs = (unsigned short)procs;
	s.mem_unit = PAGE_SIZE;
	return copy_to_user(info, &s, sizeof(s)) ? -EFAULT : 0;
}

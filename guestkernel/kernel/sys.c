/*
 * kernel/sys.c - identity and limits: pids, process groups, ids (everyone is root),
 * uname, resource limits, set_tid_address, sched_yield.
 */
#include <asm/uaccess.h>
#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/syscalls.h>

long sys_getpid(void) { return current->tgid; }
long sys_gettid(void) { return current->pid; }

long sys_getppid(void)
{
	struct task_struct *parent = current->real_parent;

	return parent && parent != &init_task ? parent->tgid : 0;
}

/* One user: root. */
long sys_getuid(void) { return 0; }
long sys_geteuid(void) { return 0; }
long sys_getgid(void) { return 0; }
long sys_getegid(void) { return 0; }

long sys_setuid(unsigned int uid) { return uid == 0 ? 0 : -EPERM; }
long sys_setgid(unsigned int gid) { return gid == 0 ? 0 : -EPERM; }

long sys_getpgrp(void) { return current->pgrp; }

long sys_getpgid(int pid)
{
	struct task_struct *p = pid ? find_task_by_pid(pid) : current;

	return p ? p->pgrp : -ESRCH;
}

long sys_getsid(int pid)
{
	struct task_struct *p = pid ? find_task_by_pid(pid) : current;

	return p ? p->session : -ESRCH;
}

long sys_setpgid(int pid, int pgid)
{
	struct task_struct *p = pid ? find_task_by_pid(pid) : current;

	if (pgid < 0)
		return -EINVAL;
	if (!p || (p != current && p->parent != current))
		return -ESRCH;
	if (p->pid == p->session)
		return -EPERM;   /* a session leader keeps its group */
	p->pgrp = pgid ? pgid : p->pid;
	return 0;
}

long sys_setsid(void)
{
	struct task_struct *p;

	list_for_each_entry(p, &task_list, tasks)
		if (p->pgrp == current->pid && !p->exit_state)
			return -EPERM;   /* already a group leader */
	current->pgrp = current->session = current->pid;
	return current->pid;
}

struct new_utsname {
	char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65];
};

long sys_uname(struct new_utsname *name)
{
	struct new_utsname u;

	memset(&u, 0, sizeof(u));
	strlcpy(u.sysname, "forkscope", sizeof(u.sysname));
	strlcpy(u.nodename, "forkscope", sizeof(u.nodename));
	strlcpy(u.release, "0.1", sizeof(u.release));
	strlcpy(u.version, "#1 forkscope kernel 0.1", sizeof(u.version));
	strlcpy(u.machine, "i686", sizeof(u.machine));
	strlcpy(u.domainname, "(none)", sizeof(u.domainname));
	return copy_to_user(name, &u, sizeof(u)) ? -EFAULT : 0;
}

struct rlimit {
	unsigned long rlim_cur, rlim_max;
};

#define RLIMIT_STACK 3
#define RLIMIT_NOFILE 7
#define RLIM_NLIMITS 16
#define RLIM_INFINITY (~0UL)

long sys_getrlimit(unsigned int resource, struct rlimit *rlim)
{
	struct rlimit r = { RLIM_INFINITY, RLIM_INFINITY };

	if (resource >= RLIM_NLIMITS)
		return -EINVAL;
	if (resource == RLIMIT_STACK)
		r.rlim_cur = r.rlim_max = STACK_RLIMIT;
	else if (resource == RLIMIT_NOFILE)
		r.rlim_cur = r.rlim_max = NR_OPEN;
	return copy_to_user(rlim, &r, sizeof(r)) ? -EFAULT : 0;
}

/* Limits are fixed; asking for what they already are is fine. */
long sys_setrlimit(unsigned int resource, const struct rlimit *rlim)
{
	struct rlimit r;

	if (resource >= RLIM_NLIMITS)
		return -EINVAL;
	if (copy_from_user(&r, rlim, sizeof(r)))
		return -EFAULT;
	if (r.rlim_cur > r.rlim_max)
		return -EINVAL;
	return 0;
}

long sys_set_tid_address(int *tidptr)
{
	current->clear_child_tid = tidptr;
	return current->pid;
}

long sys_sched_yield(void)
{
	yield();
	return 0;
}

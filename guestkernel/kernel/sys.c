/*
 * kernel/sys.c - identity: pids, process groups, user ids, uname, set_tid_address,
 * sched_yield. Resource limits are in kernel/resource.c.
 *
 * User ids: real, effective and saved, with Linux's rules for setuid and setresuid
 * (root may set any; others only ids they already have). A change of the real uid
 * moves the task's RLIMIT_NPROC count to the new user (set_user). Group ids are not
 * modelled: every task is in group 0 (supplementary groups: kernel/groups.c).
 * Permission checks elsewhere (kill, files) do not look at uids yet.
 *
 * uname says "Linux": programs and libraries test sysname and the release to decide
 * what the kernel offers. The release, 5.10.0, is the Linux whose system calls this
 * kernel answers like (the *_time64 calls of 5.1 among them); "-forkscope" after it
 * tells programs where they run.
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

long sys_getuid(void) { return current->uid; }
long sys_geteuid(void) { return current->euid; }
long sys_getgid(void) { return 0; }
long sys_getegid(void) { return 0; }

/* Root sets all three ids; anyone else may set the effective id to the real or the
 * saved one. */
long sys_setuid(unsigned int uid)
{
	if (current->euid == 0) {
		if (uid != current->uid && set_user(uid) < 0)
			return -EAGAIN;
		current->suid = uid;
	} else if (uid != current->uid && uid != current->suid) {
		return -EPERM;
	}
	current->euid = uid;
	return 0;
}

#define UID_UNCHANGED ((unsigned int)-1)

/* An id the caller already has, or -1 for "leave it". */
static bool uid_allowed(unsigned int id)
{
	return id == UID_UNCHANGED || id == current->uid || id == current->euid ||
	       id == current->suid;
}

long sys_setresuid(unsigned int ruid, unsigned int euid, unsigned int suid)
{
	if (current->euid != 0 && (!uid_allowed(ruid) || !uid_allowed(euid) || !uid_allowed(suid)))
		return -EPERM;
	if (ruid != UID_UNCHANGED && ruid != current->uid && set_user(ruid) < 0)
		return -EAGAIN;
	if (euid != UID_UNCHANGED)
		current->euid = euid;
	if (suid != UID_UNCHANGED)
		current->suid = suid;
	return 0;
}

long sys_getresuid(unsigned int *ruid, unsigned int *euid, unsigned int *suid)
{
	if (put_user(current->uid, ruid) || put_user(current->euid, euid) ||
	    put_user(current->suid, suid))
		return -EFAULT;
	return 0;
}

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
	strlcpy(u.sysname, "Linux", sizeof(u.sysname));
	strlcpy(u.nodename, "forkscope", sizeof(u.nodename));
	strlcpy(u.release, "5.10.0-forkscope", sizeof(u.release));
	strlcpy(u.version, "#1 forkscope kernel 0.1", sizeof(u.version));
	strlcpy(u.machine, "i686", sizeof(u.machine));
	strlcpy(u.domainname, "(none)", sizeof(u.domainname));
	return copy_to_user(name, &u, sizeof(u)) ? -EFAULT : 0;
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

/* ---- prctl ---- */

#define PR_SET_PDEATHSIG 1
#define PR_GET_PDEATHSIG 2
#define PR_SET_NAME      15
#define PR_GET_NAME      16

/* The options here: the parent-death signal and the thread's name. Linux has dozens
 * more (dumpable, seccomp, capabilities, ...); they are -EINVAL, as Linux answers an
 * option it does not know. */
long sys_prctl(int option, unsigned long arg2, unsigned long arg3, unsigned long arg4,
	       unsigned long arg5)
{
	char comm[TASK_COMM_LEN];

	(void)arg3;
	(void)arg4;
	(void)arg5;
	switch (option) {
	case PR_SET_PDEATHSIG:
		if (arg2 > _NSIG)
			return -EINVAL;
		current->pdeath_signal = (int)arg2;
		return 0;
	case PR_GET_PDEATHSIG:
		return put_user(current->pdeath_signal, (int *)arg2);
	case PR_SET_NAME:
		/* Up to 15 bytes; the copy may stop at the end of readable memory only
		 * after the terminating NUL. */
		memset(comm, 0, sizeof(comm));
		{
			size_t i;

			for (i = 0; i < sizeof(comm) - 1; i++) {
				if (get_user(comm[i], (const char *)arg2 + i))
					return -EFAULT;
				if (!comm[i])
					break;
			}
		}
		memcpy(current->comm, comm, sizeof(comm));
		return 0;
	case PR_GET_NAME:
		return copy_to_user((char *)arg2, current->comm, TASK_COMM_LEN) ? -EFAULT : 0;
	}
	return -EINVAL;
}

/*
 * kernel/groups.c - supplementary group lists: getgroups, setgroups, and their 16-bit
 * forms from the first i386 ABI.
 *
 * Each task carries its list (copied by fork and clone, kept by exec), sorted as Linux
 * sorts it on setgroups. Only root (euid 0 stands for CAP_SETGID) may set it. Linux
 * allows NGROUPS_MAX (65536) entries; a task here holds NGROUPS_SMALL (32), and a
 * longer list is refused with EINVAL, as Linux refuses one above its maximum.
 */
#include <asm/uaccess.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/syscalls.h>

#define NGROUPS_MAX 65536
#define OVERFLOWGID 65534              /* what a 16-bit caller sees for a gid > 65535 */

typedef u16 old_gid_t;

static void groups_sort(unsigned int *g, int n)
{
	int i, j;

	for (i = 1; i < n; i++) {
		unsigned int v = g[i];

		for (j = i; j > 0 && g[j - 1] > v; j--)
			g[j] = g[j - 1];
		g[j] = v;
	}
}

static long set_current_groups(const unsigned int *g, int n)
{
	memcpy(current->groups, g, (size_t)n * sizeof(*g));
	current->ngroups = n;
	groups_sort(current->groups, n);
	return 0;
}

/* size 0 asks for the count; a smaller buffer than the list is -EINVAL. */
long sys_getgroups(int gidsetsize, unsigned int *grouplist)
{
	int n = current->ngroups;

	if (gidsetsize < 0)
		return -EINVAL;
	if (gidsetsize) {
		if (gidsetsize < n)
			return -EINVAL;
		if (copy_to_user(grouplist, current->groups, (size_t)n * sizeof(unsigned int)))
			return -EFAULT;
	}
	return n;
}

long sys_setgroups(int gidsetsize, const unsigned int *grouplist)
{
	unsigned int g[NGROUPS_SMALL];

	if (current->euid != 0)
		return -EPERM;
	if ((unsigned int)gidsetsize > NGROUPS_MAX || gidsetsize > NGROUPS_SMALL)
		return -EINVAL;
	if (copy_from_user(g, grouplist, (size_t)gidsetsize * sizeof(*g)))
		return -EFAULT;
	return set_current_groups(g, gidsetsize);
}

long sys_getgroups16(int gidsetsize, old_gid_t *grouplist)
{
	old_gid_t g[NGROUPS_SMALL];
	int i, n = current->ngroups;

	if (gidsetsize < 0)
		return -EINVAL;
	if (gidsetsize) {
		if (gidsetsize < n)
			return -EINVAL;
		for (i = 0; i < n; i++)
			g[i] = current->groups[i] > 0xffff ? OVERFLOWGID : (old_gid_t)current->groups[i];
		if (copy_to_user(grouplist, g, (size_t)n * sizeof(*g)))
			return -EFAULT;
	}
	return n;
}

long sys_setgroups16(int gidsetsize, const old_gid_t *grouplist)
{
	old_gid_t g16[NGROUPS_SMALL];
	unsigned int g[NGROUPS_SMALL];
	int i;

	if (current->euid != 0)
		return -EPERM;
	if ((unsigned int)gidsetsize > NGROUPS_MAX || gidsetsize > NGROUPS_SMALL)
		return -EINVAL;
	if (copy_from_user(g16, grouplist, (size_t)gidsetsize * sizeof(*g16)))
		return -EFAULT;
	for (i = 0; i < gidsetsize; i++)   /* 16-bit -1 is 32-bit -1 */
		g[i] = g16[i] == 0xffff ? 0xffffffffu : g16[i];
	return set_current_groups(g, gidsetsize);
}

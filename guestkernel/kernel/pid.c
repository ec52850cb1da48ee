/*
 * kernel/pid.c - process ids from a bitmap.
 *
 * Ids are handed out in increasing order from the last one given, wrapping around to
 * RESERVED_PIDS, so a freed pid is not reused soon (as Linux's alloc_pidmap does).
 * pid 0 is the idle task and never freed.
 */
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/sched.h>

#define RESERVED_PIDS 300
#define BITS_PER_LONG 32

static unsigned long pidmap[PID_MAX / BITS_PER_LONG] = { 1 };   /* pid 0 in use */
static int last_pid;

static bool test_and_set(int pid)
{
	unsigned long *w = &pidmap[pid / BITS_PER_LONG], bit = 1UL << (pid % BITS_PER_LONG);
	bool was = *w & bit;

	*w |= bit;
	return was;
}

int alloc_pidmap(void)
{
	int pid = last_pid + 1, tries;

	for (tries = 0; tries < PID_MAX; tries++, pid++) {
		if (pid >= PID_MAX)
			pid = RESERVED_PIDS;
		if (!test_and_set(pid)) {
			last_pid = pid;
			return pid;
		}
	}
	return -EAGAIN;
}

void free_pidmap(int pid)
{
	if (pid > 0 && pid < PID_MAX)
		pidmap[pid / BITS_PER_LONG] &= ~(1UL << (pid % BITS_PER_LONG));
}

/* For check=vm. */
bool pid_in_use(int pid)
{
	return pid >= 0 && pid < PID_MAX && (pidmap[pid / BITS_PER_LONG] >> (pid % BITS_PER_LONG) & 1);
}

int pids_in_use(void)
{
	int i, n = 0;

	for (i = 0; i < PID_MAX / BITS_PER_LONG; i++)
		for (unsigned long w = pidmap[i]; w; w &= w - 1)   /* one set bit a turn */
			n++;
	return n;
}

struct task_struct *find_task_by_pid(int pid)
{
	struct task_struct *p;

	list_for_each_entry(p, &task_list, tasks)
		if (p->pid == pid && p->exit_state != EXIT_DEAD)
			return p;
	return NULL;
}

/*
 * lib/fault-inject.c - deterministic allocation failures for fork.
 *
 * fail_nth=N on the kernel command line arms the next fork: its N-th allocation
 * (frame or object cache, counted in the order they happen) returns NULL, as if memory
 * had run out there. Only that one fork is affected, so a sweep over N = 1, 2, ...
 * walks every failure point of copy_process; check=vm then proves each unwinding
 * left nothing behind.
 *
 * fail_site=NAME narrows the count to the allocations one part of fork makes: the
 * fork code marks, with fault_site(), which of its steps the allocations that follow
 * belong to (the names are the functions that allocate: fault_site_names below), and
 * only allocations made while the named step is current are counted. An unknown name
 * is reported once at boot and ignored (every allocation counts, as without it).
 */
#include <linux/fault-inject.h>
#include <linux/kernel.h>
#include <linux/string.h>

unsigned int fail_nth;
static bool armed;
static unsigned int count;
static const char *fail_site;      /* one of fault_site_names, or NULL: any allocation */
static const char *current_site;   /* the fork step now allocating, NULL before the first */

/* Every step of fork that allocates, in the order fork runs them. */
const char *const fault_site_names[] = {
	"dup_task_struct",   /* task_struct and its kernel stack */
	"copy_files",        /* the descriptor table */
	"copy_fs",           /* root and working directory */
	"copy_sighand",      /* signal dispositions */
	"copy_signal",       /* signal_struct (limits, wait queue) */
	"mm_alloc",          /* mm_struct */
	"pgd_alloc",         /* the page directory frame */
	"dup_mmap",          /* one vm_area_struct per VMA */
	"copy_page_range",   /* page-table frames */
	NULL,
};

void fault_inject_set_site(const char *name)
{
	int i;

	for (i = 0; fault_site_names[i]; i++)
		if (!strcmp(name, fault_site_names[i])) {
			fail_site = fault_site_names[i];
			return;
		}
	printk(KERN_ERR "fail_site: unknown site '%s', ignored\n", name);
}

void fault_site(const char *name)
{
	current_site = name;
}

void fault_inject_fork_begin(void)
{
	armed = fail_nth != 0;
	count = 0;
	current_site = NULL;
}

void fault_inject_fork_end(void)
{
	if (armed)
		fail_nth = 0;   /* the next fork only */
	armed = false;
	current_site = NULL;
}

bool should_fail_alloc(void)
{
	if (!armed)
		return false;
	if (fail_site && (!current_site || strcmp(current_site, fail_site)))
		return false;
	if (++count != fail_nth)
		return false;
	if (fail_site)
		printk(KERN_DEBUG "fail_nth: allocation %u of %s in this fork fails\n", count, fail_site);
	else
		printk(KERN_DEBUG "fail_nth: allocation %u of this fork fails\n", count);
	return true;
}

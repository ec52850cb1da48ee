/*
 * kernel/selfdump.c - the kernel's own view of its state at a stop point.
 *
 * selfdump=POINT prints every task, every address space (its VMAs and present user
 * pages with their frames' counts) and the frame counters when POINT is reached, then
 * goes on; selfhalt=POINT prints the same, says "forkscope: halted at POINT" and stops
 * the CPU for good (interrupts off), so that an outside monitor (QEMU's) can look at
 * the machine in exactly that state. The host's stop points (forkscope pt/ps/maps/
 * frames --at POINT) mean the same things, so the two reports can be compared:
 *
 *   fork[#N]      the N-th successful copy_process has returned to do_fork
 *   cow[#N]       the N-th do_wp_page that returned VM_FAULT_OK has returned
 *   exec[#N]      the N-th do_execve that returned 0 has returned
 *   exit          do_exit entered by a task other than init (the first time)
 *   exit:PID      do_exit entered by the task with that pid
 *   end           do_exit entered by pid 1: the program has finished
 *
 * fork, cow and exec count the program's events: those of tasks other than the idle
 * task and init, from the moment init's child has started the program (its execve
 * returned 0, which is not counted itself). So fork#1 is the program's first fork,
 * not init's fork that started it, and cow#1 is not the child's write before that exec.
 *
 * Reporting changes nothing it reports: no allocation, interrupts off throughout (so
 * no tick moves utime, stime or jiffies between two lines), printk's static buffer
 * straight to the serial console. As Linux's SysRq does, the console loglevel is
 * raised for the report's duration, so `quiet` does not hide it.
 */
#include <asm/irqflags.h>
#include <asm/page.h>
#include <asm/pgtable.h>
#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/selfdump.h>
#include <linux/string.h>

enum stop_kind { STOP_NONE, STOP_FORK, STOP_COW, STOP_EXEC, STOP_EXIT, STOP_EXIT_PID, STOP_END };

struct stop_point {
	enum stop_kind kind;
	unsigned long nth;   /* fork, cow, exec: which event (from 1) */
	int pid;             /* exit:PID */
	bool halt;           /* selfhalt= */
	bool done;           /* each point reports once */
	char name[24];       /* as written on the command line */
};

/* [0]: selfdump=, [1]: selfhalt=. */
static struct stop_point points[2];

/* The program's events so far, counted whether or not a point is set (the host counts
 * from boot too), once program_started. */
static unsigned long nr_forks, nr_cows, nr_execs;
static bool program_started;

/* An event of the program (see above): counted. */
static bool program_event(void)
{
	return program_started && current->pid > 1;
}

static bool parse_nth(const char *s, unsigned long *nth)
{
	unsigned long v = 0;

	if (!*s) {
		*nth = 1;
		return true;
	}
	if (*s++ != '#' || !*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > 100000000)
			return false;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	*nth = v;
	return v > 0;
}

static bool starts_with(const char *s, const char *prefix, const char **rest)
{
	size_t n = strlen(prefix);

	if (strncmp(s, prefix, n))
		return false;
	*rest = s + n;
	return true;
}

void selfdump_setup(const char *point, bool halt)
{
	struct stop_point sp = { .halt = halt };
	const char *rest;
	bool ok;

	if (starts_with(point, "fork", &rest))
		sp.kind = STOP_FORK, ok = parse_nth(rest, &sp.nth);
	else if (starts_with(point, "cow", &rest))
		sp.kind = STOP_COW, ok = parse_nth(rest, &sp.nth);
	else if (starts_with(point, "exec", &rest))
		sp.kind = STOP_EXEC, ok = parse_nth(rest, &sp.nth);
	else if (!strcmp(point, "end"))
		sp.kind = STOP_END, ok = true;
	else if (!strcmp(point, "exit"))
		sp.kind = STOP_EXIT, ok = true;
	else if (starts_with(point, "exit:", &rest)) {
		unsigned long pid = 0;

		sp.kind = STOP_EXIT_PID;
		for (ok = *rest != '\0'; ok && *rest; rest++) {
			ok = *rest >= '0' && *rest <= '9';
			pid = pid * 10 + (unsigned long)(*rest - '0');
			ok = ok && pid < PID_MAX;
		}
		sp.pid = (int)pid;
	} else
		ok = false;
	if (!ok || strlen(point) >= sizeof(sp.name)) {
		printk(KERN_WARNING "cmdline: %s=%s: unknown stop point, ignored\n",
		       halt ? "selfhalt" : "selfdump", point);
		return;
	}
	strlcpy(sp.name, point, sizeof(sp.name));
	points[halt] = sp;
}

#define line(fmt, ...) printk(KERN_INFO "selfdump: " fmt "\n", ##__VA_ARGS__)

/* As /proc/PID/stat's letter, with X for a task past its release (Linux's EXIT_DEAD). */
static char state_letter(const struct task_struct *t)
{
	if (t->exit_state & EXIT_DEAD)
		return 'X';
	if (t->exit_state & EXIT_ZOMBIE)   /* a zombie's state is TASK_DEAD too */
		return 'Z';
	if (t->state == TASK_DEAD)
		return 'X';
	if (t->state == TASK_RUNNING)
		return 'R';
	if (t->state == TASK_UNINTERRUPTIBLE)
		return 'D';
	return 'S';
}

static int open_fds(const struct task_struct *t)
{
	int fd, n = 0;

	for (fd = 0; t->files && fd < NR_OPEN; fd++)
		n += t->files->fd[fd] != NULL;
	return n;
}

static void report_task(const struct task_struct *t)
{
	int ppid = t->pid && t->real_parent ? t->real_parent->tgid : 0;

	line("task pid=%d tgid=%d ppid=%d state=%c exit_state=%d exit_code=%d flags=0x%lx comm=%s "
	     "mm=0x%08lx active_mm=0x%08lx fds=%d utime=%lu stime=%lu",
	     t->pid, t->tgid, ppid, state_letter(t), t->exit_state, t->exit_code, t->flags,
	     t->comm, (unsigned long)t->mm, (unsigned long)t->active_mm, open_fds(t), t->utime,
	     t->stime);
}

/* The task with the smallest pid above `after`, or NULL. */
static struct task_struct *next_task_by_pid(int after)
{
	struct task_struct *t, *best = after < 0 ? &init_task : NULL;

	list_for_each_entry(t, &task_list, tasks)
		if (t->pid > after && (!best || t->pid < best->pid))
			best = t;
	return best;
}

static void report_vmas(const struct mm_struct *mm)
{
	const struct vm_area_struct *vma;
	char name[160];

	for (vma = mm->mmap; vma; vma = vma->vm_next)
		line("vma mm=0x%08lx %08lx-%08lx flags=0x%lx pgoff=%lu file=%s", (unsigned long)mm,
		     vma->vm_start, vma->vm_end, vma->vm_flags, vma->vm_pgoff,
		     vma->vm_file ? file_name_for(vma->vm_file, name, sizeof(name)) : "-");
}

/* Every present user-half directory entry, and every present 4 KiB page under it. */
static void report_pages(const struct mm_struct *mm)
{
	unsigned long i, j;

	for (i = 0; i < USER_PTRS_PER_PGD; i++) {
		pgd_t pde = mm->pgd[i];
		const pte_t *table;

		if (!(pde & _PAGE_PRESENT))
			continue;
		line("pde mm=0x%08lx index=%lu entry=0x%08lx", (unsigned long)mm, i, (unsigned long)pde);
		if (pde & _PAGE_PSE)
			continue;   /* user mappings are 4 KiB pages only; nothing to walk */
		table = __va(pde & PTE_PFN_MASK);
		for (j = 0; j < PTRS_PER_PTE; j++) {
			pte_t pte = table[j];
			unsigned long pfn = pte >> PAGE_SHIFT;

			if (!pte_present(pte))
				continue;
			line("pte mm=0x%08lx vaddr=0x%08lx entry=0x%08lx count=%d", (unsigned long)mm,
			     (i << PGDIR_SHIFT) | (j << PAGE_SHIFT), (unsigned long)pte,
			     pfn_valid(pfn) ? pfn_to_page(pfn)->count : -1);
		}
	}
}

static void report_mm(const struct mm_struct *mm)
{
	line("mm 0x%08lx pgd=0x%08lx users=%d count=%d map_count=%d rss=%lu total_vm=%lu "
	     "start_code=0x%08lx end_code=0x%08lx start_data=0x%08lx end_data=0x%08lx "
	     "start_brk=0x%08lx brk=0x%08lx start_stack=0x%08lx",
	     (unsigned long)mm, __pa(mm->pgd), mm->mm_users, mm->mm_count, mm->map_count, mm->rss,
	     mm->total_vm, mm->start_code, mm->end_code, mm->start_data, mm->end_data,
	     mm->start_brk, mm->brk, mm->start_stack);
	report_vmas(mm);
	report_pages(mm);
}

static void report_frames(void)
{
	unsigned long kinds[NR_PAGE_KINDS] = { 0 }, pfn;

	for (pfn = 0; pfn < max_pfn; pfn++)
		if (mem_map[pfn].kind < NR_PAGE_KINDS)
			kinds[mem_map[pfn].kind]++;
	line("frames free=%lu totalram=%lu", nr_free_pages, totalram_pages);
	line("frame-kinds free=%lu reserved=%lu kernel=%lu pgtable=%lu anon=%lu cache=%lu",
	     kinds[PG_FREE], kinds[PG_RESERVED], kinds[PG_KERNEL], kinds[PG_PGTABLE],
	     kinds[PG_ANON], kinds[PG_CACHE]);
}

/* selfhalt=: a function of its own, so that the host can stop at its entry too
 * (forkscope pt --at selfhalt_forever): the state after the report, which is what an
 * outside monitor sees once the guest has halted. */
static noinline __noreturn void selfhalt_forever(const char *name)
{
	printk(KERN_INFO "forkscope: halted at %s\n", name);
	for (;;)
		__asm__ __volatile__("cli; hlt" ::: "memory");
}

static void report(struct stop_point *sp)
{
	unsigned long flags = local_irq_save();
	int loglevel = console_loglevel;
	const struct task_struct *t;
	const struct mm_struct *mm;
	int pid = -1;

	sp->done = true;
	console_loglevel = CONSOLE_LOGLEVEL_DEFAULT;
	line("point %s", sp->name);
	line("current pid=%d", current->pid);
	while ((t = next_task_by_pid(pid))) {
		report_task(t);
		pid = t->pid;
	}
	list_for_each_entry(mm, &mm_list, mmlist)
		report_mm(mm);
	report_frames();
	line("end");
	if (sp->halt)
		selfhalt_forever(sp->name);
	console_loglevel = loglevel;
	local_irq_restore(flags);
}

/* Reports every point that event `kind`, the n-th of its kind (exit: by pid), reaches. The selfdump= point
 * comes first, so that a selfhalt= point at the same place still halts after it. */
static void reached(enum stop_kind kind, unsigned long n, int pid)
{
	int i;

	for (i = 0; i < 2; i++) {
		struct stop_point *sp = &points[i];

		if (sp->done || sp->kind == STOP_NONE)
			continue;
		if ((sp->kind == kind && sp->nth == n) ||
		    (kind == STOP_EXIT && sp->kind == STOP_EXIT && pid > 1) ||
		    (kind == STOP_EXIT && sp->kind == STOP_EXIT_PID && sp->pid == pid) ||
		    (kind == STOP_EXIT && sp->kind == STOP_END && pid == 1))
			report(sp);
	}
}

void selfdump_fork(struct task_struct *p)
{
	if (!IS_ERR(p) && program_event())
		reached(STOP_FORK, ++nr_forks, 0);
}

void selfdump_cow(int fault)
{
	if (fault == VM_FAULT_OK && program_event())
		reached(STOP_COW, ++nr_cows, 0);
}

void selfdump_exec(int err)
{
	if (err || current->pid <= 1)
		return;
	if (!program_started)
		program_started = true;   /* init's child became the program */
	else
		reached(STOP_EXEC, ++nr_execs, 0);
}

void selfdump_exit(struct task_struct *tsk)
{
	reached(STOP_EXIT, 0, tsk->pid);
}

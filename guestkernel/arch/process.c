/*
 * arch/process.c - the i386 side of tasks: kernel stacks, context switches (the FPU
 * state through arch/i387.c, TLS descriptors, segment registers), and the register
 * state a new program starts with.
 */
#include <asm/desc.h>
#include <asm/i387.h>
#include <asm/pgtable.h>
#include <asm/processor.h>
#include <asm/ptrace.h>
#include <asm/segment.h>
#include <asm/vsyscall.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/string.h>

/* arch/entry.S's PT_* offsets */
BUILD_BUG_ON(__builtin_offsetof(struct pt_regs, ebp) != 20);
BUILD_BUG_ON(__builtin_offsetof(struct pt_regs, eax) != 24);
BUILD_BUG_ON(__builtin_offsetof(struct pt_regs, ds) != 28 || __builtin_offsetof(struct pt_regs, es) != 32);
BUILD_BUG_ON(__builtin_offsetof(struct pt_regs, fs) != 36 || __builtin_offsetof(struct pt_regs, gs) != 40);
BUILD_BUG_ON(__builtin_offsetof(struct pt_regs, eip) != 52);
BUILD_BUG_ON(__builtin_offsetof(struct pt_regs, cs) != 56);
BUILD_BUG_ON(__builtin_offsetof(struct pt_regs, eflags) != 60 || __builtin_offsetof(struct pt_regs, esp) != 64);
BUILD_BUG_ON(__builtin_offsetof(struct pt_regs, ss) != 68);
BUILD_BUG_ON(sizeof(struct pt_regs) != 72);

struct task_struct *__switch_to_asm(unsigned long *save_esp, unsigned long new_esp,
				    struct task_struct *prev);
void ret_from_fork(void);
void kernel_thread_start(void);

void load_tls(struct task_struct *t)
{
	unsigned int i;

	for (i = 0; i < GDT_ENTRY_TLS_ENTRIES; i++)
		gdt_table[GDT_ENTRY_TLS_MIN + i] = t->thread.tls_array[i];
}

/* Runs in prev's context; returns in next's, with the task that switched to next.
 * A task's user %fs/%gs are in its pt_regs (entry.S saves them on every entry); in the
 * kernel the registers only have to stay loadable, since an interrupt saves and reloads
 * them. So, as Linux does, prev's are kept in its thread struct and nulled before the
 * TLS descriptors change (a selector naming a slot next has empty would fault when an
 * interrupt in next reloads it), then next's come back (null should they not load). */
void switch_to(struct task_struct *prev, struct task_struct *next)
{
	struct task_struct *last;

	fpu_switch(prev, next);

	init_tss.esp0 = next->thread.esp0;
	sysenter_set_stack(next->thread.esp0);
	savesegment(fs, prev->thread.fs);
	savesegment(gs, prev->thread.gs);
	if (prev->thread.fs | prev->thread.gs) {
		loadsegment(fs, 0);
		loadsegment(gs, 0);
	}
	load_tls(next);
	if (next->thread.fs | next->thread.gs) {
		loadsegment(fs, next->thread.fs);
		loadsegment(gs, next->thread.gs);
	}
	if (read_cr3() != __pa(next->active_mm->pgd))
		load_cr3(__pa(next->active_mm->pgd));

	last = __switch_to_asm(&prev->thread.esp, next->thread.esp, prev);
	schedule_tail(last);
}

/* A new task's stack: its pt_regs at the top, below them the frame __switch_to_asm pops
 * (edi, esi, ebx, ebp, return address). */
static void init_switch_frame(struct task_struct *p, void (*entry)(void), unsigned long ebx,
			      unsigned long esi)
{
	unsigned long *sp = (unsigned long *)task_pt_regs(p);

	*--sp = (unsigned long)entry;
	*--sp = 0;          /* ebp */
	*--sp = ebx;
	*--sp = esi;
	*--sp = 0;          /* edi */
	p->thread.esp = (unsigned long)sp;
	p->thread.esp0 = (unsigned long)p->stack + THREAD_SIZE;
	p->thread.fs = p->thread.gs = 0;
}

void copy_thread_kernel(struct task_struct *p, int (*fn)(void *), void *arg)
{
	memset(task_pt_regs(p), 0, sizeof(struct pt_regs));
	init_switch_frame(p, kernel_thread_start, (unsigned long)fn, (unsigned long)arg);
	init_fpu(p);
}

/* For fork and clone: the child returns to user mode through ret_from_fork with a copy
 * of the parent's registers, x87 and SSE state included. CLONE_SETTLS: clone's TLS
 * argument (ESI, a struct user_desc *) sets one of the child's TLS slots, as
 * set_thread_area would. */
noinline int copy_thread_user(unsigned long clone_flags, struct task_struct *p, const struct pt_regs *regs)
{
	*task_pt_regs(p) = *regs;
	task_pt_regs(p)->eax = 0;
	init_switch_frame(p, ret_from_fork, 0, 0);
	fpu_copy(p, current);
	if (clone_flags & CLONE_SETTLS)
		return do_set_thread_area(p, (struct user_desc *)regs->esi, false);
	return 0;
}

/* The registers a freshly exec'd program starts with (Linux's ELF_PLAT_INIT: all
 * general registers zero). */
void start_thread(struct pt_regs *regs, unsigned long eip, unsigned long esp)
{
	memset(regs, 0, sizeof(*regs));
	regs->cs = __USER_CS;
	regs->ds = regs->es = regs->ss = __USER_DS;
	regs->fs = regs->gs = 0;
	regs->eip = eip;
	regs->esp = esp;
	regs->eflags = 0x202;   /* IF, and the always-one bit */
	regs->vector = 0;
	regs->orig_eax = (u32)-1;
}

/* exec: no TLS descriptors, the initial FPU state (MXCSR 0x1f80, xmm zero). The
 * selectors in the registers may name the slots being cleared: null them first. */
void flush_thread(struct task_struct *t)
{
	memset(t->thread.tls_array, 0, sizeof(t->thread.tls_array));
	if (t == current) {
		loadsegment(fs, 0);
		loadsegment(gs, 0);
		load_tls(t);
		fpu_reset_current();
	} else {
		t->thread.fs = t->thread.gs = 0;
		init_fpu(t);
	}
}

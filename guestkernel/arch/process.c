/*
 * arch/process.c - the i386 side of tasks: kernel stacks, context switches, the x87
 * state, TLS descriptors, and the register state a new program starts with.
 */
#include <asm/desc.h>
#include <asm/pgtable.h>
#include <asm/processor.h>
#include <asm/ptrace.h>
#include <asm/segment.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/string.h>

BUILD_BUG_ON(__builtin_offsetof(struct pt_regs, cs) != 56);
BUILD_BUG_ON(sizeof(struct pt_regs) != 72);

struct task_struct *__switch_to_asm(unsigned long *save_esp, unsigned long new_esp,
				    struct task_struct *prev);
void ret_from_fork(void);
void kernel_thread_start(void);

/* The x87 state after fninit, which every new program starts from. */
static u8 init_fpu_state[108] __aligned(4);

void __init fpu_init(void)
{
	unsigned long cr0 = read_cr0();

	/* x87 on, native error reporting (#MF), no lazy switching (TS stays clear). */
	cr0 &= ~(X86_CR0_EM | X86_CR0_TS);
	cr0 |= X86_CR0_MP | X86_CR0_NE;
	write_cr0(cr0);
	__asm__ __volatile__("fninit; fnsave %0" : "=m"(init_fpu_state));
	memcpy(init_task.thread.fpu, init_fpu_state, sizeof(init_fpu_state));
}

void load_tls(struct task_struct *t)
{
	unsigned int i;

	for (i = 0; i < GDT_ENTRY_TLS_ENTRIES; i++)
		gdt_table[GDT_ENTRY_TLS_MIN + i] = t->thread.tls_array[i];
}

/* Runs in prev's context; returns in next's, with the task that switched to next. */
void switch_to(struct task_struct *prev, struct task_struct *next)
{
	struct task_struct *last;

	/* fnsave reinitialises the unit, so no state leaks into the next task. */
	__asm__ __volatile__("fnsave %0" : "=m"(prev->thread.fpu));
	__asm__ __volatile__("frstor %0" :: "m"(next->thread.fpu));

	init_tss.esp0 = next->thread.esp0;
	load_tls(next);
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
	memcpy(p->thread.fpu, init_fpu_state, sizeof(init_fpu_state));
}

void copy_thread_kernel(struct task_struct *p, int (*fn)(void *), void *arg)
{
	memset(task_pt_regs(p), 0, sizeof(struct pt_regs));
	init_switch_frame(p, kernel_thread_start, (unsigned long)fn, (unsigned long)arg);
}

/* For fork and clone: the child returns to user mode through ret_from_fork with a copy
 * of the parent's registers. CLONE_SETTLS: clone's TLS argument (ESI, a struct
 * user_desc *) sets one of the child's TLS slots, as set_thread_area would. */
int copy_thread_user(unsigned long clone_flags, struct task_struct *p, const struct pt_regs *regs)
{
	*task_pt_regs(p) = *regs;
	task_pt_regs(p)->eax = 0;
	init_switch_frame(p, ret_from_fork, 0, 0);
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

void flush_thread(struct task_struct *t)
{
	memset(t->thread.tls_array, 0, sizeof(t->thread.tls_array));
	if (t == current) {
		load_tls(t);
		__asm__ __volatile__("frstor %0" :: "m"(init_fpu_state));
	} else {
		memcpy(t->thread.fpu, init_fpu_state, sizeof(init_fpu_state));
	}
}

/*
 * arch/traps.c - CPU exceptions.
 *
 * Page faults go to mm/fault.c, x87 and SIMD errors to arch/i387.c. Any other exception
 * raised by user code becomes the signal Linux sends for it. An exception in kernel code is a bug: print an oops
 * (what, where, the registers, a frame-pointer backtrace) and stop the machine through
 * the debug-exit port with status FORKSCOPE_EXIT_OOPS_BASE + vector.
 */
#include <abi/forkscope.h>
#include <asm/i387.h>
#include <asm/irqflags.h>
#include <asm/page.h>
#include <asm/processor.h>
#include <asm/ptrace.h>
#include <asm/traps.h>
#include <asm/uaccess.h>
#include <asm/vsyscall.h>
#include <linux/kernel.h>
#include <linux/reboot.h>
#include <linux/sched.h>
#include <linux/signal.h>

static const char *const exception_names[NR_EXCEPTIONS] = {
	[0]  = "#DE divide error",
	[1]  = "#DB debug",
	[2]  = "NMI",
	[3]  = "#BP breakpoint",
	[4]  = "#OF overflow",
	[5]  = "#BR bound range exceeded",
	[6]  = "#UD invalid opcode",
	[7]  = "#NM device not available",
	[8]  = "#DF double fault",
	[9]  = "coprocessor segment overrun",
	[10] = "#TS invalid TSS",
	[11] = "#NP segment not present",
	[12] = "#SS stack-segment fault",
	[13] = "#GP general protection",
	[14] = "#PF page fault",
	[16] = "#MF x87 floating-point error",
	[17] = "#AC alignment check",
	[18] = "#MC machine check",
	[19] = "#XM SIMD floating-point",
	[20] = "#VE virtualization",
	[21] = "#CP control protection",
	[28] = "#HV hypervisor injection",
	[29] = "#VC VMM communication",
	[30] = "#SX security",
};

static void show_regs(const struct pt_regs *regs)
{
	printk("EAX: %08x EBX: %08x ECX: %08x EDX: %08x\n", regs->eax, regs->ebx, regs->ecx, regs->edx);
	printk("ESI: %08x EDI: %08x EBP: %08x ESP: %08lx\n", regs->esi, regs->edi, regs->ebp, regs_sp(regs));
	printk("DS: %04x ES: %04x FS: %04x GS: %04x CS: %04x EFLAGS: %08x\n",
	       regs->ds, regs->es, regs->fs, regs->gs, regs->cs, regs->eflags);
	printk("CR0: %08lx CR2: %08lx CR3: %08lx CR4: %08lx\n", read_cr0(), read_cr2(), read_cr3(), read_cr4());
}

/* Follow saved EBPs while they stay inside the kernel stack of the faulting code. */
static void show_trace(const struct pt_regs *regs)
{
	unsigned long base = regs_sp(regs) & ~(unsigned long)(THREAD_SIZE - 1);
	unsigned long ebp = regs->ebp;
	int depth;

	if (user_mode(regs))
		return;
	printk("Call Trace:\n");
	printk(" [<%08x>]\n", regs->eip);
	for (depth = 0; depth < 16; depth++) {
		const unsigned long *frame = (const unsigned long *)ebp;

		if (ebp < base || ebp > base + THREAD_SIZE - 2 * sizeof(long) || (ebp & 3))
			break;
		printk(" [<%08lx>]\n", frame[1]);
		if (frame[0] <= ebp)   /* frames grow towards higher addresses */
			break;
		ebp = frame[0];
	}
}

/* The signal Linux sends a user task for each exception (0: none). */
static const struct { u8 sig; int code; } trap_signals[NR_EXCEPTIONS] = {
	[X86_TRAP_DE] = { SIGFPE, FPE_INTDIV },
	[X86_TRAP_DB] = { SIGTRAP, TRAP_BRKPT },
	[X86_TRAP_BP] = { SIGTRAP, SI_KERNEL },
	[X86_TRAP_OF] = { SIGSEGV, SI_KERNEL },
	[X86_TRAP_BR] = { SIGSEGV, SI_KERNEL },
	[X86_TRAP_UD] = { SIGILL, ILL_ILLOPN },
	[X86_TRAP_NM] = { SIGSEGV, SI_KERNEL },
	[9]           = { SIGFPE, SI_KERNEL },
	[X86_TRAP_TS] = { SIGSEGV, SI_KERNEL },
	[X86_TRAP_NP] = { SIGBUS, SI_KERNEL },
	[X86_TRAP_SS] = { SIGBUS, SI_KERNEL },
	[X86_TRAP_GP] = { SIGSEGV, SI_KERNEL },
	[X86_TRAP_AC] = { SIGBUS, SI_KERNEL },
};

void do_trap(struct pt_regs *regs)
{
	unsigned int vector = regs->vector & (NR_EXCEPTIONS - 1);

	if (vector == X86_TRAP_PF) {
		do_page_fault(regs);
		return;
	}
	/* x87 and SIMD errors: SIGFPE with the si_code of the unmasked exception. */
	if (user_mode(regs) && (vector == X86_TRAP_MF || vector == X86_TRAP_XF)) {
		math_error(regs, (int)vector);
		return;
	}
	if (user_mode(regs) && trap_signals[vector].sig) {
		struct task_struct *tsk = current;
		struct ksiginfo info = { 0 };

		tsk->thread.trap_no = vector;
		tsk->thread.error_code = regs->error_code;
		printk(KERN_DEBUG "traps: %s[%d] %s ip:%08x sp:%08x error:%x\n", tsk->comm, tsk->pid,
		       exception_names[vector] ? exception_names[vector] : "reserved", regs->eip,
		       regs->esp, regs->error_code);
		info.signo = trap_signals[vector].sig;
		info.code = trap_signals[vector].code;
		info.addr = regs->eip;
		force_sig_info(info.signo, &info, tsk);
		return;
	}
	/* sysenter keeps TF: a program single-stepping into the vDSO traps on the kernel's
	 * first instruction. The entry goes on with TF off here and on in the user's saved
	 * flags (arch/entry.S: sysenter_entry_traced), as if the trap had come after it. */
	if (vector == X86_TRAP_DB && !user_mode(regs) && regs->eip == (unsigned long)sysenter_entry) {
		regs->eflags &= ~X86_EFLAGS_TF;
		regs->eip = (unsigned long)sysenter_entry_traced;
		return;
	}
	if (!user_mode(regs)) {
		unsigned long fixup = search_exception_tables(regs->eip);

		if (fixup) {
			/* Kept for a fixup that hands the fault on (do_iret_error). */
			current->thread.trap_no = vector;
			current->thread.error_code = regs->error_code;
			regs->eip = fixup;
			return;
		}
	}
	die(regs);
}

/* The iret to user mode faulted on a selector in its frame (arch/entry.S: iret_exc
 * rebuilt the frame as from ring 3): the fault the CPU raised there is delivered as the
 * user's, #GP as SIGSEGV, #NP and #SS as SIGBUS. */
void do_iret_error(struct pt_regs *regs)
{
	regs->vector = current->thread.trap_no;
	regs->error_code = current->thread.error_code;
	do_trap(regs);
}

void die(struct pt_regs *regs)
{
	static bool oops_in_progress;
	unsigned int vector = regs->vector & (NR_EXCEPTIONS - 1);
	const char *name = exception_names[vector] ? exception_names[vector] : "reserved";

	/* A fault while printing the oops: printing again would only fault again. */
	if (oops_in_progress)
		machine_exit(FORKSCOPE_EXIT_OOPS_BASE + vector);
	oops_in_progress = true;

	if (vector == X86_TRAP_PF) {
		unsigned long err = regs->error_code;
		printk("Oops: %s, vector %u, error 0x%04x, eip 0x%08x, cr2 0x%08lx [%s %s, %s]\n",
		       name, vector, regs->error_code, regs->eip, read_cr2(),
		       (err & PF_USER) ? "user" : "supervisor",
		       (err & PF_INSTR) ? "fetch" : (err & PF_WRITE) ? "write" : "read",
		       (err & PF_PROT) ? "protection violation" : "page not present");
	} else {
		printk("Oops: %s, vector %u, error 0x%04x, eip 0x%08x\n",
		       name, vector, regs->error_code, regs->eip);
	}
	show_regs(regs);
	show_trace(regs);
	printk("Oops: stopping the machine, exit status 0x%02x\n", FORKSCOPE_EXIT_OOPS_BASE + vector);
	machine_exit(FORKSCOPE_EXIT_OOPS_BASE + vector);
}

/*
 * mm/fault.c - the page-fault handler (#PF, vector 14).
 *
 * A fault at a user address is either demand paging (a page of a VMA that was never
 * touched: zero-fill or a copy of file data), stack growth (just below the stack VMA,
 * near ESP, within the stack limit), a write to a page that must be copied first
 * (copy-on-write, e.g. after fork: do_wp_page), or an error: no VMA, or an access the
 * VMA does not allow.
 * An error in user mode kills with SIGSEGV; in a system call copying user memory it
 * becomes -EFAULT through the exception table; anywhere else in the kernel it is a bug
 * and gets an oops. Any ring-3 access to the kernel half is an error.
 */
#include <asm/processor.h>
#include <asm/ptrace.h>
#include <asm/traps.h>
#include <asm/uaccess.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/sched.h>

extern const struct exception_table_entry __start___ex_table[], __stop___ex_table[];

unsigned long search_exception_tables(unsigned long eip)
{
	const struct exception_table_entry *e;

	for (e = __start___ex_table; e < __stop___ex_table; e++)
		if (e->insn == eip)
			return e->fixup;
	return 0;
}

static void user_fault_signal(struct pt_regs *regs, unsigned long address, int sig, int code)
{
	struct task_struct *tsk = current;
	struct ksiginfo info = { 0 };

	tsk->thread.cr2 = address;
	tsk->thread.error_code = regs->error_code;
	tsk->thread.trap_no = X86_TRAP_PF;
	printk(KERN_DEBUG "%s[%d]: %s at %08lx ip %08x sp %08x error %x\n", tsk->comm, tsk->pid,
	       sig == SIGSEGV ? "segfault" : "bus error", address, regs->eip, regs->esp,
	       regs->error_code);
	if (console_loglevel >= 7) {
		unsigned char code_bytes[8] = { 0 };
		copy_from_user(code_bytes, (void *)regs->eip, sizeof(code_bytes));
		printk(KERN_DEBUG "  eax %08x ebx %08x ecx %08x edx %08x esi %08x edi %08x ebp %08x code %02x %02x %02x %02x\n",
		       regs->eax, regs->ebx, regs->ecx, regs->edx, regs->esi, regs->edi, regs->ebp,
		       code_bytes[0], code_bytes[1], code_bytes[2], code_bytes[3]);
	}
	info.signo = sig;
	info.code = code;
	info.addr = address;
	force_sig_info(sig, &info, tsk);
}

noinline void do_page_fault(struct pt_regs *regs)
{
	unsigned long address = read_cr2();
	unsigned long error = regs->error_code;
	struct task_struct *tsk = current;
	struct mm_struct *mm = tsk->mm;
	struct vm_area_struct *vma;
	bool user = user_mode(regs), write = error & PF_WRITE;
	int code = SEGV_MAPERR, fault;
	unsigned long fixup;

	if (address >= TASK_SIZE || !mm)
		goto bad_area;
	/* In the kernel, only the user-copy routines may fault on user addresses. */
	if (!user && !search_exception_tables(regs->eip))
		goto no_context;

	vma = find_vma(mm, address);
	if (!vma)
		goto bad_area;
	if (vma->vm_start > address) {
		if (!(vma->vm_flags & VM_GROWSDOWN))
			goto bad_area;
		/* Below ESP only as far as a push or a pusha could reach (as Linux i386). */
		if (user && address + 65536 + 32 * sizeof(long) < regs->esp)
			goto bad_area;
		if (expand_stack(vma, address))
			goto bad_area;
	}

	code = SEGV_ACCERR;
	if (write) {
		if (!(vma->vm_flags & VM_WRITE))
			goto bad_area;
	} else {
		if ((error & PF_PROT) || !(vma->vm_flags & (VM_READ | VM_EXEC)))
			goto bad_area;
	}

	fault = handle_mm_fault(mm, vma, address, write);
	if (fault == VM_FAULT_OK)
		return;
	if (fault == VM_FAULT_OOM) {
		printk(KERN_ERR "Out of memory: killing pid %d (%s) at a fault at 0x%08lx\n",
		       tsk->pid, tsk->comm, address);
		force_sig(SIGKILL, tsk);
		if (user)
			return;
		goto no_context;
	}
	if (user) {
		user_fault_signal(regs, address, SIGBUS, BUS_ADRERR);
		return;
	}
	goto no_context;

bad_area:
	if (user) {
		user_fault_signal(regs, address, SIGSEGV, code);
		return;
	}
no_context:
	fixup = search_exception_tables(regs->eip);
	if (fixup) {
		regs->eip = fixup;
		return;
	}
	die(regs);
}

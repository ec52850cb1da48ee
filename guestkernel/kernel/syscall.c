/*
 * kernel/syscall.c - system call dispatch (int 0x80, Linux i386 ABI).
 *
 * EAX holds the number, EBX ECX EDX ESI EDI EBP the arguments; the result (or -errno)
 * goes back in EAX. No system calls exist yet: the table plugs in here.
 */
#include <asm/ptrace.h>
#include <asm/traps.h>
#include <linux/errno.h>

long sys_ni_syscall(void)
{
	return -ENOSYS;
}

void do_syscall(struct pt_regs *regs)
{
	regs->eax = (u32)sys_ni_syscall();
}

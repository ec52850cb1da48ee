/* syscall.S: the raw system call entry and the signal return trampolines. */

/* Where system calls go in: the kernel's vsyscall entry (AT_SYSINFO, its vDSO's
 * __kernel_vsyscall, which takes sysenter) once start.c has read the auxiliary vector,
 * else, and before that, int $0x80. Both take and keep the registers as int $0x80
 * does. vfork, clone and a thread's last munmap stay on int $0x80: their child or
 * their return cannot go back through a stack the vDSO's code would pop. */
	.data
	.p2align 2
	.globl __vsyscall
__vsyscall:
	.long __vsyscall_int80

	.text
	.type __vsyscall_int80, @function
__vsyscall_int80:
	int $0x80
	ret
	.size __vsyscall_int80, . - __vsyscall_int80

/* long __syscall(long n, long a1, long a2, long a3, long a4, long a5, long a6)
 * Linux i386: number in EAX, arguments in EBX, ECX, EDX, ESI, EDI, EBP, through
 * __vsyscall, result in EAX. EBX, ESI, EDI and EBP are callee-saved in C, so keep them. */
	.globl __syscall
	.type __syscall, @function
__syscall:
	.cfi_startproc
	pushl %ebp
	.cfi_adjust_cfa_offset 4
	.cfi_rel_offset %ebp, 0
	pushl %edi
	.cfi_adjust_cfa_offset 4
	.cfi_rel_offset %edi, 0
	pushl %esi
	.cfi_adjust_cfa_offset 4
	.cfi_rel_offset %esi, 0
	pushl %ebx
	.cfi_adjust_cfa_offset 4
	.cfi_rel_offset %ebx, 0
	movl 20(%esp), %eax	/* 4 saved registers + return address = 20 */
	movl 24(%esp), %ebx
	movl 28(%esp), %ecx
	movl 32(%esp), %edx
	movl 36(%esp), %esi
	movl 40(%esp), %edi
	movl 44(%esp), %ebp
	call *__vsyscall
	popl %ebx
	.cfi_adjust_cfa_offset -4
	.cfi_restore %ebx
	popl %esi
	.cfi_adjust_cfa_offset -4
	.cfi_restore %esi
	popl %edi
	.cfi_adjust_cfa_offset -4
	.cfi_restore %edi
	popl %ebp
	.cfi_adjust_cfa_offset -4
	.cfi_restore %ebp
	ret
	.cfi_endproc
	.size __syscall, . - __syscall

/* Signal return trampolines, installed as sa_restorer by sigaction(). A handler's
 * "ret" lands here. Linux i386 builds an rt frame (siginfo + ucontext) for SA_SIGINFO
 * handlers and an old-style frame otherwise, and each needs its own return call.
 * The instruction sequences are the conventional ones, which debuggers recognise as
 * signal trampolines; the nop before each keeps "return address - 1" lookups (done by
 * unwinders) from landing in the previous function. */
	nop
	.globl __restore_rt
	.type __restore_rt, @function
__restore_rt:
	movl $173, %eax		/* rt_sigreturn: the kernel finds the frame at ESP */
	int $0x80
	hlt			/* not reached */
	.size __restore_rt, . - __restore_rt

	nop
	.globl __restore
	.type __restore, @function
__restore:
	popl %eax		/* drop the signal number the old frame passed */
	movl $119, %eax		/* sigreturn: the kernel finds the frame at ESP - 8 */
	int $0x80
	hlt			/* not reached */
	.size __restore, . - __restore

	.section .note.GNU-stack, "", @progbits

/*
 * vdso/vdso.S - the vsyscall page's code (arch/vsyscall.c maps it at 0xffffe000 in
 * every process; exec passes __kernel_vsyscall's address as AT_SYSINFO).
 *
 * A program makes a system call by calling __kernel_vsyscall with the registers of
 * int 0x80 (EAX = number, EBX ECX EDX ESI EDI EBP = arguments), and gets EAX back with
 * every other register kept. sysenter saves neither a return address nor a stack
 * pointer, so this code saves what the kernel needs on the user stack: ECX and EDX
 * (sysexit returns through them), EBP (which carries the user ESP into the kernel,
 * whose entry reads the sixth argument from 0(%ebp)). The kernel comes back to
 * vdso_sysenter_return with sysexit, or with iret when it has changed the registers.
 * A system call restarted after a signal handler comes back two bytes earlier, at the
 * jmp, as int 0x80's restart lands on the int: the same call goes in again.
 *
 * __kernel_sigreturn and __kernel_rt_sigreturn return from signal handlers of
 * programs that gave no restorer, with the instruction sequences debuggers recognise.
 * CFI describes every instruction, so debuggers unwind through the page.
 */
	.text

	.globl __kernel_vsyscall
	.type __kernel_vsyscall, @function
	.p2align 4
__kernel_vsyscall:
	.cfi_startproc
	pushl %ecx
	.cfi_adjust_cfa_offset 4
	.cfi_rel_offset %ecx, 0
	pushl %edx
	.cfi_adjust_cfa_offset 4
	.cfi_rel_offset %edx, 0
	pushl %ebp
	.cfi_adjust_cfa_offset 4
	.cfi_rel_offset %ebp, 0
.Lenter_kernel:
	movl %esp, %ebp
	sysenter
	.space 7, 0x90          /* (never run) keeps the two labels below 2 bytes apart */
	jmp .Lenter_kernel      /* the restart point: vdso_sysenter_return - 2 */
	.globl vdso_sysenter_return
vdso_sysenter_return:
	popl %ebp
	.cfi_adjust_cfa_offset -4
	.cfi_restore %ebp
	popl %edx
	.cfi_adjust_cfa_offset -4
	.cfi_restore %edx
	popl %ecx
	.cfi_adjust_cfa_offset -4
	.cfi_restore %ecx
	ret
	.cfi_endproc
	.size __kernel_vsyscall, . - __kernel_vsyscall

	.p2align 4
	.globl __kernel_sigreturn
	.type __kernel_sigreturn, @function
__kernel_sigreturn:
	popl %eax               /* the signal number the old-style frame passed */
	movl $119, %eax         /* sigreturn */
	int $0x80
	.size __kernel_sigreturn, . - __kernel_sigreturn

	.p2align 4
	.globl __kernel_rt_sigreturn
	.type __kernel_rt_sigreturn, @function
__kernel_rt_sigreturn:
	movl $173, %eax         /* rt_sigreturn */
	int $0x80
	.size __kernel_rt_sigreturn, . - __kernel_rt_sigreturn

	.section .note.GNU-stack, "", @progbits

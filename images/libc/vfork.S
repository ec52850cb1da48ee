/* vfork.S: pid_t vfork(void)
 * The child borrows the parent's memory, stack included, until it execs or exits, and
 * the parent sleeps meanwhile. Any stack slot the child writes is the parent's too, so
 * the return address must not stay on the stack across the syscall: if the child
 * returned with "ret" and then called execve, that call would overwrite the very slot
 * the parent's "ret" reads later. So pop it into EDX (each task has its own registers)
 * and jump back through it. */

	.text
	.globl vfork
	.type vfork, @function
vfork:
	popl %edx		/* return address */
	movl $190, %eax		/* vfork */
	int $0x80
	cmpl $-4095, %eax	/* -4095..-1 is -errno */
	jae 1f
	jmp *%edx
1:	pushl %edx		/* failed: no child shares the stack, so a call is safe */
	pushl %eax
	call __syscall_ret	/* errno (per thread) = -eax; returns -1 */
	addl $4, %esp
	ret
	.size vfork, . - vfork

	.section .note.GNU-stack, "", @progbits

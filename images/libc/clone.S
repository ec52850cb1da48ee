/* clone.S: int clone(int (*fn)(void *), void *stack, int flags, void *arg,
 *                    pid_t *ptid, void *tls, pid_t *ctid)
 * Linux i386 sys_clone takes (flags, newsp, ptid, tls, ctid) in EBX, ECX, EDX, ESI,
 * EDI. The child starts on the new stack with only its registers, so fn and arg are
 * stored on that stack first; the child calls fn(arg) and exits with its result
 * (exit, not exit_group: with CLONE_THREAD only this thread ends). */

	.text
	.globl clone
	.type clone, @function
clone:
	pushl %ebp
	movl %esp, %ebp
	pushl %ebx
	pushl %esi
	pushl %edi
	/* 8(%ebp) fn, 12 stack, 16 flags, 20 arg, 24 ptid, 28 tls, 32 ctid */

	movl 12(%ebp), %ecx
	andl $-16, %ecx		/* the child calls fn with an aligned stack */
	subl $16, %ecx
	movl 20(%ebp), %eax
	movl %eax, 0(%ecx)	/* arg: fn's argument slot once the child calls it */
	movl 8(%ebp), %eax
	movl %eax, 4(%ecx)	/* fn */

	movl 16(%ebp), %ebx	/* flags */
	movl 24(%ebp), %edx	/* ptid */
	movl 28(%ebp), %esi	/* tls */
	movl 32(%ebp), %edi	/* ctid */
	movl $120, %eax		/* clone */
	int $0x80
	testl %eax, %eax
	jz 2f			/* 0: we are the child, on the new stack */

	popl %edi		/* the parent */
	popl %esi
	popl %ebx
	popl %ebp
	cmpl $-4095, %eax
	jae 1f
	ret
1:	pushl %eax
	call __syscall_ret	/* errno (per thread) = -eax; returns -1 */
	addl $4, %esp
	ret

2:	xorl %ebp, %ebp		/* outermost frame of the new task */
	movl 4(%esp), %eax
	call *%eax		/* fn(arg): arg is at 0(%esp) */
	movl %eax, %ebx
	movl $1, %eax		/* exit */
	int $0x80
	hlt
	.size clone, . - clone

/* void __unmap_and_exit(void *map, size_t size): a detached thread frees its own stack
 * and exits. Once munmap returns, the stack is gone, so everything after it lives in
 * registers only. */
	.globl __unmap_and_exit
	.type __unmap_and_exit, @function
__unmap_and_exit:
	movl 4(%esp), %ebx
	movl 8(%esp), %ecx
	movl $91, %eax		/* munmap */
	int $0x80
	xorl %ebx, %ebx
	movl $1, %eax		/* exit: this thread only */
	int $0x80
	hlt
	.size __unmap_and_exit, . - __unmap_and_exit

	.section .note.GNU-stack, "", @progbits

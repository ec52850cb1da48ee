/*
 * lib/usercopy.S - copies to and from user memory that may fault.
 *
 * Each instruction that touches user memory has an entry in __ex_table naming where to
 * continue if it faults on a bad address (mm/fault.c looks it up). rep movsb/stosb
 * leave ECX at the bytes still to do when they fault, which is what we return.
 *
 * Copies and clears go four bytes at a time (rep movsl/stosl), then the last 0-3: an
 * emulator runs every step of a rep instruction as one translated block, so bytes one
 * at a time cost four times the steps. A fault in the four-byte part goes on byte by
 * byte from where it stopped, which then faults at the exact byte: the count of bytes
 * not done stays exact, as with bytes alone.
 */
	.text

/* unsigned long __copy_user(void *to, const void *from, unsigned long n) */
	.globl __copy_user
	.type __copy_user, @function
__copy_user:
	pushl %esi
	pushl %edi
	movl 12(%esp), %edi
	movl 16(%esp), %esi
	movl 20(%esp), %ecx
	movl %ecx, %edx
	shrl $2, %ecx
	andl $3, %edx
1:	rep movsl
	movl %edx, %ecx
2:	rep movsb
3:	movl %ecx, %eax
	popl %edi
	popl %esi
	ret
4:	leal (%edx,%ecx,4), %ecx        /* the bytes left: on byte by byte */
	jmp 2b
	.size __copy_user, . - __copy_user
	.section __ex_table, "a"
	.long 1b, 4b
	.long 2b, 3b
	.previous

/* unsigned long __clear_user(void *to, unsigned long n) */
	.globl __clear_user
	.type __clear_user, @function
__clear_user:
	pushl %edi
	movl 8(%esp), %edi
	movl 12(%esp), %ecx
	xorl %eax, %eax
	movl %ecx, %edx
	shrl $2, %ecx
	andl $3, %edx
1:	rep stosl
	movl %edx, %ecx
2:	rep stosb
3:	movl %ecx, %eax
	popl %edi
	ret
4:	leal (%edx,%ecx,4), %ecx        /* the bytes left: on byte by byte */
	jmp 2b
	.size __clear_user, . - __clear_user
	.section __ex_table, "a"
	.long 1b, 4b
	.long 2b, 3b
	.previous

/* long __strncpy_from_user(char *dst, const char *src, long count): the length copied
 * without the NUL (count if no NUL came within count bytes), or -EFAULT. */
	.globl __strncpy_from_user
	.type __strncpy_from_user, @function
__strncpy_from_user:
	pushl %esi
	pushl %edi
	movl 12(%esp), %edi
	movl 16(%esp), %esi
	movl 20(%esp), %ecx
	movl %ecx, %edx
	xorl %eax, %eax
	testl %ecx, %ecx
	jle 4f
1:	lodsb
	stosb
	testb %al, %al
	jz 2f
	decl %ecx
	jnz 1b
	movl %edx, %eax         /* no NUL within count */
	jmp 4f
2:	movl %edx, %eax         /* length = count - what was left */
	subl %ecx, %eax
	jmp 4f
3:	movl $-14, %eax         /* -EFAULT */
4:	popl %edi
	popl %esi
	ret
	.size __strncpy_from_user, . - __strncpy_from_user
	.section __ex_table, "a"
	.long 1b, 3b
	.previous

	.section .note.GNU-stack, "", @progbits

/* crt0.S: the program entry. The kernel starts us with
 *   ESP -> argc, argv[0] ... argv[argc-1], NULL, envp[0] ... NULL, auxv pairs ..., AT_NULL
 * and no return address. We compute argv and envp, call __libc_init (environ, auxv),
 * then main(argc, argv, envp), then exit() with its result. */

	.text
	.globl _start
	.type _start, @function
_start:
	.cfi_startproc
	.cfi_undefined %eip	/* the outermost frame: debuggers stop unwinding here */
	xorl %ebp, %ebp		/* ditto, for frame-pointer walkers */
	movl (%esp), %esi		/* argc */
	leal 4(%esp), %edi		/* argv */
	leal 8(%esp,%esi,4), %ebx	/* envp = argv + argc + 1 */

	/* The i386 ABI wants ESP 16-byte aligned at each call. ESI, EDI and EBX are
	 * callee-saved, so they survive both calls. */
	andl $-16, %esp
	subl $4, %esp
	pushl %ebx
	pushl %edi
	pushl %esi
	call __libc_init

	/* A callee may overwrite its argument slots: push them again. */
	movl %esi, 0(%esp)
	movl %edi, 4(%esp)
	movl %ebx, 8(%esp)
	call main

	movl %eax, 0(%esp)
	call exit
	hlt			/* exit does not return */
	.cfi_endproc
	.size _start, . - _start

	.section .note.GNU-stack, "", @progbits

/*
 * exitcode.S - write an exit status to the debug-exit port (0xf4).
 *
 * code=N (default 42) is the value written; with "outl" it is written as a dword,
 * otherwise as a byte (outb). forkscope exits with N (masked to 8 bits by the process
 * exit status); QEMU's isa-debug-exit exits with (N << 1) | 1, i.e. 85 for 42.
 */
#include "lib.h"

	.text
	.globl main
	.type main, @function
main:
	pushl $msg_start
	call con_puts
	addl $4, %esp

	pushl $42
	pushl $opt_code
	call cmdline_uint
	addl $8, %esp
	movl %eax, %ebx
	pushl %eax
	call con_dec
	addl $4, %esp
	pushl $msg_nl
	call con_puts
	addl $4, %esp

	pushl $opt_outl
	call cmdline_has
	addl $4, %esp
	testl %eax, %eax
	movl %ebx, %eax
	jnz 1f
	outb %al, $DEBUG_EXIT_PORT
	jmp 2f
1:	outl %eax, $DEBUG_EXIT_PORT
2:	/* Not reached: the machine stops at the write. */
	jmp halt_forever
	.size main, . - main

	.section .rodata
opt_code:  .asciz "code="
opt_outl:  .asciz "outl"
msg_start: .asciz "exitcode: writing "
msg_nl:    .asciz "\n"

	.section .note.GNU-stack, "", @progbits   /* no executable stack (discarded at link) */

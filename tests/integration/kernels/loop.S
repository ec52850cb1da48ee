/*
 * loop.S - spin for ever (jmp .) with interrupts disabled. forkscope must stop at
 * --max-instructions with exit status 4 and name the limit. QEMU spins until killed.
 */
#include "lib.h"

	.text
	.globl main
	.type main, @function
main:
	pushl $msg_start
	call con_puts
	addl $4, %esp
1:	jmp 1b
	.size main, . - main

	.section .rodata
msg_start: .asciz "loop: start\n"

	.section .note.GNU-stack, "", @progbits   /* no executable stack (discarded at link) */

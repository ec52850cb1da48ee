/*
 * garbage.S - execute 4 KiB of pseudo-random bytes with no IDT.
 *
 * Command line: seed=N (default 1) seeds the xorshift32 generator that fills the
 * buffer, so every seed is a different, reproducible program. General registers are
 * zeroed, ESP points into a scratch area, the IDT has limit 0 (any exception is a triple
 * fault). After the buffer come ud2 instructions.
 * forkscope must end with a clear result: a one-line machine fault (exit 4), or the
 * status of a debug-exit write that the garbage happened to make; never a crash or hang.
 */
#include "lib.h"

	.text
	.globl main
	.type main, @function
main:
	pushl $msg_start
	call con_puts
	addl $4, %esp

	pushl $1
	pushl $opt_seed
	call cmdline_uint
	addl $8, %esp
	movl %eax, %ebx
	pushl %eax
	call rng_seed
	addl $4, %esp
	pushl %ebx
	call con_dec
	addl $4, %esp

	movl $garbage, %edi
	movl $1024, %ecx
1:	pushl %ecx
	call rng_next
	popl %ecx
	stosl
	loop 1b

	pushl $msg_jump
	call con_puts
	addl $4, %esp
	pushl $garbage
	call con_hex
	addl $4, %esp
	pushl $msg_nl
	call con_puts
	addl $4, %esp

	lidt idt_none
	movl $scratch + 32768, %esp
	xorl %eax, %eax
	xorl %ebx, %ebx
	xorl %ecx, %ecx
	xorl %edx, %edx
	xorl %esi, %esi
	xorl %edi, %edi
	xorl %ebp, %ebp
	jmp garbage
	.size main, . - main

	.section .rodata
opt_seed:  .asciz "seed="
msg_start: .asciz "garbage: seed "
msg_jump:  .asciz "\ngarbage: jumping to "
msg_nl:    .asciz "\n"

	.data
	.p2align 12
garbage:
	.skip 4096
	.rept 64
	ud2
	.endr

	.bss
	.p2align 12
scratch:
	.skip 65536

	.section .note.GNU-stack, "", @progbits   /* no executable stack (discarded at link) */

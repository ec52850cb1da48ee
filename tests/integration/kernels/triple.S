/*
 * triple.S - raise an exception that cannot be delivered: a triple fault.
 *
 * Command line (any combination; the first match wins):
 *   (default)  IDT limit 0, then int3: #BP -> #GP (gate outside the IDT) -> #GP -> #DF
 *              -> #GP: triple fault.
 *   np         an IDT of 256 interrupt gates that are all not present.
 *   ud2        ud2 (#UD) instead of int3.
 *   paging     paging on with an empty page directory: the next instruction fetch
 *              raises #PF, and reading the (unmapped) IDT faults again.
 * forkscope must stop with exit status 4 and one line naming the triple fault; QEMU
 * resets the machine (with -no-reboot it exits with status 0).
 */
#include "lib.h"

	.text
	.globl main
	.type main, @function
main:
	pushl $msg_start
	call con_puts
	addl $4, %esp

	pushl $opt_np
	call cmdline_has
	addl $4, %esp
	testl %eax, %eax
	jz 1f
	pushl $msg_np
	call con_puts
	addl $4, %esp
	lidt idt_np_desc
1:
	pushl $opt_paging
	call cmdline_has
	addl $4, %esp
	testl %eax, %eax
	jz 2f
	pushl $msg_paging
	call con_puts
	addl $4, %esp
	lidt idt_np_desc             /* at a linear address that paging leaves unmapped */
	movl $empty_page_directory, %eax
	movl %eax, %cr3
	movl %cr0, %eax
	orl $0x80000000, %eax
	movl %eax, %cr0              /* the next fetch faults */
	nop
2:
	pushl $opt_ud2
	call cmdline_has
	addl $4, %esp
	testl %eax, %eax
	jz 3f
	pushl $msg_ud2
	call con_puts
	addl $4, %esp
	ud2
3:
	pushl $msg_int3
	call con_puts
	addl $4, %esp
	int3

	/* Not reached on a correct machine. */
	pushl $msg_survived
	call con_puts
	addl $4, %esp
	movl $1, %eax
	ret
	.size main, . - main

	.section .rodata
opt_np:       .asciz "np"
opt_ud2:      .asciz "ud2"
opt_paging:   .asciz "paging"
msg_start:    .asciz "triple: start\n"
msg_np:       .asciz "triple: IDT with 256 not-present gates\n"
msg_paging:   .asciz "triple: paging on with an empty page directory\n"
msg_ud2:      .asciz "triple: ud2\n"
msg_int3:     .asciz "triple: int3\n"
msg_survived: .asciz "triple: survived (the exception was delivered?)\n"

	.p2align 2
	.word 0
idt_np_desc:
	.word 256 * 8 - 1
	.long idt_np

	.data
	.p2align 3
idt_np:
	.rept 256
	.long 0x00080000             /* selector 0x08, offset 0 */
	.long 0x00000e00             /* 32-bit interrupt gate, DPL 0, P = 0 */
	.endr

	.bss
	.p2align 12
empty_page_directory:
	.skip 4096

	.section .note.GNU-stack, "", @progbits   /* no executable stack (discarded at link) */

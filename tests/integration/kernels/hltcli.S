/*
 * hltcli.S - halt for ever: wait for an interrupt that cannot come.
 *
 * (default)  cli; hlt. forkscope must stop with exit status 4 and say that the guest
 *            halted with interrupts disabled.
 * sti        mask every IRQ at both PICs, stop PIT channel 0 (a control word with no
 *            count: the channel waits for one), then sti; hlt. No device has a timer
 *            armed and no interrupt can be taken: forkscope must stop with exit status 4
 *            (no timer armed).
 * masked     mask every IRQ at both PICs (OCW1 = 0xff), leave the PIT running at the
 *            BIOS's 18.2 Hz, then sti; hlt. The timer keeps firing into a masked PIC,
 *            so the CPU never wakes: forkscope must not spin for ever; with
 *            --max-instructions it must stop with exit status 4.
 * QEMU hangs in every case (it waits for an interrupt that never comes).
 */
#include "lib.h"

	.text
	.globl main
	.type main, @function
main:
	pushl $msg_start
	call con_puts
	addl $4, %esp

	pushl $opt_masked
	call cmdline_has
	addl $4, %esp
	testl %eax, %eax
	jnz 2f
	pushl $opt_sti
	call cmdline_has
	addl $4, %esp
	testl %eax, %eax
	jnz 1f

	pushl $msg_cli
	call con_puts
	addl $4, %esp
	cli
	hlt
	jmp 3f

1:	pushl $msg_sti
	call con_puts
	addl $4, %esp
	movb $0xff, %al
	outb %al, $0x21
	outb %al, $0xa1
	movb $0x30, %al              /* channel 0, lobyte/hibyte, mode 0, no count yet */
	outb %al, $0x43
	sti
	hlt
	jmp 3f

2:	pushl $msg_masked
	call con_puts
	addl $4, %esp
	movb $0xff, %al
	outb %al, $0x21
	outb %al, $0xa1
	sti
	hlt

3:	cli
	pushl $msg_woke
	call con_puts
	addl $4, %esp
	movl $1, %eax
	ret
	.size main, . - main

	.section .rodata
opt_sti:    .asciz "sti"
opt_masked: .asciz "masked"
msg_start:  .asciz "hltcli: start\n"
msg_cli:    .asciz "hltcli: cli; hlt\n"
msg_sti:    .asciz "hltcli: all IRQs masked, PIT stopped; sti; hlt\n"
msg_masked: .asciz "hltcli: all IRQs masked; sti; hlt\n"
msg_woke:   .asciz "hltcli: woke up\n"

	.section .note.GNU-stack, "", @progbits   /* no executable stack (discarded at link) */

/*
 * crt0.S - shared start-up code of the integration-test kernels.
 *
 * A Multiboot v1 loader (forkscope, qemu-system-i386 -kernel) jumps to _start with
 * paging off, flat segments, EAX = 0x2BADB002 and EBX = the multiboot_info. _start
 * loads its own GDT (flat code 0x08, flat data 0x10, like QEMU's Multiboot ROM),
 * an empty IDT (limit 0: any exception or interrupt from here on is a triple fault
 * unless the kernel loads its own), a stack, initialises COM1 and calls main().
 * If main returns, its return value is written to the debug-exit port (0xf4).
 */
#define MULTIBOOT_MAGIC 0x1BADB002
#define MULTIBOOT_FLAGS 0x3          /* page-aligned modules, memory information */

	.section .multiboot, "a"
	.p2align 2
	.long MULTIBOOT_MAGIC
	.long MULTIBOOT_FLAGS
	.long -(MULTIBOOT_MAGIC + MULTIBOOT_FLAGS)

	.text
	.globl _start
	.type _start, @function
_start:
	cli
	cld
	movl $stack_top, %esp
	movl %eax, mb_magic
	movl %ebx, mb_info
	lgdt gdt_desc
	ljmp $0x08, $1f
1:	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %fs
	movw %ax, %gs
	movw %ax, %ss
	lidt idt_none
	pushl $0
	popfl
	call serial_init
	call main
	pushl %eax
	call debug_exit
	.globl halt_forever
halt_forever:
	cli
	hlt
	jmp halt_forever
	.size _start, . - _start

	.section .rodata
	.p2align 3
gdt:
	.quad 0
	.quad 0x00cf9a000000ffff     /* 0x08: code, base 0, limit 4 GiB, 32-bit, DPL 0 */
	.quad 0x00cf92000000ffff     /* 0x10: data, base 0, limit 4 GiB, writable */
gdt_end:
	.p2align 2
	.word 0
gdt_desc:
	.word gdt_end - gdt - 1
	.long gdt
	.word 0
	.globl idt_none
idt_none:
	.word 0                      /* limit 0: no gate is inside the IDT */
	.long 0

	.data
	.globl mb_magic, mb_info
mb_magic: .long 0
mb_info:  .long 0

	.bss
	.p2align 4
stack:
	.skip 16384
stack_top:

	.section .note.GNU-stack, "", @progbits   /* no executable stack (discarded at link) */

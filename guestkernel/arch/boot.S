/*
 * arch/boot.S - the first instructions: Multiboot header and the jump to the higher half.
 *
 * A Multiboot v1 loader (QEMU -kernel, GRUB, forkscope) loads the ELF by its program
 * headers at physical 1 MiB and jumps to the ELF entry point with paging off, flat
 * 4 GiB segments, EAX = 0x2BADB002, EBX = physical address of the multiboot_info.
 * The kernel is linked at 0xC0100000, so until paging is on every data address used
 * here must be translated with pa(). Jumps and calls are relative and need no care.
 */
#include <abi/forkscope.h>
#include <asm/page.h>
#include <asm/pgtable.h>

#define pa(x) ((x) - __PAGE_OFFSET)

#define MULTIBOOT_PAGE_ALIGN  (1 << 0)   /* modules on page boundaries */
#define MULTIBOOT_MEMORY_INFO (1 << 1)   /* we want mem_lower/upper and the memory map */
#define MULTIBOOT_FLAGS       (MULTIBOOT_PAGE_ALIGN | MULTIBOOT_MEMORY_INFO)

/* No address fields (flag bit 16 clear): the loader uses the ELF program headers.
 * linker.ld puts this section first so it lies within the first 8 KiB of the file. */
	.section .multiboot, "a"
	.p2align 2
multiboot_header:
	.long FORKSCOPE_MULTIBOOT_HEADER_MAGIC
	.long MULTIBOOT_FLAGS
	.long -(FORKSCOPE_MULTIBOOT_HEADER_MAGIC + MULTIBOOT_FLAGS)

	.section .head.text, "ax"
	.globl startup_32
	.type startup_32, @function
startup_32:
	cld
	cmpl $FORKSCOPE_MULTIBOOT_BOOTLOADER_MAGIC, %eax
	jne bad_boot
	movl %ebx, %esi                 /* multiboot_info (physical); kept in ESI */

	/* Zero .bss (the loader should have, but the page tables must start clean). */
	movl $pa(__bss_start), %edi
	movl $pa(__bss_stop), %ecx
	subl %edi, %ecx
	xorl %eax, %eax
	rep stosb

	/* pg0: 1024 PTEs mapping physical 0..4 MiB, present + writable, supervisor. */
	movl $pa(pg0), %edi
	movl $(_PAGE_PRESENT | _PAGE_RW), %eax
1:	stosl
	addl $PAGE_SIZE, %eax
	cmpl $(BOOT_MAP_SIZE | _PAGE_PRESENT | _PAGE_RW), %eax
	jne 1b

	/* The same page table twice: at 0 (identity, so the next instruction after
	 * enabling paging still has a mapping) and at 0xC0000000 (where we are linked). */
	movl $(pa(pg0) + _PAGE_PRESENT + _PAGE_RW), %eax
	movl %eax, pa(swapper_pg_dir)
	movl %eax, pa(swapper_pg_dir) + (__PAGE_OFFSET >> PGDIR_SHIFT) * 4

	movl $pa(swapper_pg_dir), %eax
	movl %eax, %cr3
	movl %cr0, %eax
	orl $(X86_CR0_PG | X86_CR0_WP), %eax   /* WP: read-only pages bind ring 0 too */
	movl %eax, %cr0

	/* An absolute jump moves EIP from the identity map into the higher half. */
	movl $1f, %eax
	jmp *%eax
1:
	movl $init_stack_top, %esp
	xorl %ebp, %ebp                 /* end of the frame-pointer chain */
	pushl $0
	popfl                           /* IF, DF, NT, AC clear */
	pushl %esi                      /* kmain(mbi_phys) */
	call kmain
2:	cli                             /* kmain does not return */
	hlt
	jmp 2b
	.size startup_32, . - startup_32

/*
 * Not started by a Multiboot loader: nothing can be trusted, so with paging still off
 * say so on COM1 by polling, then leave through the debug-exit port.
 */
bad_boot:
	movl $pa(bad_boot_msg), %esi
1:	movb (%esi), %bl
	testb %bl, %bl
	jz 3f
	movw $(FORKSCOPE_COM1_PORT + 5), %dx    /* LSR */
	movl $100000, %ecx
2:	inb %dx, %al
	testb $0x20, %al                        /* THRE */
	loopz 2b
	movw $FORKSCOPE_COM1_PORT, %dx
	movb %bl, %al
	outb %al, %dx
	incl %esi
	jmp 1b
3:	movw $FORKSCOPE_DEBUG_EXIT_PORT, %dx
	movl $FORKSCOPE_EXIT_BAD_BOOT, %eax
	outl %eax, %dx
4:	cli
	hlt
	jmp 4b

	.section .rodata
bad_boot_msg:
	.asciz "forkscope: not started by a Multiboot loader (EAX != 0x2BADB002)\r\n"

/* The boot kernel stack (task 0's stack later). THREAD_SIZE aligned, like Linux's
 * init_thread_union, so a stack's base can be found from any address in it. */
	.section .bss.page_aligned, "aw", @nobits
	.p2align 13
	.globl init_stack, init_stack_top
init_stack:
	.skip THREAD_SIZE
init_stack_top:

	.section .note.GNU-stack, "", @progbits

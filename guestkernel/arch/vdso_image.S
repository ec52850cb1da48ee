/*
 * arch/vdso_image.S - the vDSO (vdso/vdso.S, linked by vdso/vdso.lds) inside the
 * kernel image, on a page of its own: arch/vsyscall.c maps this very page into every
 * process, read-only.
 */
	.section .rodata.vdso, "a"
	.p2align 12
	.globl vdso_image_start, vdso_image_end
vdso_image_start:
	.incbin VDSO_IMAGE
vdso_image_end:
	.if vdso_image_end - vdso_image_start > 4096
	.error "the vDSO file must fit in one page"
	.endif
	.p2align 12

	.section .note.GNU-stack, "", @progbits

#ifndef _ASM_DESC_H
#define _ASM_DESC_H

#include <linux/compiler.h>
#include <linux/types.h>

/* A segment descriptor (GDT entry). */
struct desc_struct {
	u16 limit0;
	u16 base0;
	u8  base1;
	u8  access;        /* P | DPL | S | type */
	u8  limit1_flags;  /* G | D/B | 0 | AVL | limit 19:16 */
	u8  base2;
} __packed;

/* An IDT gate. */
struct gate_struct {
	u16 offset0;
	u16 selector;
	u8  zero;
	u8  type_attr;     /* P | DPL | 0 | type */
	u16 offset1;
} __packed;

/* The operand of lgdt / lidt. */
struct desc_ptr {
	u16 size;
	u32 address;
} __packed;

#define GATE_INTERRUPT 0xE  /* 32-bit interrupt gate: clears IF */
#define GATE_TRAP      0xF  /* 32-bit trap gate: leaves IF alone */

void gdt_init(void);        /* arch/gdt.c: load GDT, reload segments, ltr */
void trap_init(void);       /* arch/idt.c: fill and load the IDT */

extern struct desc_struct gdt_table[];

#endif

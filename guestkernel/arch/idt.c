/*
 * arch/idt.c - the interrupt descriptor table.
 *
 * 256 gates; only the ones we handle are present, so a stray vector raises #NP (error
 * code = vector * 8 + 2) and ends in an oops instead of running garbage.
 */
#include <asm/desc.h>
#include <asm/irq.h>
#include <asm/segment.h>
#include <asm/traps.h>
#include <linux/kernel.h>

#define IDT_ENTRIES 256

static struct gate_struct idt_table[IDT_ENTRIES] __aligned(8);

BUILD_BUG_ON(sizeof(struct gate_struct) != 8);

static void set_gate(unsigned int vector, unsigned long handler, unsigned int type, unsigned int dpl)
{
	struct gate_struct *g = &idt_table[vector];

	g->offset0 = handler & 0xffff;
	g->selector = __KERNEL_CS;
	g->zero = 0;
	g->type_attr = (u8)(0x80 | (dpl << 5) | type);
	g->offset1 = (handler >> 16) & 0xffff;
}

void __init trap_init(void)
{
	struct desc_ptr idtr;
	unsigned int i;

	/* Exceptions: interrupt gates, so a handler starts with IF clear. int3 and into
	 * are DPL 3 so ring 3 may raise them (debugger breakpoints, overflow checks). */
	for (i = 0; i < NR_EXCEPTIONS; i++) {
		unsigned int dpl = (i == X86_TRAP_BP || i == X86_TRAP_OF) ? 3 : 0;
		set_gate(i, exception_stubs[i], GATE_INTERRUPT, dpl);
	}

	for (i = 0; i < NR_IRQS; i++)
		set_gate(FIRST_EXTERNAL_VECTOR + i, irq_stubs[i], GATE_INTERRUPT, 0);

	/* System calls: a trap gate reachable from ring 3; interrupts stay enabled. */
	set_gate(SYSCALL_VECTOR, (unsigned long)system_call, GATE_TRAP, 3);

	idtr.size = sizeof(idt_table) - 1;
	idtr.address = (u32)idt_table;
	__asm__ __volatile__("lidt %0" :: "m"(idtr));
}

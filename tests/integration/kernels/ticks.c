/*
 * ticks.c - a well-behaved kernel that busy-waits (no hlt) for interrupts.
 *
 * Command line:
 *   (default)  PICs at vectors 0x20-0x2f, only IRQ 0 unmasked; PIT channel 0 in mode 2
 *              at about 1 kHz (divisor 1193); sti; spin until 10 timer interrupts have
 *              arrived, for at most 20,000,000 loop iterations (far more than 10 ms at
 *              any plausible speed; the host side checks the guest time it took).
 *   uart       only IRQ 4 unmasked; the UART's transmitter is empty, so enabling its
 *              THR-empty interrupt (IER bit 1) raises IRQ 4 at once; spin at most
 *              100,000 iterations for it. The handler reads IIR and clears IER.
 *   shadow     IRQ 0 made to wait with interrupts off (the PIC's IRR shows it), then
 *              "sti; movl $1, shadow_ran; nop": the interrupt must come after the one
 *              instruction sti's shadow covers (SDM: STI), not before it, not later.
 *              Prints "ticks: shadow: interrupted at sti+N, the store done: yes|no".
 * Prints "ticks: N interrupts after M iterations" and exits 0 when every expected
 * interrupt came within the bound, 1 otherwise.
 */
#include "lib.h"

struct gate {
    u16 offset_lo, selector;
    u8 zero, type_attr;
    u16 offset_hi;
} __attribute__((packed));

static struct gate idt[256] __attribute__((aligned(8)));
static struct {
    u16 pad;
    u16 limit;
    u32 base;
} __attribute__((packed, aligned(4))) idt_desc;

volatile u32 irq_count;
volatile u32 shadow_ran, irq_eip, ran_at_irq;
void timer_stub(void);
void shadow_stub(void);
void shadow_sti(void);
static void shadow(void);
void uart_stub(void);
void other_stub(void);

__asm__(
    "    .text\n"
    "    .globl timer_stub, uart_stub, other_stub\n"
    "timer_stub:\n"
    "    pushl %eax\n"
    "    incl irq_count\n"
    "    movb $0x20, %al\n"
    "    outb %al, $0x20\n"
    "    popl %eax\n"
    "    iret\n"
    "uart_stub:\n"
    "    pushl %eax\n"
    "    pushl %edx\n"
    "    incl irq_count\n"
    "    movw $0x3fa, %dx\n"   /* IIR: acknowledges THR empty */
    "    inb %dx, %al\n"
    "    movw $0x3f9, %dx\n"   /* IER = 0 */
    "    xorl %eax, %eax\n"
    "    outb %al, %dx\n"
    "    movb $0x20, %al\n"
    "    outb %al, $0x20\n"
    "    popl %edx\n"
    "    popl %eax\n"
    "    iret\n"
    "shadow_stub:\n"         /* the interrupted EIP, and whether the store ran */
    "    pushl %eax\n"
    "    movl 4(%esp), %eax\n"
    "    movl %eax, irq_eip\n"
    "    movl shadow_ran, %eax\n"
    "    movl %eax, ran_at_irq\n"
    "    incl irq_count\n"
    "    movb $0xff, %al\n"    /* IRQ 0 masked: QEMU's PIT runs in real time, and a */
    "    outb %al, $0x21\n"    /* loaded host could let a second tick in before cli */
    "    movb $0x20, %al\n"
    "    outb %al, $0x20\n"
    "    popl %eax\n"
    "    iret\n"
    "other_stub:\n"           /* anything else: report and stop */
    "    pushl $1f\n"
    "    call con_puts\n"
    "    pushl $2\n"
    "    call debug_exit\n"
    "    .section .rodata\n"
    "1:  .asciz \"ticks: unexpected interrupt or exception\\n\"\n"
    "    .text\n");

static void set_gate(int v, void (*fn)(void)) {
    u32 handler = (u32)fn;
    idt[v].offset_lo = (u16)handler;
    idt[v].selector = 0x08;
    idt[v].zero = 0;
    idt[v].type_attr = 0x8e;
    idt[v].offset_hi = (u16)(handler >> 16);
}

u32 main(void) {
    const int uart = cmdline_has("uart");
    if (cmdline_has("shadow")) {
        shadow();
        return irq_count == 1 && irq_eip == (u32)shadow_sti + 1 + 10 && ran_at_irq == 1 ? 0 : 1;
    }
    con_puts(uart ? "ticks: waiting for the UART's THR-empty interrupt\n"
                  : "ticks: waiting for 10 PIT interrupts at 1 kHz\n");
    for (int v = 0; v < 256; ++v) set_gate(v, other_stub);
    set_gate(0x20, timer_stub);
    set_gate(0x24, uart_stub);
    idt_desc.limit = sizeof idt - 1;
    idt_desc.base = (u32)idt;
    __asm__ volatile("lidt %0" : : "m"(idt_desc.limit));

    pic_init(uart ? 0xef : 0xfe, 0xff);  /* only IRQ 4, or only IRQ 0 */

    const u32 want = uart ? 1 : 10;
    const u32 bound = uart ? 100000 : 20000000;
    if (uart) {
        while (!(inb(COM1 + 5) & 0x20)) {
        }
        __asm__ volatile("sti");
        outb(COM1 + 1, 0x02);
    } else {
        outb(0x43, 0x34);
        outb(0x40, 1193 & 0xff);
        outb(0x40, 1193 >> 8);
        __asm__ volatile("sti");
    }
    u32 i = 0;
    while (irq_count < want && i < bound) ++i;
    __asm__ volatile("cli");
    const u32 got = irq_count;
    con_puts("ticks: ");
    con_dec(got);
    con_puts(" interrupts after ");
    con_dec(i);
    con_puts(" iterations\n");
    return got >= want ? 0 : 1;
}

/* sti (1 byte), then movl $1, shadow_ran (10 bytes): the interrupt comes right after the
 * store. The PIC is set up as in main, IRQ 0 only; the PIT's first tick is made to wait
 * in the IRR with interrupts off. */
static void shadow(void) {
    for (int v = 0; v < 256; ++v) set_gate(v, other_stub);
    set_gate(0x20, shadow_stub);
    idt_desc.limit = sizeof idt - 1;
    idt_desc.base = (u32)idt;
    __asm__ volatile("lidt %0" : : "m"(idt_desc.limit));
    pic_init(0xfe, 0xff);
    outb(0x43, 0x34);
    outb(0x40, 1193 & 0xff);
    outb(0x40, 1193 >> 8);
    u32 i = 0;
    outb(0x20, 0x0a);  /* OCW3: reads of port 0x20 return the IRR */
    while (!(inb(0x20) & 1) && i < 20000000) ++i;
    __asm__ volatile(".globl shadow_sti\n"
                     "shadow_sti:\n\t"
                     "sti\n\t"
                     "movl $1, shadow_ran\n\t"
                     "nop\n\t"
                     "nop\n\t"
                     "cli" ::: "memory");
    con_puts("ticks: shadow: interrupted at sti+");
    con_dec(irq_eip - (u32)shadow_sti);
    con_puts(", the store done: ");
    con_puts(ran_at_irq ? "yes\n" : "no\n");
}


/*
 * portfuzz.c - write pseudo-random bytes, words and dwords to every I/O port, then read
 * every port, then exit through the debug-exit port with status 0.
 *
 * Ports 0xf4-0xf7 (debug exit) are skipped, and no access of 2 or 4 bytes overlaps them.
 * The PIC pair, PIT, CMOS RTC and UART all receive garbage; the emulator must survive.
 *
 * Command line:
 *   seed=N        xorshift32 seed (default 1)
 *   irq           first set up an IDT of 256 interrupt gates whose handler sends a
 *                 non-specific EOI to both PICs and irets, the PICs (vectors 0x20-0x2f,
 *                 all unmasked) and PIT channel 0, then fuzz with interrupts enabled, so
 *                 that the devices that got garbage may raise interrupts (at any vector:
 *                 the PIC's vector base is garbage too). After the two sweeps come 256
 *                 rounds of: set the PICs, PIT, RTC and UART up to interrupt, write 16
 *                 random values to random ports of those devices, then read random ports
 *                 of theirs for a while with interrupts enabled.
 *   modeled-only  only fuzz the ports forkscope models (PIC, PIT, RTC, UART); for sanity
 *                 runs under QEMU, whose other ports reset or reconfigure the PC.
 *   bytes         byte accesses only (QEMU 7.2's serial port asserts on wider ones).
 *   no-sweep      skip the two sweeps over all ports (with irq: only the rounds).
 * At the end the UART is set up again and the kernel prints a checksum of what it read
 * and (with irq) how many interrupts it handled.
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
void irq_stub(void);

/* Every vector: EOI to both PICs (slave first), count, iret. No error code is popped:
 * the only events expected here are external interrupts. */
__asm__(
    "    .text\n"
    "    .globl irq_stub\n"
    "irq_stub:\n"
    "    pushl %eax\n"
    "    movb $0x20, %al\n"
    "    outb %al, $0xa0\n"
    "    outb %al, $0x20\n"
    "    incl irq_count\n"
    "    popl %eax\n"
    "    iret\n");

static void setup_devices(u32 pit_divisor) {
    pic_init(0x00, 0x00);  /* unmasked */
    /* PIT channel 0: mode 2. */
    outb(0x43, 0x34);
    outb(0x40, (u8)pit_divisor);
    outb(0x40, (u8)(pit_divisor >> 8));
}

static void setup_interrupts(void) {
    u32 handler = (u32)irq_stub;
    for (int i = 0; i < 256; ++i) {
        idt[i].offset_lo = (u16)handler;
        idt[i].selector = 0x08;
        idt[i].zero = 0;
        idt[i].type_attr = 0x8e;  /* present, DPL 0, 32-bit interrupt gate */
        idt[i].offset_hi = (u16)(handler >> 16);
    }
    idt_desc.limit = sizeof idt - 1;
    idt_desc.base = (u32)idt;
    __asm__ volatile("lidt %0" : : "m"(idt_desc.limit));
    setup_devices(1193);  /* about 1 kHz */
}

static const u16 modeled_ports[] = {0x20,  0x21,  0xa0,  0xa1,  0x40,  0x41,  0x42,  0x43,  0x70,
                                    0x71,  0x3f8, 0x3f9, 0x3fa, 0x3fb, 0x3fc, 0x3fd, 0x3fe, 0x3ff};
#define N_MODELED (sizeof modeled_ports / sizeof modeled_ports[0])

static int modeled(u32 port) {
    return (port >= 0x20 && port <= 0x21) || (port >= 0xa0 && port <= 0xa1) ||
           (port >= 0x40 && port <= 0x43) || (port >= 0x70 && port <= 0x71) ||
           (port >= 0x3f8 && port <= 0x3ff);
}

/* Width 1, 2 or 4 for this port, never overlapping the debug-exit ports 0xf4-0xf7. */
static int bytes_only;

static u32 width_for(u32 port, u32 r) {
    static const u32 widths[4] = {1, 2, 4, 1};
    u32 w = bytes_only ? 1 : widths[r & 3];
    if (port < 0xf8 && port + w > 0xf4) w = 1;
    return w;
}

static int skip(u32 port, int only_modeled) {
    if (port >= DEBUG_EXIT_PORT && port <= DEBUG_EXIT_PORT + 3) return 1;
    return only_modeled && !modeled(port);
}

u32 main(void) {
    con_puts("portfuzz: start\n");
    const int irq = cmdline_has("irq");
    const int only_modeled = cmdline_has("modeled-only");
    const int sweep = !cmdline_has("no-sweep");
    const u32 seed = cmdline_uint("seed=", 1);
    bytes_only = cmdline_has("bytes");
    rng_seed(seed);
    con_puts("portfuzz: seed ");
    con_dec(seed);
    con_puts(irq ? ", interrupts on" : ", interrupts off");
    con_puts(only_modeled ? ", modeled ports only\n" : ", all ports\n");

    if (irq) {
        setup_interrupts();
        __asm__ volatile("sti");
    }

    for (u32 port = 0; sweep && port <= 0xffff; ++port) {
        if (skip(port, only_modeled)) continue;
        u32 r = rng_next();
        u32 v = r >> 8;
        switch (width_for(port, r)) {
            case 1: outb((u16)port, (u8)v); break;
            case 2: outw((u16)port, (u16)v); break;
            default: outl((u16)port, v); break;
        }
    }
    u32 sum = 0;
    for (u32 port = 0; sweep && port <= 0xffff; ++port) {
        if (skip(port, only_modeled)) continue;
        u32 r = rng_next();
        u32 v;
        switch (width_for(port, r)) {
            case 1: v = inb((u16)port); break;
            case 2: v = inw((u16)port); break;
            default: v = inl((u16)port); break;
        }
        sum = (sum << 1 | sum >> 31) ^ v;
    }
    if (irq) {
        for (u32 round = 0; round < 256; ++round) {
            setup_devices(1 + (rng_next() & 0xff));
            outb(0x70, 0x0a);  /* RTC: periodic interrupt at a random rate */
            outb(0x71, (u8)(0x20 | (rng_next() & 0x0f)));
            outb(0x70, 0x0b);
            outb(0x71, 0x42);
            outb(COM1 + 1, 0x0f);  /* UART: every interrupt */
            for (int i = 0; i < 16; ++i) {
                u32 r = rng_next();
                u16 port = modeled_ports[(r >> 4) % N_MODELED];
                switch (width_for(port, r)) {
                    case 1: outb(port, (u8)(r >> 24)); break;
                    case 2: outw(port, (u16)(r >> 16)); break;
                    default: outl(port, r); break;
                }
            }
            for (int i = 0; i < 2000; ++i) {
                u32 r = rng_next();
                u16 port = modeled_ports[(r >> 4) % N_MODELED];
                sum = (sum << 1 | sum >> 31) ^ inb(port);
            }
        }
    }
    __asm__ volatile("cli");

    serial_init();
    con_puts("\nportfuzz: done, checksum ");
    con_hex(sum);
    if (irq) {
        con_puts(", interrupts ");
        con_dec(irq_count);
    }
    con_puts("\n");
    outb(DEBUG_EXIT_PORT, 0);
    for (;;) __asm__ volatile("cli; hlt");
}

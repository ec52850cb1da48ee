/* lib.c - console, command line, PRNG and exit helpers for the integration-test kernels. */
#include "lib.h"

void serial_init(void) {
    outb(COM1 + 1, 0x00);  /* IER: no interrupts */
    outb(COM1 + 3, 0x80);  /* LCR: DLAB */
    outb(COM1 + 0, 0x01);  /* divisor 1: 115200 baud */
    outb(COM1 + 1, 0x00);
    outb(COM1 + 3, 0x03);  /* 8N1 */
    outb(COM1 + 2, 0x07);  /* FIFOs on and cleared */
    outb(COM1 + 4, 0x0b);  /* DTR, RTS, OUT2 (on a PC, OUT2 gates the IRQ line); no loopback */
}

void con_putc(char c) {
    /* Bounded: a UART left in a strange state must not hang the kernel. */
    for (int i = 0; i < 100000 && !(inb(COM1 + 5) & 0x20); ++i) {
    }
    outb(COM1, (u8)c);
}

void con_puts(const char *s) {
    while (*s) {
        if (*s == '\n') con_putc('\r');
        con_putc(*s++);
    }
}

void con_hex(u32 v) {
    con_puts("0x");
    for (int shift = 28; shift >= 0; shift -= 4) con_putc("0123456789abcdef"[(v >> shift) & 0xf]);
}

void con_dec(u32 v) {
    char buf[12];
    int n = 0;
    do {
        buf[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n) con_putc(buf[--n]);
}

const char *cmdline(void) {
    if (mb_magic != 0x2BADB002u || !mb_info) return "";
    const u32 *info = (const u32 *)mb_info;
    if (!(info[0] & (1u << 2)) || !info[4]) return "";
    return (const char *)info[4];
}

static const char *find(const char *hay, const char *needle) {
    for (; *hay; ++hay) {
        const char *h = hay, *n = needle;
        while (*n && *h == *n) ++h, ++n;
        if (!*n) return h;
    }
    return 0;
}

int cmdline_has(const char *word) { return find(cmdline(), word) != 0; }

u32 cmdline_uint(const char *key, u32 fallback) {
    const char *p = find(cmdline(), key);
    if (!p) return fallback;
    u32 v = 0;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        for (p += 2;; ++p) {
            if (*p >= '0' && *p <= '9') v = v * 16 + (u32)(*p - '0');
            else if (*p >= 'a' && *p <= 'f') v = v * 16 + (u32)(*p - 'a' + 10);
            else if (*p >= 'A' && *p <= 'F') v = v * 16 + (u32)(*p - 'A' + 10);
            else break;
        }
        return v;
    }
    for (; *p >= '0' && *p <= '9'; ++p) v = v * 10 + (u32)(*p - '0');
    return v;
}

static u32 rng_state = 1;

void rng_seed(u32 seed) { rng_state = seed ? seed : 1; }

u32 rng_next(void) {
    u32 x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return rng_state = x;
}

void debug_exit(u32 status) {
    outl(DEBUG_EXIT_PORT, status);
    for (;;) __asm__ volatile("cli; hlt");
}

void pic_init(u8 master_mask, u8 slave_mask) {
    outb(0x20, 0x11);
    outb(0xa0, 0x11);
    outb(0x21, 0x20);
    outb(0xa1, 0x28);
    outb(0x21, 0x04);
    outb(0xa1, 0x02);
    outb(0x21, 0x01);
    outb(0xa1, 0x01);
    outb(0x21, master_mask);
    outb(0xa1, slave_mask);
}

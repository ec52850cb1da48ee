/* lib.h - helpers shared by the integration-test kernels (freestanding C and asm). */
#ifndef ITK_LIB_H
#define ITK_LIB_H

#define DEBUG_EXIT_PORT 0xf4
#define COM1 0x3f8

#ifndef __ASSEMBLER__

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;

static inline void outb(u16 port, u8 v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outw(u16 port, u16 v) { __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outl(u16 port, u32 v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }
static inline u8 inb(u16 port) { u8 v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline u16 inw(u16 port) { u16 v; __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline u32 inl(u16 port) { u32 v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }

extern u32 mb_magic, mb_info;  /* crt0.S: EAX and EBX at entry */

void serial_init(void);        /* COM1: 115200 8N1, FIFOs on, interrupts off */
void con_putc(char c);         /* polls LSR.THRE a bounded number of times */
void con_puts(const char *s);
void con_hex(u32 v);           /* 0x%08x */
void con_dec(u32 v);

const char *cmdline(void);     /* the Multiboot command line, "" when there is none */
int cmdline_has(const char *word);               /* substring match */
u32 cmdline_uint(const char *key, u32 fallback);  /* "key=N", decimal or 0x hex */

void rng_seed(u32 seed);       /* xorshift32; seed 0 becomes 1 */
u32 rng_next(void);

/* The 8259A pair as a PC has it: edge triggered, cascade on IR2, vectors 0x20 and 0x28,
 * 8086 mode; then these interrupt masks. */
void pic_init(u8 master_mask, u8 slave_mask);

void debug_exit(u32 status) __attribute__((noreturn));

#endif
#endif

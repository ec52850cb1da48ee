/* The small ABI shared by the guest kernel (C11, freestanding) and the host (C++20).
 * Plain #defines only, so both languages can include it. */
#ifndef FORKSCOPE_ABI_H
#define FORKSCOPE_ABI_H

/* QEMU isa-debug-exit compatible: a write of V ends the machine. forkscope exits with
 * status V; QEMU exits with (V << 1) | 1. */
#define FORKSCOPE_DEBUG_EXIT_PORT 0xf4

/* Legacy PC I/O map used by the kernel's drivers. */
#define FORKSCOPE_PIC_MASTER_PORT 0x20
#define FORKSCOPE_PIC_SLAVE_PORT  0xa0
#define FORKSCOPE_PIT_PORT        0x40
#define FORKSCOPE_CMOS_PORT       0x70
#define FORKSCOPE_COM1_PORT       0x3f8

#define FORKSCOPE_PIT_HZ      1193182u
#define FORKSCOPE_KERNEL_HZ   100u

/* The kernel's higher-half base: virtual = physical + FORKSCOPE_KERNEL_BASE. */
#define FORKSCOPE_KERNEL_BASE 0xC0000000u

#endif

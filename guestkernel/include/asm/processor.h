#ifndef _ASM_PROCESSOR_H
#define _ASM_PROCESSOR_H

#include <linux/compiler.h>
#include <linux/types.h>

static inline unsigned long read_cr0(void)
{
	unsigned long v;
	__asm__ __volatile__("movl %%cr0, %0" : "=r"(v));
	return v;
}

static inline unsigned long read_cr2(void)
{
	unsigned long v;
	__asm__ __volatile__("movl %%cr2, %0" : "=r"(v));
	return v;
}

static inline unsigned long read_cr3(void)
{
	unsigned long v;
	__asm__ __volatile__("movl %%cr3, %0" : "=r"(v));
	return v;
}

static inline unsigned long read_cr4(void)
{
	unsigned long v;
	__asm__ __volatile__("movl %%cr4, %0" : "=r"(v));
	return v;
}

static inline void write_cr0(unsigned long v)
{
	__asm__ __volatile__("movl %0, %%cr0" :: "r"(v) : "memory");
}

static inline void write_cr4(unsigned long v)
{
	__asm__ __volatile__("movl %0, %%cr4" :: "r"(v) : "memory");
}

static inline void cpu_relax(void) { __asm__ __volatile__("pause" ::: "memory"); }
static inline void halt(void)      { __asm__ __volatile__("hlt" ::: "memory"); }

/* The i386 hardware task-state segment. Only SS0:ESP0 (the ring-0 stack the CPU
 * switches to on an interrupt from ring 3) and the I/O map base are used. */
struct tss_struct {
	u16 back_link, __blh;
	u32 esp0;
	u16 ss0, __ss0h;
	u32 esp1;
	u16 ss1, __ss1h;
	u32 esp2;
	u16 ss2, __ss2h;
	u32 cr3, eip, eflags;
	u32 eax, ecx, edx, ebx, esp, ebp, esi, edi;
	u16 es, __esh, cs, __csh, ss, __ssh, ds, __dsh, fs, __fsh, gs, __gsh;
	u16 ldt, __ldth;
	u16 trace, io_bitmap_base;
} __packed;

extern struct tss_struct init_tss;

/* arch/boot.S: the boot (and, later, task 0's) kernel stack. */
extern unsigned char init_stack[];
extern unsigned char init_stack_top[];

#endif

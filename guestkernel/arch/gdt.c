/*
 * arch/gdt.c - the global descriptor table and the TSS.
 *
 * Flat segments (base 0, limit 4 GiB) for ring 0 and ring 3: protection comes from
 * paging, segments only carry the privilege level. The TSS is there for one reason:
 * on an interrupt from ring 3 the CPU loads SS0:ESP0 from it to find the kernel stack.
 */
#include <abi/forkscope.h>
#include <asm/desc.h>
#include <asm/processor.h>
#include <asm/segment.h>
#include <linux/kernel.h>

BUILD_BUG_ON(__KERNEL_CS != FORKSCOPE_KERNEL_CS || __KERNEL_DS != FORKSCOPE_KERNEL_DS);
BUILD_BUG_ON(__USER_CS != FORKSCOPE_USER_CS || __USER_DS != FORKSCOPE_USER_DS);
BUILD_BUG_ON(__TSS_SEL != FORKSCOPE_TSS_SEL);
BUILD_BUG_ON(sizeof(struct tss_struct) != 104);
BUILD_BUG_ON(sizeof(struct desc_struct) != 8);

/* access byte */
#define DESC_P        0x80
#define DESC_DPL(n)   ((n) << 5)
#define DESC_S        0x10     /* code/data (not system) */
#define DESC_CODE_RX  0x0A     /* execute/read */
#define DESC_DATA_RW  0x02     /* read/write */
#define DESC_TSS32    0x09     /* available 32-bit TSS */
/* flags nibble */
#define DESC_G        0x8      /* limit in 4 KiB units */
#define DESC_DB       0x4      /* 32-bit segment */

struct desc_struct gdt_table[GDT_ENTRIES] __aligned(8);
struct tss_struct init_tss __aligned(128);

static void set_desc(unsigned int idx, u32 base, u32 limit, u8 access, u8 flags)
{
	struct desc_struct *d = &gdt_table[idx];

	d->limit0 = limit & 0xffff;
	d->base0 = base & 0xffff;
	d->base1 = (base >> 16) & 0xff;
	d->access = access;
	d->limit1_flags = (u8)(((limit >> 16) & 0x0f) | (flags << 4));
	d->base2 = (base >> 24) & 0xff;
}

void __init gdt_init(void)
{
	struct desc_ptr gdtr;

	/* entry 0 stays null */
	set_desc(GDT_ENTRY_KERNEL_CS, 0, 0xfffff, DESC_P | DESC_DPL(0) | DESC_S | DESC_CODE_RX, DESC_G | DESC_DB);
	set_desc(GDT_ENTRY_KERNEL_DS, 0, 0xfffff, DESC_P | DESC_DPL(0) | DESC_S | DESC_DATA_RW, DESC_G | DESC_DB);
	set_desc(GDT_ENTRY_USER_CS,   0, 0xfffff, DESC_P | DESC_DPL(3) | DESC_S | DESC_CODE_RX, DESC_G | DESC_DB);
	set_desc(GDT_ENTRY_USER_DS,   0, 0xfffff, DESC_P | DESC_DPL(3) | DESC_S | DESC_DATA_RW, DESC_G | DESC_DB);

	init_tss.ss0 = __KERNEL_DS;
	init_tss.esp0 = (u32)init_stack_top;
	/* An I/O bitmap offset past the limit means "no bitmap": ring 3 port access faults. */
	init_tss.io_bitmap_base = sizeof(init_tss);
	set_desc(GDT_ENTRY_TSS, (u32)&init_tss, sizeof(init_tss) - 1, DESC_P | DESC_DPL(0) | DESC_TSS32, 0);

	gdtr.size = sizeof(gdt_table) - 1;
	gdtr.address = (u32)gdt_table;
	__asm__ __volatile__("lgdt %0" :: "m"(gdtr));

	/* Reload every segment register so none keeps a descriptor cached from the
	 * loader's GDT; a far jump reloads CS. */
	__asm__ __volatile__(
		"movl %0, %%ds\n\t"
		"movl %0, %%es\n\t"
		"movl %0, %%fs\n\t"
		"movl %0, %%gs\n\t"
		"movl %0, %%ss\n\t"
		"ljmp %1, $1f\n"
		"1:"
		:: "r"((u32)__KERNEL_DS), "i"(__KERNEL_CS) : "memory");

	__asm__ __volatile__("ltr %w0" :: "r"((u16)__TSS_SEL));
}

#ifndef _ASM_MSR_H
#define _ASM_MSR_H

/* Model-specific registers the kernel writes. */
#define MSR_IA32_SYSENTER_CS  0x174   /* sysenter's CS (SS = CS + 8); sysexit's CS/SS = +16/+24 */
#define MSR_IA32_SYSENTER_ESP 0x175
#define MSR_IA32_SYSENTER_EIP 0x176

#ifndef __ASSEMBLER__
#include <linux/types.h>

static inline void wrmsr(u32 msr, u32 low, u32 high)
{
	__asm__ __volatile__("wrmsr" :: "c"(msr), "a"(low), "d"(high) : "memory");
}
#endif

#endif

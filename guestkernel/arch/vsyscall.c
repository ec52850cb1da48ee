/*
 * arch/vsyscall.c - the vsyscall page and the sysenter entry, as Linux 2.6 i386 had them.
 *
 * int 0x80 goes through the IDT: a gate lookup, privilege checks, a stack switch
 * through the TSS, and an iret back, each with its segment loads. sysenter/sysexit
 * skip all that (flat segments, no memory reads), but sysenter saves no return address
 * and no stack pointer, so the kernel must return to a place it knows. That place is
 * in the vDSO (vdso/vdso.S): a one-page ELF shared object inside the kernel image
 * (arch/vdso_image.S), mapped read-only with the user bit at VDSO_BASE.
 *
 * The mapping lives in the kernel half of the page tables, which every page directory
 * copies from swapper_pg_dir (mm/memory.c: pgd_alloc), so every process has it with
 * nothing for fork to copy or exec to map, as on Linux before 2.6.18 (whose gate area
 * was this same page). exec passes its address (AT_SYSINFO_EHDR) and its entry
 * (AT_SYSINFO, __kernel_vsyscall); a program that calls the entry takes sysenter, and
 * int 0x80 keeps working for every program.
 *
 * "vdso=0" on the command line leaves the page out (as Linux's vdso=0): exec then
 * offers neither, and programs use int 0x80.
 */
#include <abi/forkscope.h>
#include <asm/msr.h>
#include <asm/page.h>
#include <asm/pgtable.h>
#include <asm/processor.h>
#include <asm/segment.h>
#include <asm/vsyscall.h>
#include <linux/init.h>
#include <linux/kernel.h>

#define X86_FEATURE_SEP (1u << 11)   /* CPUID.1:EDX: sysenter/sysexit */

extern const char vdso_image_start[], vdso_image_end[];

bool vdso_enabled;

/* The page table for the top 4 MiB, where the vDSO's page is the only entry. */
static pte_t vsyscall_pt[PTRS_PER_PTE] __section(".bss.page_aligned") __aligned(PAGE_SIZE);

BUILD_BUG_ON(VDSO_BASE != FORKSCOPE_VDSO_BASE);
BUILD_BUG_ON(VDSO_BASE & ~PAGE_MASK);

void sysenter_set_stack(unsigned long esp0)
{
	if (vdso_enabled)
		wrmsr(MSR_IA32_SYSENTER_ESP, esp0, 0);
}

void __init vsyscall_init(void)
{
	unsigned int eax = 1, ebx, ecx, edx;

	if (!vdso_option) {
		printk(KERN_DEBUG "vsyscall: off (vdso=0), system calls through int 0x80\n");
		return;
	}
	__asm__ __volatile__("cpuid" : "+a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx));
	if (!(edx & X86_FEATURE_SEP)) {
		printk(KERN_DEBUG "vsyscall: the CPU has no sysenter, system calls through int 0x80\n");
		return;
	}
	/* Before any process exists: every page directory made later copies this. */
	vsyscall_pt[pte_index(VDSO_BASE)] = __pa(vdso_image_start) | _PAGE_USER | _PAGE_PRESENT;
	swapper_pg_dir[pgd_index(VDSO_BASE)] = __pa(vsyscall_pt) | _PAGE_USER | _PAGE_RW | _PAGE_PRESENT;
	__flush_tlb_one(VDSO_BASE);

	wrmsr(MSR_IA32_SYSENTER_CS, __KERNEL_CS, 0);
	wrmsr(MSR_IA32_SYSENTER_EIP, (unsigned long)sysenter_entry, 0);
	vdso_enabled = true;
	sysenter_set_stack(init_tss.esp0);
	printk(KERN_DEBUG "vsyscall: vDSO (%lu bytes) at 0x%08lx, sysenter entry at 0x%08lx\n",
	       (unsigned long)(vdso_image_end - vdso_image_start), VDSO_BASE,
	       (unsigned long)__kernel_vsyscall);
}

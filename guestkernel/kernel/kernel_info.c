/*
 * kernel/kernel_info.c - the kernel-info table for the host (like Linux's VMCOREINFO).
 *
 * Link-time constants only: symbol addresses, structure offsets and sizes, and the
 * constants whose values the host must know, each under a name that says what it is
 * (layout in <abi/forkscope.h>). The table lives in a section of the ELF file that is
 * never loaded (linker.ld); the host reads it from the kernel image
 * (emulator/introspect/kernel_info.cpp) and finds everything it shows - tasks, mms,
 * VMAs, page tables, frames - through it, so a change of layout here needs no change
 * there.
 */
#include <abi/forkscope.h>
#include <asm/page.h>
#include <asm/ptrace.h>
#include <asm/vsyscall.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/sched.h>

struct kernel_info_entry {
	char name[FORKSCOPE_KINFO_NAME_LEN];
	u32 value;
};
_Static_assert(sizeof(struct kernel_info_entry) == FORKSCOPE_KINFO_ENTRY_SIZE, "abi/forkscope.h");

#define FIELD(t, f)       (((struct t *)0)->f)
#define SYMBOL(s)         { "SYMBOL(" #s ")", (u32)&(s) }
#define OFFSET(t, f)      { "OFFSET(" #t "." #f ")", offsetof(struct t, f) }
#define SIZE(t)           { "SIZE(" #t ")", sizeof(struct t) }
#define FIELD_SIZE(t, f)  { "SIZE(" #t "." #f ")", sizeof(FIELD(t, f)) }
#define LENGTH(t, f)      { "LENGTH(" #t "." #f ")", sizeof(FIELD(t, f)) / sizeof(FIELD(t, f)[0]) }
#define NUMBER(n)         { "NUMBER(" #n ")", (u32)(n) }

extern volatile unsigned long jiffies;

static const struct kernel_info_entry kernel_info[]
	__attribute__((section(FORKSCOPE_KINFO_SECTION), used)) = {
	{ FORKSCOPE_KINFO_HEADER, FORKSCOPE_KINFO_VERSION },

	SYMBOL(current_task), SYMBOL(init_task), SYMBOL(task_list), SYMBOL(init_mm),
	SYMBOL(swapper_pg_dir), SYMBOL(mem_map), SYMBOL(max_pfn), SYMBOL(nr_free_pages),
	SYMBOL(totalram_pages), SYMBOL(jiffies),
	SYMBOL(vdso_sysenter_return),   /* where sysenter's system calls come back (asm/vsyscall.h) */
	NUMBER(PAGE_OFFSET),

	OFFSET(list_head, next),

	SIZE(task_struct),
	OFFSET(task_struct, state), OFFSET(task_struct, flags), OFFSET(task_struct, pid),
	OFFSET(task_struct, tgid), OFFSET(task_struct, real_parent), OFFSET(task_struct, tasks),
	OFFSET(task_struct, exit_state), OFFSET(task_struct, exit_code), OFFSET(task_struct, mm),
	OFFSET(task_struct, active_mm), OFFSET(task_struct, files), OFFSET(task_struct, utime),
	OFFSET(task_struct, stime), OFFSET(task_struct, comm), LENGTH(task_struct, comm),
	OFFSET(task_struct, stack), NUMBER(THREAD_SIZE),
	SIZE(pt_regs), OFFSET(pt_regs, cs), OFFSET(pt_regs, esp),
	NUMBER(TASK_RUNNING), NUMBER(TASK_INTERRUPTIBLE), NUMBER(TASK_UNINTERRUPTIBLE),
	NUMBER(TASK_DEAD), NUMBER(EXIT_ZOMBIE), NUMBER(EXIT_DEAD), NUMBER(PF_KTHREAD),
	/* A switched-out task's saved kernel registers (arch/process.c): thread.esp points
	 * at what __switch_to_asm pushed - edi, esi, ebx, ebp, then the return address. */
	OFFSET(task_struct, thread), OFFSET(thread_struct, esp), NUMBER(PID_MAX),

	SIZE(mm_struct),
	OFFSET(mm_struct, mmap), OFFSET(mm_struct, pgd), OFFSET(mm_struct, mm_users),
	OFFSET(mm_struct, mm_count), OFFSET(mm_struct, map_count), OFFSET(mm_struct, start_code),
	OFFSET(mm_struct, end_code), OFFSET(mm_struct, start_data), OFFSET(mm_struct, end_data),
	OFFSET(mm_struct, start_brk), OFFSET(mm_struct, brk), OFFSET(mm_struct, start_stack),
	OFFSET(mm_struct, total_vm), OFFSET(mm_struct, rss),

	OFFSET(vm_area_struct, vm_start), OFFSET(vm_area_struct, vm_end),
	OFFSET(vm_area_struct, vm_next), OFFSET(vm_area_struct, vm_flags),
	OFFSET(vm_area_struct, vm_file), OFFSET(vm_area_struct, vm_pgoff),
	NUMBER(VM_READ), NUMBER(VM_WRITE), NUMBER(VM_EXEC), NUMBER(VM_SHARED), NUMBER(VM_MAYSHARE),
	NUMBER(VM_GROWSDOWN), NUMBER(VM_DONTCOPY), NUMBER(VM_FAULT_OK),

	OFFSET(files_struct, fd), LENGTH(files_struct, fd),
	OFFSET(file, f_inode), OFFSET(file, f_path),
	OFFSET(inode, i_ino), OFFSET(inode, i_nlink), OFFSET(inode, i_sb),
	OFFSET(super_block, s_dev), OFFSET(super_block, s_transient), FIELD_SIZE(super_block, s_transient),

	SIZE(page),
	OFFSET(page, kind), FIELD_SIZE(page, kind), OFFSET(page, order), FIELD_SIZE(page, order),
	OFFSET(page, flags), FIELD_SIZE(page, flags), OFFSET(page, count), FIELD_SIZE(page, count),
	NUMBER(PG_FREE), NUMBER(PG_RESERVED), NUMBER(PG_KERNEL), NUMBER(PG_PGTABLE), NUMBER(PG_ANON),
	NUMBER(PG_CACHE),
};

/*
 * kernel/kernel_info.c - the kernel-info table for the host (like Linux's VMCOREINFO).
 *
 * Link-time constants only: symbol addresses and structure offsets, in a section of
 * the ELF file that is never loaded (linker.ld). The host reads it from the kernel
 * image (emulator/introspect/kernel_info.cpp) to find the running task, its pid and
 * its name without hard-coding any of them. The layout and keys are in
 * <abi/forkscope.h>.
 */
#include <abi/forkscope.h>
#include <linux/kernel.h>
#include <linux/sched.h>

#define ENTRY(key, value) { (key), (u32)(value) }
#define NR_ENTRIES 6

static const u32 kernel_info[NR_ENTRIES][2]
	__attribute__((section(FORKSCOPE_KINFO_SECTION), used)) = {
	ENTRY(FORKSCOPE_KINFO_MAGIC, NR_ENTRIES),
	ENTRY(FORKSCOPE_KINFO_CURRENT_TASK, &current_task),
	ENTRY(FORKSCOPE_KINFO_TASK_PID, offsetof(struct task_struct, pid)),
	ENTRY(FORKSCOPE_KINFO_TASK_TGID, offsetof(struct task_struct, tgid)),
	ENTRY(FORKSCOPE_KINFO_TASK_COMM, offsetof(struct task_struct, comm)),
	ENTRY(FORKSCOPE_KINFO_TASK_COMM_LEN, sizeof(((struct task_struct *)0)->comm)),
};

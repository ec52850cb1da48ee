// The kernel-info table (guestkernel/include/abi/forkscope.h, like Linux's VMCOREINFO):
// the guest kernel's symbol addresses and structure offsets, read from the section its
// ELF image carries. Everything in introspect/ that reads kernel state learns its
// layout here; nothing on the host hard-codes a guest address or offset.
#pragma once
#include <cstdint>
#include <span>

#include "base/result.h"

namespace forkscope {

struct KernelInfo {
    uint32_t current_task = 0;      // address of `struct task_struct *current_task`
    uint32_t task_pid = 0, task_tgid = 0, task_comm = 0, task_comm_len = 0;
};

// Reads the table from a kernel ELF file. Errors (ErrorKind::BadImage): not an ELF32
// file, no FORKSCOPE_KINFO_SECTION section (a kernel built without it), a bad magic or
// count, a key this reader needs that the table lacks.
Result<KernelInfo> read_kernel_info(std::span<const uint8_t> elf);

}  // namespace forkscope

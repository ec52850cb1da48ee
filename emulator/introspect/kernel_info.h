// The kernel-info table (guestkernel/include/abi/forkscope.h, like Linux's VMCOREINFO):
// the guest kernel's symbol addresses, structure offsets and sizes and constants, by
// name ("SYMBOL(current_task)", "OFFSET(task_struct.pid)", "NUMBER(PG_ANON)"), read from
// the section its ELF image carries. Everything in introspect/ that reads kernel state
// learns its layout here; nothing on the host hard-codes a guest address or offset.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>

#include "base/result.h"

namespace forkscope {

class KernelInfo {
public:
    // Reads the table from a kernel ELF file. Errors (ErrorKind::BadImage): not an ELF32
    // file, no FORKSCOPE_KINFO_SECTION section (a kernel built without it), a malformed
    // section, a table of another version.
    static Result<KernelInfo> read(std::span<const uint8_t> elf);

    // The value of `name`; nullopt when the kernel does not export it.
    std::optional<uint32_t> find(const std::string& name) const;
    // The value of `name`; an error naming it when the kernel does not export it.
    Result<uint32_t> get(const std::string& name) const;
    size_t size() const { return entries_.size(); }

    // What the system call trace needs, resolved by read().
    uint32_t current_task = 0;  // SYMBOL(current_task): struct task_struct *current_task
    uint32_t task_pid = 0, task_tgid = 0, task_comm = 0, task_comm_len = 0;

private:
    std::map<std::string, uint32_t> entries_;
};

inline Result<KernelInfo> read_kernel_info(std::span<const uint8_t> elf) { return KernelInfo::read(elf); }

}  // namespace forkscope

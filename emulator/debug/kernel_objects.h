// KernelObjects: what a kernel object pointer points at, for the value printer — a
// struct task_struct * as `pid 3 "forktest" R`, a struct mm_struct * as `users 2, 5
// vmas`, a struct vm_area_struct * as `0x08048000-0x0804a000 r-xp /bin/forktest`, a
// struct page * as `pfn 0x1234 count 2 anon` — from a KernelSnapshot taken at the
// stop (the same facts ps, maps and frames print). An object the snapshot does not
// list (the task copy_process is building, an mm not yet any task's) is read through
// its DWARF type instead and says so.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "emulator/debug/value.h"
#include "emulator/introspect/kernel_state.h"

namespace forkscope {

class DebugInfo;

class KernelObjects {
public:
    // All three must outlive it. memory reads the objects the snapshot lacks.
    KernelObjects(const KernelSnapshot& snapshot, const DebugInfo& info, ReadMemory memory);

    // The description of the object of type `pointee` at addr, or nullopt for other
    // types and for addresses that hold no such object (a struct page * outside mem_map).
    std::optional<std::string> describe(const Type* pointee, uint32_t addr) const;

private:
    std::optional<std::string> task(uint32_t addr) const;
    std::optional<std::string> mm(uint32_t addr) const;
    std::optional<std::string> vma(uint32_t addr) const;
    std::optional<std::string> page(uint32_t addr) const;
    // A member of the struct at addr, as an unsigned integer, through DWARF.
    std::optional<uint64_t> member(const char* type, uint32_t addr, const char* name, std::string* text = nullptr) const;

    const KernelSnapshot& snapshot_;
    const DebugInfo& info_;
    ReadMemory memory_;
};

}  // namespace forkscope

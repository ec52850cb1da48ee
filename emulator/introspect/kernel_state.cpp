#include "emulator/introspect/kernel_state.h"

#include <algorithm>

#include "emulator/page_walker.h"

namespace forkscope {

bool PdeState::large() const { return (entry & pte::kLargePage) != 0; }

uint32_t PageMapping::effective() const {
    const uint32_t both = pte::kWritable | pte::kUser;
    return size == 4096 ? (pde & pte & both) : (pde & both);
}

const VmaState* MmState::find_vma(uint32_t vaddr) const {
    auto it = std::upper_bound(vmas.begin(), vmas.end(), vaddr,
                               [](uint32_t a, const VmaState& v) { return a < v.end; });
    return it != vmas.end() && it->start <= vaddr ? &*it : nullptr;
}

const TaskState* KernelSnapshot::find_task(int pid) const {
    for (const TaskState& t : tasks)
        if (t.pid == pid) return &t;
    return nullptr;
}

const MmState* KernelSnapshot::mm_of(const TaskState& t) const {
    auto it = mms.find(t.mm);
    return t.mm && it != mms.end() ? &it->second : nullptr;
}

const TaskState* KernelSnapshot::current_task() const {
    for (const TaskState& t : tasks)
        if (t.current) return &t;
    return nullptr;
}

const char* frame_kind_name(FrameKind k) {
    switch (k) {
    case FrameKind::Free: return "free";
    case FrameKind::Reserved: return "reserved";
    case FrameKind::Kernel: return "kernel";
    case FrameKind::PageTable: return "pgtable";
    case FrameKind::Anon: return "anon";
    case FrameKind::Cache: return "cache";
    case FrameKind::Unknown: break;
    }
    return "unknown";
}

}  // namespace forkscope

#include "frontend/gui/task_memory.h"

#include <algorithm>

#include "base/hex.h"

namespace forkscope::gui {

using format::detail::kPageSize;

size_t VmaPages::resident() const {
    return static_cast<size_t>(std::count_if(frames.begin(), frames.end(), [](const auto& f) { return f.has_value(); }));
}

std::vector<VmaPages> vma_pages(const KernelSnapshot& snap, const MmState& mm) {
    const auto pages = format::detail::pages_by_address(snap, mm, format::AddressRange{});
    std::vector<VmaPages> out;
    for (const VmaState& v : mm.vmas) {
        VmaPages vp;
        vp.vma = &v;
        for (uint64_t a = v.start; a < v.end; a += kPageSize) {
            auto it = pages.find(static_cast<uint32_t>(a));
            vp.frames.push_back(it == pages.end() ? std::nullopt : std::optional<uint32_t>(it->second.paddr >> 12));
        }
        out.push_back(std::move(vp));
    }
    return out;
}

std::optional<PageTableView> page_table_view(const KernelSnapshot& snap, int pid) {
    const TaskState* t = snap.find_task(pid);
    if (!t) return std::nullopt;
    PageTableView v;
    v.task = t;
    v.mm = snap.mm_of(*t);
    v.header = "pid " + std::to_string(t->pid) + " (" + t->comm + ")";
    if (!v.mm) {
        v.header += ": no user page tables";
        return v;
    }
    v.header += " mm " + hex8(v.mm->addr) + " CR3 " + hex8(v.mm->pgd);
    const TaskState* parent = t->ppid != t->pid ? snap.find_task(t->ppid) : nullptr;
    const MmState* parent_mm = parent ? snap.mm_of(*parent) : nullptr;
    if (parent_mm && parent_mm == v.mm) {
        v.shares_parent_mm = true;
        v.header += "; shares its parent's mm (pid " + std::to_string(parent->pid) + ")";
        parent_mm = nullptr;
    } else if (parent_mm) {
        v.parent = parent;
        v.header += "; against parent pid " + std::to_string(parent->pid) + " (" + parent->comm + ")";
    }
    v.rows = format::detail::compare_mms(snap, *v.mm, parent_mm, format::AddressRange{}, false);
    return v;
}

std::optional<uint32_t> frame_mapped(const KernelSnapshot& snap, int pid, uint32_t vaddr) {
    const TaskState* t = snap.find_task(pid);
    const MmState* mm = t ? snap.mm_of(*t) : nullptr;
    if (!mm) return std::nullopt;
    for (const PageMapping& m : mm->pages)
        if (vaddr >= m.vaddr && uint64_t(vaddr) < uint64_t(m.vaddr) + m.size) return (m.paddr + (vaddr - m.vaddr)) >> 12;
    return std::nullopt;
}

std::optional<uint32_t> address_of_frame(const KernelSnapshot& snap, int pid, uint32_t pfn) {
    const TaskState* t = snap.find_task(pid);
    const MmState* mm = t ? snap.mm_of(*t) : nullptr;
    if (!mm) return std::nullopt;
    for (const PageMapping& m : mm->pages)
        for (uint32_t off = 0; off < m.size; off += kPageSize)
            if ((m.paddr + off) >> 12 == pfn) return m.vaddr + off;
    return std::nullopt;
}

std::string range_text(uint32_t start, uint64_t end) { return hex8(start) + "-" + hex8(static_cast<uint32_t>(end - 1)); }

}  // namespace forkscope::gui

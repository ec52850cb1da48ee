// What the Address space and Page tables panels show of one task, as plain data: its
// VMAs with their resident pages, its user page tables compared with its parent's (as
// `forkscope pt --diff` compares them), and `pt --explain` for a selected address. Pure
// functions of a KernelSnapshot, so the UI state (ui_state.h) says exactly what was drawn.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "emulator/introspect/kernel_state.h"
#include "frontend/format/common.h"

namespace forkscope::gui {

// One VMA and its pages: resident[i] is the frame of page i (start + i * 4096), or none.
struct VmaPages {
    const VmaState* vma = nullptr;
    std::vector<std::optional<uint32_t>> frames;  // pfns
    size_t resident() const;
};
std::vector<VmaPages> vma_pages(const KernelSnapshot& snap, const MmState& mm);

// A task's user page tables against its parent's.
struct PageTableView {
    const TaskState* task = nullptr;
    const MmState* mm = nullptr;       // null: no user page tables (a kernel thread, a zombie)
    const TaskState* parent = nullptr; // the one compared with; null: none with page tables of its own
    bool shares_parent_mm = false;     // a thread or vfork child: the parent's tables are its own
    std::vector<format::detail::CompareRow> rows;  // user half, runs merged
    std::string header;                // "pid 3 (forktest) mm 0x.. CR3 0x..; against parent pid 2 (forktest)"
};
std::optional<PageTableView> page_table_view(const KernelSnapshot& snap, int pid);

// The frame that task pid maps at vaddr, if any.
std::optional<uint32_t> frame_mapped(const KernelSnapshot& snap, int pid, uint32_t vaddr);
// The first user address of task pid that maps frame pfn, if any.
std::optional<uint32_t> address_of_frame(const KernelSnapshot& snap, int pid, uint32_t pfn);

// "0x0804c000-0x0804cfff": a compare row's range.
std::string range_text(uint32_t start, uint64_t end);

}  // namespace forkscope::gui

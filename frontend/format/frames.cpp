// frames: physical memory by what each frame holds (mem_map[pfn].kind) and its
// reference count; --frame PFN: every page table entry that maps one frame; --shared:
// the frames that more than one user page table entry maps (the kernel half's direct
// map of all low memory is not counted there: it maps every frame).
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>

#include "frontend/format/common.h"

namespace forkscope::format {

using namespace detail;

namespace {

constexpr FrameKind kKinds[] = {FrameKind::Free, FrameKind::Reserved, FrameKind::Kernel, FrameKind::PageTable,
                                FrameKind::Anon, FrameKind::Cache, FrameKind::Unknown};
constexpr int kCountColumns = 5;  // 0, 1, 2, 3, 4+

int count_column(int32_t count) { return count < 0 ? -1 : std::min<int32_t>(count, kCountColumns - 1); }

std::string mm_tasks(const KernelSnapshot& snap, const MmState& mm) {
    std::vector<const TaskState*> tasks;
    for (const TaskState& t : snap.tasks)
        if (t.mm == mm.addr) tasks.push_back(&t);
    return tasks.empty() ? fmt::format("mm {} (no task)", hex8(mm.addr)) : tasks_text(tasks);
}

std::vector<Cell> user_row(const KernelSnapshot& snap, const FrameUser& u) {
    const VmaState* vma = u.mm->find_vma(u.vaddr);
    const bool cow = is_cow(snap, vma, *u.m);
    return {{mm_tasks(snap, *u.mm)},
            {hex8(u.vaddr)},
            {flag_columns(entry_flags(*u.m)), Colour::Cyan},
            {cow ? "cow" : "", Colour::Yellow},
            {vma ? vma_text(*vma) : "(in no VMA)", vma ? Colour::None : Colour::Red}};
}

}  // namespace

std::string frames_table(const KernelSnapshot& snap, const FramesOptions& opt) {
    std::map<FrameKind, std::array<uint32_t, kCountColumns + 2>> rows;  // [0] negative, [6] total
    std::array<uint32_t, kCountColumns + 2> total{};
    for (const FrameState& f : snap.frames) {
        auto& row = rows[f.kind];
        const size_t col = size_t(count_column(f.count) + 1);
        row[col]++, row[kCountColumns + 1]++;
        total[col]++, total[kCountColumns + 1]++;
    }
    const bool negative = total[0] != 0;  // a count below 0 is a kernel bug: show it
    Table t;
    std::vector<Cell> head = {{"KIND", Colour::Bold}};
    if (negative) head.push_back({"<0", Colour::Bold, true});
    for (const char* h : {"0", "1", "2", "3", "4+", "TOTAL"}) head.push_back({h, Colour::Bold, true});
    t.add(head);
    auto add = [&](std::string name, const std::array<uint32_t, kCountColumns + 2>& counts, Colour c) {
        std::vector<Cell> row = {{std::move(name), c}};
        for (size_t i = negative ? 0 : 1; i < counts.size(); i++)
            row.push_back({std::to_string(counts[i]), i == 0 && counts[i] ? Colour::Red : Colour::None, true});
        t.add(row);
    };
    for (FrameKind k : kKinds)
        if (rows.count(k)) add(frame_kind_name(k), rows[k], Colour::None);
    add("total", total, Colour::Bold);
    const uint32_t free_frames = rows.count(FrameKind::Free) ? rows[FrameKind::Free][kCountColumns + 1] : 0;
    return t.render(opt.colour) +
           fmt::format("{} frames, {} free (nr_free_pages {}), totalram_pages {}\n", snap.frames.size(), free_frames,
                       snap.nr_free_pages, snap.totalram_pages);
}

Result<std::string> frame_users(const KernelSnapshot& snap, uint32_t pfn, const FramesOptions& opt) {
    if (pfn >= snap.frames.size())
        return usage(fmt::format("pfn {:#x} is beyond the frame map (pfns 0x0-{:#x})", pfn,
                                 snap.frames.empty() ? 0 : snap.frames.size() - 1));
    const FrameState& f = snap.frames[pfn];
    const auto users = user_mappings(snap);
    auto it = users.find(pfn);
    const size_t n = it == users.end() ? 0 : it->second.size();
    std::string out = paint(fmt::format("pfn {:#x} (physical {}): {}, count {}, order {}; {} user mapping{}", pfn,
                                        hex8(pfn * kPageSize), frame_kind_name(f.kind), f.count, f.order, n,
                                        n == 1 ? "" : "s"),
                            Colour::Bold, opt.colour) +
                      '\n';
    Table t;
    if (it != users.end())
        for (const FrameUser& u : it->second) t.add(user_row(snap, u));
    for (const PageMapping& m : snap.kernel_pages)
        if (pfn * uint64_t(kPageSize) >= m.paddr && pfn * uint64_t(kPageSize) < uint64_t(m.paddr) + m.size)
            t.add({{"kernel"}, {hex8(m.vaddr + (pfn * kPageSize - m.paddr))},
                   {flag_columns(entry_flags(m)), Colour::Cyan}, {""}, {"(kernel half)", Colour::Dim}});
    return out + t.render(opt.colour, "  ");
}

std::string frames_shared(const KernelSnapshot& snap, const FramesOptions& opt) {
    std::string out;
    for (const auto& [pfn, list] : user_mappings(snap)) {
        if (list.size() < 2) continue;
        const FrameState* f = pfn < snap.frames.size() ? &snap.frames[pfn] : nullptr;
        out += paint(fmt::format("pfn {:#x} (physical {}): {}, count {}, {} user mappings", pfn,
                                 hex8(pfn * kPageSize), f ? frame_kind_name(f->kind) : "beyond the frame map",
                                 f ? std::to_string(f->count) : "?", list.size()),
                     Colour::Bold, opt.colour) +
               '\n';
        Table t;
        for (const FrameUser& u : list) t.add(user_row(snap, u));
        out += t.render(opt.colour, "  ");
    }
    return out.empty() ? "no frame is mapped by more than one user page table entry\n" : out;
}

}  // namespace forkscope::format

// pt --since: what changed in one task's user page tables between an earlier snapshot
// and this one, page by page (runs merged); pages that did not change are left out.
//
//   added     mapped now, not before          removed   mapped before, not now
//   frame     another frame (a copy-on-write copy, a new page after munmap + mmap)
//   flags     the same frame, other flags (NOTE names them: "+W", "-D")
//   count     the same frame and flags, another reference count (the other side of
//             a copy-on-write: its frame lost a sharer)
#include <fmt/format.h>

#include <set>

#include "emulator/page_walker.h"
#include "frontend/format/common.h"

namespace forkscope::format {

using namespace detail;

namespace {

std::string flag_change(uint32_t before, uint32_t after) {
    std::string note;
    for (auto [bit, name] : {std::pair{pte::kWritable, "W"}, {pte::kUser, "U"}, {pte::kAccessed, "A"},
                             {pte::kDirty, "D"}, {pte::kGlobal, "G"}, {pte::kWriteThrough, "PWT"},
                             {pte::kCacheDisable, "PCD"}})
        if ((before ^ after) & bit) note += fmt::format("{}{}{}", note.empty() ? "" : " ", (after & bit) ? '+' : '-', name);
    return note;
}

// The row for a page that changed, or nullopt.
std::optional<CompareRow> change(uint32_t vaddr, const PageView* before, const PageView* after,
                                 const VmaState* vma) {
    CompareRow row;
    row.vaddr = vaddr;
    row.end = uint64_t(vaddr) + kPageSize;
    row.vma = vma;
    if (before) row.left = *before;
    if (after) row.right = *after;
    if (!before || !after) {
        row.status = after ? "added" : "removed";
        row.colour = after ? Colour::Green : Colour::Red;
        return row;
    }
    if (before->flags != after->flags) row.note = flag_change(before->flags, after->flags);
    if (before->paddr != after->paddr) {
        row.status = "frame";
        row.colour = Colour::Magenta;
    } else if (before->flags != after->flags) {
        row.status = "flags";
        row.colour = Colour::Yellow;
    } else if (before->count != after->count) {
        row.status = "count";
        row.colour = Colour::Cyan;
    } else {
        return std::nullopt;
    }
    return row;
}

}  // namespace

Result<std::string> pt_since(const KernelSnapshot& before, const KernelSnapshot& after, int pid,
                             const PtOptions& opt) {
    auto now = find_task(after, pid);
    if (!now) return now.error();
    const TaskState* then = before.find_task(pid);
    if (!then)
        return usage(fmt::format("pid {} did not exist in the earlier snapshot (pids then: {})", pid,
                                 pid_list(before)));
    const MmState* mm_before = before.mm_of(*then);
    const MmState* mm_after = after.mm_of(**now);
    std::string out = paint(fmt::format("pid {} ({}): instruction {} -> {}; mm {} CR3 {} -> mm {} CR3 {}", pid,
                                        (*now)->comm, before.instructions, after.instructions,
                                        mm_before ? hex8(mm_before->addr) : "-", mm_before ? hex8(mm_before->pgd) : "-",
                                        mm_after ? hex8(mm_after->addr) : "-", mm_after ? hex8(mm_after->pgd) : "-"),
                            Colour::Bold, opt.colour) +
                      '\n';
    const std::map<uint32_t, PageView> none;
    const auto pb = mm_before ? pages_by_address(before, *mm_before, opt.range) : none;
    const auto pa = mm_after ? pages_by_address(after, *mm_after, opt.range) : none;
    std::set<uint32_t> addresses;
    for (const auto& [v, p] : pb) addresses.insert(v);
    for (const auto& [v, p] : pa) addresses.insert(v);
    std::vector<CompareRow> rows;
    for (uint32_t v : addresses) {
        auto ib = pb.find(v);
        auto ia = pa.find(v);
        const PageView* b = ib == pb.end() ? nullptr : &ib->second;
        const PageView* a = ia == pa.end() ? nullptr : &ia->second;
        const VmaState* vma = a ? mm_after->find_vma(v) : mm_before->find_vma(v);
        if (auto row = change(v, b, a, vma)) add_compare_row(rows, std::move(*row), opt.no_merge);
    }
    if (rows.empty()) return out + "no change\n";
    return out + render_compare(rows, "BEFORE", "AFTER", opt.colour);
}

}  // namespace forkscope::format

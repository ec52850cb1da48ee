// pt --diff A,B: two tasks' user page tables side by side, page by page by virtual
// address, runs merged. Every mapped page is listed, the equal ones too, because after
// fork the interesting fact is what is shared:
//
//   same frame   both map the same frame with the same flags
//   flags        the same frame, different flags (NOTE says which, e.g. "W only in A")
//   frame        different frames
//   only in A    mapped in A only (and "only in B")
//
// NOTE "cow" marks a frame both map read-only although the VMA is writable and
// private (the W that fork cleared on both sides): "same frame, ro ... count 2, cow"
// is the page the next write by either task copies.
#include <fmt/format.h>

#include <set>

#include "emulator/page_walker.h"
#include "frontend/format/common.h"

namespace forkscope::format {

using namespace detail;

namespace {

std::string flag_difference(uint32_t a, uint32_t b) {
    std::string note;
    for (auto [bit, name] : {std::pair{pte::kWritable, "W"}, {pte::kUser, "U"}, {pte::kAccessed, "A"},
                             {pte::kDirty, "D"}, {pte::kGlobal, "G"}, {pte::kWriteThrough, "PWT"},
                             {pte::kCacheDisable, "PCD"}}) {
        if ((a ^ b) & bit) note += fmt::format("{}{} only in {}", note.empty() ? "" : ", ", name, (a & bit) ? 'A' : 'B');
    }
    return note;
}

CompareRow compare_page(uint32_t vaddr, const PageView* a, const PageView* b, const VmaState* vma) {
    CompareRow row;
    row.vaddr = vaddr;
    row.end = uint64_t(vaddr) + kPageSize;
    row.vma = vma;
    if (a) row.left = *a;
    if (b) row.right = *b;
    if (!a || !b) {
        row.status = a ? "only in A" : "only in B";
        row.colour = a ? Colour::Red : Colour::Green;
    } else if (a->paddr != b->paddr) {
        row.status = "frame";
        row.colour = Colour::Magenta;
    } else if (a->flags != b->flags) {
        row.status = "flags";
        row.colour = Colour::Yellow;
        row.note = flag_difference(a->flags, b->flags);
    } else {
        row.status = "same frame";
        const bool read_only = !(a->flags & pte::kWritable);
        if (read_only && vma && vma->private_writable() && a->count && *a->count > 1) row.note = "cow";
    }
    return row;
}

}  // namespace

namespace detail {

std::vector<CompareRow> compare_mms(const KernelSnapshot& snap, const MmState& a, const MmState* b,
                                    const AddressRange& range, bool no_merge) {
    const auto pa = pages_by_address(snap, a, range);
    const auto pb = b ? pages_by_address(snap, *b, range) : std::map<uint32_t, PageView>{};
    std::set<uint32_t> addresses;
    for (const auto& [v, p] : pa) addresses.insert(v);
    for (const auto& [v, p] : pb) addresses.insert(v);
    std::vector<CompareRow> rows;
    for (uint32_t v : addresses) {
        auto ia = pa.find(v);
        auto ib = pb.find(v);
        const PageView* pv_a = ia == pa.end() ? nullptr : &ia->second;
        const PageView* pv_b = ib == pb.end() ? nullptr : &ib->second;
        const VmaState* vma = pv_a ? a.find_vma(v) : b->find_vma(v);
        CompareRow row = compare_page(v, pv_a, pv_b, vma);
        if (!b) {  // nothing to compare with: A's pages, the copy-on-write ones noted
            row.status.clear();
            row.colour = Colour::None;
            const bool read_only = !(pv_a->flags & pte::kWritable);
            if (read_only && vma && vma->private_writable() && pv_a->count && *pv_a->count > 1) row.note = "cow";
        }
        add_compare_row(rows, std::move(row), no_merge);
    }
    return rows;
}

}  // namespace detail

Result<std::string> pt_diff(const KernelSnapshot& snap, int pid_a, int pid_b, const PtOptions& opt) {
    if (pid_a == pid_b) return usage(fmt::format("--diff needs two different pids (got {} twice)", pid_a));
    auto ta = find_task(snap, pid_a);
    if (!ta) return ta.error();
    auto tb = find_task(snap, pid_b);
    if (!tb) return tb.error();
    const MmState* ma = snap.mm_of(**ta);
    const MmState* mb = snap.mm_of(**tb);
    for (auto [t, mm] : {std::pair{*ta, ma}, {*tb, mb}})
        if (!mm) return usage(fmt::format("pid {} ({}) has no user page tables to compare", t->pid, t->comm));
    std::string out = paint(fmt::format("A = pid {} ({}), mm {}, CR3 {}; B = pid {} ({}), mm {}, CR3 {}", pid_a,
                                        (*ta)->comm, hex8(ma->addr), hex8(ma->pgd), pid_b, (*tb)->comm,
                                        hex8(mb->addr), hex8(mb->pgd)),
                            Colour::Bold, opt.colour) +
                      '\n';
    if (ma == mb) return out + "A and B share one mm: their page tables are the same tables\n";

    const std::vector<CompareRow> rows = compare_mms(snap, *ma, mb, opt.range, opt.no_merge);
    return out + render_compare(rows, "A", "B", opt.colour);
}

}  // namespace forkscope::format

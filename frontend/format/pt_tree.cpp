// pt (tree): each address space with the tasks that use it, its CR3, each present PDE
// and under it the mappings of its page table, merged into runs:
//
//   pid 1 (init): mm 0xc1234000, CR3 0x00345000, rss 5, 4 VMAs
//     PDE 32 0x08000000-0x083fffff table 0x00346000 P W U - - - -- --- ---
//       0x08048000-0x08049fff -> 0x00400000-0x00401fff P - U A - - -- --- --- count 2 r-xp ...
#include <fmt/format.h>

#include "frontend/format/common.h"

namespace forkscope::format {

using namespace detail;

namespace {

std::vector<Cell> run_cells(const Run& r, bool with_vma) {
    std::vector<Cell> row;
    const uint32_t last = static_cast<uint32_t>(r.end - 1);
    row.push_back({fmt::format("{}-{}", hex8(r.vaddr), hex8(last))});
    row.push_back({"->"});
    row.push_back({fmt::format("{}-{}", hex8(r.paddr), hex8(r.paddr + (last - r.vaddr)))});
    row.push_back({flag_columns(r.flags), Colour::Cyan});
    const bool shared = r.counted && r.count_max > 1;
    row.push_back({"count " + count_text(r), shared ? Colour::Magenta : Colour::None});
    row.push_back({r.cow ? "cow" : "", Colour::Yellow});
    if (with_vma) {
        if (r.vma)
            row.push_back({vma_text(*r.vma)});
        else
            row.push_back({"(in no VMA)", Colour::Red});
    }
    return row;
}

std::string pde_line(const PdeState& pde, bool colour) {
    const uint32_t start = pde.index << 22;
    std::string what = pde.large() ? "4 MiB page" : "table " + hex8(pde.entry & ~0xfffu);
    return fmt::format("  {} {}-{} {} {}\n", paint(fmt::format("PDE {}", pde.index), Colour::Blue, colour),
                       hex8(start), hex8(start + (kLargePageSize - 1)), what,
                       paint(flag_columns(pde.entry & 0x1ff), Colour::Cyan, colour));
}

// The PDEs overlapping the range, each with its runs under it.
std::string tables(const KernelSnapshot& snap, const MmState* mm, std::span<const PdeState> pdes,
                   std::span<const PageMapping> pages, const PtOptions& opt) {
    const std::vector<Run> runs = merge_runs(snap, mm, pages, opt.range, opt.no_merge);
    std::string out;
    size_t next = 0;
    for (const PdeState& pde : pdes) {
        const uint64_t start = uint64_t(pde.index) << 22;
        if (!opt.range.overlaps(static_cast<uint32_t>(start), start + kLargePageSize)) continue;
        out += pde_line(pde, opt.colour);
        Table t;
        while (next < runs.size() && (runs[next].vaddr >> 22) < pde.index) next++;
        for (; next < runs.size() && (runs[next].vaddr >> 22) == pde.index; next++)
            t.add(run_cells(runs[next], mm != nullptr));
        out += t.render(opt.colour, "    ");
    }
    return out;
}

std::string space_header(const AddressSpace& s, bool colour) {
    const MmState& mm = *s.mm;
    return paint(fmt::format("{}: mm {}, CR3 {}, rss {}, {} VMA{}", tasks_text(s.tasks), hex8(mm.addr),
                             hex8(mm.pgd), mm.rss, mm.vmas.size(), mm.vmas.size() == 1 ? "" : "s"),
                 Colour::Bold, colour) +
           '\n';
}

std::string kernel_half(const KernelSnapshot& snap, const PtOptions& opt) {
    return paint(fmt::format("kernel half from {} (the same in every address space)", hex8(snap.kernel_base)),
                 Colour::Bold, opt.colour) +
           '\n' + tables(snap, nullptr, snap.kernel_pdes, snap.kernel_pages, opt);
}

}  // namespace

Result<std::string> pt_tree(const KernelSnapshot& snap, std::optional<int> pid, const PtOptions& opt) {
    const TaskState* only = nullptr;
    if (pid) {
        auto t = find_task(snap, *pid);
        if (!t) return t.error();
        only = *t;
    }
    std::string out;
    for (const AddressSpace& s : address_spaces(snap)) {
        if (only && (s.mm ? only->mm != s.mm->addr : snap.mm_of(*only) != nullptr)) continue;
        if (!s.mm) {
            for (const TaskState* t : s.tasks)
                if (!only || t == only)
                    out += paint(fmt::format("pid {} ({}): {}", t->pid, t->comm,
                                             t->kernel_thread ? "kernel thread, no user page tables"
                                                              : "no mm (it has exited)"),
                                 Colour::Dim, opt.colour) +
                           '\n';
            continue;
        }
        out += space_header(s, opt.colour);
        out += tables(snap, s.mm, s.mm->pdes, s.mm->pages, opt);
    }
    if (opt.kernel) out += kernel_half(snap, opt);
    return out;
}

}  // namespace forkscope::format

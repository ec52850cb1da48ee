// pt --format=qemu and qemu-mem: QEMU's monitor commands `info tlb` and `info mem` for
// 32-bit paging without PAE (target/i386/monitor.c: tlb_info_32 with print_pte,
// mem_info_32 with mem_print), so the output can be compared line for line with QEMU's
// on the same guest. QEMU prints addresses as its 64-bit hwaddr ("%016lx") on i386
// too, walks the directory from index 0 to 1023 (the user half, then the kernel half),
// and prints a 4 MiB page as one line with its PDE.
#include <fmt/format.h>

#include "emulator/page_walker.h"
#include "frontend/format/common.h"

namespace forkscope::format {

using namespace detail;

namespace {

// print_pte: address, the entry's frame bits under mask, flags X G P D A C T U W.
std::string print_pte(uint32_t addr, uint32_t entry, uint64_t mask) {
    auto flag = [entry](uint32_t bit, char c) { return (entry & bit) ? c : '-'; };
    return fmt::format("{:016x}: {:016x} -{}{}{}{}{}{}{}{}\n", addr, uint64_t(entry) & mask,
                       flag(pte::kGlobal, 'G'), flag(pte::kLargePage, 'P'), flag(pte::kDirty, 'D'),
                       flag(pte::kAccessed, 'A'), flag(pte::kCacheDisable, 'C'),
                       flag(pte::kWriteThrough, 'T'), flag(pte::kUser, 'U'), flag(pte::kWritable, 'W'));
}

// mem_print: a line for the range that ends where the protection changes.
struct MemPrinter {
    std::string out;
    std::optional<uint64_t> start;  // QEMU's -1: no range open
    uint32_t last_prot = 0;

    void print(uint64_t end, uint32_t prot) {
        if (prot == last_prot) return;
        if (start)
            out += fmt::format("{:016x}-{:016x} {:016x} {}r{}\n", *start, end, end - *start,
                               (last_prot & pte::kUser) ? 'u' : '-', (last_prot & pte::kWritable) ? 'w' : '-');
        start = prot ? std::optional<uint64_t>(end) : std::nullopt;
        last_prot = prot;
    }
};

bool paging_on(const KernelSnapshot& snap) { return (snap.cr0 & kCr0Pg) != 0; }

}  // namespace

Result<std::string> pt_qemu_tlb(const KernelSnapshot& snap, int pid) {
    auto pd = page_directory_of(snap, pid);
    if (!pd) return pd.error();
    if (!paging_on(snap)) return std::string("PG disabled\n");
    std::string out;
    for (const PageMapping& m : pd->pages) {
        if (m.size == kLargePageSize)
            out += print_pte(m.vaddr, m.pde, ~uint64_t((1u << 21) - 1));
        else
            out += print_pte(m.vaddr, m.pte & ~pte::kLargePage, ~uint64_t(0xfff));
    }
    return out;
}

Result<std::string> pt_qemu_mem(const KernelSnapshot& snap, int pid) {
    auto pd = page_directory_of(snap, pid);
    if (!pd) return pd.error();
    if (!paging_on(snap)) return std::string("PG disabled\n");
    // QEMU looks at every entry; the protection only changes at a mapping's start or
    // at the end of one that the next does not follow, so those are the places to look.
    MemPrinter p;
    uint64_t cursor = 0;
    for (const PageMapping& m : pd->pages) {
        if (m.vaddr != cursor) p.print(cursor, 0);
        p.print(m.vaddr, m.effective() | pte::kPresent);
        cursor = uint64_t(m.vaddr) + m.size;
    }
    if (cursor != (1ull << 32)) p.print(cursor, 0);
    p.print(1ull << 32, 0);
    return p.out;
}

}  // namespace forkscope::format

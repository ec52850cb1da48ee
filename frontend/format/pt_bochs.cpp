// pt --format=bochs: the Bochs debugger's `info tab` (bx_debug/dbg_main.cc,
// bx_dbg_dump_table) for a Bochs built for a 32-bit CPU: "cr3: 0x..." and then each
// run of linear addresses whose physical addresses follow on without a gap, as
// "0xLIN-0xLIN -> 0xPHY-0xPHY" with both ends inclusive. Bochs steps through the
// address space a page at a time (4 MiB at a time through a 4 MiB page) and only
// compares translations: neighbouring pages with different flags still merge.
#include <fmt/format.h>

#include "emulator/page_walker.h"
#include "frontend/format/common.h"

namespace forkscope::format {

using namespace detail;

namespace {

struct TabPrinter {
    std::string out;
    std::optional<uint64_t> start_lin;  // Bochs' start_lin == 1: no run open
    uint64_t start_phy = 0;

    void close(uint64_t end) {  // the run stops before linear address `end`
        if (start_lin)
            out += fmt::format("0x{:08x}-0x{:08x} -> 0x{:08x}-0x{:08x}\n", *start_lin, end - 1, start_phy,
                               start_phy + (end - 1 - *start_lin));
        start_lin.reset();
    }
    void page(uint64_t lin, uint64_t phy) {
        if (start_lin && lin - *start_lin == phy - start_phy) return;
        close(lin);
        start_lin = lin;
        start_phy = phy;
    }
};

}  // namespace

Result<std::string> pt_bochs(const KernelSnapshot& snap, int pid) {
    auto pd = page_directory_of(snap, pid);
    if (!pd) return pd.error();
    if (!(snap.cr0 & kCr0Pg)) return std::string("paging off\n");
    TabPrinter p;
    p.out = fmt::format("cr3: 0x{:08x}\n", pd->cr3);
    uint64_t cursor = 0;
    for (const PageMapping& m : pd->pages) {
        if (m.vaddr != cursor) p.close(cursor);  // an unmapped page ends the run
        p.page(m.vaddr, m.paddr);
        cursor = uint64_t(m.vaddr) + m.size;
    }
    p.close(cursor);
    return p.out;
}

}  // namespace forkscope::format

// pt --format=qemu, qemu-mem and bochs (frontend/format/pt_qemu.cpp, pt_bochs.cpp):
// QEMU's `info tlb` / `info mem` (target/i386/monitor.c, 32-bit paging) and Bochs'
// `info tab` (bx_dbg_dump_table) for the snapshot of a fork, user and kernel half.
// The kernel-half lines here are the lines qemu-system-i386 7.2 prints for the guest
// kernel's own tables (pg0 with the text read-only, 4 MiB pages after it).
#include "frontend/format/format.h"

#include <gtest/gtest.h>

#include "tests/unit/format_fixtures.h"
#include "tests/unit/format_test_util.h"

namespace forkscope::format {
namespace {

using namespace forkscope::testing;

// The fork snapshot with one more kernel page at the very top (as a fixmap would be),
// so that the last run reaches 4 GiB.
KernelSnapshot with_top_page() {
    KernelSnapshot s = fork_snapshot();
    s.kernel_pdes.push_back({1023, 0x00107000 | 0x003});
    PageMapping m;
    m.vaddr = 0xfffff000, m.paddr = 0x00108000, m.pde = 0x00107003, m.pte = 0x00108000 | 0x163;  // G too
    m.pte_paddr = 0x00107ffc;
    s.kernel_pages.push_back(m);
    return s;
}

TEST(FormatQemu, InfoTlbPrintsEveryPresentEntryWithQemusFlags) {
    const auto lines = lines_of(ok_value(pt_qemu_tlb(fork_snapshot(), 1)));
    ASSERT_EQ(lines.size(), 6u + 1024u + 1u);
    const std::vector<std::string> user(lines.begin(), lines.begin() + 6);
    EXPECT_EQ(user, (std::vector<std::string>{
                        "0000000008048000: 0000000000280000 ----A--U-",
                        "0000000008049000: 0000000000281000 ----A--U-",
                        "000000000804a000: 0000000000300000 ---DA--U-",
                        "000000000804b000: 0000000000301000 ---DA--U-",
                        "000000000804c000: 0000000000302000 ---DA--U-",
                        "00000000bffff000: 0000000000305000 ---DA--U-",
                    }));
    EXPECT_EQ(lines[6], "00000000c0000000: 0000000000000000 ---DA---W");
    EXPECT_EQ(lines[6 + 0xff], "00000000c00ff000: 00000000000ff000 ---DA---W");
    EXPECT_EQ(lines[6 + 0x100], "00000000c0100000: 0000000000100000 ----A----");
    EXPECT_EQ(lines[6 + 0x104], "00000000c0104000: 0000000000104000 ----A----");
    EXPECT_EQ(lines[6 + 0x105], "00000000c0105000: 0000000000105000 ---DA---W");
    EXPECT_EQ(lines[6 + 0x3ff], "00000000c03ff000: 00000000003ff000 ---DA---W");
    // A 4 MiB page: one line, its PDE under QEMU's mask, P for PSE.
    EXPECT_EQ(lines.back(), "00000000c0400000: 0000000000400000 --PDA---W");
}

TEST(FormatQemu, InfoTlbDropsThePatBitOfAPteAndShowsGlobal) {
    KernelSnapshot s = with_top_page();
    s.mms.at(0xc1000000).pages[0].pte |= 0x80;  // PAT: not PSE in a PTE
    const auto lines = lines_of(ok_value(pt_qemu_tlb(s, 1)));
    EXPECT_EQ(lines[0], "0000000008048000: 0000000000280000 ----A--U-");
    EXPECT_EQ(lines.back(), "00000000fffff000: 0000000000108000 -G-DA---W");
}

TEST(FormatQemu, InfoMemMergesByEffectivePermission) {
    EXPECT_EQ(ok_value(pt_qemu_mem(fork_snapshot(), 2)),
              text_of({
                  "0000000008048000-000000000804d000 0000000000005000 ur-",
                  "00000000bffff000-00000000c0000000 0000000000001000 ur-",
                  "00000000c0000000-00000000c0100000 0000000000100000 -rw",
                  "00000000c0100000-00000000c0105000 0000000000005000 -r-",
                  "00000000c0105000-00000000c0800000 00000000006fb000 -rw",
              }));
}

TEST(FormatQemu, InfoMemAfterCowAndUpToFourGiB) {
    // The child's copied page is writable: its own line between the read-only ones.
    EXPECT_EQ(ok_value(pt_qemu_mem(cow_snapshot(), 2)),
              text_of({
                  "0000000008048000-000000000804a000 0000000000002000 ur-",
                  "000000000804a000-000000000804b000 0000000000001000 urw",
                  "000000000804b000-000000000804d000 0000000000002000 ur-",
                  "00000000bffff000-00000000c0000000 0000000000001000 ur-",
                  "00000000c0000000-00000000c0100000 0000000000100000 -rw",
                  "00000000c0100000-00000000c0105000 0000000000005000 -r-",
                  "00000000c0105000-00000000c0800000 00000000006fb000 -rw",
              }));
    const auto top = lines_of(ok_value(pt_qemu_mem(with_top_page(), 1)));
    EXPECT_EQ(top.back(), "00000000fffff000-0000000100000000 0000000000001000 -rw");
}

TEST(FormatBochs, InfoTabMergesContiguousTranslationsWhateverTheirFlags) {
    EXPECT_EQ(ok_value(pt_bochs(fork_snapshot(), 1)),
              text_of({
                  "cr3: 0x00200000",
                  "0x08048000-0x08049fff -> 0x00280000-0x00281fff",
                  "0x0804a000-0x0804cfff -> 0x00300000-0x00302fff",
                  "0xbffff000-0xbfffffff -> 0x00305000-0x00305fff",
                  "0xc0000000-0xc07fffff -> 0x00000000-0x007fffff",
              }));
    EXPECT_EQ(ok_value(pt_bochs(cow_snapshot(), 2)),
              text_of({
                  "cr3: 0x00202000",
                  "0x08048000-0x08049fff -> 0x00280000-0x00281fff",
                  "0x0804a000-0x0804afff -> 0x00306000-0x00306fff",
                  "0x0804b000-0x0804cfff -> 0x00301000-0x00302fff",
                  "0xbffff000-0xbfffffff -> 0x00305000-0x00305fff",
                  "0xc0000000-0xc07fffff -> 0x00000000-0x007fffff",
              }));
    const auto top = lines_of(ok_value(pt_bochs(with_top_page(), 1)));
    EXPECT_EQ(top.back(), "0xfffff000-0xffffffff -> 0x00108000-0x00108fff");
}

TEST(FormatEmulators, PagingOffAndTasksWithoutTables) {
    KernelSnapshot s = fork_snapshot();
    s.cr0 = kCr0Pe;
    EXPECT_EQ(ok_value(pt_qemu_tlb(s, 1)), "PG disabled\n");
    EXPECT_EQ(ok_value(pt_qemu_mem(s, 1)), "PG disabled\n");
    EXPECT_EQ(ok_value(pt_bochs(s, 1)), "paging off\n");
    // The idle task borrows init_mm, which this snapshot does not hold.
    expect_error(pt_qemu_tlb(fork_snapshot(), 0), "pid 0 (swapper) has no page directory in the snapshot");
    expect_error(pt_bochs(fork_snapshot(), 7), "no task with pid 7 (pids: 0 1 2 3)");
}

TEST(FormatEmulators, AKernelThreadShowsTheDirectoryItBorrows) {
    KernelSnapshot s = fork_snapshot();
    MmState init_mm;
    init_mm.addr = 0xc0120000, init_mm.pgd = 0x00105000, init_mm.users = 2;
    s.mms[init_mm.addr] = init_mm;
    EXPECT_EQ(ok_value(pt_bochs(s, 0)),
              text_of({"cr3: 0x00105000", "0xc0000000-0xc07fffff -> 0x00000000-0x007fffff"}));
    EXPECT_EQ(lines_of(ok_value(pt_qemu_tlb(s, 0))).size(), 1025u);
}

}  // namespace
}  // namespace forkscope::format

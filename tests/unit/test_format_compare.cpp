// pt --diff, --since and --explain (frontend/format/pt_diff.cpp, pt_since.cpp,
// pt_explain.cpp) on the snapshots of fork#1 and cow#1 (format_fixtures.h).
#include "frontend/format/format.h"

#include <gtest/gtest.h>

#include "tests/unit/format_fixtures.h"
#include "tests/unit/format_test_util.h"

namespace forkscope::format {
namespace {

using namespace forkscope::testing;

TEST(FormatPtDiff, AfterForkEveryFrameIsSharedReadOnly) {
    EXPECT_EQ(ok_value(pt_diff(fork_snapshot(), 1, 2, {})),
              text_of({
                  "A = pid 1 (init), mm 0xc1000000, CR3 0x00200000; B = pid 2 (init), mm 0xc1000100, CR3 0x00202000",
                  "VIRTUAL               STATUS     A                                      B                                      NOTE VMA",
                  "0x08048000-0x08049fff same frame 0x00280000-0x00281fff ro U A count 3   0x00280000-0x00281fff ro U A count 3   -    08048000-0804a000 r-xp /bin/init",
                  "0x0804a000-0x0804afff same frame 0x00300000 ro U A D count 2            0x00300000 ro U A D count 2            cow  0804a000-0804b000 rw-p /bin/init",
                  "0x0804b000-0x0804cfff same frame 0x00301000-0x00302fff ro U A D count 2 0x00301000-0x00302fff ro U A D count 2 cow  0804b000-0804d000 rw-p [heap]",
                  "0xbffff000-0xbfffffff same frame 0x00305000 ro U A D count 2            0x00305000 ro U A D count 2            cow  bfffe000-c0000000 rw-p [stack]",
              }));
}

TEST(FormatPtDiff, AfterTheChildsWriteItsPageHasAnotherFrame) {
    const auto lines = lines_of(ok_value(pt_diff(cow_snapshot(), 1, 2, {})));
    ASSERT_EQ(lines.size(), 6u);
    EXPECT_EQ(lines[3], "0x0804a000-0x0804afff frame      0x00300000 ro U A D count 1            "
                        "0x00306000 rw U A D count 1            -    0804a000-0804b000 rw-p /bin/init");
}

TEST(FormatPtDiff, OnlyOnOneSideAndFlagDifferences) {
    KernelSnapshot s = fork_snapshot();
    MmState& child = s.mms.at(0xc1000100);
    child.pages.pop_back();                 // the child has no stack page yet
    child.pages[1].pte &= ~0x20u;           // nor has it read its second text page
    const auto lines = lines_of(ok_value(pt_diff(s, 1, 2, {})));
    ASSERT_EQ(lines.size(), 7u);
    EXPECT_EQ(lines[2], "0x08048000-0x08048fff same frame 0x00280000 ro U A count 3              "
                        "0x00280000 ro U A count 3              -           08048000-0804a000 r-xp /bin/init");
    EXPECT_EQ(lines[3], "0x08049000-0x08049fff flags      0x00281000 ro U A count 3              "
                        "0x00281000 ro U count 3                A only in A 08048000-0804a000 r-xp /bin/init");
    EXPECT_EQ(lines[6], "0xbffff000-0xbfffffff only in A  0x00305000 ro U A D count 2            "
                        "-                                      -           bfffe000-c0000000 rw-p [stack]");
}

TEST(FormatPtDiff, ColourOnlyPaints) {
    PtOptions colour;
    colour.colour = true;
    const std::string plain = ok_value(pt_diff(cow_snapshot(), 1, 2, {}));
    const std::string painted = ok_value(pt_diff(cow_snapshot(), 1, 2, colour));
    EXPECT_EQ(plain.find('\x1b'), std::string::npos);
    EXPECT_EQ(strip_colour(painted), plain);
    EXPECT_NE(painted.find("\x1b[35mframe"), std::string::npos);
    const std::string since = ok_value(pt_since(fork_snapshot(), cow_snapshot(), 2, colour));
    EXPECT_EQ(strip_colour(since), ok_value(pt_since(fork_snapshot(), cow_snapshot(), 2, {})));
}

TEST(FormatPtDiff, Errors) {
    const KernelSnapshot s = fork_snapshot();
    expect_error(pt_diff(s, 1, 1, {}), "two different pids");
    expect_error(pt_diff(s, 1, 8, {}), "no task with pid 8 (pids: 0 1 2 3)");
    expect_error(pt_diff(s, 0, 1, {}), "pid 0 (swapper) has no user page tables");
    EXPECT_EQ(lines_of(ok_value(pt_diff(s, 1, 3, {}))).back(),
              "A and B share one mm: their page tables are the same tables");
}

TEST(FormatPtSince, ForkToCowShowsThePageThatWasCopied) {
    const KernelSnapshot fork = fork_snapshot(), cow = cow_snapshot();
    EXPECT_EQ(ok_value(pt_since(fork, cow, 2, {})),
              text_of({
                  "pid 2 (init): instruction 1234567 -> 1240000; mm 0xc1000100 CR3 0x00202000 -> mm 0xc1000100 CR3 0x00202000",
                  "VIRTUAL               STATUS BEFORE                      AFTER                       NOTE VMA",
                  "0x0804a000-0x0804afff frame  0x00300000 ro U A D count 2 0x00306000 rw U A D count 1 +W   0804a000-0804b000 rw-p /bin/init",
              }));
    // The parent's page stayed where it was and lost a sharer.
    EXPECT_EQ(lines_of(ok_value(pt_since(fork, cow, 1, {})))[2],
              "0x0804a000-0x0804afff count  0x00300000 ro U A D count 2 0x00300000 ro U A D count 1 -    "
              "0804a000-0804b000 rw-p /bin/init");
    EXPECT_EQ(lines_of(ok_value(pt_since(fork, fork, 1, {})))[1], "no change");
}

TEST(FormatPtSince, AddedAndRemovedPagesAndUnknownPids) {
    KernelSnapshot before = fork_snapshot(), after = fork_snapshot();
    MmState& mm = after.mms.at(0xc1000100);
    mm.pages.pop_back();
    mm.pages.insert(mm.pages.end() - 1, make_page(mm, 0x0804d000, 0x00307000 | kPteUserRw));
    const auto lines = lines_of(ok_value(pt_since(before, after, 2, {})));
    ASSERT_EQ(lines.size(), 4u);
    EXPECT_EQ(lines[2], "0x0804d000-0x0804dfff added   -                           0x00307000 rw U A D count 0 - "
                        "   (in no VMA)");
    EXPECT_EQ(lines[3], "0xbffff000-0xbfffffff removed 0x00305000 ro U A D count 2 -                           - "
                        "   bfffe000-c0000000 rw-p [stack]");
    before.tasks.pop_back();
    expect_error(pt_since(before, after, 3, {}), "pid 3 did not exist in the earlier snapshot (pids then: 0 1 2)");
    expect_error(pt_since(before, after, 5, {}), "no task with pid 5");
}

TEST(FormatPtExplain, WriteToASharedPageCopiesIt) {
    EXPECT_EQ(ok_value(pt_explain(fork_snapshot(), 2, 0x0804a010, true, false)),
              text_of({
                  "write of 0x0804a010 by pid 2 (init) in user mode, CR3 0x00202000, CR0.WP=1",
                  "  1. PDE 32 at 0x00202080 = 0x00203067: P W U A D; page table 0x00203000",
                  "  2. PTE 74 at 0x00203128 = 0x00300065: P U A D; frame 0x00300000",
                  "  3. frame 0x00300000: anon, count 2",
                  "  4. MMU: #PF, error code 0x7 (protection, write, user): present, W=0",
                  "  5. find_vma: VMA 0804a000-0804b000 rw-p /bin/init",
                  "  6. do_wp_page: the frame is shared (anon, count 2) -> do_cow_page copies it into a new frame, "
                  "maps that writable and drops a reference to the old one",
                  "verdict: copy-on-write: write fault (present, W=0) in a writable private VMA, frame shared by 2 "
                  "-> copied",
              }));
}

TEST(FormatPtExplain, TheLastSharerReusesThePage) {
    const auto lines = lines_of(ok_value(pt_explain(cow_snapshot(), 1, 0x0804a010, true, false)));
    ASSERT_EQ(lines.size(), 8u);
    EXPECT_EQ(lines[6], "  6. do_wp_page: the frame is ours alone (count 1) -> W is set in the PTE, no copy");
    EXPECT_EQ(lines[7], "verdict: write-protect fault: the page is reused and made writable");
}

TEST(FormatPtExplain, VerdictsOfTheFaultHandler) {
    const KernelSnapshot s = fork_snapshot();
    auto verdict = [&](int pid, uint32_t addr, bool write) {
        return lines_of(ok_value(pt_explain(s, pid, addr, write, false))).back();
    };
    EXPECT_EQ(verdict(2, 0x08048004, false), "verdict: no fault: the read reaches physical 0x00280004");
    EXPECT_EQ(verdict(2, 0x08048000, true), "verdict: SIGSEGV (SEGV_ACCERR): a write to a VMA without write permission");
    EXPECT_EQ(verdict(2, 0xc0001000, false), "verdict: SIGSEGV (SEGV_MAPERR): a user access to the kernel half");
    EXPECT_EQ(verdict(2, 0xbfffe004, false), "verdict: demand-zero page allocated");
    EXPECT_EQ(verdict(2, 0xbfffd000, true), "verdict: demand-zero page allocated");          // the stack grows
    EXPECT_EQ(verdict(2, 0x10000000, false), "verdict: SIGSEGV (SEGV_MAPERR): below the stack, too far from ESP");
    // pid 3's ESP is not in the snapshot: the size limit still decides, or the caveat says.
    EXPECT_EQ(verdict(3, 0x0804e000, true),
              "verdict: SIGSEGV (SEGV_MAPERR): in no VMA, too far below the stack to grow it");
    EXPECT_EQ(verdict(3, 0xbff00000, true),
              "verdict: demand-zero page allocated (if ESP is at most 65664 bytes above 0xbff00000: the snapshot "
              "has no ESP)");
}

TEST(FormatPtExplain, AKernelAddressStepByStep) {
    EXPECT_EQ(ok_value(pt_explain(fork_snapshot(), 2, 0xc0001000, false, false)),
              text_of({
                  "read of 0xc0001000 by pid 2 (init) in user mode, CR3 0x00202000, CR0.WP=1",
                  "  1. PDE 768 at 0x00202c00 = 0x00106063: P W A D; page table 0x00106000",
                  "  2. PTE 1 at 0x00106004 = 0x00001063: P W A D; frame 0x00001000",
                  "  3. frame 0x00001000: reserved, count 1",
                  "  4. MMU: #PF, error code 0x5 (protection, read, user): U=0: a supervisor page",
                  "  5. do_page_fault: 0xc0001000 is at or above TASK_SIZE (0xc0000000) -> bad_area",
                  "verdict: SIGSEGV (SEGV_MAPERR): a user access to the kernel half",
              }));
}

TEST(FormatPtExplain, UnmappedAddressesAndFileMappings) {
    KernelSnapshot s = fork_snapshot();
    MmState& mm = s.mms.at(0xc1000100);
    // A file mapping 32 pages below the stack's reach: the stack may not grow next to it.
    mm.vmas.insert(mm.vmas.end() - 1, make_vma(0xc1020100, 0xbffd0000, 0xbffe0000, vm::kRead, "/lib/data", 0));
    EXPECT_EQ(lines_of(ok_value(pt_explain(s, 2, 0xbfff0000, false, false))).back(),
              "verdict: SIGSEGV (SEGV_MAPERR): the stack may not grow that close to another VMA");
    EXPECT_EQ(lines_of(ok_value(pt_explain(s, 2, 0xbffd1000, false, false))).back(),
              "verdict: page-cache page mapped (SIGBUS instead if past the end of the file)");
    EXPECT_EQ(lines_of(ok_value(pt_explain(s, 2, 0xbffd1000, true, false))).back(),
              "verdict: SIGSEGV (SEGV_ACCERR): a write to a VMA without write permission");
    // The data segment's page not touched yet: a private copy of the file's bytes.
    mm.pages.erase(mm.pages.begin() + 2);
    EXPECT_EQ(lines_of(ok_value(pt_explain(s, 2, 0x0804a000, true, false))).back(),
              "verdict: private copy of the file's page allocated (SIGBUS instead if past the end of the file)");
    expect_error(pt_explain(s, 0, 0x1000, false, false), "pid 0 (swapper) has no user address space");
    expect_error(pt_explain(s, 6, 0x1000, false, false), "no task with pid 6");
}

TEST(FormatPtExplain, ColourOnlyPaints) {
    const KernelSnapshot s = fork_snapshot();
    const std::string plain = ok_value(pt_explain(s, 2, 0x10000000, false, false));
    const std::string colour = ok_value(pt_explain(s, 2, 0x10000000, false, true));
    EXPECT_EQ(strip_colour(colour), plain);
    EXPECT_NE(colour.find("\x1b[31mverdict: SIGSEGV"), std::string::npos);
}

}  // namespace
}  // namespace forkscope::format

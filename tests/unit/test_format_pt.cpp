// pt's tree format (frontend/format/pt_tree.cpp) and the parsers of pt's arguments, on
// the snapshot of a fork (format_fixtures.h): runs merged by flags and frames, counts,
// the COW mark, VMAs, --range, no_merge, the kernel half, colour, errors.
#include "frontend/format/format.h"

#include <gtest/gtest.h>

#include "tests/unit/format_fixtures.h"
#include "tests/unit/format_test_util.h"

namespace forkscope::format {
namespace {

using namespace forkscope::testing;

TEST(FormatPtTree, EveryAddressSpaceWithItsTasksPdesAndMergedRuns) {
    const KernelSnapshot s = fork_snapshot();
    EXPECT_EQ(ok_value(pt_tree(s, std::nullopt, {})),
              text_of({
                  "pids 1 (init), 3 (init): mm 0xc1000000, CR3 0x00200000, rss 6, 4 VMAs",
                  "  PDE 32 0x08000000-0x083fffff table 0x00201000 P W U A D - -- --- ---",
                  "    0x08048000-0x08049fff -> 0x00280000-0x00281fff P - U A - - -- --- --- count 3     08048000-0804a000 r-xp /bin/init",
                  "    0x0804a000-0x0804afff -> 0x00300000-0x00300fff P - U A D - -- --- --- count 2 cow 0804a000-0804b000 rw-p /bin/init",
                  "    0x0804b000-0x0804cfff -> 0x00301000-0x00302fff P - U A D - -- --- --- count 2 cow 0804b000-0804d000 rw-p [heap]",
                  "  PDE 767 0xbfc00000-0xbfffffff table 0x00204000 P W U A D - -- --- ---",
                  "    0xbffff000-0xbfffffff -> 0x00305000-0x00305fff P - U A D - -- --- --- count 2 cow bfffe000-c0000000 rw-p [stack]",
                  "pid 2 (init): mm 0xc1000100, CR3 0x00202000, rss 6, 4 VMAs",
                  "  PDE 32 0x08000000-0x083fffff table 0x00203000 P W U A D - -- --- ---",
                  "    0x08048000-0x08049fff -> 0x00280000-0x00281fff P - U A - - -- --- --- count 3     08048000-0804a000 r-xp /bin/init",
                  "    0x0804a000-0x0804afff -> 0x00300000-0x00300fff P - U A D - -- --- --- count 2 cow 0804a000-0804b000 rw-p /bin/init",
                  "    0x0804b000-0x0804cfff -> 0x00301000-0x00302fff P - U A D - -- --- --- count 2 cow 0804b000-0804d000 rw-p [heap]",
                  "  PDE 767 0xbfc00000-0xbfffffff table 0x00205000 P W U A D - -- --- ---",
                  "    0xbffff000-0xbfffffff -> 0x00305000-0x00305fff P - U A D - -- --- --- count 2 cow bfffe000-c0000000 rw-p [stack]",
                  "pid 0 (swapper): kernel thread, no user page tables",
              }));
}

TEST(FormatPtTree, CowOnlyWhereTheFrameIsShared) {
    // After the child's write: its page is its own and writable, the parent's is
    // read-only but no longer shared (count 1): neither is marked, and the parent's
    // run no longer merges with the heap's (other count, other VMA anyway).
    const KernelSnapshot s = cow_snapshot();
    auto child = lines_of(ok_value(pt_tree(s, 2, {})));
    ASSERT_EQ(child.size(), 7u);
    EXPECT_EQ(child[3], "    0x0804a000-0x0804afff -> 0x00306000-0x00306fff P W U A D - -- --- --- count 1     "
                        "0804a000-0804b000 rw-p /bin/init");
    auto parent = lines_of(ok_value(pt_tree(s, 1, {})));
    EXPECT_EQ(parent[3], "    0x0804a000-0x0804afff -> 0x00300000-0x00300fff P - U A D - -- --- --- count 1     "
                         "0804a000-0804b000 rw-p /bin/init");
}

TEST(FormatPtTree, RangeAndNoMerge) {
    const KernelSnapshot s = fork_snapshot();
    PtOptions opt;
    opt.no_merge = true;
    opt.range = ok_value(parse_range("0x0804b000-0x0804d000"));
    EXPECT_EQ(ok_value(pt_tree(s, 3, opt)),
              text_of({
                  "pids 1 (init), 3 (init): mm 0xc1000000, CR3 0x00200000, rss 6, 4 VMAs",
                  "  PDE 32 0x08000000-0x083fffff table 0x00201000 P W U A D - -- --- ---",
                  "    0x0804b000-0x0804bfff -> 0x00301000-0x00301fff P - U A D - -- --- --- count 2 cow 0804b000-0804d000 rw-p [heap]",
                  "    0x0804c000-0x0804cfff -> 0x00302000-0x00302fff P - U A D - -- --- --- count 2 cow 0804b000-0804d000 rw-p [heap]",
              }));
}

TEST(FormatPtTree, KernelHalfOnlyWhenAsked) {
    const KernelSnapshot s = fork_snapshot();
    PtOptions opt;
    EXPECT_EQ(ok_value(pt_tree(s, 0, opt)), "pid 0 (swapper): kernel thread, no user page tables\n");
    opt.kernel = true;
    EXPECT_EQ(ok_value(pt_tree(s, 0, opt)),
              text_of({
                  "pid 0 (swapper): kernel thread, no user page tables",
                  "kernel half from 0xc0000000 (the same in every address space)",
                  "  PDE 768 0xc0000000-0xc03fffff table 0x00106000 P W - A D - -- --- ---",
                  "    0xc0000000-0xc00fffff -> 0x00000000-0x000fffff P W - A D - -- --- --- count 1",
                  "    0xc0100000-0xc0104fff -> 0x00100000-0x00104fff P - - A - - -- --- --- count 1",
                  "    0xc0105000-0xc03fffff -> 0x00105000-0x003fffff P W - A D - -- --- --- count 0-3",
                  "  PDE 769 0xc0400000-0xc07fffff 4 MiB page P W - A D - PS --- ---",
                  "    0xc0400000-0xc07fffff -> 0x00400000-0x007fffff P W - A D - PS --- --- count 1",
              }));
}

TEST(FormatPtTree, ColourOnATerminalSameTextOtherwise) {
    const KernelSnapshot s = fork_snapshot();
    PtOptions plain, colour;
    colour.colour = true;
    const std::string p = ok_value(pt_tree(s, 2, plain));
    const std::string c = ok_value(pt_tree(s, 2, colour));
    EXPECT_EQ(p.find('\x1b'), std::string::npos);
    EXPECT_NE(c, p);
    EXPECT_EQ(strip_colour(c), p);  // the same columns, only painted
    EXPECT_NE(c.find("\x1b[33mcow\x1b[0m"), std::string::npos);
    EXPECT_NE(c.find("\x1b[1mpid 2 (init): mm 0xc1000100"), std::string::npos);
}

TEST(FormatPtTree, AnUnknownPidListsThoseThatExist) {
    expect_error(pt_tree(fork_snapshot(), 9, {}), "no task with pid 9 (pids: 0 1 2 3)");
}

TEST(FormatPtParse, Ranges) {
    auto r = ok_value(parse_range("0x08048000-0x0804b000"));
    EXPECT_EQ(r.lo, 0x08048000u);
    EXPECT_EQ(r.hi, 0x0804b000u);
    r = ok_value(parse_range("4096-0x100000000"));
    EXPECT_EQ(r.lo, 4096u);
    EXPECT_EQ(r.hi, 1ull << 32);
    expect_error(parse_range("0x1000"), "expected LO-HI");
    expect_error(parse_range("0x1000-"), "not a range");
    expect_error(parse_range("0xg000-0x2000"), "not a range");
    expect_error(parse_range("10k-20k"), "not a range");
    expect_error(parse_range("0x2000-0x1000"), "LO must be below HI");
    expect_error(parse_range("0x2000-0x2000"), "LO must be below HI");
    expect_error(parse_range("0x0-0x100000001"), "beyond 4 GiB");
    expect_error(parse_range("0x100000000-0x100000001"), "beyond 4 GiB");
}

TEST(FormatPtParse, AddressesAndPidPairs) {
    EXPECT_EQ(ok_value(parse_address("0xc0000000")), 0xc0000000u);
    EXPECT_EQ(ok_value(parse_address("4096")), 4096u);
    expect_error(parse_address("0x100000000"), "beyond 4 GiB");
    expect_error(parse_address("main"), "not an address");
    expect_error(parse_address(""), "not an address");
    EXPECT_EQ(ok_value(parse_pid_pair("1,2")), (std::pair{1, 2}));
    expect_error(parse_pid_pair("1"), "two pids");
    expect_error(parse_pid_pair("1,"), "two pids");
    expect_error(parse_pid_pair("1,x"), "two pids");
    expect_error(parse_pid_pair("2,2"), "two different pids");
}

}  // namespace
}  // namespace forkscope::format

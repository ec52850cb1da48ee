// ps, maps and frames (frontend/format/ps.cpp, maps.cpp, frames.cpp) and the JSON
// documents of pt, ps and frames (json.cpp), on the snapshot of a fork.
#include "frontend/format/format.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/unit/format_fixtures.h"
#include "tests/unit/format_test_util.h"

namespace forkscope::format {
namespace {

using namespace forkscope::testing;
using nlohmann::json;

TEST(FormatPs, OneLinePerTaskWithItsAddressSpace) {
    EXPECT_EQ(ps_table(fork_snapshot(), {}),
              text_of({
                  "PID PPID TGID STATE NAME    MM-USERS PGD        RSS COW-SHARED VMAS FDS TICKS",
                  "  0    0    0 R     swapper        - -            -          -    -   0     0",
                  "  1    0    1 R     init           2 0x00200000   6          4    4   3    12",
                  "  2    1    2 R     init           1 0x00202000   6          4    4   3     0",
                  "  3    0    1 S     init           2 0x00200000   6          4    4   3     1",
              }));
    // After the child's write it has its own data page: one page fewer shared, each side.
    const auto lines = lines_of(ps_table(cow_snapshot(), {}));
    EXPECT_EQ(lines[2], "  1    0    1 R     init           2 0x00200000   6          3    4   3    12");
    EXPECT_EQ(lines[3], "  2    1    2 R     init           1 0x00202000   6          3    4   3     0");
}

TEST(FormatPs, TreePutsChildrenUnderTheirParents) {
    KernelSnapshot s = fork_snapshot();
    TaskState grandchild = make_task(4, 4, 2, 'S', "sh", 0xc1000100);
    TaskState late = make_task(5, 5, 1, 'Z', "true", 0);
    s.tasks.push_back(grandchild);
    s.tasks.push_back(late);
    EXPECT_EQ(ps_table(s, {false, true}),
              text_of({
                  "PID PPID TGID STATE NAME       MM-USERS PGD        RSS COW-SHARED VMAS FDS TICKS",
                  "  0    0    0 R     swapper           - -            -          -    -   0     0",
                  "  1    0    1 R     init              2 0x00200000   6          4    4   3    12",
                  "  2    1    2 R      \\_ init          1 0x00202000   6          4    4   3     0",
                  "  4    2    4 S          \\_ sh        1 0x00202000   6          4    4   0     0",
                  "  5    1    5 Z      \\_ true          - -            -          -    -   0     0",
                  "  3    0    1 S     init              2 0x00200000   6          4    4   3     1",
              }));
}

TEST(FormatPs, ColourPaintsStatesAndTheCurrentTask) {
    const std::string plain = ps_table(fork_snapshot(), {});
    const std::string colour = ps_table(fork_snapshot(), {true, false});
    EXPECT_EQ(strip_colour(colour), plain);
    EXPECT_NE(colour.find("\x1b[1minit\x1b[0m"), std::string::npos);  // current
    EXPECT_NE(colour.find("\x1b[32mR\x1b[0m"), std::string::npos);
}

TEST(FormatMaps, AsTheGuestsProcPidMaps) {
    EXPECT_EQ(ok_value(maps(fork_snapshot(), 2)),
              text_of({
                  "08048000-0804a000 r-xp 00000000 00:01 12         /bin/init",
                  "0804a000-0804b000 rw-p 00002000 00:01 12         /bin/init",
                  "0804b000-0804d000 rw-p 00000000 00:00 0          [heap]",
                  "bfffe000-c0000000 rw-p 00000000 00:00 0          [stack]",
              }));
    EXPECT_EQ(ok_value(maps(fork_snapshot(), 0)), "");
    expect_error(maps(fork_snapshot(), 12), "no task with pid 12 (pids: 0 1 2 3)");
}

TEST(FormatMaps, SharedMappingsLongFieldsAndAnonymousAreas) {
    KernelSnapshot s = fork_snapshot();
    MmState& mm = s.mms.at(0xc1000000);
    VmaState shm = make_vma(0, 0xb7f00000, 0xb7f01000, vm::kRead | vm::kWrite | vm::kShared | vm::kMayShare,
                            "/tmp/shared file (deleted)", 0x12345);
    shm.dev = 0x0803, shm.ino = 1234567890;
    VmaState anon = make_vma(0, 0xb7f01000, 0xb7f03000, 0);
    mm.vmas = {shm, anon};
    // A line of 48 columns or more gets one blank before the name (seq_pad's rule); an
    // area with no name ends in the blank after the inode.
    EXPECT_EQ(ok_value(maps(s, 1)),
              text_of({
                  "b7f00000-b7f01000 rw-s 12345000 08:03 1234567890  /tmp/shared file (deleted)",
                  "b7f01000-b7f03000 ---p 00000000 00:00 0 ",
              }));
}

TEST(FormatFrames, KindByCountWithTotals) {
    EXPECT_EQ(frames_table(fork_snapshot(), {}),
              text_of({
                  "KIND       0    1 2 3 4+ TOTAL",
                  "free     500    0 0 0  0   500",
                  "reserved   0  256 0 0  0   256",
                  "kernel     0 1280 0 0  0  1280",
                  "pgtable    0    6 0 0  0     6",
                  "anon       0    0 4 0  0     4",
                  "cache      0    0 0 2  0     2",
                  "total    500 1542 4 2  0  2048",
                  "2048 frames, 500 free (nr_free_pages 500), totalram_pages 1792",
              }));
    KernelSnapshot bad = fork_snapshot();
    bad.frames[0x300].count = -1;  // a count below zero is shown, in its own column
    EXPECT_EQ(lines_of(frames_table(bad, {}))[0], "KIND     <0   0    1 2 3 4+ TOTAL");
    EXPECT_EQ(lines_of(frames_table(bad, {}))[5], "anon      1   0    0 3 0  0     4");
}

TEST(FormatFrames, EveryMappingOfOneFrame) {
    EXPECT_EQ(ok_value(frame_users(fork_snapshot(), 0x300, {})),
              text_of({
                  "pfn 0x300 (physical 0x00300000): anon, count 2, order 0; 2 user mappings",
                  "  pids 1 (init), 3 (init) 0x0804a000 P - U A D - -- --- --- cow 0804a000-0804b000 rw-p /bin/init",
                  "  pid 2 (init)            0x0804a000 P - U A D - -- --- --- cow 0804a000-0804b000 rw-p /bin/init",
                  "  kernel                  0xc0300000 P W - A D - -- --- ---     (kernel half)",
              }));
    EXPECT_EQ(ok_value(frame_users(fork_snapshot(), 0x500, {})),
              text_of({
                  "pfn 0x500 (physical 0x00500000): kernel, count 1, order 0; 0 user mappings",
                  "  kernel 0xc0500000 P W - A D - PS --- ---  (kernel half)",
              }));
    expect_error(frame_users(fork_snapshot(), 0x800, {}), "pfn 0x800 is beyond the frame map (pfns 0x0-0x7ff)");
}

TEST(FormatFrames, ColourOnlyPaints) {
    const KernelSnapshot s = cow_snapshot();
    const FramesOptions colour{true};
    EXPECT_EQ(strip_colour(frames_table(s, colour)), frames_table(s, {}));
    EXPECT_EQ(strip_colour(frames_shared(s, colour)), frames_shared(s, {}));
    EXPECT_EQ(strip_colour(ok_value(frame_users(s, 0x301, colour))), ok_value(frame_users(s, 0x301, {})));
    EXPECT_NE(frames_table(s, colour), frames_table(s, {}));
    EXPECT_EQ(frames_table(s, {}).find('\x1b'), std::string::npos);
}

TEST(FormatFrames, SharedFrames) {
    const auto lines = lines_of(frames_shared(cow_snapshot(), {}));
    ASSERT_EQ(lines.size(), 15u);  // 0x280, 0x281, 0x301, 0x302, 0x305: not 0x300 any more
    EXPECT_EQ(lines[0], "pfn 0x280 (physical 0x00280000): cache, count 3, 2 user mappings");
    EXPECT_EQ(lines[1], "  pids 1 (init), 3 (init) 0x08048000 P - U A - - -- --- ---  08048000-0804a000 r-xp /bin/init");
    EXPECT_EQ(lines[6], "pfn 0x301 (physical 0x00301000): anon, count 2, 2 user mappings");
    KernelSnapshot alone = cow_snapshot();
    alone.mms.erase(0xc1000100);
    EXPECT_EQ(frames_shared(alone, {}), "no frame is mapped by more than one user page table entry\n");
}

TEST(FormatJson, PtDocumentRoundTrips) {
    PtOptions opt;
    opt.kernel = true;
    const std::string text = ok_value(pt_json(fork_snapshot(), 2, opt));
    const json doc = json::parse(text);
    EXPECT_EQ(nlohmann::ordered_json::parse(text).dump(2) + "\n", text);  // plain JSON, keys in our order
    EXPECT_EQ(doc["format"], "forkscope-inspect");
    EXPECT_EQ(doc["version"], kJsonVersion);
    EXPECT_EQ(doc["command"], "pt");
    EXPECT_EQ(doc["snapshot"]["cr3"], 0x00200000u);
    ASSERT_EQ(doc["address_spaces"].size(), 1u);
    const json& space = doc["address_spaces"][0];
    EXPECT_EQ(space["cr3"], 0x00202000u);
    EXPECT_EQ(space["tasks"], json::parse(R"([{"pid": 2, "comm": "init"}])"));
    EXPECT_EQ(space["pdes"].size(), 2u);
    ASSERT_EQ(space["mappings"].size(), 4u);
    const json& data = space["mappings"][1];
    EXPECT_EQ(data["vaddr"], 0x0804a000u);
    EXPECT_EQ(data["paddr"], 0x00300000u);
    EXPECT_EQ(data["entry"], 0x00300065u);
    EXPECT_EQ(data["flags"], json::parse(R"(["P", "U", "A", "D"])"));
    EXPECT_EQ(data["count_min"], 2);
    EXPECT_EQ(data["cow"], true);
    EXPECT_EQ(data["vma"]["perms"], "rw-p");
    EXPECT_EQ(doc["kernel"]["mappings"].size(), 4u);
    EXPECT_EQ(doc["kernel"]["pdes"][1]["large"], true);
    EXPECT_EQ(doc["tasks_without_mm"], json::array());
}

TEST(FormatJson, PsAndFramesDocuments) {
    const json ps = json::parse(ps_json(cow_snapshot()));
    EXPECT_EQ(ps["version"], kJsonVersion);
    EXPECT_EQ(ps["command"], "ps");
    ASSERT_EQ(ps["tasks"].size(), 4u);
    EXPECT_EQ(ps["tasks"][0]["mm"], nullptr);
    EXPECT_FALSE(ps["tasks"][0].contains("rss"));
    EXPECT_EQ(ps["tasks"][2]["pid"], 2);
    EXPECT_EQ(ps["tasks"][2]["cow_shared"], 3);
    EXPECT_EQ(ps["tasks"][2]["current"], true);
    const json frames = json::parse(frames_json(cow_snapshot()));
    EXPECT_EQ(frames["command"], "frames");
    EXPECT_EQ(frames["frames"], 2048);
    EXPECT_EQ(frames["free"], 499);
    EXPECT_EQ(frames["by_kind"][0], json::parse(R"({"kind": "anon", "total": 5, "by_count": {"1": 2, "2": 3}})"));
    ASSERT_EQ(frames["shared"].size(), 5u);
    EXPECT_EQ(frames["shared"][0]["pfn"], 0x280);
    EXPECT_EQ(frames["shared"][0]["mappings"][0]["pids"], json::parse("[1, 3]"));
}

TEST(FormatJson, Errors) {
    expect_error(pt_json(fork_snapshot(), 4, {}), "no task with pid 4");
}

}  // namespace
}  // namespace forkscope::format

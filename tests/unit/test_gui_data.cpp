// What the window's panels show, as data: a task's page tables against its parent's
// (pt --diff's rows), its VMAs' resident pages, selection between pages and frames, the
// grid's colours shaded by reference count (on the format tests' snapshots of a fork
// and of the first copy-on-write fault after it), and the Timeline's events and points.
#include <gtest/gtest.h>

#include "format_fixtures.h"
#include "frontend/gui/memory_grid.h"
#include "frontend/gui/memory_panels.h"
#include "frontend/gui/task_memory.h"
#include "frontend/gui/timeline.h"

namespace forkscope::gui {
namespace {

using forkscope::testing::cow_snapshot;
using forkscope::testing::fork_snapshot;

std::vector<std::string> statuses(const PageTableView& v) {
    std::vector<std::string> out;
    for (const auto& r : v.rows) out.push_back(range_text(r.vaddr, r.end) + " " + r.status + " " + r.note);
    return out;
}

TEST(GuiMemory, TheChildsTablesAgainstItsParentsAfterForkAndAfterTheCopy) {
    const KernelSnapshot fork = fork_snapshot();
    auto v = page_table_view(fork, 2);
    ASSERT_TRUE(v);
    ASSERT_TRUE(v->parent);
    EXPECT_EQ(v->parent->pid, 1);
    EXPECT_FALSE(v->shares_parent_mm);
    EXPECT_EQ(v->header, "pid 2 (init) mm 0xc1000100 CR3 0x00202000; against parent pid 1 (init)");
    // Every page the same frame; the writable private ones read-only and shared: cow.
    EXPECT_EQ(statuses(*v), (std::vector<std::string>{"0x08048000-0x08049fff same frame ",
                                                      "0x0804a000-0x0804afff same frame cow",  // data
                                                      "0x0804b000-0x0804cfff same frame cow",  // heap
                                                      "0xbffff000-0xbfffffff same frame cow"}));
    const KernelSnapshot cow = cow_snapshot();
    v = page_table_view(cow, 2);
    ASSERT_TRUE(v);
    EXPECT_EQ(statuses(*v), (std::vector<std::string>{"0x08048000-0x08049fff same frame ",
                                                      "0x0804a000-0x0804afff frame ",
                                                      "0x0804b000-0x0804cfff same frame cow",
                                                      "0xbffff000-0xbfffffff same frame cow"}));
}

TEST(GuiMemory, TasksWithoutAParentToCompareWith) {
    KernelSnapshot s = fork_snapshot();
    auto init = page_table_view(s, 1);  // its parent, the idle task, has no mm
    ASSERT_TRUE(init);
    EXPECT_FALSE(init->parent);
    EXPECT_EQ(init->header, "pid 1 (init) mm 0xc1000000 CR3 0x00200000");
    ASSERT_EQ(init->rows.size(), 4u);
    EXPECT_EQ(init->rows[0].status, "");
    EXPECT_EQ(init->rows[1].note, "cow");  // shared with the child, read-only: still copy-on-write
    s.tasks[3].ppid = 1;                  // pid 3: init's thread, as a child of init
    auto thread = page_table_view(s, 3);
    ASSERT_TRUE(thread);
    EXPECT_TRUE(thread->shares_parent_mm);
    EXPECT_FALSE(thread->parent);
    EXPECT_EQ(thread->header, "pid 3 (init) mm 0xc1000000 CR3 0x00200000; shares its parent's mm (pid 1)");
    auto idle = page_table_view(s, 0);
    ASSERT_TRUE(idle);
    EXPECT_FALSE(idle->mm);
    EXPECT_EQ(idle->header, "pid 0 (swapper): no user page tables");
    EXPECT_FALSE(page_table_view(s, 9));
}

TEST(GuiMemory, VmasWithTheirResidentPages) {
    const KernelSnapshot s = fork_snapshot();
    const auto vmas = vma_pages(s, s.mms.at(0xc1000000));
    ASSERT_EQ(vmas.size(), 4u);
    EXPECT_EQ(vmas[0].frames, (std::vector<std::optional<uint32_t>>{0x280, 0x281}));
    EXPECT_EQ(vmas[3].frames, (std::vector<std::optional<uint32_t>>{std::nullopt, 0x305}));  // the stack's top page
    EXPECT_EQ(vmas[3].resident(), 1u);
}

TEST(GuiMemory, SelectingAPageSelectsItsFrameAndTheOtherWayRound) {
    const KernelSnapshot s = cow_snapshot();
    UiState ui;
    ui.shown_pid = 2;
    select_address(ui, s, 0x0804a123);
    EXPECT_EQ(ui.selected_frame, 0x306u);  // the child's copy
    select_frame(ui, s, 0x281);
    EXPECT_EQ(ui.selected_address, 0x08049000u);
    select_frame(ui, s, 0x300);  // the parent's data page: the child no longer maps it
    EXPECT_EQ(ui.selected_frame, 0x300u);
    EXPECT_FALSE(ui.selected_address);
    select_address(ui, s, 0xbfffe000);  // not resident
    EXPECT_FALSE(ui.selected_frame);
    ui.shown_pid = 1;
    select_frame(ui, s, 0x300);
    EXPECT_EQ(ui.selected_address, 0x0804a000u);
}

TEST(GuiMemory, TheFramesACowFaultChanged) {
    const KernelSnapshot fork = fork_snapshot();
    const KernelSnapshot cow = cow_snapshot();
    // The shared frame lost a reference; a free one became the child's copy.
    EXPECT_EQ(frames_changed(fork.frames, cow.frames), (std::vector<uint32_t>{0x300, 0x306}));
    EXPECT_TRUE(frames_changed({}, cow.frames).empty());  // nothing to compare with
    EXPECT_TRUE(frames_changed(cow.frames, cow.frames).empty());
}

TEST(GuiMemory, DiffWordsSayHereAndParent) {
    EXPECT_EQ(as_here_and_parent("only in A"), "only here");
    EXPECT_EQ(as_here_and_parent("only in B"), "only in parent");
    EXPECT_EQ(as_here_and_parent("W only in A, D only in B"), "W only here, D only in parent");
}

TEST(GuiMemory, CellsAreShadedByReferenceCount) {
    FrameState f{FrameKind::Anon, 0, 0, 0, 1};
    EXPECT_EQ(shade_level(f), 0);
    EXPECT_EQ(cell_rgb(f), shaded(cell_colour(CellClass::Anon), 0));
    f.count = 2;
    EXPECT_EQ(cell_class(f), CellClass::Shared);
    EXPECT_EQ(shade_level(f), 1);
    f.count = 9;
    EXPECT_EQ(shade_level(f), 3);
    EXPECT_EQ(shaded({230, 70, 200}, 3), (std::array<uint8_t, 3>{255, 81, 230}));  // brighter, at most 255
    EXPECT_EQ(shaded({70, 180, 80}, 0), (std::array<uint8_t, 3>{49, 126, 56}));
    FrameState free{FrameKind::Free, 0, 0, 0, 0};
    EXPECT_EQ(shade_level(free), 0);
    EXPECT_TRUE(frame_changed(free, f));
    FrameState more = f;
    more.count = 10;
    EXPECT_TRUE(frame_changed(f, more));
    more.order = 3;
    more.count = f.count;
    EXPECT_FALSE(frame_changed(f, more));
}

GuestEvent event(StopKind kind, uint64_t n, uint64_t instructions, uint32_t free_pages) {
    GuestEvent e;
    e.kind = kind, e.n = n, e.at = MachinePosition{instructions, 7}, e.free_pages = free_pages;
    return e;
}

// Views share the blocks of the log before them: each adds the events since, and all
// read as one sequence, whatever the blocks.
TEST(GuiEventLog, ViewsShareTheLogAndReadItInOrder) {
    std::vector<GuestEvent> all;
    EventLog log;
    EXPECT_TRUE(log.empty());
    EXPECT_EQ(log.begin(), log.end());
    std::vector<EventLog> views;
    for (uint64_t view = 0; view < 100; ++view) {
        for (uint64_t i = 0; i < view % 3; ++i)  // some views add nothing
            all.push_back(event(StopKind::Cow, all.size() + 1, 10 * all.size(), 0));
        log = log.extended(all);
        views.push_back(log);
    }
    ASSERT_EQ(log.size(), all.size());
    EXPECT_EQ(log.front().n, 1u);
    EXPECT_EQ(log.back().n, all.size());
    uint64_t n = 0;
    for (const GuestEvent& e : log) EXPECT_EQ(e.n, ++n);
    EXPECT_EQ(n, all.size());
    for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(log[i].at, all[i].at);
    // An older view still reads what it had, by index and in order.
    const EventLog& old = views[50];
    size_t i = 0;
    for (const GuestEvent& e : old) EXPECT_EQ(e.n, all[i++].n);
    EXPECT_EQ(i, old.size());
    EXPECT_EQ(old[old.size() - 1].n, old.back().n);
    // A log shorter than the view's (never from the debugger) is taken as it is.
    EXPECT_EQ(log.extended({all[0]}).size(), 1u);
}

TEST(GuiTimeline, EventsByNameAndPointsInPositionOrder) {
    LiveView v;
    v.events = std::vector<GuestEvent>{event(StopKind::Fork, 1, 1000, 50), event(StopKind::Cow, 1, 1500, 49),
                                       event(StopKind::Exit, 1, 2500, 52), event(StopKind::End, 1, 3000, 60)};
    v.samples = {TimelineSample{MachinePosition{900, 1}, 51, 0, 0, 0},
                 TimelineSample{MachinePosition{1500, 7}, 49, 0, 0, 0},  // a view taken at the cow
                 TimelineSample{MachinePosition{2000, 9}, 48, 0, 0, 0}};
    v.position = MachinePosition{2000, 9};
    EXPECT_EQ(event_name(v.events[0]), "fork#1");
    EXPECT_EQ(event_name(v.events[3]), "end#1");
    EXPECT_EQ(find_event(v.events, "exit#1"), &v.events[2]);
    EXPECT_EQ(find_event(v.events, "exit#2"), nullptr);
    EXPECT_EQ(find_event(v.events, "fork"), nullptr);
    std::vector<uint64_t> at;
    for (const TimelineSample& s : timeline_points(v)) at.push_back(s.at.instructions);
    EXPECT_EQ(at, (std::vector<uint64_t>{900, 1000, 1500, 2000, 2500, 3000}));  // one per position
    EXPECT_EQ(timeline_start(v), 900u);
    EXPECT_EQ(timeline_end(v), 3000u);  // the future after going back stays
    v.history = std::pair{MachinePosition{0, 0}, MachinePosition{4000, 20}};
    EXPECT_EQ(timeline_end(v), 4000u);
    EXPECT_EQ(timeline_start(LiveView{}), 0u);
    EXPECT_EQ(timeline_end(LiveView{}), 1u);  // never an empty span
}

}  // namespace
}  // namespace forkscope::gui

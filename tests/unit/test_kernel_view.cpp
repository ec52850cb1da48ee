// KernelView on the real guest kernel: the kernel-info table's checks, and a snapshot
// taken while forktest runs, checked against the invariants the kernel itself keeps
// (mm/check.c): every anonymous frame's count is the number of page-table entries that
// map it, page tables are PG_PGTABLE frames, free frames are what nr_free_pages says.
// FORKSCOPE_TEST_KERNEL and FORKSCOPE_TEST_INITRAMFS name the image.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "emulator/cpu.h"
#include "emulator/introspect/kernel_view.h"
#include "emulator/machine.h"
#include "tests/unit/image_fixture.h"

namespace forkscope {
namespace {

using testing::boot_image;
using testing::kernel_symbol;
using testing::read_file;

// Replaces the first `from` in the kernel-info section's names with `to` (same length).
bool patch(std::vector<uint8_t>& elf, const std::string& from, const std::string& to) {
    auto it = std::search(elf.begin(), elf.end(), from.begin(), from.end());
    if (it == elf.end() || from.size() != to.size()) return false;
    std::copy(to.begin(), to.end(), it);
    return true;
}

class KernelViewTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (!std::getenv("FORKSCOPE_TEST_KERNEL") || !std::getenv("FORKSCOPE_TEST_INITRAMFS"))
            GTEST_SKIP() << "FORKSCOPE_TEST_KERNEL/FORKSCOPE_TEST_INITRAMFS are not set (run through meson test)";
        kernel = read_file("FORKSCOPE_TEST_KERNEL");
    }

    // Boots forktest and stops at the first do_exit (a forked child exiting).
    KernelSnapshot snapshot_at_first_exit(const SnapshotScope& scope = {}) {
        auto m = boot_image("/bin/forktest", {}, 500'000'000);
        EXPECT_TRUE(m.ok()) << m.error().message;
        machine = std::move(*m);
        const uint32_t do_exit = kernel_symbol("do_exit");
        EXPECT_NE(do_exit, 0u);
        EXPECT_TRUE(machine->add_stop_address(do_exit).ok());
        auto stop = machine->resume();
        EXPECT_TRUE(stop.ok() && stop->kind == MachineStopKind::AtStopAddress);
        auto info = KernelInfo::read(kernel);
        EXPECT_TRUE(info.ok()) << info.error().message;
        auto view = KernelView::create(*info, machine->walker());
        EXPECT_TRUE(view.ok()) << view.error().message;
        const CpuRegisters r = machine->cpu().registers();
        auto s = view->snapshot(PagingMode{r.cr0, r.cr3, r.cr4}, r.eip, machine->stats().instructions, scope);
        EXPECT_TRUE(s.ok()) << s.error().message;
        return s.ok() ? *s : KernelSnapshot{};
    }

    std::vector<uint8_t> kernel;
    std::unique_ptr<Machine> machine;
};

TEST_F(KernelViewTest, TheTableOfAnotherVersionIsRefused) {
    // The header entry's value follows its name: FORKSCOPE_KINFO, NUL padding, then 2.
    const std::string header = "FORKSCOPE_KINFO";
    auto it = std::search(kernel.begin(), kernel.end(), header.begin(), header.end());
    ASSERT_NE(it, kernel.end());
    *(it + 44) = 9;
    auto r = KernelInfo::read(kernel);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "kernel-info table: version 9; this forkscope reads version 2");
}

TEST_F(KernelViewTest, AMissingEntryIsNamed) {
    ASSERT_TRUE(patch(kernel, "OFFSET(task_struct.mm)", "OFFSET(task_struct.xx)"));
    auto info = KernelInfo::read(kernel);
    ASSERT_TRUE(info.ok()) << info.error().message;  // the trace needs only a few entries
    EXPECT_EQ(info->find("OFFSET(task_struct.xx)").has_value(), true);
    auto created = Ram::create(1 << 20);
    ASSERT_TRUE(created.ok());
    Ram ram = std::move(created.value());
    PageWalker walker(ram);
    auto view = KernelView::create(*info, walker);
    ASSERT_FALSE(view.ok());
    EXPECT_NE(view.error().message.find("does not export OFFSET(task_struct.mm)"), std::string::npos)
        << view.error().message;
}

TEST_F(KernelViewTest, SnapshotAtTheFirstExit) {
    KernelSnapshot s = snapshot_at_first_exit();
    ASSERT_GE(s.tasks.size(), 3u);
    EXPECT_EQ(s.tasks[0].pid, 0);
    EXPECT_TRUE(s.tasks[0].kernel_thread);
    EXPECT_EQ(s.tasks[1].pid, 1);
    EXPECT_EQ(s.tasks[1].comm, "init");
    EXPECT_EQ(s.tasks[1].ppid, 0);
    for (size_t i = 1; i < s.tasks.size(); ++i) EXPECT_LT(s.tasks[i - 1].pid, s.tasks[i].pid);
    const TaskState* cur = s.current_task();
    ASSERT_NE(cur, nullptr);
    EXPECT_EQ(cur->comm, "forktest");
    const TaskState* parent = s.find_task(cur->ppid);
    ASSERT_NE(parent, nullptr);
    EXPECT_EQ(parent->comm, "forktest");
    EXPECT_NE(parent->mm, cur->mm);
    EXPECT_EQ(cur->fds, 3);  // stdin, stdout, stderr: the console
    // In _exit's system call: its user stack pointer lies in its stack VMA.
    const MmState* cur_mm = s.mm_of(*cur);
    ASSERT_NE(cur_mm, nullptr);
    const VmaState* stack = cur_mm->find_vma(cur->user_esp);
    ASSERT_NE(stack, nullptr) << std::hex << cur->user_esp;
    EXPECT_EQ(stack->label, "[stack]");
    EXPECT_EQ(s.tasks[0].user_esp, 0u);

    // Every user mapping: in a VMA, on a user frame; anonymous frames are counted
    // exactly once per mapping over all mms.
    std::map<uint32_t, int> maps_of;
    for (const auto& [addr, mm] : s.mms) {
        // The idle task's borrowed init_mm: no VMAs, no user pages.
        if (addr == s.tasks[0].active_mm && addr != cur->mm && addr != parent->mm && addr != s.tasks[1].mm) {
            EXPECT_TRUE(mm.vmas.empty() && mm.pages.empty());
            continue;
        }
        EXPECT_EQ(static_cast<size_t>(mm.map_count), mm.vmas.size());
        EXPECT_EQ(mm.rss, mm.pages.size());
        EXPECT_EQ(s.frames.at(mm.pgd >> 12).kind, FrameKind::PageTable);
        for (size_t i = 1; i < mm.vmas.size(); ++i) EXPECT_LE(mm.vmas[i - 1].end, mm.vmas[i].start);
        for (const PdeState& pde : mm.pdes) EXPECT_EQ(s.frames.at(pde.entry >> 12).kind, FrameKind::PageTable);
        for (const PageMapping& p : mm.pages) {
            EXPECT_NE(mm.find_vma(p.vaddr), nullptr) << std::hex << p.vaddr;
            const FrameKind k = s.frames.at(p.paddr >> 12).kind;
            EXPECT_TRUE(k == FrameKind::Anon || k == FrameKind::Cache) << std::hex << p.paddr;
            maps_of[p.paddr >> 12]++;
        }
        const bool has_program = std::any_of(mm.vmas.begin(), mm.vmas.end(),
                                             [](const VmaState& v) { return v.file == "/bin/forktest" || v.file == "/bin/init"; });
        EXPECT_TRUE(has_program);
        EXPECT_TRUE(std::any_of(mm.vmas.begin(), mm.vmas.end(), [](const VmaState& v) { return v.label == "[stack]"; }));
    }
    for (auto [pfn, n] : maps_of) {
        if (s.frames[pfn].kind == FrameKind::Anon) {
            EXPECT_EQ(s.frames[pfn].count, n) << "pfn " << pfn;
        }
    }
    const auto free = std::count_if(s.frames.begin(), s.frames.end(), [](const FrameState& f) { return f.kind == FrameKind::Free; });
    EXPECT_EQ(static_cast<uint32_t>(free), s.nr_free_pages);
    EXPECT_GT(s.totalram_pages, s.nr_free_pages);
    ASSERT_FALSE(s.kernel_pages.empty());
    EXPECT_EQ(s.kernel_pages.front().vaddr, s.kernel_base);
    EXPECT_EQ(s.kernel_pages.front().paddr, 0u);
}

// A snapshot for one address space reads that task's tables and nothing of the frame
// map; they are the same tables the whole snapshot has.
TEST_F(KernelViewTest, AScopedSnapshotReadsOneTasksTables) {
    const KernelSnapshot whole = snapshot_at_first_exit();
    const TaskState* cur = whole.current_task();
    ASSERT_NE(cur, nullptr);
    const KernelSnapshot one = snapshot_at_first_exit(SnapshotScope{cur->pid, false});
    EXPECT_TRUE(whole.complete);
    EXPECT_FALSE(one.complete);
    EXPECT_TRUE(one.frames.empty());
    EXPECT_EQ(one.tasks.size(), whole.tasks.size());
    EXPECT_EQ(one.kernel_pages.size(), whole.kernel_pages.size());
    ASSERT_EQ(one.mms.size(), whole.mms.size());
    for (const auto& [addr, mm] : one.mms) {
        const MmState& full = whole.mms.at(addr);
        EXPECT_EQ(mm.vmas.size(), full.vmas.size());
        if (addr == cur->mm) {
            EXPECT_TRUE(mm.tables_read);
            ASSERT_EQ(mm.pages.size(), full.pages.size());
            for (size_t i = 0; i < mm.pages.size(); ++i) {
                EXPECT_EQ(mm.pages[i].vaddr, full.pages[i].vaddr);
                EXPECT_EQ(mm.pages[i].pte, full.pages[i].pte);
            }
        } else if (addr != cur->active_mm) {
            EXPECT_FALSE(mm.tables_read);
            EXPECT_TRUE(mm.pages.empty() && mm.pdes.empty());
        }
    }
}

}  // namespace
}  // namespace forkscope

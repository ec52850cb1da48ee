// LiveMachine on the real kernel running forktest: the guest on its own thread, views
// published at stops and, while it runs, when asked; breakpoints toggled while it runs;
// and quitting while the guest runs (a window closed mid-run) ends at once.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "base/hex.h"
#include "emulator/debug/source_map.h"
#include "emulator/history.h"
#include "emulator/introspect/kernel_info.h"
#include "emulator/machine.h"
#include "emulator/symbols.h"
#include "frontend/gui/live_machine.h"
#include "tests/unit/image_fixture.h"

namespace forkscope::testing {
namespace {

using Clock = std::chrono::steady_clock;

class LiveMachineTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (!std::getenv("FORKSCOPE_TEST_KERNEL") || !std::getenv("FORKSCOPE_TEST_INITRAMFS"))
            GTEST_SKIP() << "FORKSCOPE_TEST_KERNEL/FORKSCOPE_TEST_INITRAMFS are not set (run through meson test)";
        kernel = read_file("FORKSCOPE_TEST_KERNEL");
        auto syms = KernelSymbols::read(kernel);
        auto map = SourceMap::read(kernel, "kernel.elf");
        auto ki = KernelInfo::read(kernel);
        ASSERT_TRUE(syms.ok() && map.ok() && ki.ok());
        symbols.emplace(std::move(*syms));
        source.emplace(std::move(*map));
        info.emplace(std::move(*ki));
    }

    void boot(const std::string& program) {
        auto m = boot_image(program, {}, 20'000'000'000ull);
        ASSERT_TRUE(m.ok()) << m.error().message;
        machine = std::move(*m);
        DebuggerOptions o;
        o.constants.vm_fault_ok = info->find("NUMBER(VM_FAULT_OK)").value_or(0);
        debugger = std::make_unique<Debugger>(*machine, *symbols, &*source, *info, o);
    }

    void TearDown() override {
        debugger.reset();
        machine.reset();
    }

    // The first view that satisfies `done`, waiting up to 60 s.
    template <class F>
    std::shared_ptr<const gui::LiveView> wait_for(gui::LiveMachine& live, F done) {
        const auto deadline = Clock::now() + std::chrono::seconds(60);
        for (auto v = live.latest(); Clock::now() < deadline; v = live.latest()) {
            if (done(*v)) return v;
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        ADD_FAILURE() << "no such view within 60 s; the last: " << live.latest()->status;
        return live.latest();
    }

    std::vector<uint8_t> kernel;
    std::optional<KernelSymbols> symbols;
    std::optional<SourceMap> source;
    std::optional<KernelInfo> info;
    std::unique_ptr<Machine> machine;
    std::unique_ptr<Debugger> debugger;
};

// Next fork (RunTo) stops at the next fork and names it as the timeline does, leaving
// no event breakpoint behind; a click on the timeline (Goto) goes back to an event, after
// the guest has ended too; without history, Goto is refused with a message.
TEST_F(LiveMachineTest, RunToTheNextEventAndGoBackToOne) {
    boot("/bin/forktest");
    auto history = History::attach(*machine, HistoryOptions{64ull << 20, HistoryOptions::kDebugInterval});
    ASSERT_TRUE(history.ok()) << history.error().message;
    debugger->set_history(history->get());
    ASSERT_TRUE(debugger->log_events().ok());
    gui::LiveMachine live(*debugger, *info, *symbols, history->get());
    auto first = wait_for(live, [](const gui::LiveView& v) { return v.serial >= 1; });
    live.post({gui::LiveAction::RunTo, "fork"});
    auto fork = wait_for(live, [&](const gui::LiveView& v) { return v.serial > first->serial && !v.running; });
    ASSERT_FALSE(fork->events.empty());
    const GuestEvent& fork1 = fork->events.back();
    EXPECT_EQ(fork1.kind, StopKind::Fork);
    EXPECT_EQ(fork1.at, fork->position);
    EXPECT_EQ(fork->status.rfind(fork1.text + ", do_fork at fork.c:", 0), 0u) << fork->status;
    EXPECT_TRUE(debugger->event_breakpoints().empty());
    ASSERT_TRUE(fork->history);
    EXPECT_EQ(fork->history->second, fork->position);
    live.post({gui::LiveAction::Continue, ""});
    auto end = wait_for(live, [&](const gui::LiveView& v) { return v.ended; });
    EXPECT_EQ(end->status, "exited with status 0");
    live.post({gui::LiveAction::Goto, "", fork1.at});
    auto back = wait_for(live, [&](const gui::LiveView& v) { return v.serial > end->serial; });
    EXPECT_FALSE(back->ended);
    EXPECT_EQ(back->position, fork1.at);
    EXPECT_EQ(back->regs.eip, fork->regs.eip);
    EXPECT_EQ(back->status.rfind("went to instruction " + std::to_string(fork1.at.instructions), 0), 0u)
        << back->status;
    EXPECT_EQ(back->events.size(), end->events.size());
    EXPECT_FALSE(live.take_message());
    debugger->set_history(nullptr);
    live.post({gui::LiveAction::Goto, "", MachinePosition{}});
    for (auto deadline = Clock::now() + std::chrono::seconds(60); Clock::now() < deadline;) {
        if (auto m = live.take_message()) {
            EXPECT_NE(m->find("does not record its history"), std::string::npos) << *m;
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ADD_FAILURE() << "no message for a Goto without history";
}

// At half real time the guest's clock runs at most half as fast as the wall clock: hello's
// boot and run (some 0.2 s of guest time, a fraction of that headless) take at least
// twice their guest time.
TEST_F(LiveMachineTest, ASetSpeedHoldsTheGuestBack) {
    boot("/bin/hello");
    gui::LiveMachine live(*debugger, *info, *symbols);
    live.set_speed(0.5);
    auto first = wait_for(live, [](const gui::LiveView& v) { return v.serial >= 1; });
    const auto start = Clock::now();
    live.post({gui::LiveAction::Continue, ""});
    std::shared_ptr<const gui::LiveView> end;
    for (auto deadline = start + std::chrono::seconds(60); Clock::now() < deadline;) {
        live.pace();  // as the window does each frame
        if (auto v = live.latest(); v->ended) {
            end = v;
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ASSERT_TRUE(end) << "hello did not end";
    const double wall = std::chrono::duration<double>(Clock::now() - start).count();
    const double guest = static_cast<double>(end->guest_ns) / 1e9;
    EXPECT_EQ(end->status, "exited with status 0");
    EXPECT_EQ(end->speed, 0.5);
    EXPECT_GT(guest, 0.1);
    EXPECT_GE(wall, 0.9 * guest / 0.5) << "guest " << guest << " s in " << wall << " s";
    EXPECT_LT(wall, guest / 0.5 + 5.0);
}

// Disassembly's gutter toggles *ADDRESS: it takes away a function breakpoint there too.
TEST_F(LiveMachineTest, TheDisassemblyGutterTogglesTheBreakpointAtAnInstruction) {
    boot("/bin/forktest");
    ASSERT_TRUE(debugger->breakpoints().add("copy_process").ok());
    gui::LiveMachine live(*debugger, *info, *symbols);
    auto first = wait_for(live, [](const gui::LiveView& v) { return v.serial >= 1; });
    const std::string at = "*" + hex8(symbols->lookup("copy_process")->address);
    live.post({gui::LiveAction::Break, at});
    auto removed = wait_for(live, [&](const gui::LiveView& v) { return v.serial > first->serial; });
    EXPECT_TRUE(removed->breakpoints.empty());
    live.post({gui::LiveAction::Break, at});
    auto added = wait_for(live, [&](const gui::LiveView& v) { return v.serial > removed->serial; });
    ASSERT_EQ(added->breakpoints.size(), 1u);
    EXPECT_EQ(added->breakpoints[0].location, at);
    live.post({gui::LiveAction::Continue, ""});
    auto stop = wait_for(live, [&](const gui::LiveView& v) { return v.serial > added->serial + 1 && !v.running; });
    EXPECT_EQ(stop->function, "copy_process");
    // The code around EIP starts at EIP at a function's entry.
    ASSERT_FALSE(stop->disassembly.empty());
    EXPECT_EQ(stop->disassembly.front().address, stop->regs.eip);
}

// From fork#1 to the first COW fault after it, the faulting task's page table is written
// in place (do_cow_page maps the copy there), and its kernel stack: those frames are
// among those written since the last view. A view with no guest run between has none.
TEST_F(LiveMachineTest, ViewsSayWhichFramesWereWrittenSinceTheLastOne) {
    boot("/bin/forktest");
    ASSERT_TRUE(debugger->log_events().ok());
    gui::LiveMachine live(*debugger, *info, *symbols);
    auto first = wait_for(live, [](const gui::LiveView& v) { return v.serial >= 1; });
    live.post({gui::LiveAction::RunTo, "fork"});
    auto fork = wait_for(live, [&](const gui::LiveView& v) { return v.serial > first->serial + 1 && !v.running; });
    live.post({gui::LiveAction::RunTo, "cow"});
    auto cow = wait_for(live, [&](const gui::LiveView& v) { return v.serial > fork->serial + 1 && !v.running; });
    ASSERT_TRUE(fork->snapshot && cow->snapshot);
    EXPECT_TRUE(cow->written_tracked);
    // The page the fault gave a frame of its own, and the page table entry that says so.
    std::optional<uint32_t> table;
    for (const auto& [addr, mm] : cow->snapshot->mms) {
        auto before = fork->snapshot->mms.find(addr);
        if (before == fork->snapshot->mms.end()) continue;
        for (const PageMapping& p : mm.pages)
            for (const PageMapping& q : before->second.pages)
                if (p.vaddr == q.vaddr && p.paddr != q.paddr) table = p.pte_paddr >> 12;
    }
    ASSERT_TRUE(table) << "no page changed frames between fork#1 and cow#1";
    EXPECT_NE(std::find(cow->written.begin(), cow->written.end(), *table), cow->written.end()) << *table;
    // The kernel's frames too: the faulting task's kernel stack, where the fault runs.
    const uint32_t kernel_base = info->find("NUMBER(PAGE_OFFSET)").value_or(0xc0000000u);
    ASSERT_GE(cow->regs.esp, kernel_base);
    const uint32_t stack = (cow->regs.esp - kernel_base) >> 12;
    EXPECT_EQ(cow->snapshot->frames.at(stack).kind, FrameKind::Kernel);
    EXPECT_NE(std::find(cow->written.begin(), cow->written.end(), stack), cow->written.end()) << stack;
    for (uint32_t pfn : cow->written) EXPECT_NE(cow->snapshot->frames.at(pfn).kind, FrameKind::Free) << pfn;
    live.post({gui::LiveAction::Break, "copy_process"});  // a view, and nothing ran
    auto same = wait_for(live, [&](const gui::LiveView& v) { return v.serial > cow->serial; });
    EXPECT_TRUE(same->written.empty());
}

TEST_F(LiveMachineTest, StopsAreViewsOfTheWholeMachine) {
    boot("/bin/forktest");
    ASSERT_TRUE(debugger->breakpoints().add("copy_process").ok());
    gui::LiveMachine live(*debugger, *info, *symbols);
    auto first = wait_for(live, [](const gui::LiveView& v) { return v.serial >= 1; });
    EXPECT_EQ(first->status, "stopped before the first instruction");
    EXPECT_FALSE(first->running);
    live.post({gui::LiveAction::Continue, ""});
    auto stop = wait_for(live, [&](const gui::LiveView& v) { return v.serial > first->serial && !v.running; });
    EXPECT_EQ(stop->function, "copy_process");
    EXPECT_EQ(stop->regs.eip, symbols->lookup("copy_process")->address);
    EXPECT_TRUE(stop->status.starts_with("Breakpoint 1, copy_process at fork.c:")) << stop->status;
    ASSERT_TRUE(stop->snapshot);
    EXPECT_EQ(stop->snapshot->instructions, stop->instructions);
    ASSERT_FALSE(stop->stack.empty());
    EXPECT_TRUE(stop->stack[0].function.starts_with("copy_process"));
    ASSERT_FALSE(stop->disassembly.empty());
    EXPECT_EQ(stop->disassembly.front().address, stop->regs.eip);
    ASSERT_EQ(stop->breakpoint_lines.size(), 1u);
    EXPECT_EQ(stop->breakpoint_lines[0].line, stop->line->line);
    // A step publishes the stop it ends at; a bad breakpoint is a message, once.
    live.post({gui::LiveAction::Next, ""});
    auto stepped = wait_for(live, [&](const gui::LiveView& v) { return v.serial > stop->serial; });
    EXPECT_TRUE(stepped->status.starts_with("step, copy_process at fork.c:")) << stepped->status;
    EXPECT_GT(stepped->line->line, stop->line->line);
    live.post({gui::LiveAction::Break, "nosuch.c:3"});
    auto after = wait_for(live, [&](const gui::LiveView& v) { return v.serial > stepped->serial; });
    EXPECT_EQ(after->breakpoints.size(), 1u);
    auto message = live.take_message();
    ASSERT_TRUE(message);
    EXPECT_NE(message->find("no source file 'nosuch.c'"), std::string::npos) << *message;
    EXPECT_FALSE(live.take_message());
}

TEST_F(LiveMachineTest, RunningViewsBreakpointsWhileRunningAndPause) {
    boot("/bin/forkbench 1024 1000000");  // long enough to be running throughout
    gui::LiveMachine live(*debugger, *info, *symbols);
    live.post({gui::LiveAction::Continue, ""});
    auto running = wait_for(live, [](const gui::LiveView& v) { return v.running; });
    // Views while it runs, each of a later moment.
    uint64_t last = running->instructions;
    for (int i = 0; i < 3; ++i) {
        const uint64_t serial = live.latest()->serial;
        live.want_view();
        auto v = wait_for(live, [&](const gui::LiveView& x) { return x.serial > serial; });
        EXPECT_TRUE(v->running);
        EXPECT_GT(v->instructions, last);
        last = v->instructions;
    }
    // A breakpoint set while it runs stops it.
    live.post({gui::LiveAction::Break, "copy_process"});
    auto stop = wait_for(live, [](const gui::LiveView& v) { return !v.running; });
    EXPECT_EQ(stop->function, "copy_process") << stop->status;
    // Running again, then paused (F5 twice).
    live.post({gui::LiveAction::Break, "copy_process"});  // off again
    live.post({gui::LiveAction::Continue, ""});
    wait_for(live, [&](const gui::LiveView& v) { return v.running && v.serial > stop->serial; });
    const auto start = Clock::now();
    live.post({gui::LiveAction::Pause, ""});
    auto paused = wait_for(live, [](const gui::LiveView& v) { return !v.running; });
    EXPECT_TRUE(paused->status.starts_with("paused")) << paused->status;
    EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
}

TEST_F(LiveMachineTest, DestroyedWhileTheGuestRunsEndsAtOnce) {
    boot("/bin/forkbench 1024 1000000");
    auto live = std::make_unique<gui::LiveMachine>(*debugger, *info, *symbols);
    live->post({gui::LiveAction::Continue, ""});
    wait_for(*live, [](const gui::LiveView& v) { return v.running; });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const auto start = Clock::now();
    live.reset();  // the window closed
    EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
}

}  // namespace
}  // namespace forkscope::testing

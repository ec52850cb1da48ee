// History (record/replay) on the real guest kernel running forktest: exact instruction
// stops; seeks back to many positions (inside copy_process, across timer interrupts,
// right after deliveries) compared with the recording run and with a second machine
// that replays the recording straight from boot; replay to the end; previous(); the
// memory bound; positions outside the history.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "emulator/cpu.h"
#include "emulator/history.h"
#include "emulator/ram.h"
#include "image_fixture.h"

namespace forkscope {
namespace {

using testing::boot_image;
using testing::kernel_symbol;

// What must be equal for two machines to be in the same state: position, registers
// and a hash of every RAM page.
struct State {
    MachinePosition at;
    CpuRegisters regs{};
    std::vector<uint64_t> pages;
};

// A page's hash, a word at a time (a capture hashes all of RAM: it must be quick).
uint64_t page_hash(const uint8_t* p, size_t n) {
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i + 8 <= n; i += 8) {
        uint64_t w;
        std::memcpy(&w, p + i, 8);
        h = (h ^ w) * 1099511628211ull;
    }
    return h;
}

State capture(Machine& m) {
    State s;
    s.at = m.position();
    s.regs = m.cpu().registers();
    const uint8_t* ram = m.ram().data();
    for (uint64_t off = 0; off < m.ram().size(); off += 4096) s.pages.push_back(page_hash(ram + off, 4096));
    return s;
}

std::string describe(MachinePosition p) {
    return "(" + std::to_string(p.instructions) + ", " + std::to_string(p.events) + ")";
}

void expect_same(const State& want, const State& got, const std::string& where) {
    SCOPED_TRACE(where + " at " + describe(want.at));
    EXPECT_EQ(got.at, want.at) << "got " << describe(got.at);
    EXPECT_EQ(got.regs.eip, want.regs.eip);
    EXPECT_EQ(got.regs.esp, want.regs.esp);
    EXPECT_EQ(got.regs.eax, want.regs.eax);
    EXPECT_EQ(got.regs.ebx, want.regs.ebx);
    EXPECT_EQ(got.regs.ecx, want.regs.ecx);
    EXPECT_EQ(got.regs.edx, want.regs.edx);
    EXPECT_EQ(got.regs.esi, want.regs.esi);
    EXPECT_EQ(got.regs.edi, want.regs.edi);
    EXPECT_EQ(got.regs.ebp, want.regs.ebp);
    EXPECT_EQ(got.regs.eflags, want.regs.eflags);
    EXPECT_EQ(got.regs.cs, want.regs.cs);
    EXPECT_EQ(got.regs.ss, want.regs.ss);
    EXPECT_EQ(got.regs.cr3, want.regs.cr3);
    EXPECT_EQ(got.regs.cr2, want.regs.cr2);
    if (want.pages.empty()) return;  // registers only
    size_t differing = 0;
    std::string which;
    for (size_t i = 0; i < want.pages.size() && i < got.pages.size(); ++i)
        if (want.pages[i] != got.pages[i] && ++differing <= 8) which += " " + std::to_string(i);
    EXPECT_EQ(differing, 0u) << "RAM pages differ (page numbers:" << which << ")";
}

class HistoryTest : public ::testing::Test {
protected:
    std::unique_ptr<Machine> make(std::string* console) {
        auto m = boot_image("/bin/forktest", [console](uint8_t b) { if (console) *console += static_cast<char>(b); },
                            2'000'000'000);
        EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().message);
        return m.ok() ? std::move(*m) : nullptr;
    }

    // Runs to exactly instruction n (resume with an instruction stop).
    static void run_to(Machine& m, uint64_t n) {
        m.set_instruction_stop(n);
        for (;;) {
            auto stop = m.resume();
            ASSERT_TRUE(stop.ok()) << stop.error().message;
            if (stop->kind == MachineStopKind::AtInstruction) break;
            ASSERT_NE(stop->kind, MachineStopKind::Exited) << "exited before instruction " << n;
        }
        ASSERT_EQ(m.position().instructions, n);
    }

    void seek_matches(bool breakpoints);

    static uint32_t run_to_end(Machine& m) {
        m.set_instruction_stop(std::nullopt);
        for (;;) {
            auto stop = m.resume();
            EXPECT_TRUE(stop.ok()) << (stop.ok() ? "" : stop.error().message);
            if (!stop.ok()) return ~0u;
            if (stop->kind == MachineStopKind::Exited) return stop->exit_status;
        }
    }
};

TEST_F(HistoryTest, InstructionStopIsExact) {
    auto m = make(nullptr);
    ASSERT_TRUE(m);
    // Odd counts, never block boundaries by design; each reached exactly.
    // (forktest runs about 5.7 million instructions.)
    for (uint64_t n : {1ull, 7ull, 1'000'003ull, 1'000'004ull, 2'999'991ull, 5'000'013ull}) {
        run_to(*m, n);
        EXPECT_EQ(m->position().instructions, n);
    }
    // A count already passed stops at once.
    m->set_instruction_stop(5);
    auto stop = m->resume();
    ASSERT_TRUE(stop.ok());
    EXPECT_EQ(stop->kind, MachineStopKind::AtInstruction);
    EXPECT_EQ(m->position().instructions, 5'000'013u);
}

// The last instructions before an instruction stop are single steps; a stop address
// among them still stops the run before its instruction, as in a run without one.
TEST_F(HistoryTest, InstructionStopDoesNotStepOverAStopAddress) {
    const uint64_t n = 2'999'991;
    auto a = make(nullptr);
    ASSERT_TRUE(a);
    run_to(*a, n);
    const uint32_t eip = a->cpu().reg(Reg::Eip);
    // Where a run with a stop address there first stops.
    auto b = make(nullptr);
    ASSERT_TRUE(b);
    ASSERT_TRUE(b->add_stop_address(eip).ok());
    auto first = b->resume();
    ASSERT_TRUE(first.ok()) << first.error().message;
    ASSERT_EQ(first->kind, MachineStopKind::AtStopAddress);
    const MachinePosition hit = b->position();
    ASSERT_LE(hit.instructions, n);
    // A run to one instruction past that reaches the stop address first.
    auto c = make(nullptr);
    ASSERT_TRUE(c);
    ASSERT_TRUE(c->add_stop_address(eip).ok());
    c->set_instruction_stop(hit.instructions + 1);
    auto stop = c->resume();
    ASSERT_TRUE(stop.ok()) << stop.error().message;
    EXPECT_EQ(stop->kind, MachineStopKind::AtStopAddress);
    EXPECT_EQ(c->position(), hit);
    EXPECT_EQ(stop->eip, eip);
    // Going on, the instruction there runs and the count is reached.
    stop = c->resume();
    ASSERT_TRUE(stop.ok()) << stop.error().message;
    EXPECT_EQ(stop->kind, MachineStopKind::AtInstruction);
    EXPECT_EQ(c->position().instructions, hit.instructions + 1);
}

// Seeks in a shuffled order, from stops in kernel and user mode, must come out as the
// recording passed: once they did not, after a stop in user mode (forktest's
// instruction 2638237): deleting the count hook of a single step removed translations
// by address through the restored page tables, a swallowed fault left CR2 and
// "exception in flight" set, and the next replayed page fault became a double fault.
TEST_F(HistoryTest, SeekMatchesWithBreakpoints) { seek_matches(true); }
TEST_F(HistoryTest, SeekMatchesRecordingAndStraightReplay) { seek_matches(false); }

void HistoryTest::seek_matches(bool breakpoints) {
    std::string console;
    auto a = make(&console);
    ASSERT_TRUE(a);
    auto history = History::attach(*a, HistoryOptions{1ull << 30, 400'000});
    ASSERT_TRUE(history.ok()) << history.error().message;
    History& h = **history;
    // The recording run, stopped on the way at positions of every kind.
    std::vector<State> seen;
    const uint32_t copy_process = kernel_symbol("copy_process");
    ASSERT_NE(copy_process, 0u);
    for (uint64_t n : {200'001ull, 450'017ull, 1'100'003ull}) {
        run_to(*a, n);
        seen.push_back(capture(*a));
    }
    // Inside copy_process: at its entry (a breakpoint) and at counts into it.
    if (breakpoints) {
        ASSERT_TRUE(a->add_stop_address(copy_process).ok());
    }
    for (int fork = 0; fork < 3 && breakpoints; ++fork) {
        for (;;) {
            auto stop = a->resume();
            ASSERT_TRUE(stop.ok()) << stop.error().message;
            ASSERT_NE(stop->kind, MachineStopKind::Exited);
            if (stop->kind == MachineStopKind::AtStopAddress) break;
        }
        seen.push_back(capture(*a));
        for (uint64_t k : {1ull, 37ull, 211ull, 1500ull}) {
            run_to(*a, seen.back().at.instructions + k);
            seen.push_back(capture(*a));
        }
    }
    if (breakpoints) a->remove_stop_address(copy_process);
    for (uint64_t n : {2'503'300ull, 2'503'337ull, 2'771'950ull, 2'772'187ull}) {  // in the forks (copy_process)
        if (a->position().instructions >= n) continue;  // the breakpoints' stops went past it
        run_to(*a, n);
        seen.push_back(capture(*a));
    }
    // Long runs between, across timer interrupts and page faults.
    for (int i = 0; i < 8; ++i) {
        run_to(*a, a->position().instructions + 123'457);
        seen.push_back(capture(*a));
    }
    const uint32_t status = run_to_end(*a);
    EXPECT_EQ(status, 0u);
    const std::string recorded_console = console;
    EXPECT_NE(recorded_console.find("forktest"), std::string::npos) << recorded_console;
    EXPECT_GT(h.stats().interrupts, 10u);
    EXPECT_GT(h.checkpoints().size(), 5u);

    // Seek back to each, in a shuffled order: the same state as when it was passed.
    std::vector<size_t> order(seen.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::shuffle(order.begin(), order.end(), std::mt19937(11));
    for (size_t i : order) {
        auto r = h.seek(seen[i].at);
        ASSERT_TRUE(r.ok()) << r.error().message;
        expect_same(seen[i], capture(*a), "seek");
    }
    // Replay to the end: no new console bytes, the same exit status.
    ASSERT_TRUE(h.seek(seen.front().at).ok());
    EXPECT_EQ(run_to_end(*a), status);
    EXPECT_EQ(console, recorded_console);
    EXPECT_EQ(a->position(), h.newest());

    // A second machine replaying the recording straight from boot passes the same states.
    std::string console_b;
    auto b = make(&console_b);
    ASSERT_TRUE(b);
    auto replay = History::replay_of(*b, h, HistoryOptions{1ull << 30, 1ull << 40});
    ASSERT_TRUE(replay.ok()) << replay.error().message;
    std::vector<State> sorted = seen;
    std::sort(sorted.begin(), sorted.end(), [](const State& x, const State& y) { return x.at < y.at; });
    for (const State& s : sorted) {
        b->set_instruction_stop(s.at.instructions);
        for (;;) {
            auto stop = b->resume();
            ASSERT_TRUE(stop.ok()) << stop.error().message;
            if (stop->kind == MachineStopKind::AtInstruction) break;
        }
        // Events at the same count (a delivery without an instruction) by single steps.
        while (b->position() < s.at) {
            auto stop = b->step();
            ASSERT_TRUE(stop.ok()) << stop.error().message;
        }
        if (b->position() == s.at) expect_same(s, capture(*b), "second machine");
    }
    EXPECT_EQ(run_to_end(*b), status);
    EXPECT_TRUE(console_b.empty());  // replayed output is not repeated
}

// Single steps up to a delivery and a few after: previous() walks back over every one
// of those states, and each seek comes out as the step did (registers; RAM too for
// the states after the delivery, whose RAM is captured).
TEST_F(HistoryTest, PreviousStepsBackOverInstructionsAndDeliveries) {
    auto m = make(nullptr);
    ASSERT_TRUE(m);
    auto history = History::attach(*m, HistoryOptions{1ull << 30, 300'000});
    ASSERT_TRUE(history.ok());
    History& h = **history;
    run_to(*m, 2'000'000);
    // The last 20 states before the first delivery (registers only: hashing RAM at every
    // step would take minutes), then 10 states after it with RAM.
    std::vector<State> states;
    int deliveries = 0, after = 0;
    for (int i = 0; i < 1'000'000 && after < 10; ++i) {
        auto stop = m->step();
        ASSERT_TRUE(stop.ok());
        if (stop->delivered) ++deliveries;
        if (deliveries == 0) {
            State light;
            light.at = m->position();
            light.regs = m->cpu().registers();
            states.push_back(light);
            if (states.size() > 20) states.erase(states.begin());
        } else {
            states.push_back(capture(*m));
            ++after;
        }
    }
    ASSERT_GE(deliveries, 1);
    // Walk back from the last state with previous(): each position is either one
    // instruction or one delivery earlier, and seeking there gives the state seen.
    MachinePosition p = states.back().at;
    std::map<MachinePosition, const State*> by_position;
    for (const State& s : states) by_position[s.at] = &s;
    int matched = 0, delivery_steps = 0;
    while (p > states.front().at) {
        auto prev = h.previous(p);
        ASSERT_TRUE(prev.ok()) << prev.error().message;
        ASSERT_LT(*prev, p);
        EXPECT_TRUE((prev->instructions + 1 == p.instructions && prev->events == p.events) ||
                    (prev->instructions == p.instructions && prev->events + 1 == p.events) ||
                    (prev->instructions + 1 == p.instructions && prev->events + 1 == p.events))
            << describe(*prev) << " before " << describe(p);
        delivery_steps += prev->events != p.events;
        auto r = h.seek(*prev);
        ASSERT_TRUE(r.ok()) << r.error().message;
        EXPECT_EQ(m->position(), *prev);
        if (auto it = by_position.find(*prev); it != by_position.end()) {
            expect_same(*it->second, capture(*m), "previous");
            ++matched;
        }
        p = *prev;
    }
    EXPECT_GE(delivery_steps, 1);
    EXPECT_GE(matched, 25);
    // Past the oldest, and outside the history, is an error.
    EXPECT_FALSE(h.previous(h.oldest()).ok());
    EXPECT_FALSE(h.seek(MachinePosition{h.newest().instructions + 1, h.newest().events}).ok());
}

// A snapshot knows the pages of RAM nobody has touched are zero (pagemap: neither
// present nor swapped), and does not read them: at boot that is most of RAM.
TEST_F(HistoryTest, SnapshotsSkipRamNobodyTouched) {
    if (::access("/proc/self/pagemap", R_OK) != 0)
        GTEST_SKIP() << "/proc/self/pagemap cannot be read here: snapshots compare every page";
    auto m = make(nullptr);
    ASSERT_TRUE(m);
    auto history = History::attach(*m, HistoryOptions{1ull << 30, 1'000'000});
    ASSERT_TRUE(history.ok()) << history.error().message;
    const uint64_t pages = m->ram().size() / 4096;
    const uint64_t skipped = (*history)->stats().pages_untouched;
    EXPECT_GT(skipped, pages / 2) << "of " << pages;
    EXPECT_LT(skipped, pages);  // the kernel and the initramfs are loaded
    // And the recording still replays exactly (the seek tests compare every page).
    run_to(*m, 3'000'000);
    const State there = capture(*m);
    ASSERT_TRUE((*history)->seek((*history)->oldest()).ok());
    auto back = (*history)->seek(there.at);
    ASSERT_TRUE(back.ok()) << back.error().message;
    expect_same(there, capture(*m), "seek");
}

// With an overhead budget no snapshot can meet, the interval doubles at each snapshot up
// to its stretch limit; with one every snapshot meets, it stays. Either way the
// recording replays exactly.
TEST_F(HistoryTest, AnOverheadBudgetStretchesTheIntervalAndReplayStaysExact) {
    constexpr uint64_t base = 200'000;
    {
        auto m = make(nullptr);
        ASSERT_TRUE(m);
        auto history = History::attach(*m, HistoryOptions{1ull << 30, base, 1e9});
        ASSERT_TRUE(history.ok()) << history.error().message;
        run_to(*m, 5'000'000);
        EXPECT_EQ((*history)->stats().interval, base);
        EXPECT_GE((*history)->stats().snapshots, 20u);
    }
    auto m = make(nullptr);
    ASSERT_TRUE(m);
    auto history = History::attach(*m, HistoryOptions{1ull << 30, base, 1e-12});
    ASSERT_TRUE(history.ok()) << history.error().message;
    History& h = **history;
    run_to(*m, 5'000'000);
    EXPECT_EQ(h.stats().interval, base * HistoryOptions::kMaxStretch);
    const std::vector<MachinePosition> cps = h.checkpoints();
    ASSERT_GE(cps.size(), 4u);
    for (size_t i = 1; i + 1 < cps.size(); ++i)  // each gap at least as long as the one before
        EXPECT_GE(cps[i + 1].instructions - cps[i].instructions, cps[i].instructions - cps[i - 1].instructions);
    EXPECT_LT(h.stats().snapshots, 10u);
    const State there = capture(*m);
    ASSERT_TRUE(h.seek(h.oldest()).ok());
    auto back = h.seek(there.at);
    ASSERT_TRUE(back.ok()) << back.error().message;
    expect_same(there, capture(*m), "seek");
}

TEST_F(HistoryTest, MemoryBoundDropsOldestSnapshots) {
    // What the whole run holds without a bound; then half of that as the bound.
    uint64_t unbounded = 0;
    {
        auto m = make(nullptr);
        ASSERT_TRUE(m);
        auto history = History::attach(*m, HistoryOptions{1ull << 30, 200'000});
        ASSERT_TRUE(history.ok());
        EXPECT_EQ(run_to_end(*m), 0u);
        unbounded = (*history)->stats().bytes;
        EXPECT_EQ((*history)->stats().snapshots_dropped, 0u);
    }
    auto m = make(nullptr);
    ASSERT_TRUE(m);
    const uint64_t bound = unbounded / 2;
    auto history = History::attach(*m, HistoryOptions{bound, 200'000});
    ASSERT_TRUE(history.ok());
    History& h = **history;
    for (uint64_t n = 500'000; n <= 5'500'000; n += 500'000) {
        run_to(*m, n);
        EXPECT_LE(h.stats().bytes, bound) << "at " << n;
    }
    EXPECT_GT(h.stats().snapshots_dropped, 0u);
    EXPECT_GT(h.oldest().instructions, 0u);
    // Before the oldest snapshot is out of reach; the oldest itself is not.
    EXPECT_FALSE(h.seek(MachinePosition{0, 0}).ok());
    const MachinePosition oldest = h.oldest();
    auto r = h.seek(oldest);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(m->position(), oldest);
    EXPECT_EQ(run_to_end(*m), 0u);
}

}  // namespace
}  // namespace forkscope

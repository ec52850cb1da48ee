// StopRunner on the real guest kernel running /bin/forktest: init (pid 1) forks its
// child (pid 2), which execs forktest (the program's start: neither is counted), then
// forktest forks eight children (fork#1..8): entry and return stops, fork, cow,
// exit:PID and end, points that are never
// reached, unknown symbols, and a run through stop points that is the same run, byte
// for byte and instruction for instruction, as one without them.
// FORKSCOPE_TEST_KERNEL and FORKSCOPE_TEST_INITRAMFS name the image.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>

#include "emulator/cpu.h"
#include "emulator/introspect/kernel_info.h"
#include "emulator/introspect/kernel_view.h"
#include "emulator/machine.h"
#include "tests/unit/image_fixture.h"
#include "emulator/page_walker.h"
#include "emulator/stop_runner.h"
#include "emulator/symbols.h"

namespace forkscope::testing {
namespace {

constexpr uint32_t kKernelBase = 0xc0000000u;
constexpr uint32_t kFirstErrPtr = 0xfffff001u;

StopPoint point(const std::string& text) {
    auto p = parse_stop_point(text);
    EXPECT_TRUE(p.ok()) << text;
    return p.ok() ? *p : StopPoint{};
}

class StopRunnerTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (!std::getenv("FORKSCOPE_TEST_KERNEL") || !std::getenv("FORKSCOPE_TEST_INITRAMFS"))
            GTEST_SKIP() << "FORKSCOPE_TEST_KERNEL/FORKSCOPE_TEST_INITRAMFS are not set (run through meson test)";
        kernel = read_file("FORKSCOPE_TEST_KERNEL");
        auto s = KernelSymbols::read(kernel);
        ASSERT_TRUE(s.ok()) << s.error().message;
        symbols = std::move(*s);
        auto i = read_kernel_info(kernel);
        ASSERT_TRUE(i.ok()) << i.error().message;
        info = *i;
        machine = make();
        ASSERT_TRUE(machine);
        runner = std::make_unique<StopRunner>(*machine, symbols, info, StopConstants{});
    }

    void TearDown() override {
        runner.reset();  // before the machine it refers to
        machine.reset();
    }

    std::unique_ptr<Machine> make(const std::string& program = "/bin/forktest") {
        auto m = boot_image(program, [this](uint8_t b) { console += static_cast<char>(b); }, 2'000'000'000);
        EXPECT_TRUE(m.ok()) << m.error().message;
        return m.ok() ? std::move(*m) : nullptr;
    }

    // Runs to the point, which must be reached.
    StopReport reach(const std::string& text) {
        auto outcome = runner->run_to(point(text));
        EXPECT_TRUE(outcome.ok()) << text << ": " << outcome.error().message;
        if (!outcome.ok()) return {};
        auto* report = std::get_if<StopReport>(&*outcome);
        EXPECT_TRUE(report) << text << ": " << std::get<StopNotReached>(*outcome).summary;
        return report ? *report : StopReport{};
    }

    bool kernel_has(const char* name) { return symbols.lookup(name).ok(); }

    PagingMode mode() {
        Cpu& cpu = machine->cpu();
        return PagingMode{cpu.reg(Reg::Cr0), cpu.reg(Reg::Cr3), cpu.reg(Reg::Cr4)};
    }
    uint32_t word(uint32_t vaddr) {
        auto w = KernelView(info, machine->walker()).read_word(mode(), vaddr);
        EXPECT_TRUE(w.ok()) << w.error().message;
        return w.ok() ? *w : 0;
    }
    uint32_t reg(Reg r) { return machine->cpu().reg(r); }

    std::vector<uint8_t> kernel;
    KernelSymbols symbols;
    KernelInfo info;
    std::string console;
    std::unique_ptr<Machine> machine;
    std::unique_ptr<StopRunner> runner;
};

TEST_F(StopRunnerTest, CopyProcessEntryHasTheParentAsCurrent) {
    StopReport r = reach("copy_process#1");
    const uint32_t copy_process = symbols.lookup("copy_process")->address;
    EXPECT_EQ(r.eip, copy_process);
    EXPECT_EQ(reg(Reg::Eip), copy_process);  // before its first instruction
    EXPECT_EQ(r.instructions, machine->cpu().instructions());
    EXPECT_EQ(r.pid, 1);  // init, forking the process that runs forktest
    EXPECT_GE(r.task, kKernelBase);
    EXPECT_EQ(r.description, "copy_process#1");
    EXPECT_FALSE(r.value);
    // The return address on the stack is in do_fork, the only caller (inlined in sys_fork).
    const std::string caller = symbols.symbolize(word(reg(Reg::Esp)));
    EXPECT_TRUE(caller.rfind("do_fork+0x", 0) == 0 || caller.rfind("sys_fork+0x", 0) == 0) << caller;
}

TEST_F(StopRunnerTest, CopyProcessReturnsTheChildsTaskStruct) {
    ASSERT_TRUE(runner->watch(point("return:copy_process#1")).ok());
    StopReport entry = reach("copy_process#1");
    const uint32_t entry_esp = reg(Reg::Esp);
    const uint32_t return_address = word(entry_esp);

    StopReport r = reach("return:copy_process#1");
    ASSERT_TRUE(r.value);
    const uint32_t child = *r.value;
    EXPECT_GE(child, kKernelBase);
    EXPECT_LT(child, kFirstErrPtr);
    EXPECT_GT(r.instructions, entry.instructions);
    // In the caller, right after the call, with the callee's frame popped.
    EXPECT_EQ(r.eip, return_address);
    EXPECT_EQ(reg(Reg::Eip), return_address);
    EXPECT_EQ(reg(Reg::Esp), entry_esp + 4);
    EXPECT_EQ(reg(Reg::Eax), child);
    EXPECT_EQ(r.pid, 1);  // still the parent: the child has not run
    EXPECT_EQ(r.task, entry.task);
    char hex[16];
    std::snprintf(hex, sizeof hex, "0x%08x", child);
    EXPECT_EQ(r.description, std::string("return:copy_process#1 = ") + hex);
    // The child's pid, read through its task_struct, is a new one.
    const int child_pid = static_cast<int>(word(child + info.task_pid));
    EXPECT_GT(child_pid, 1);
    EXPECT_LT(child_pid, 32768);
}

TEST_F(StopRunnerTest, ForkTwoComesAfterForkOneWithAnotherChild) {
    ASSERT_TRUE(runner->watch(point("fork#2")).ok());
    StopReport first = reach("fork#1");
    StopReport second = reach("fork#2");
    ASSERT_TRUE(first.value && second.value);
    EXPECT_GT(second.instructions, first.instructions);
    EXPECT_EQ(first.pid, 2);   // forktest forks its first child
    EXPECT_EQ(second.pid, 2);  // and its second (init's fork that started it is not counted)
    EXPECT_EQ(word(*first.value + info.task_pid), 3u);
    EXPECT_EQ(word(*second.value + info.task_pid), 4u);
    EXPECT_EQ(first.description.rfind("fork#1 = 0x", 0), 0u) << first.description;
    // The same stop asked again answers without running; an earlier point is refused.
    StopReport again = reach("fork#2");
    EXPECT_EQ(again.instructions, second.instructions);
    auto back = runner->run_to(point("fork#1"));
    ASSERT_FALSE(back.ok());
    EXPECT_EQ(back.error().kind, ErrorKind::Usage);
    EXPECT_EQ(back.error().message,
              "fork#1 was already passed (at instruction " + std::to_string(first.instructions) + ")");
}

TEST_F(StopRunnerTest, PointsReachedAtTheSameStopAnswerInAnyOrder) {
    ASSERT_TRUE(runner->watch(point("fork#1")).ok());
    ASSERT_TRUE(runner->watch(point("return:copy_process#2")).ok());
    StopReport fork = reach("fork#1");  // copy_process#1 was init's, which is not counted
    StopReport ret = reach("return:copy_process#2");
    EXPECT_EQ(fork.instructions, ret.instructions);
    EXPECT_EQ(fork.value, ret.value);
}

TEST_F(StopRunnerTest, CowComesAfterTheFirstFork) {
    if (!kernel_has("do_wp_page")) GTEST_SKIP() << "this kernel inlines do_wp_page (no symbol for cow points)";
    ASSERT_TRUE(runner->watch(point("cow#1")).ok());
    StopReport fork = reach("fork#1");
    StopReport cow = reach("cow#1");
    EXPECT_GT(cow.instructions, fork.instructions);
    ASSERT_TRUE(cow.value);
    EXPECT_EQ(*cow.value, 0u);  // VM_FAULT_OK
    EXPECT_EQ(cow.description, "cow#1 = 0");
    EXPECT_EQ(symbols.symbolize(cow.eip).rfind("handle_mm_fault+", 0) == 0 ||
                  symbols.symbolize(cow.eip).rfind("do_page_fault+", 0) == 0,
              true)
        << symbols.symbolize(cow.eip);
    StopReport cow2 = reach("cow#2");
    (void)cow2;
}

TEST_F(StopRunnerTest, ExitOfTheForkedChild) {
    StopReport fork = reach("fork#1");
    ASSERT_TRUE(fork.value);
    const int child = static_cast<int>(word(*fork.value + info.task_pid));
    const std::string exit = "exit:" + std::to_string(child);
    StopReport r = reach(exit);
    EXPECT_EQ(r.pid, child);
    EXPECT_EQ(r.task, *fork.value);
    EXPECT_EQ(r.eip, symbols.lookup("do_exit")->address);
    EXPECT_EQ(r.description, exit);
    EXPECT_GT(r.instructions, fork.instructions);
}

TEST_F(StopRunnerTest, EndIsInitEnteringDoExitThenTheGuestFinishes) {
    StopReport r = reach("end");
    EXPECT_EQ(r.pid, 1);
    EXPECT_EQ(r.eip, symbols.lookup("do_exit")->address);
    EXPECT_EQ(console.find("forktest: FAIL"), std::string::npos);
    auto status = runner->finish();
    ASSERT_TRUE(status.ok()) << status.error().message;
    EXPECT_EQ(*status, 0u) << console;
}

TEST_F(StopRunnerTest, APointNeverReachedSaysWhatHappened) {
    auto outcome = runner->run_to(point("fork#1000"));
    ASSERT_TRUE(outcome.ok()) << outcome.error().message;
    auto* n = std::get_if<StopNotReached>(&*outcome);
    ASSERT_TRUE(n);
    EXPECT_EQ(n->exit_status, 0u) << console;
    EXPECT_EQ(n->counts.function, "copy_process");
    EXPECT_EQ(n->counts.matched, 8u);  // forktest's seven forks and its clone, not init's
    EXPECT_EQ(n->counts.entered, 9u);
    EXPECT_EQ(n->counts.returned, 9u);
    EXPECT_EQ(n->summary,
              "fork#1000 was not reached: the guest exited with status 0 after 8 forks (copy_process entered 9 times, "
              "returned 9 times)");
    EXPECT_EQ(n->instructions, machine->stats().instructions);
    // The machine has finished: asking again gives the same answer at once.
    auto again = runner->run_to(point("exit:999"));
    ASSERT_TRUE(again.ok());
    ASSERT_TRUE(std::holds_alternative<StopNotReached>(*again));
    EXPECT_EQ(std::get<StopNotReached>(*again).summary,
              "exit:999 was not reached: the guest exited with status 0 after 0 exits (do_exit entered 0 times)");
}

TEST_F(StopRunnerTest, AnEntryNeverReachedCountsItsCalls) {
    ASSERT_TRUE(runner->watch(point("do_execve#5")).ok());
    auto outcome = runner->run_to(point("do_execve#5"));
    ASSERT_TRUE(outcome.ok()) << outcome.error().message;
    auto* n = std::get_if<StopNotReached>(&*outcome);
    ASSERT_TRUE(n);
    EXPECT_EQ(n->counts.entered, 2u);  // the kernel's exec of init, init's child's of forktest
    EXPECT_EQ(n->summary,
              "do_execve#5 was not reached: the guest exited with status 0 after do_execve entered 2 times");
}

TEST_F(StopRunnerTest, UnknownSymbolSuggestsTheCloseOne) {
    auto outcome = runner->run_to(point("copy_proces"));
    ASSERT_FALSE(outcome.ok());
    EXPECT_EQ(outcome.error().kind, ErrorKind::Usage);
    EXPECT_EQ(outcome.error().message, "unknown kernel symbol 'copy_proces' (did you mean copy_process?)");
    outcome = runner->run_to(point("return:current_task"));
    ASSERT_FALSE(outcome.ok());
    EXPECT_EQ(outcome.error().message, "kernel symbol 'current_task' is not a function (stop point return:current_task#1)");
    EXPECT_EQ(machine->cpu().instructions(), 0u);  // nothing ran
}

// init (pid 1) waits for forktest's process in wait4 -> schedule (schedule#2); that
// process then waits for its children from the same call site (schedule#3) and comes
// back there several times, on another stack, before init's call returns. Each return
// is its own task's: init's frame is neither taken nor dropped for another task's.
TEST_F(StopRunnerTest, AReturnIsTheSameTasksAfterOtherTasksReturnedThere) {
    ASSERT_TRUE(runner->watch(point("return:schedule#2")).ok());
    ASSERT_TRUE(runner->watch(point("return:schedule#3")).ok());
    ASSERT_TRUE(runner->watch(point("schedule#3")).ok());
    StopReport init_entry = reach("schedule#2");
    const uint32_t init_esp = reg(Reg::Esp);
    const uint32_t return_address = word(init_esp);
    EXPECT_EQ(init_entry.pid, 1);
    StopReport entry = reach("schedule#3");
    EXPECT_EQ(entry.pid, 2);
    EXPECT_EQ(word(reg(Reg::Esp)), return_address);  // the same call site, in wait4
    const uint32_t esp = reg(Reg::Esp);

    StopReport other = reach("return:schedule#3");
    EXPECT_EQ(other.task, entry.task);
    EXPECT_EQ(other.eip, return_address);
    EXPECT_EQ(reg(Reg::Esp), esp + 4);

    StopReport r = reach("return:schedule#2");
    EXPECT_GT(r.instructions, other.instructions);
    EXPECT_EQ(r.task, init_entry.task);
    EXPECT_EQ(r.pid, 1);
    EXPECT_EQ(r.eip, return_address);
    EXPECT_EQ(reg(Reg::Esp), init_esp + 4);
}

// Every call of kfree in /bin/pipes, entry then return: each return stops at the
// return address that was on the stack at entry, with ESP just above it, in the same
// task. Some calls come by a tail call (a pipe's release ends in `jmp kfree`): kfree's
// ret then returns to the caller's caller, which is still the address at [ESP] on entry.
TEST_F(StopRunnerTest, EveryReturnIsAtItsReturnAddressTailCallsToo) {
    runner.reset();
    machine = make("/bin/pipes");
    ASSERT_TRUE(machine);
    runner = std::make_unique<StopRunner>(*machine, symbols, info, StopConstants{});
    const uint32_t kfree = symbols.lookup("kfree")->address;
    constexpr int kMost = 400;
    for (int i = 1; i <= kMost; ++i) {
        ASSERT_TRUE(runner->watch(point("kfree#" + std::to_string(i))).ok());
        ASSERT_TRUE(runner->watch(point("return:kfree#" + std::to_string(i))).ok());
    }
    int calls = 0, not_direct = 0;
    for (int i = 1; i <= kMost; ++i) {
        auto entry = runner->run_to(point("kfree#" + std::to_string(i)));
        ASSERT_TRUE(entry.ok()) << entry.error().message;
        if (!std::holds_alternative<StopReport>(*entry)) break;
        const uint32_t esp = reg(Reg::Esp), ret = word(esp), task = std::get<StopReport>(*entry).task;
        // A direct call is `call rel32` (e8) to kfree just before the return address.
        uint8_t call[5];
        ASSERT_TRUE(machine->walker().read_virtual(mode(), ret - 5, call).ok());
        uint32_t rel;
        std::memcpy(&rel, call + 1, 4);
        if (!(call[0] == 0xe8 && ret + rel == kfree)) ++not_direct;

        StopReport r = reach("return:kfree#" + std::to_string(i));
        ASSERT_EQ(r.eip, ret) << "kfree#" << i;
        ASSERT_EQ(reg(Reg::Esp), esp + 4) << "kfree#" << i;
        ASSERT_EQ(r.task, task) << "kfree#" << i;
        ++calls;
    }
    EXPECT_GT(calls, 50);
    EXPECT_LT(calls, kMost);  // all of them
    EXPECT_GE(not_direct, 1) << "no kfree came by a tail call: this test no longer covers them";
    auto end = runner->finish();
    ASSERT_TRUE(end.ok()) << end.error().message;
    EXPECT_EQ(*end, 0u) << console;
}

// do_exit never returns. Its task_struct and kernel stack are reused by later
// children, which pass through the address after do_exit's call site (there the next
// function starts): none of that is taken for do_exit's return, nor for the return of
// any call the dying task had in progress.
TEST_F(StopRunnerTest, DoExitNeverReturnsThoughItsTaskAndStackAreReused) {
    for (const char* program : {"/bin/forktest", "/bin/vforktest"}) {
        runner.reset();
        machine = make(program);
        ASSERT_TRUE(machine);
        runner = std::make_unique<StopRunner>(*machine, symbols, info, StopConstants{});
        auto outcome = runner->run_to(point("return:do_exit"));
        ASSERT_TRUE(outcome.ok()) << outcome.error().message;
        auto* n = std::get_if<StopNotReached>(&*outcome);
        ASSERT_TRUE(n) << program << ": " << std::get<StopReport>(*outcome).description;
        EXPECT_GE(n->counts.entered, 9u) << program;
        EXPECT_EQ(n->counts.returned, 0u) << program;
        EXPECT_EQ(n->exit_status, 0u) << program << "\n" << console;
    }
}

// A pause requested from another thread (a UI) ends run_to with an error; asked
// again, the runner goes on to the point.
TEST_F(StopRunnerTest, APauseEndsRunToAndTheNextOneGoesOn) {
    machine->request_pause();
    auto paused = runner->run_to(point("fork#1"));
    ASSERT_FALSE(paused.ok());
    EXPECT_EQ(paused.error().kind, ErrorKind::MachineFault);
    EXPECT_NE(paused.error().message.find("before fork#1"), std::string::npos) << paused.error().message;
    StopReport r = reach("fork#1");
    EXPECT_EQ(r.pid, 2);
    ASSERT_TRUE(r.value);
    EXPECT_EQ(word(*r.value + info.task_pid), 3u);
}

// Stopping does not disturb the guest: the same console output and the same final
// instruction count as a run without stop points.
TEST_F(StopRunnerTest, StoppingDoesNotDisturbTheRun) {
    auto plain = make();
    auto status = plain->run();
    ASSERT_TRUE(status.ok()) << status.error().message;
    ASSERT_EQ(*status, 0u) << console;
    const std::string plain_console = console;
    const uint64_t plain_instructions = plain->stats().instructions;
    console.clear();

    std::vector<std::string> points = {"copy_process#1", "return:copy_process#1", "return:do_execve#2", "fork#2",
                                       "fork#4", "exit", "fork#6", "fork#8", "return:schedule#2", "end"};
    if (kernel_has("do_wp_page")) points.insert(points.begin() + 4, "cow#3");
    for (const std::string& p : points) ASSERT_TRUE(runner->watch(point(p)).ok()) << p;
    uint64_t last = 0;
    for (const std::string& p : points) {
        StopReport r = reach(p);
        EXPECT_GE(r.instructions, last) << p;
        last = r.instructions;
    }
    auto end = runner->finish();
    ASSERT_TRUE(end.ok()) << end.error().message;
    EXPECT_EQ(*end, 0u);
    EXPECT_EQ(console, plain_console);
    EXPECT_EQ(machine->stats().instructions, plain_instructions);
}

// The same for other programs (vfork, exec, pipes, threads, orphans), through points
// of every kind; a point the run has already passed, or never reaches, is fine here.
TEST_F(StopRunnerTest, StoppingDoesNotDisturbOtherPrograms) {
    const std::vector<std::string> points = {"return:do_execve#2", "fork#1",   "cow#2",  "exit",
                                             "fork#3",       "return:copy_process#4", "return:schedule#3",
                                             "kfree#100",    "return:kfree#200", "exit:3", "end", "exec#1"};
    for (const char* program : {"/bin/vforktest", "/bin/forkexec", "/bin/pipes", "/bin/clonetest", "/bin/orphans"}) {
        runner.reset();
        console.clear();
        auto plain = make(program);
        ASSERT_TRUE(plain);
        auto status = plain->run();
        ASSERT_TRUE(status.ok()) << program << ": " << status.error().message;
        const std::string plain_console = console;
        console.clear();

        machine = make(program);
        runner = std::make_unique<StopRunner>(*machine, symbols, info, StopConstants{});
        int stops = 0;
        const bool cow = kernel_has("do_wp_page");
        for (const std::string& p : points) {
            if (p.rfind("cow", 0) == 0 && !cow) continue;
            ASSERT_TRUE(runner->watch(point(p)).ok()) << p;
        }
        for (const std::string& p : points) {
            if (p.rfind("cow", 0) == 0 && !cow) continue;
            auto outcome = runner->run_to(point(p));
            if (!outcome.ok()) {
                EXPECT_NE(outcome.error().message.find("was already passed"), std::string::npos) << outcome.error().message;
                continue;
            }
            stops += std::holds_alternative<StopReport>(*outcome);
        }
        auto end = runner->finish();
        ASSERT_TRUE(end.ok()) << end.error().message;
        EXPECT_EQ(*end, *status) << program;
        EXPECT_GE(stops, 2) << program;
        EXPECT_EQ(console, plain_console) << program;
        EXPECT_EQ(machine->stats().instructions, plain->stats().instructions) << program;
    }
}

}  // namespace
}  // namespace forkscope::testing

// The run loop's seams, on the real guest kernel running /bin/hello: pause from
// another thread and resume, stop addresses (stop before a kernel function, resume past
// it, the same instruction count as a run without them), and single steps that advance
// time and devices. FORKSCOPE_TEST_KERNEL and FORKSCOPE_TEST_INITRAMFS name the image.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>

#include "emulator/cpu.h"
#include "emulator/delivery.h"
#include "emulator/machine.h"
#include "tests/unit/image_fixture.h"

namespace forkscope::testing {
namespace {

class MachineTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (!std::getenv("FORKSCOPE_TEST_KERNEL") || !std::getenv("FORKSCOPE_TEST_INITRAMFS"))
            GTEST_SKIP() << "FORKSCOPE_TEST_KERNEL/FORKSCOPE_TEST_INITRAMFS are not set (run through meson test)";
        machine = make();
        ASSERT_TRUE(machine);
    }

    std::unique_ptr<Machine> make(const std::string& program = "/bin/hello", const std::string& kernel_options = "") {
        auto m = boot_image(program, [this](uint8_t b) { console += static_cast<char>(b); }, 500'000'000,
                            kernel_options);
        EXPECT_TRUE(m.ok()) << m.error().message;
        return m.ok() ? std::move(*m) : nullptr;
    }

    // Runs to the end; returns the exit stop.
    MachineStop finish() {
        for (;;) {
            auto stop = machine->resume();
            EXPECT_TRUE(stop.ok()) << stop.error().message;
            if (!stop.ok() || stop->kind == MachineStopKind::Exited) return stop.ok() ? *stop : MachineStop{};
        }
    }

    std::string console;
    std::unique_ptr<Machine> machine;
};

TEST_F(MachineTest, PausedMachineResumesToTheEnd) {
    machine->request_pause();
    auto stop = machine->resume();
    ASSERT_TRUE(stop.ok()) << stop.error().message;
    EXPECT_EQ(stop->kind, MachineStopKind::Paused);
    EXPECT_EQ(machine->cpu().instructions(), 0u);
    stop = machine->resume();
    ASSERT_TRUE(stop.ok()) << stop.error().message;
    EXPECT_EQ(stop->kind, MachineStopKind::Exited);
    EXPECT_EQ(stop->exit_status, 0u);
    EXPECT_NE(console.find("hello, world"), std::string::npos) << console;
}

TEST_F(MachineTest, PauseFromAnotherThreadWhileRunningThenResume) {
    std::thread pauser([this] { machine->request_pause(); });
    auto stop = machine->resume();
    pauser.join();
    ASSERT_TRUE(stop.ok()) << stop.error().message;
    // The pause landed before the first block or during the run; either way it ends
    // one resume, and the next runs on.
    EXPECT_EQ(stop->kind, MachineStopKind::Paused);
    MachineStop end = finish();
    EXPECT_EQ(end.exit_status, 0u);
    EXPECT_NE(console.find("hello, world"), std::string::npos) << console;
}

// Stops before do_syscall at every system call, and resumes past it: the run is the
// same run, instruction for instruction, as one without stop addresses.
TEST_F(MachineTest, StopAddressStopsBeforeTheInstructionAndKeepsTheRunTheSame) {
    auto plain = make();
    std::string plain_console = console;
    console.clear();
    auto status = plain->run();
    ASSERT_TRUE(status.ok()) << status.error().message;
    const uint64_t plain_instructions = plain->stats().instructions;
    plain_console = console;
    console.clear();

    const uint32_t do_syscall = kernel_symbol("do_syscall");
    ASSERT_NE(do_syscall, 0u);
    ASSERT_TRUE(machine->add_stop_address(do_syscall).ok());
    int stops = 0;
    uint64_t last = 0;
    for (;;) {
        auto stop = machine->resume();
        ASSERT_TRUE(stop.ok()) << stop.error().message;
        if (stop->kind == MachineStopKind::Exited) break;
        ASSERT_EQ(stop->kind, MachineStopKind::AtStopAddress);
        EXPECT_EQ(stop->eip, do_syscall);
        EXPECT_EQ(machine->cpu().reg(Reg::Eip), do_syscall);
        EXPECT_GT(machine->cpu().instructions(), last);  // each stop is a new call
        last = machine->cpu().instructions();
        ++stops;
    }
    EXPECT_GT(stops, 3);
    EXPECT_EQ(machine->stats().instructions, plain_instructions);
    EXPECT_EQ(console, plain_console);
}

// A stop address on the system call return path, passed 100,000 times while budget
// stops (timer deadlines) fall everywhere else: each budget stop resumes exactly where
// it ended, so the guest runs as it does without the stop address. (Under Unicorn 2.1.1
// a budget stop with any code hook installed once left EIP at an earlier block, and
// do_syscall's prologue ran twice about 50,000 calls in: the kernel oopsed.) Both
// ways in: int 0x80 (vdso=0: the libc has no vDSO to call) and sysenter.
struct ReturnPath {
    const char* kernel_options;
    const char* label;  // a kernel symbol every getpid passes on its way back
};

class SyscallReturnPathTest : public MachineTest, public ::testing::WithParamInterface<ReturnPath> {};

INSTANTIATE_TEST_SUITE_P(BothEntries, SyscallReturnPathTest,
                         ::testing::Values(ReturnPath{"vdso=0", "restore_all"}, ReturnPath{"", "sysenter_exit"}),
                         [](const ::testing::TestParamInfo<ReturnPath>& p) {
                             return std::string(p.param.label);
                         });

TEST_P(SyscallReturnPathTest, StopAddressOnTheSyscallReturnPathSurvivesAHundredThousandCalls) {
    const std::string program = "/bin/kbench getpid 100000";
    auto plain = make(program, GetParam().kernel_options);
    console.clear();
    ASSERT_TRUE(plain->run().ok());
    const uint64_t plain_instructions = plain->stats().instructions;
    const std::string plain_console = console;
    ASSERT_NE(plain_console.find("kbench: getpid: 100000 in"), std::string::npos) << plain_console;

    machine = make(program, GetParam().kernel_options);
    console.clear();
    const uint32_t return_path = kernel_symbol(GetParam().label);
    ASSERT_NE(return_path, 0u);
    ASSERT_TRUE(machine->add_stop_address(return_path).ok());
    uint64_t stops = 0;
    for (;;) {
        auto stop = machine->resume();
        ASSERT_TRUE(stop.ok()) << stop.error().message;
        if (stop->kind == MachineStopKind::Exited) {
            EXPECT_EQ(stop->exit_status, 0u);
            break;
        }
        ASSERT_EQ(stop->kind, MachineStopKind::AtStopAddress) << console;
        ASSERT_EQ(stop->eip, return_path);
        ++stops;
    }
    EXPECT_GT(stops, 100000u);
    EXPECT_EQ(machine->stats().instructions, plain_instructions);
    EXPECT_EQ(console, plain_console);
}

// The system call trace's seams: the delivery observer sees every int 0x80 from ring 3
// before it is delivered, the sysenter observer every sysenter; the user-return
// observer is called before the first user instruction after kernel code (resume()
// runs on), with the CPU back in ring 3, below the kernel or in the vDSO page; and
// none changes the run.
TEST_F(MachineTest, UserReturnAndDeliveryObserversSeeEveryCallAndKeepTheRunTheSame) {
    auto plain = make();
    console.clear();
    ASSERT_TRUE(plain->run().ok());
    const uint64_t plain_instructions = plain->stats().instructions;
    const std::string plain_console = console;
    console.clear();

    int entries = 0, returns_after_entry = 0, returns = 0;
    uint64_t page_faults = 0, system_calls = 0;
    bool in_call = false;
    machine->set_delivery_observer([&](const InterruptEvent& ev, const CpuRegisters& regs) {
        page_faults += ev.vector == 14;
        system_calls += ev.vector == 0x80;
        if (ev.vector != 0x80 || (regs.cs & 3) != 3) return;
        ++entries;
        in_call = true;
    });
    uint64_t sysenters = 0;
    machine->set_sysenter_observer([&](const CpuRegisters& regs) {
        EXPECT_EQ(regs.cs & 3, 3u);
        ++sysenters;
        ++entries;
        in_call = true;
    });
    machine->set_user_return_observer(0xC0000000u, 0xffffe000u, [&](const CpuRegisters& regs) {
        EXPECT_TRUE(regs.eip < 0xC0000000u || regs.eip >= 0xffffe000u) << std::hex << regs.eip;
        EXPECT_EQ(regs.cs & 3, 3u);
        ++returns;
        if (in_call) ++returns_after_entry;
        in_call = false;
    });
    auto stop = machine->resume();
    ASSERT_TRUE(stop.ok()) << stop.error().message;
    EXPECT_EQ(stop->kind, MachineStopKind::Exited);
    EXPECT_GT(entries, 3);
    // Every call comes back but init's and hello's exit_group; init's fork comes
    // back twice (the child's first return too), and a timer tick may come between.
    EXPECT_GE(returns_after_entry, entries - 2);
    EXPECT_GE(returns, returns_after_entry);
    // The machine's own counts of the same deliveries (the timeline's page faults and calls).
    EXPECT_EQ(machine->stats().system_calls, system_calls);
    EXPECT_EQ(machine->stats().sysenters, sysenters);
    EXPECT_GT(sysenters, 3u);  // hello's libc calls the vDSO
    EXPECT_EQ(machine->stats().page_faults, page_faults);
    EXPECT_GT(page_faults, 0u);
    EXPECT_EQ(machine->stats().instructions, plain_instructions);
    EXPECT_EQ(console, plain_console);
}

TEST_F(MachineTest, StepExecutesOneInstructionAndAStopAddressDoesNotHoldIt) {
    const uint32_t entry = machine->boot_image().entry;
    ASSERT_TRUE(machine->add_stop_address(entry).ok());
    auto stop = machine->resume();
    ASSERT_TRUE(stop.ok()) << stop.error().message;
    EXPECT_EQ(stop->kind, MachineStopKind::AtStopAddress);
    EXPECT_EQ(stop->eip, entry);
    EXPECT_EQ(machine->cpu().instructions(), 0u);  // stopped before the first instruction

    for (uint64_t i = 1; i <= 2000; ++i) {
        auto s = machine->step();
        ASSERT_TRUE(s.ok()) << s.error().message;
        ASSERT_EQ(s->kind, MachineStopKind::Stepped);
        ASSERT_EQ(machine->cpu().instructions(), i);
        ASSERT_EQ(s->eip, machine->cpu().reg(Reg::Eip));
    }
    machine->remove_stop_address(entry);
    MachineStop end = finish();
    EXPECT_EQ(end.kind, MachineStopKind::Exited);
    EXPECT_EQ(end.exit_status, 0u);
    EXPECT_NE(console.find("hello, world"), std::string::npos) << console;
}

// Steps through interrupts: with the timer running, a step sometimes delivers an
// interrupt before its instruction; the step says so, and EIP is then in the handler.
TEST_F(MachineTest, StepsDeliverPendingInterruptsAsARunDoes) {
    const uint32_t do_syscall = kernel_symbol("do_syscall");
    ASSERT_NE(do_syscall, 0u);
    ASSERT_TRUE(machine->add_stop_address(do_syscall).ok());
    auto stop = machine->resume();  // the kernel is up, timers armed, the program running
    ASSERT_TRUE(stop.ok()) << stop.error().message;
    ASSERT_EQ(stop->kind, MachineStopKind::AtStopAddress);
    machine->remove_stop_address(do_syscall);
    int delivered = 0;
    for (int i = 0; i < 200000 && delivered < 3; ++i) {
        auto s = machine->step();
        ASSERT_TRUE(s.ok()) << s.error().message;
        if (s->kind == MachineStopKind::Exited) break;
        if (s->delivered && *s->delivered >= 0x20) ++delivered;  // a hardware interrupt (IRQ vectors 0x20-0x2f)
    }
    EXPECT_GT(delivered, 0);
    MachineStop end = finish();
    EXPECT_EQ(end.exit_status, 0u);
}

}  // namespace
}  // namespace forkscope::testing

// Backtraces of the real guest kernel: stopped in copy_page_range during forktest's
// first fork, the stack is copy_page_range <- dup_mmap <- copy_mm <- copy_process, each
// caller at the line of its call (checked against the source file), at the function's
// first instruction and after its frame is set up.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "emulator/cpu.h"
#include "emulator/debug/backtrace.h"
#include "emulator/machine.h"
#include "emulator/symbols.h"
#include "tests/unit/image_fixture.h"

namespace forkscope::testing {
namespace {

class BacktraceTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (!std::getenv("FORKSCOPE_TEST_KERNEL") || !std::getenv("FORKSCOPE_TEST_INITRAMFS"))
            GTEST_SKIP() << "FORKSCOPE_TEST_KERNEL/FORKSCOPE_TEST_INITRAMFS are not set (run through meson test)";
        const std::vector<uint8_t> kernel = read_file("FORKSCOPE_TEST_KERNEL");
        auto syms = KernelSymbols::read(kernel);
        ASSERT_TRUE(syms.ok()) << syms.error().message;
        symbols = std::make_unique<KernelSymbols>(std::move(*syms));
        auto map = SourceMap::read(kernel, "kernel.elf");
        ASSERT_TRUE(map.ok()) << map.error().message;
        source = std::make_unique<SourceMap>(std::move(*map));

        auto m = boot_image("/bin/forktest", {}, 500'000'000);
        ASSERT_TRUE(m.ok()) << m.error().message;
        machine = std::move(*m);
        auto cpr = symbols->lookup("copy_page_range");
        ASSERT_TRUE(cpr.ok());
        ASSERT_TRUE(machine->add_stop_address(cpr->address).ok());
        auto stop = machine->resume();
        ASSERT_TRUE(stop.ok() && stop->kind == MachineStopKind::AtStopAddress);
        machine->remove_stop_address(cpr->address);  // stepping on from here
    }

    std::vector<StackFrame> trace() {
        const CpuRegisters r = machine->cpu().registers();
        return backtrace(machine->walker(), *symbols, source.get(),
                         BacktraceInput{PagingMode{r.cr0, r.cr3, r.cr4}, r.eip, r.esp, r.ebp}, 0xc0000000u);
    }

    // The innermost frames are the fork path, each caller at the line of its call.
    void expect_fork_path(const std::vector<StackFrame>& frames) {
        ASSERT_GE(frames.size(), 5u);
        EXPECT_EQ(frames[0].function.rfind("copy_page_range", 0), 0u) << frames[0].function;
        const char* callers[][2] = {{"dup_mmap+", "copy_page_range("}, {"copy_mm+", "dup_mmap("},
                                    {"copy_process+", "copy_mm("}};
        for (int i = 0; i < 3; ++i) {
            const StackFrame& f = frames[i + 1];
            EXPECT_EQ(f.function.rfind(callers[i][0], 0), 0u) << f.function;
            ASSERT_TRUE(f.line) << f.function;
            EXPECT_TRUE(f.line->file.ends_with("/kernel/fork.c")) << f.line->file;
            EXPECT_NE(source_line(f.line->file, f.line->line).find(callers[i][1]), std::string::npos)
                << f.function << " at " << f.line->file << ":" << f.line->line << ": "
                << source_line(f.line->file, f.line->line);
        }
        // Further out: the system call that forked, back to the kernel's entry code.
        bool fork_call = false;
        for (const StackFrame& f : frames) fork_call = fork_call || f.function.find("fork") != std::string::npos;
        EXPECT_TRUE(fork_call);
        // Frame pointers grow outwards; the walk ends at the entry code's null one.
        for (size_t i = 2; i + 1 < frames.size(); ++i) EXPECT_GT(frames[i].frame, frames[i - 1].frame) << i;

    }

    std::unique_ptr<KernelSymbols> symbols;
    std::unique_ptr<SourceMap> source;
    std::unique_ptr<Machine> machine;
};

TEST_F(BacktraceTest, AtTheFirstInstructionOfCopyPageRange) { expect_fork_path(trace()); }

TEST_F(BacktraceTest, AfterItsFrameIsSetUp) {
    for (int i = 0; i < 2; ++i) ASSERT_TRUE(machine->step().ok());  // push ebp; mov ebp, esp
    expect_fork_path(trace());
    for (int i = 0; i < 20; ++i) ASSERT_TRUE(machine->step().ok());
    expect_fork_path(trace());
}

TEST_F(BacktraceTest, AMaximumAndNoSourceAreHonoured) {
    const CpuRegisters r = machine->cpu().registers();
    const BacktraceInput in{PagingMode{r.cr0, r.cr3, r.cr4}, r.eip, r.esp, r.ebp};
    EXPECT_EQ(backtrace(machine->walker(), *symbols, nullptr, in, 0xc0000000u, 2).size(), 2u);
    EXPECT_TRUE(backtrace(machine->walker(), *symbols, nullptr, in, 0xc0000000u, 0).empty());
    const auto bare = backtrace(machine->walker(), *symbols, nullptr, in, 0xc0000000u);
    ASSERT_GE(bare.size(), 4u);
    EXPECT_FALSE(bare[1].line);
    EXPECT_EQ(bare[1].function.rfind("dup_mmap+", 0), 0u);
}

}  // namespace
}  // namespace forkscope::testing

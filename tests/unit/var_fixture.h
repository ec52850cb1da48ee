// The real kernel stopped at a stop point with its DWARF open, for the variable and
// expression tests: the machine booting /bin/forktest, a StopRunner, DebugInfo, and
// helpers that print as `info args`, `info locals` and `print` do.
#pragma once
#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "emulator/cpu.h"
#include "emulator/debug/expression.h"
#include "emulator/debug/kernel_objects.h"
#include "emulator/debug/value_format.h"
#include "emulator/debug/variables.h"
#include "emulator/introspect/kernel_info.h"
#include "emulator/introspect/kernel_view.h"
#include "emulator/machine.h"
#include "emulator/stop_runner.h"
#include "emulator/symbols.h"
#include "tests/unit/image_fixture.h"

namespace forkscope::testing {

class KernelStopTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (!std::getenv("FORKSCOPE_TEST_KERNEL") || !std::getenv("FORKSCOPE_TEST_INITRAMFS"))
            GTEST_SKIP() << "FORKSCOPE_TEST_KERNEL/FORKSCOPE_TEST_INITRAMFS are not set (run through meson test)";
        kernel = read_file("FORKSCOPE_TEST_KERNEL");
        auto s = KernelSymbols::read(kernel);
        ASSERT_TRUE(s.ok()) << s.error().message;
        symbols = std::make_unique<KernelSymbols>(std::move(*s));
        auto i = KernelInfo::read(kernel);
        ASSERT_TRUE(i.ok()) << i.error().message;
        kinfo = *i;
        auto d = DebugInfo::read(kernel, "kernel.elf");
        ASSERT_TRUE(d.ok()) << d.error().message;
        info = std::make_unique<DebugInfo>(std::move(*d));
        auto m = boot_image("/bin/forktest", {}, 2'000'000'000);
        ASSERT_TRUE(m.ok()) << m.error().message;
        machine = std::move(*m);
        runner = std::make_unique<StopRunner>(*machine, *symbols, kinfo, StopConstants{});
    }

    void TearDown() override {
        objects.reset();
        snapshot.reset();
        runner.reset();
        machine.reset();
    }

    // Counts these points' events from boot (StopRunner counts a point from when it is
    // first watched): call before the first reach() when a test reaches several.
    void watch(std::initializer_list<const char*> points) {
        for (const char* text : points) {
            auto p = parse_stop_point(text);
            ASSERT_TRUE(p.ok()) << text;
            ASSERT_TRUE(runner->watch(*p).ok()) << text;
        }
    }

    // Runs to the point, which must be reached, and takes a snapshot there.
    void reach(const std::string& text) {
        auto p = parse_stop_point(text);
        ASSERT_TRUE(p.ok()) << text;
        auto outcome = runner->run_to(*p);
        ASSERT_TRUE(outcome.ok()) << text << ": " << outcome.error().message;
        ASSERT_TRUE(std::holds_alternative<StopReport>(*outcome)) << text << ": " << std::get<StopNotReached>(*outcome).summary;
        take_snapshot();
    }

    void take_snapshot() {
        objects.reset();
        auto view = KernelView::create(kinfo, machine->walker());
        ASSERT_TRUE(view.ok()) << view.error().message;
        const CpuRegisters r = regs();
        auto snap = view->snapshot(mode(), r.eip, 0);
        ASSERT_TRUE(snap.ok()) << snap.error().message;
        snapshot = std::make_unique<KernelSnapshot>(std::move(*snap));
        objects = std::make_unique<KernelObjects>(*snapshot, *info, memory());
    }

    CpuRegisters regs() { return machine->cpu().registers(); }
    PagingMode mode() {
        const CpuRegisters r = regs();
        return PagingMode{r.cr0, r.cr3, r.cr4};
    }
    ReadMemory memory() { return memory_of(machine->walker(), mode()); }
    Frame frame0() { return Frame::from_registers(regs()); }
    FormatOptions options(bool decode = true) { return FormatOptions{memory(), symbols.get(), decode ? objects.get() : nullptr}; }

    uint32_t word(uint32_t vaddr) {
        uint8_t b[4] = {};
        EXPECT_TRUE(machine->walker().read_virtual(mode(), vaddr, b).ok()) << std::hex << vaddr;
        uint32_t v;
        std::memcpy(&v, b, 4);
        return v;
    }

    std::string args(const Frame& f) { return format_variables(info->arguments(f, memory()), options(), "No arguments."); }
    std::string locals(const Frame& f) { return format_variables(info->locals(f, memory()), options(), "No locals."); }

    // `print EXPR` in frame f (frame 0 when null): the value's text, or the error line.
    std::string print(const std::string& expr, const Frame* f = nullptr, bool decode = true) {
        Frame here = frame0();
        ExpressionContext ctx{*info, f ? f : &here, memory()};
        auto v = evaluate_expression(expr, ctx);
        if (!v) return v.error().message;
        return format_value(*v, options(decode));
    }

    // The value of a variable of frame f as a number (the test fails when it has none).
    uint64_t number(const std::string& expr, const Frame* f = nullptr) {
        Frame here = frame0();
        ExpressionContext ctx{*info, f ? f : &here, memory()};
        auto v = evaluate_expression(expr, ctx);
        EXPECT_TRUE(v.ok()) << expr << ": " << (v.ok() ? "" : v.error().message);
        EXPECT_TRUE(v.ok() && v->available()) << expr;
        return v.ok() && v->available() ? v->as_unsigned() : 0;
    }

    void step(int n) {
        for (int i = 0; i < n; ++i) ASSERT_TRUE(machine->step().ok());
    }

    std::vector<uint8_t> kernel;
    std::unique_ptr<KernelSymbols> symbols;
    KernelInfo kinfo;
    std::unique_ptr<DebugInfo> info;
    std::unique_ptr<Machine> machine;
    std::unique_ptr<StopRunner> runner;
    std::unique_ptr<KernelSnapshot> snapshot;
    std::unique_ptr<KernelObjects> objects;
};

}  // namespace forkscope::testing

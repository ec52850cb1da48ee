// Breakpoints on the real guest kernel running forktest: locations by address, symbol
// and source line; ignore counts, temporary breakpoints, disabling; which task a hit
// stops in (init forks the program first: copy_mm's first call is init's).
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "emulator/cpu.h"
#include "emulator/debug/breakpoints.h"
#include "emulator/debug/source_map.h"
#include "emulator/introspect/kernel_view.h"
#include "emulator/machine.h"
#include "emulator/symbols.h"
#include "tests/unit/image_fixture.h"

namespace forkscope::testing {
namespace {

class BreakpointTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (!std::getenv("FORKSCOPE_TEST_KERNEL") || !std::getenv("FORKSCOPE_TEST_INITRAMFS"))
            GTEST_SKIP() << "FORKSCOPE_TEST_KERNEL/FORKSCOPE_TEST_INITRAMFS are not set (run through meson test)";
        kernel = read_file("FORKSCOPE_TEST_KERNEL");
        auto syms = KernelSymbols::read(kernel);
        ASSERT_TRUE(syms.ok()) << syms.error().message;
        symbols = std::make_unique<KernelSymbols>(std::move(*syms));
        auto map = SourceMap::read(kernel, "kernel.elf");
        ASSERT_TRUE(map.ok()) << map.error().message;
        source = std::make_unique<SourceMap>(std::move(*map));
        auto m = boot_image("/bin/forktest", {}, 500'000'000);
        ASSERT_TRUE(m.ok()) << m.error().message;
        machine = std::move(*m);
        table = std::make_unique<BreakpointTable>(*machine, *symbols, source.get());
        // The line of copy_process that calls copy_mm.
        auto at = source->line_of(symbols->lookup("copy_process")->address);
        ASSERT_TRUE(at);
        copy_mm_line = line_containing(at->file, "copy_mm(clone_flags, p)");
        ASSERT_GT(copy_mm_line, 0);
    }

    void TearDown() override {
        table.reset();  // before the machine whose stop addresses it holds
        machine.reset();
    }

    // Runs to the next breakpoint that stops (nullopt: the guest exited).
    std::optional<Breakpoint> run_to_break() {
        for (;;) {
            auto stop = machine->resume();
            EXPECT_TRUE(stop.ok()) << stop.error().message;
            if (!stop.ok() || stop->kind == MachineStopKind::Exited) return std::nullopt;
            if (stop->kind != MachineStopKind::AtStopAddress) continue;
            if (auto b = table->hit(stop->eip)) return b;
        }
    }

    int current_pid() {
        auto info = KernelInfo::read(kernel);
        KernelView view(*info, machine->walker());
        const CpuRegisters r = machine->cpu().registers();
        auto t = view.current_task(PagingMode{r.cr0, r.cr3, r.cr4});
        return t.ok() ? t->pid : -1;
    }

    std::vector<uint8_t> kernel;
    std::unique_ptr<KernelSymbols> symbols;
    std::unique_ptr<SourceMap> source;
    std::unique_ptr<Machine> machine;
    std::unique_ptr<BreakpointTable> table;
    int copy_mm_line = 0;
};

TEST_F(BreakpointTest, LocationsResolve) {
    auto sym = table->resolve("copy_process");
    ASSERT_TRUE(sym.ok()) << sym.error().message;
    EXPECT_EQ(*sym, std::vector<uint32_t>{symbols->lookup("copy_process")->address});
    EXPECT_EQ(*table->resolve("*0xc0100000"), std::vector<uint32_t>{0xc0100000u});
    EXPECT_EQ(*table->resolve("0xc0100000"), std::vector<uint32_t>{0xc0100000u});
    auto line = table->resolve("fork.c:" + std::to_string(copy_mm_line));
    ASSERT_TRUE(line.ok()) << line.error().message;
    const auto cp = *symbols->lookup("copy_process");
    for (uint32_t a : *line) {
        EXPECT_GE(a, cp.address);
        EXPECT_LT(a, cp.address + cp.size);
    }
    const std::pair<const char*, const char*> bad[] = {
        {"0xzz", "'0xzz' is not an address"},
        {"copy_proces", "did you mean copy_process?"},
        {"fork.c:0", "a line number is a positive number"},
        {"fork.c:1", "no code at fork.c:1"},
        {"nosuch.c:3", "no source file 'nosuch.c'"},
        {"current_task", "'current_task' is not a function"},
    };
    for (auto [text, message] : bad) {
        auto r = table->resolve(text);
        ASSERT_FALSE(r.ok()) << text;
        EXPECT_EQ(r.error().kind, ErrorKind::Usage);
        EXPECT_NE(r.error().message.find(message), std::string::npos) << r.error().message;
    }
    BreakpointTable without_source(*machine, *symbols, nullptr);
    auto no_lines = without_source.resolve("fork.c:10");
    ASSERT_FALSE(no_lines.ok());
    EXPECT_NE(no_lines.error().message.find("no debug information"), std::string::npos);
}

TEST_F(BreakpointTest, IgnoreCountsTemporaryAndDisabled) {
    auto b1 = table->add("copy_mm");
    ASSERT_TRUE(b1.ok()) << b1.error().message;
    EXPECT_EQ((*b1)->number, 1);
    ASSERT_TRUE(table->ignore(1, 1).ok());  // init's fork of the program passes
    auto first = run_to_break();
    ASSERT_TRUE(first);
    EXPECT_EQ(first->number, 1);
    EXPECT_EQ(first->hits, 2u);
    EXPECT_EQ(current_pid(), 2);  // forktest's first fork
    EXPECT_EQ(machine->cpu().registers().eip, symbols->lookup("copy_mm")->address);

    auto b2 = table->add("fork.c:" + std::to_string(copy_mm_line), true);
    ASSERT_TRUE(b2.ok()) << b2.error().message;
    ASSERT_TRUE(table->enable(1, false).ok());
    auto second = run_to_break();  // forktest's second fork, at the call's line
    ASSERT_TRUE(second);
    EXPECT_EQ(second->number, 2);
    EXPECT_TRUE(second->temporary);
    auto where = source->line_of(machine->cpu().registers().eip);
    ASSERT_TRUE(where);
    EXPECT_EQ(where->line, copy_mm_line);
    ASSERT_EQ(table->all().size(), 1u);  // the temporary one is gone
    EXPECT_EQ(table->all()[0].hits, 2u);  // the disabled one counted nothing more

    EXPECT_FALSE(run_to_break());  // nothing stops any more: the guest runs to its end
    EXPECT_FALSE(table->remove(7).ok());
    EXPECT_TRUE(table->remove(1).ok());
    EXPECT_TRUE(table->all().empty());
}

}  // namespace
}  // namespace forkscope::testing

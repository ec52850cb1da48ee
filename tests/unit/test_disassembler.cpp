// The Disassembler on the real guest kernel: copy_process read from guest-virtual
// memory where the machine stops at its first instruction, in Intel and AT&T syntax,
// with its calls named by the kernel's symbols.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "emulator/cpu.h"
#include "emulator/debug/disassembler.h"
#include "emulator/machine.h"
#include "emulator/page_walker.h"
#include "emulator/symbols.h"
#include "tests/unit/image_fixture.h"

namespace forkscope::testing {
namespace {

class DisassemblerTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (!std::getenv("FORKSCOPE_TEST_KERNEL") || !std::getenv("FORKSCOPE_TEST_INITRAMFS"))
            GTEST_SKIP() << "FORKSCOPE_TEST_KERNEL/FORKSCOPE_TEST_INITRAMFS are not set (run through meson test)";
        const std::vector<uint8_t> kernel = read_file("FORKSCOPE_TEST_KERNEL");
        auto syms = KernelSymbols::read(kernel);
        ASSERT_TRUE(syms.ok()) << syms.error().message;
        symbols = std::make_unique<KernelSymbols>(std::move(*syms));
        auto cp = symbols->lookup("copy_process");
        ASSERT_TRUE(cp.ok());
        copy_process = *cp;

        auto m = boot_image("/bin/forktest", {}, 500'000'000);
        ASSERT_TRUE(m.ok()) << m.error().message;
        machine = std::move(*m);
        ASSERT_TRUE(machine->add_stop_address(copy_process.address).ok());
        auto stop = machine->resume();
        ASSERT_TRUE(stop.ok() && stop->kind == MachineStopKind::AtStopAddress);
        const CpuRegisters r = machine->cpu().registers();
        ASSERT_EQ(r.eip, copy_process.address);
        code.resize(copy_process.size);
        ASSERT_TRUE(machine->walker().read_virtual(PagingMode{r.cr0, r.cr3, r.cr4}, r.eip, code).ok());
    }

    std::vector<Instruction> disassemble(AsmSyntax syntax) {
        auto d = Disassembler::create(syntax, symbols.get());
        EXPECT_TRUE(d.ok());
        return d.ok() ? d->disassemble(code, copy_process.address, 10000) : std::vector<Instruction>{};
    }

    std::unique_ptr<KernelSymbols> symbols;
    KernelSymbol copy_process;
    std::unique_ptr<Machine> machine;
    std::vector<uint8_t> code;
};

TEST_F(DisassemblerTest, CopyProcessInIntelSyntax) {
    const auto insns = disassemble(AsmSyntax::Intel);
    ASSERT_GT(insns.size(), 20u);
    // Frame pointers: the kernel is built with them, for the debugger's backtraces.
    EXPECT_EQ(insns[0].text(), "push ebp");
    EXPECT_EQ(insns[1].text(), "mov ebp, esp");
    // The instructions follow on and cover the function.
    uint32_t at = copy_process.address;
    for (const Instruction& i : insns) {
        EXPECT_EQ(i.address, at);
        at += static_cast<uint32_t>(i.bytes.size());
    }
    EXPECT_EQ(at, copy_process.address + copy_process.size);
    // Its first call of another function of fork.c is dup_task_struct, named.
    auto dup = symbols->lookup("dup_task_struct");
    ASSERT_TRUE(dup.ok());
    auto call = std::find_if(insns.begin(), insns.end(), [&](const Instruction& i) { return i.target == dup->address; });
    ASSERT_NE(call, insns.end());
    EXPECT_EQ(call->mnemonic, "call");
    char expected[64];
    std::snprintf(expected, sizeof expected, "call 0x%x <dup_task_struct>", dup->address);
    EXPECT_EQ(call->text(), expected);
    // A jump inside the function is named with its offset.
    auto jump = std::find_if(insns.begin(), insns.end(), [&](const Instruction& i) {
        return i.mnemonic[0] == 'j' && i.target && *i.target > copy_process.address &&
               *i.target < copy_process.address + copy_process.size;
    });
    ASSERT_NE(jump, insns.end());
    EXPECT_EQ(jump->target_name.rfind("copy_process+0x", 0), 0u) << jump->text();
}

TEST_F(DisassemblerTest, AttSyntaxOnRequest) {
    const auto insns = disassemble(AsmSyntax::Att);
    ASSERT_GT(insns.size(), 2u);
    EXPECT_EQ(insns[0].text(), "pushl %ebp");
    EXPECT_EQ(insns[1].text(), "movl %esp, %ebp");
}

TEST(DisassemblerInput, BytesThatAreNoInstructionEndTheListing) {
    auto d = Disassembler::create(AsmSyntax::Intel, nullptr);
    ASSERT_TRUE(d.ok());
    // nop, then ff ff (no instruction): one instruction.
    const std::vector<uint8_t> bytes = {0x90, 0xff, 0xff};
    const auto insns = d->disassemble(bytes, 0x1000, 10);
    ASSERT_EQ(insns.size(), 1u);
    EXPECT_EQ(insns[0].text(), "nop");
    // A call without symbols has its target but no name.
    const std::vector<uint8_t> call = {0xe8, 0x00, 0x00, 0x00, 0x00};
    const auto c = d->disassemble(call, 0x2000, 10);
    ASSERT_EQ(c.size(), 1u);
    EXPECT_EQ(c[0].target, 0x2005u);
    EXPECT_EQ(c[0].text(), "call 0x2005");
    EXPECT_TRUE(d->disassemble(bytes, 0x1000, 0).empty());
}

}  // namespace
}  // namespace forkscope::testing

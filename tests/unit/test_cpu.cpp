#include <atomic>
#include <chrono>
#include <thread>

#include "tests/unit/guest_fixture.h"

namespace forkscope::testing {
namespace {

using CpuTest = GuestFixture;

TEST_F(CpuTest, RunsUntilHlt) {
    code(kCode, {0xb8, 0x78, 0x56, 0x34, 0x12, 0xf4});  // mov eax,0x12345678; hlt
    CpuExit e = run_from(kCode);
    EXPECT_EQ(e.kind, CpuExitKind::Halted);
    EXPECT_EQ(e.eip, kCode + 6);
    EXPECT_EQ(cpu->reg(Reg::Eax), 0x12345678u);
    EXPECT_EQ(cpu->instructions(), 2u);
}

TEST_F(CpuTest, BudgetStopsAtBlockBoundary) {
    code(kCode, {0x40, 0xeb, 0xfd});  // 1: inc eax; jmp 1
    cpu->set_reg(Reg::Eax, 0);
    CpuExit e = run_from(kCode, 1000);
    EXPECT_EQ(e.kind, CpuExitKind::Budget);
    EXPECT_EQ(cpu->instructions(), 1000u);
    EXPECT_EQ(cpu->reg(Reg::Eax), 500u);
    EXPECT_EQ(e.eip, kCode);
}

// A step whose instruction ends its block (a jump) must not run on into the next
// block when that block was translated earlier, for a normal run.
TEST_F(CpuTest, StepOfABlockEndingJumpRunsOneInstruction) {
    // a: inc eax; jmp b; (pad) b: inc ecx; jmp a
    code(kCode, {0x40, 0xeb, 0x08, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x41, 0xeb, 0xf2});
    cpu->set_reg(Reg::Eax, 0);
    cpu->set_reg(Reg::Ecx, 0);
    ASSERT_EQ(run_from(kCode, 100).kind, CpuExitKind::Budget);  // both blocks translated, for a run
    ASSERT_EQ(cpu->reg(Reg::Eip), kCode);
    ASSERT_EQ(cpu->step().kind, CpuExitKind::StopRequested);  // inc eax
    ASSERT_EQ(cpu->reg(Reg::Eip), kCode + 1);
    const uint32_t ecx = cpu->reg(Reg::Ecx);
    const uint64_t n = cpu->instructions();
    ASSERT_EQ(cpu->step().kind, CpuExitKind::StopRequested);  // jmp b: b's block has not run
    EXPECT_EQ(cpu->reg(Reg::Eip), kCode + 11);
    EXPECT_EQ(cpu->reg(Reg::Ecx), ecx);
    EXPECT_EQ(cpu->instructions(), n + 1);
}

TEST_F(CpuTest, ValueWatchStopsAtTheBlockAfterTheChange) {
    // 1: inc eax; cmp eax, 50; jne 1; mov [0x5000], eax; 2: inc ecx; jmp 2
    code(kCode, {0x40, 0x83, 0xf8, 0x32, 0x75, 0xfa, 0xa3, 0x00, 0x50, 0x00, 0x00, 0x41, 0xeb, 0xfd});
    cpu->set_reg(Reg::Eax, 0);
    ram->store32(0x5000, 7);
    cpu->set_value_watches({{0x5000, 4}});
    CpuExit e = run_from(kCode, 100000);
    ASSERT_EQ(e.kind, CpuExitKind::WatchChanged);
    EXPECT_EQ(ram->load32(0x5000), 50u);
    EXPECT_EQ(cpu->take_watch_change(), kCode + 6) << "the block that stored";
    EXPECT_FALSE(cpu->take_watch_change());
    // The same value stored again is no change: the run goes on to its budget.
    cpu->set_value_watches({{0x5000, 4}});
    EXPECT_EQ(cpu->run(cpu->instructions() + 1000).kind, CpuExitKind::Budget);
    // A step reports its own instruction; no watches, no compare.
    ram->store32(0x5000, 1);
    cpu->set_value_watches({{0x5000, 4}});
    cpu->set_reg(Reg::Eip, kCode + 6);
    cpu->step();
    EXPECT_EQ(cpu->take_watch_change(), kCode + 6);
    cpu->set_value_watches({});
    EXPECT_EQ(cpu->run(cpu->instructions() + 1000).kind, CpuExitKind::Budget);
}

// Read and access watches come from Unicorn's memory hooks; translations made before
// the hooks existed would bypass them, so none survives a change of the set.
TEST_F(CpuTest, ReadAndAccessWatchesStopAfterTheBlockThatTouched) {
    // 1: inc ecx; cmp ecx, 20; jne 1; mov eax, [0x5000]; 2: inc edx; jmp 2
    code(kCode, {0x41, 0x83, 0xf9, 0x14, 0x75, 0xfa, 0xa1, 0x00, 0x50, 0x00, 0x00, 0x42, 0xeb, 0xfd});
    // 3: mov [0x5000], ecx; 4: inc edx; jmp 4
    code(kCode + 0x20, {0x89, 0x0d, 0x00, 0x50, 0x00, 0x00, 0x42, 0xeb, 0xfd});
    ram->store32(0x5000, 7);
    // Run the loop once first, translated without hooks.
    cpu->set_reg(Reg::Ecx, 0);
    ASSERT_EQ(run_from(kCode, 200).kind, CpuExitKind::Budget);

    cpu->set_value_watches({{0x5000, 4, WatchOn::Read}});
    cpu->set_reg(Reg::Ecx, 0);
    CpuExit e = run_from(kCode, 100000);
    ASSERT_EQ(e.kind, CpuExitKind::WatchChanged);
    EXPECT_EQ(cpu->reg(Reg::Eax), 7u) << "the load ran";
    EXPECT_EQ(cpu->take_watch_change(), kCode + 6) << "the block that read";
    auto hit = cpu->take_watch_access();
    ASSERT_TRUE(hit);
    EXPECT_EQ(hit->paddr, 0x5000u);
    EXPECT_FALSE(hit->write);
    EXPECT_FALSE(cpu->take_watch_access());
    // Going on: nothing reads it again.
    EXPECT_EQ(cpu->run(cpu->instructions() + 1000).kind, CpuExitKind::Budget);

    // A write is no read; for an access watch it is one.
    EXPECT_EQ(run_from(kCode + 0x20, 1000).kind, CpuExitKind::Budget);
    cpu->set_value_watches({{0x5000, 4, WatchOn::Access}});
    e = run_from(kCode + 0x20, 1000);
    ASSERT_EQ(e.kind, CpuExitKind::WatchChanged);
    hit = cpu->take_watch_access();
    ASSERT_TRUE(hit);
    EXPECT_TRUE(hit->write);
    // A neighbouring word is not watched.
    cpu->set_value_watches({{0x5004, 4, WatchOn::Access}});
    EXPECT_EQ(run_from(kCode + 0x20, 1000).kind, CpuExitKind::Budget);
    cpu->set_value_watches({});
    EXPECT_EQ(run_from(kCode, 1000).kind, CpuExitKind::Budget);
}

TEST_F(CpuTest, StopRequestIsHonouredAtNextBlock) {
    code(kCode, {0x40, 0xeb, 0xfd});
    cpu->request_stop();
    CpuExit e = run_from(kCode);
    EXPECT_EQ(e.kind, CpuExitKind::StopRequested);
    EXPECT_EQ(cpu->instructions(), 0u);
}

TEST_F(CpuTest, InvalidOpcodeReportsInstructionAddress) {
    code(kCode, {0x90, 0x0f, 0x0b});  // nop; ud2
    CpuExit e = run_from(kCode);
    EXPECT_EQ(e.kind, CpuExitKind::InvalidOpcode);
    EXPECT_EQ(e.eip, kCode + 1);
}

TEST_F(CpuTest, DivideErrorIsAFaultAtTheInstruction) {
    code(kCode, {0x31, 0xc9, 0xf7, 0xf1});  // xor ecx,ecx; div ecx
    CpuExit e = run_from(kCode);
    ASSERT_EQ(e.kind, CpuExitKind::Interrupt);
    EXPECT_EQ(e.vector, 0);
    EXPECT_FALSE(e.software);
    EXPECT_FALSE(e.has_error_code);
    EXPECT_EQ(e.eip, kCode + 2);
}

TEST_F(CpuTest, SoftwareInterruptLeavesEipAfterInstruction) {
    code(kCode, {0x90, 0xcd, 0x80});  // nop; int 0x80
    CpuExit e = run_from(kCode);
    ASSERT_EQ(e.kind, CpuExitKind::Interrupt);
    EXPECT_EQ(e.vector, 0x80);
    EXPECT_TRUE(e.software);
    EXPECT_EQ(e.eip, kCode + 3);
}

TEST_F(CpuTest, GeneralProtectionCarriesSelectorErrorCode) {
    code(kCode, {0x66, 0xb8, 0x34, 0x12, 0x8e, 0xd8});  // mov ax,0x1234; mov ds,ax
    CpuExit e = run_from(kCode);
    ASSERT_EQ(e.kind, CpuExitKind::Interrupt);
    EXPECT_EQ(e.vector, 13);
    EXPECT_TRUE(e.has_error_code);
    EXPECT_EQ(e.error_code, 0x1234u);
    EXPECT_EQ(e.eip, kCode + 4);
}

class RecordingPort : public PortDevice {
public:
    uint32_t port_read(uint16_t port, unsigned size) override {
        reads.push_back({port, size});
        return 0xa5;
    }
    void port_write(uint16_t port, unsigned size, uint32_t value) override {
        writes.push_back({port, size, value});
    }
    std::string_view name() const override { return "recording"; }
    struct Access { uint16_t port; unsigned size; uint32_t value = 0; };
    std::vector<Access> reads, writes;
};

TEST_F(CpuTest, PortIoReachesTheBusWithSizes) {
    RecordingPort dev;
    ASSERT_TRUE(bus->map(0x3f8, 8, &dev).ok());
    // mov dx,0x3f8; mov al,0x41; out dx,al; mov ax,0x4243; out dx,ax; in al,dx; hlt
    code(kCode, {0x66, 0xba, 0xf8, 0x03, 0xb0, 0x41, 0xee, 0x66, 0xb8, 0x43, 0x42, 0x66, 0xef, 0xec, 0xf4});
    CpuExit e = run_from(kCode);
    EXPECT_EQ(e.kind, CpuExitKind::Halted);
    ASSERT_EQ(dev.writes.size(), 2u);
    EXPECT_EQ(dev.writes[0].value, 0x41u);
    EXPECT_EQ(dev.writes[0].size, 1u);
    EXPECT_EQ(dev.writes[1].value, 0x4243u);
    EXPECT_EQ(dev.writes[1].size, 2u);
    ASSERT_EQ(dev.reads.size(), 1u);
    EXPECT_EQ(cpu->reg(Reg::Eax) & 0xff, 0xa5u);
}

TEST_F(CpuTest, RingThreePortIoIsRefusedWithGeneralProtection) {
    RecordingPort dev;
    ASSERT_TRUE(bus->map(0x3f8, 8, &dev).ok());
    // mov dx,0x3f8; inc ecx; out dx,al; inc ecx; inc ecx; jmp $
    code(kUserCode, {0x66, 0xba, 0xf8, 0x03, 0x41, 0xee, 0x41, 0x41, 0xeb, 0xfe});
    cpu->set_reg(Reg::Ecx, 0);
    enter_user(kUserCode, 0x2);  // IOPL 0
    uint64_t before = cpu->instructions();
    CpuExit e = cpu->run(cpu->instructions() + 1000);
    ASSERT_EQ(e.kind, CpuExitKind::Interrupt);
    EXPECT_EQ(e.vector, 13);
    EXPECT_TRUE(e.has_error_code);
    EXPECT_EQ(e.error_code, 0u);
    EXPECT_TRUE(dev.writes.empty());
    // Exactly at the out instruction: what came before ran, nothing after it did.
    EXPECT_EQ(e.eip, kUserCode + 5);
    EXPECT_EQ(cpu->reg(Reg::Ecx), 1u);
    EXPECT_EQ(cpu->instructions() - before, 2u);
}

TEST_F(CpuTest, RingThreePortIoAllowedByIopl) {
    RecordingPort dev;
    ASSERT_TRUE(bus->map(0x3f8, 8, &dev).ok());
    code(kUserCode, {0x66, 0xba, 0xf8, 0x03, 0xee, 0xeb, 0xfe});
    enter_user(kUserCode, 0x3002);  // IOPL 3
    CpuExit e = cpu->run(cpu->instructions() + 1000);
    EXPECT_EQ(e.kind, CpuExitKind::Budget);
    EXPECT_EQ(dev.writes.size(), 1u);
}

TEST_F(CpuTest, AccessOutsideRamIsAMemoryError) {
    code(kCode, {0xa1, 0x00, 0x00, 0x00, 0x40});  // mov eax,[0x40000000]
    CpuExit e = run_from(kCode);
    EXPECT_EQ(e.kind, CpuExitKind::MemoryError);
    EXPECT_NE(e.detail.find("0x40000000"), std::string::npos) << e.detail;
}

TEST_F(CpuTest, ContextSnapshotRestoresRegisters) {
    cpu->set_reg(Reg::Eax, 7);
    auto snap = cpu->save_context();
    cpu->set_reg(Reg::Eax, 9);
    ASSERT_TRUE(cpu->restore_context(snap).ok());
    EXPECT_EQ(cpu->reg(Reg::Eax), 7u);
}


// Unicorn 2.1 routes a CR2 write through its CR3 update; the Cpu must keep CR3.
// Unicorn 2.1.1 starts with its translation buffer's region count at 0, so the first
// time the buffer fills it takes the buffer back for new code without dropping a single
// translation (upstream's "Init tcg region buffer"): old blocks then ran over new code, and
// a page's list of blocks looped for ever. The Cpu flushes once at creation, which puts
// the count right; the buffer filling up then flushes, as every later time.
TEST_F(CpuTest, FillingTheTranslationBufferFlushesIt) {
    // A block translated first and kept (inc eax; hlt), on the page where large blocks
    // are then translated afresh (200 times add ecx, i; hlt), until far more code than
    // the 32 MiB buffer holds has been made.
    constexpr uint32_t kKept = kCode + 0x800, kChurn = kCode;
    code(kKept, {0x40, 0xf4});
    cpu->set_reg(Reg::Eax, 0);
    ASSERT_EQ(run_from(kKept).kind, CpuExitKind::Halted);
    constexpr int kAdds = 200;
    uint32_t expected_ecx = 0;
    cpu->set_reg(Reg::Ecx, 0);
    for (uint32_t round = 1; round <= 20000; ++round) {
        uint8_t* at = ram->data() + kChurn;
        for (int i = 0; i < kAdds; ++i, at += 6) {
            const uint32_t imm = round + static_cast<uint32_t>(i);
            const uint8_t add[6] = {0x81, 0xc1, uint8_t(imm), uint8_t(imm >> 8), uint8_t(imm >> 16), uint8_t(imm >> 24)};
            std::memcpy(at, add, 6);
            expected_ecx += imm;
        }
        *at = 0xf4;
        cpu->invalidate_code(kChurn, kChurn + 6 * kAdds + 1);
        CpuExit e = run_from(kChurn);
        ASSERT_EQ(e.kind, CpuExitKind::Halted) << "round " << round;
        ASSERT_EQ(cpu->reg(Reg::Ecx), expected_ecx) << "round " << round;
        if (round % 1000 == 0) {
            ASSERT_EQ(run_from(kKept).kind, CpuExitKind::Halted) << "round " << round;
            ASSERT_EQ(cpu->reg(Reg::Eax), round / 1000 + 1) << "round " << round;
        }
    }
}

TEST_F(GuestFixture, WritingCr2LeavesCr3Alone) {
    cpu->set_reg(Reg::Cr3, kPageDir);
    cpu->set_reg(Reg::Cr2, 0xdeadb000);
    EXPECT_EQ(cpu->reg(Reg::Cr2), 0xdeadb000u);
    EXPECT_EQ(cpu->reg(Reg::Cr3), kPageDir);
}


// Code at linear address 0 runs like code anywhere else (as in QEMU): Unicorn's
// `until` must not turn it into a stop.
TEST_F(GuestFixture, CodeAtLinearAddressZeroRuns) {
    code(0, {0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3});         // mov eax,42; ret
    code(kCode, {0x31, 0xc0, 0xff, 0xd0, 0x89, 0xc3, 0xf4});  // xor eax,eax; call eax; mov ebx,eax; hlt
    CpuExit e = run_from(kCode);
    EXPECT_EQ(e.kind, CpuExitKind::Halted);
    EXPECT_EQ(e.eip, kCode + 7);
    EXPECT_EQ(cpu->reg(Reg::Ebx), 42u);
    EXPECT_EQ(cpu->instructions(), 6u);
}

// The same, entered by a single step and with paging on.
TEST_F(GuestFixture, SteppingIntoLinearAddressZeroRunsTheInstructionThere) {
    code(0, {0x40, 0xc3});                       // inc eax; ret
    code(kCode, {0x31, 0xc0, 0xff, 0xd0, 0xf4});  // xor eax,eax; call eax; hlt
    enable_paging();
    cpu->set_reg(Reg::Eip, kCode);
    for (int i = 0; i < 2; ++i) ASSERT_EQ(cpu->step().kind, CpuExitKind::StopRequested);
    EXPECT_EQ(cpu->reg(Reg::Eip), 0u);
    EXPECT_EQ(cpu->step().kind, CpuExitKind::StopRequested);
    EXPECT_EQ(cpu->reg(Reg::Eip), 1u);
    EXPECT_EQ(cpu->reg(Reg::Eax), 1u);
    EXPECT_EQ(run_from(1).kind, CpuExitKind::Halted);
}


TEST_F(GuestFixture, SingleStepOntoRefusedPortIoFaultsAtTheInstruction) {
    code(kUserCode, {0xb0, 0x07, 0xec, 0xeb, 0xfe});  // mov al,7; in al,dx; jmp $
    enter_user(kUserCode, 0x2);
    CpuExit e = cpu->step();
    EXPECT_EQ(e.kind, CpuExitKind::StopRequested);
    e = cpu->step();
    ASSERT_EQ(e.kind, CpuExitKind::Interrupt);
    EXPECT_EQ(e.vector, 13);
    EXPECT_EQ(e.eip, kUserCode + 2);
    EXPECT_EQ(cpu->reg(Reg::Eip), kUserCode + 2);
    EXPECT_EQ(cpu->reg(Reg::Eax) & 0xff, 7u);  // the refused in did not load AL
}

// iret at CPL 3 whose EFLAGS image has VM set: the CPU ignores VM there and returns in
// protected mode (SDM, IRET). Unicorn would enter virtual-8086 mode, and the next
// delivery would fail on the kernel's selectors. The image in RAM is left as written.
// After bytes Capstone cannot read and QEMU runs (the hint nop 0f 1c c0): the block is
// not described, so it runs up to the iret, and the iret alone.
class RingThreeIretTest : public GuestFixture, public ::testing::WithParamInterface<bool> {
protected:
    const bool unreadable = GetParam();
    const uint32_t extra = unreadable ? 1 : 0;  // the hint nop's instruction
    const uint32_t kIret = kUserCode + 15 + (unreadable ? 3 : 0), kTarget = kIret + 1;
    void SetUp() override {
        GuestFixture::SetUp();
        // inc ecx; pushf; or dword [esp],0x20000; push cs; push kTarget; [nop (0f 1c c0)];
        // iret; kTarget: inc ecx; int 0x80
        code(kUserCode, {0x41, 0x9c, 0x81, 0x0c, 0x24, 0x00, 0x00, 0x02, 0x00, 0x0e, 0x68,
                         uint8_t(kTarget), uint8_t(kTarget >> 8), uint8_t(kTarget >> 16), uint8_t(kTarget >> 24)});
        if (unreadable) code(kUserCode + 15, {0x0f, 0x1c, 0xc0});
        code(kIret, {0xcf, 0x41, 0xcd, 0x80});
        set_gate(0x80, 0xe, 3);
        enable_paging();
        cpu->set_reg(Reg::Ecx, 0);
        enter_user(kUserCode);
    }
    void expect_protected_mode_return() {
        EXPECT_EQ(cpu->reg(Reg::Eflags) & (1u << 17), 0u) << "VM set: the iret entered virtual-8086 mode";
        EXPECT_EQ(cpu->reg(Reg::Cs), kUserCs);
        EXPECT_EQ(cpu->reg(Reg::Esp), kUserStack);
        EXPECT_EQ(get32(kUserStack - 4) & (1u << 17), 1u << 17) << "the image in RAM was changed";
    }
};

TEST_P(RingThreeIretTest, RunIgnoresVmInTheImage) {
    const uint64_t before = cpu->instructions();
    const uint64_t flushes = cpu->code_flushes();
    // The run ends after the iret it ran alone (Budget, early), and goes on.
    CpuExit e = cpu->run(before + 1000);
    ASSERT_EQ(e.kind, CpuExitKind::Budget);
    EXPECT_EQ(e.eip, kTarget);
    e = cpu->run(before + 1000);
    ASSERT_EQ(e.kind, CpuExitKind::Interrupt);
    EXPECT_EQ(e.vector, 0x80);
    EXPECT_EQ(e.eip, kTarget + 3);
    EXPECT_EQ(cpu->reg(Reg::Ecx), 2u);
    EXPECT_EQ(cpu->instructions() - before, 8u + extra);
    expect_protected_mode_return();
    // One flush drops the count hook of the step that entered ring 3. Then the
    // instructions before the iret run to an exit, and the iret alone without a count,
    // whose hook would drop every translation once removed; only a block Capstone cannot
    // read still runs with one (Cpu::run_before_looked_at).
    EXPECT_EQ(cpu->code_flushes() - flushes, unreadable ? 2u : 1u);
}

TEST_P(RingThreeIretTest, StopAddressAtTheIretStopsOnceThenGoesOn) {
    ASSERT_TRUE(cpu->add_stop_address(kIret).ok());
    const uint64_t before = cpu->instructions();
    CpuExit e = cpu->run(before + 1000);
    ASSERT_EQ(e.kind, CpuExitKind::AtStopAddress);
    EXPECT_EQ(e.eip, kIret);
    EXPECT_EQ(cpu->instructions() - before, 5u + extra);
    for (int i = 0; i < 3 && e.kind != CpuExitKind::Interrupt; ++i) e = cpu->run(before + 1000);
    ASSERT_EQ(e.kind, CpuExitKind::Interrupt) << "stopped again at " << std::hex << e.eip;
    EXPECT_EQ(e.vector, 0x80);
    EXPECT_EQ(cpu->instructions() - before, 8u + extra);
    expect_protected_mode_return();
}

TEST_P(RingThreeIretTest, StepIgnoresVmInTheImage) {
    const uint64_t before = cpu->instructions();
    for (uint32_t i = 0; i < 6 + extra; ++i)
        ASSERT_EQ(cpu->step().kind, CpuExitKind::StopRequested) << "step " << i;
    EXPECT_EQ(cpu->reg(Reg::Eip), kTarget);
    EXPECT_EQ(cpu->instructions() - before, 6u + extra);
    expect_protected_mode_return();
}

INSTANTIATE_TEST_SUITE_P(Blocks, RingThreeIretTest, ::testing::Bool(), [](const ::testing::TestParamInfo<bool>& p) {
    return p.param ? "AfterBytesCapstoneCannotRead" : "Decoded";
});

// A real CPU keeps its TLB across a ring 3 -> 0 -> 3 round trip: a PTE changed in RAM
// without invlpg stays invisible until the kernel flushes. Delivery must not flush for
// the guest (a kernel that forgets its flush would then pass here and fail on QEMU).
TEST_F(GuestFixture, RingThreeToZeroDeliveryKeepsTheTlb) {
    constexpr uint32_t kData = 0x40000, kOtherFrame = 0x41000;
    put32(kData, 0x11111111);
    put32(kOtherFrame, 0x22222222);
    set_gate(0x80, 0xf, 3);
    // user: mov ebx,[kData]; int 0x80; mov ecx,[kData]; int 0x80; mov edx,[kData]; int 0x80
    code(kUserCode, {0x8b, 0x1d, 0x00, 0x00, 0x04, 0x00, 0xcd, 0x80,
                     0x8b, 0x0d, 0x00, 0x00, 0x04, 0x00, 0xcd, 0x80,
                     0x8b, 0x15, 0x00, 0x00, 0x04, 0x00, 0xcd, 0x80});
    code(kStubs + 16 * 0x80, {0xf4, 0xcf});  // handler: hlt; iret
    enable_paging();
    enter_user(kUserCode);

    // Runs ring 3 to its next int 0x80, delivers it, runs the handler up to its hlt.
    auto syscall_round_trip = [&] {
        CpuExit e = cpu->run(cpu->instructions() + 1000);
        ASSERT_EQ(e.kind, CpuExitKind::Interrupt);
        ASSERT_EQ(e.vector, 0x80);
        auto r = deliver_interrupt(*cpu, *walker, event_for_exit(e));
        ASSERT_TRUE(r.ok()) << r.error().message;
        ASSERT_TRUE(r->privilege_change);
        ASSERT_EQ(cpu->cpl(), 0);
        e = cpu->run(cpu->instructions() + 1000);
        ASSERT_EQ(e.kind, CpuExitKind::Halted);
    };
    syscall_round_trip();  // the first load cached kData's translation
    EXPECT_EQ(cpu->reg(Reg::Ebx), 0x11111111u);
    put32(kPageTable + 4 * (kData >> 12), kOtherFrame | 7);  // remap, no invlpg
    syscall_round_trip();  // iret, load through the stale translation, int 0x80
    EXPECT_EQ(cpu->reg(Reg::Ecx), 0x11111111u) << "delivery flushed the TLB";
    cpu->flush_tlb();      // what the guest's invlpg or CR3 reload would do
    syscall_round_trip();
    EXPECT_EQ(cpu->reg(Reg::Edx), 0x22222222u) << "the remap itself did not take effect";
    EXPECT_EQ(cpu->cpl(), 0);
}


// A real CPU's TLB does not care about CR2. Writing CR2 (a step, a nested page fault
// delivered by the host) must not flush Unicorn's TLB, or a single-stepping debugger
// would hide a guest's missing TLB flush.
TEST_F(GuestFixture, WritingCr2KeepsStaleTranslations) {
    constexpr uint32_t kData = 0x40000, kOtherFrame = 0x41000;
    put32(kData, 0x11111111);
    put32(kOtherFrame, 0x22222222);
    code(kCode, {0x8b, 0x1d, 0x00, 0x00, 0x04, 0x00, 0xf4});          // mov ebx,[kData]; hlt
    code(kCode + 0x10, {0x8b, 0x0d, 0x00, 0x00, 0x04, 0x00, 0xf4});   // mov ecx,[kData]; hlt
    code(kCode + 0x20, {0x8b, 0x15, 0x00, 0x00, 0x04, 0x00, 0xf4});   // mov edx,[kData]; hlt
    code(kCode + 0x30, {0x8b, 0x35, 0x00, 0x00, 0x04, 0x00, 0xf4});   // mov esi,[kData]; hlt
    enable_paging();
    ASSERT_EQ(run_from(kCode).kind, CpuExitKind::Halted);  // caches kData's translation
    EXPECT_EQ(cpu->reg(Reg::Ebx), 0x11111111u);
    put32(kPageTable + 4 * (kData >> 12), kOtherFrame | 7);  // remap, no invlpg

    cpu->set_reg(Reg::Cr2, 0xdead0000);
    EXPECT_EQ(cpu->reg(Reg::Cr2), 0xdead0000u);
    EXPECT_EQ(cpu->reg(Reg::Cr3), kPageDir);
    ASSERT_EQ(run_from(kCode + 0x10).kind, CpuExitKind::Halted);
    EXPECT_EQ(cpu->reg(Reg::Ecx), 0x11111111u) << "a CR2 write flushed the TLB";

    cpu->set_reg(Reg::Eip, kCode + 0x20);
    ASSERT_EQ(cpu->step().kind, CpuExitKind::StopRequested);
    EXPECT_EQ(cpu->reg(Reg::Edx), 0x11111111u) << "a single step flushed the TLB";

    // A page fault met while delivering (the gate of vector 0x80 on a page that is not
    // present) is delivered by the host, which loads CR2.
    constexpr uint32_t kIdtPage = kIdt & ~0xfffu;
    cpu->set_idtr({kIdtPage - 0x400, 0x7ff});  // vectors 0-127 below the page, 128-255 on it
    for (unsigned v = 0; v < 128; ++v) put64(kIdtPage - 0x400 + 8 * v, gate_descriptor(kStubs + 16 * v, kKernelCs, 0xe, 0));
    put32(kPageTable + 4 * (kIdtPage >> 12), 0);
    InterruptEvent ev;
    ev.vector = 0x80;
    ev.return_eip = kCode;
    auto r = deliver_interrupt(*cpu, *walker, ev);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->vector, 14);
    EXPECT_EQ(cpu->reg(Reg::Cr2), kIdtPage);
    ASSERT_EQ(run_from(kCode + 0x30).kind, CpuExitKind::Halted);
    EXPECT_EQ(cpu->reg(Reg::Esi), 0x11111111u) << "delivering a nested page fault flushed the TLB";

    cpu->flush_tlb();
    ASSERT_EQ(run_from(kCode).kind, CpuExitKind::Halted);
    EXPECT_EQ(cpu->reg(Reg::Ebx), 0x22222222u) << "the remap itself did not take effect";
}

// A jump to a page that is not present retires; the page fault is the next
// instruction's, on its fetch, at the target. A step counts it as a run does.
TEST_F(GuestFixture, FetchFaultAfterAJumpCountsTheJumpInStepsAndRuns) {
    constexpr uint32_t kAbsent = 0x60000, kJump = kCode + 0x40;
    const uint32_t rel = kAbsent - (kJump + 5);
    code(kJump, {0xe9, static_cast<uint8_t>(rel), static_cast<uint8_t>(rel >> 8), static_cast<uint8_t>(rel >> 16),
                 static_cast<uint8_t>(rel >> 24)});  // jmp kAbsent
    enable_paging();
    put32(kPageTable + 4 * (kAbsent >> 12), 0);
    cpu->flush_tlb();

    uint64_t before = cpu->instructions();
    CpuExit e = run_from(kJump);
    ASSERT_EQ(e.kind, CpuExitKind::Interrupt);
    EXPECT_EQ(e.vector, 14);
    EXPECT_EQ(e.instruction_eip, kAbsent);
    EXPECT_EQ(cpu->instructions(), before + 1);

    cpu->set_reg(Reg::Eip, kJump);
    before = cpu->instructions();
    e = cpu->step();
    ASSERT_EQ(e.kind, CpuExitKind::Interrupt);
    EXPECT_EQ(e.vector, 14);
    EXPECT_EQ(e.instruction_eip, kAbsent);
    EXPECT_EQ(cpu->instructions(), before + 1) << "the jump ran";

    // The faulting instruction itself does not retire.
    cpu->set_reg(Reg::Eip, kAbsent);
    before = cpu->instructions();
    e = cpu->step();
    ASSERT_EQ(e.kind, CpuExitKind::Interrupt);
    EXPECT_EQ(cpu->instructions(), before);
}

TEST_F(GuestFixture, StopRequestEndsExactlyOneRun) {
    code(kCode, {0x40, 0xeb, 0xfd});  // 1: inc eax; jmp 1
    cpu->request_stop();
    cpu->request_stop();  // requests before a run coalesce into one
    EXPECT_EQ(run_from(kCode).kind, CpuExitKind::StopRequested);
    EXPECT_EQ(run_from(kCode, 1000).kind, CpuExitKind::Budget);
}

// Another thread stops a guest that would otherwise run for ever; each of many
// requests, made while the guest runs, ends a run.
TEST_F(GuestFixture, StopRequestFromAnotherThreadEndsTheRunningGuest) {
    code(kCode, {0x40, 0xeb, 0xfd});
    cpu->set_reg(Reg::Eip, kCode);
    std::atomic<int> stops{0};
    std::atomic<bool> failed{false};
    std::thread requester([&] {
        for (int i = 0; i < 200 && !failed; ++i) {
            cpu->request_stop();
            auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
            while (stops.load() <= i)
                if (std::chrono::steady_clock::now() > deadline) {
                    failed = true;
                    break;
                }
        }
    });
    while (stops.load() < 200 && !failed) {
        CpuExit e = cpu->run(~0ull >> 1);
        if (e.kind == CpuExitKind::StopRequested) ++stops;
        else failed = true;
    }
    requester.join();
    EXPECT_FALSE(failed.load());
    EXPECT_EQ(stops.load(), 200);
    EXPECT_GT(cpu->instructions(), 0u);
}


// Two address spaces hold different blocks at the same virtual address and of the
// same size, one with port I/O: what the Cpu knows of a block must follow the block
// that runs, not the (address, size) it was first seen under.
TEST_F(GuestFixture, PortIoLookAheadFollowsTheAddressSpace) {
    constexpr uint32_t kFrameWithIo = 0x50000, kFrameWithout = 0x51000;
    constexpr uint32_t kPageDir2 = 0x6000, kPageTable2 = 0x7000;
    const uint8_t with_io[] = {0xb0, 0x07, 0xec, 0xcd, 0x80};   // mov al,7; in al,dx; int 0x80
    const uint8_t without[] = {0xb0, 0x07, 0x90, 0xcd, 0x80};   // mov al,7; nop; int 0x80
    std::memcpy(ram->data() + kFrameWithIo, with_io, sizeof with_io);
    std::memcpy(ram->data() + kFrameWithout, without, sizeof without);
    put32(kPageTable + 4 * (kUserCode >> 12), kFrameWithIo | 7);
    put32(kPageDir2, kPageTable2 | 7);
    for (uint32_t i = 0; i < 1024; ++i) put32(kPageTable2 + 4 * i, get32(kPageTable + 4 * i));
    put32(kPageTable2 + 4 * (kUserCode >> 12), kFrameWithout | 7);
    set_gate(0x80, 0xe, 3);
    enable_paging();
    enter_user(kUserCode, 0x2);  // IOPL 0: ring 3 may not do port I/O

    CpuExit e = cpu->run(cpu->instructions() + 100);
    ASSERT_EQ(e.kind, CpuExitKind::Interrupt);
    EXPECT_EQ(e.vector, 13);
    EXPECT_EQ(e.eip, kUserCode + 2) << "#GP not at the in instruction";

    cpu->set_reg(Reg::Cr3, kPageDir2);
    cpu->set_reg(Reg::Eip, kUserCode);
    e = cpu->run(cpu->instructions() + 100);
    ASSERT_EQ(e.kind, CpuExitKind::Interrupt);
    EXPECT_EQ(e.vector, 0x80) << "the other address space's port I/O was held against this block";
    EXPECT_EQ(e.eip, kUserCode + 5);

    cpu->set_reg(Reg::Cr3, kPageDir);
    cpu->set_reg(Reg::Eip, kUserCode);
    e = cpu->run(cpu->instructions() + 100);
    ASSERT_EQ(e.kind, CpuExitKind::Interrupt);
    EXPECT_EQ(e.vector, 13);
    EXPECT_EQ(e.eip, kUserCode + 2);
}

TEST_F(GuestFixture, StopAddressStopsBeforeItsInstructionWithExactCounts) {
    code(kCode, {0x90, 0x90, 0x40, 0x90, 0xf4});  // nop; nop; inc eax; nop; hlt
    ASSERT_TRUE(cpu->add_stop_address(kCode + 2).ok());
    CpuExit e = run_from(kCode);
    ASSERT_EQ(e.kind, CpuExitKind::AtStopAddress);
    EXPECT_EQ(e.eip, kCode + 2);
    EXPECT_EQ(cpu->reg(Reg::Eax), 0u);
    EXPECT_EQ(cpu->instructions(), 2u);
    e = cpu->run(~0ull);  // resuming runs the instruction at the stop address
    EXPECT_EQ(e.kind, CpuExitKind::Halted);
    EXPECT_EQ(cpu->reg(Reg::Eax), 1u);
    EXPECT_EQ(cpu->instructions(), 5u);

    // A loop through the stop address stops there on every pass.
    code(kCode + 0x10, {0x40, 0xeb, 0xfd});  // 1: inc eax; jmp 1
    ASSERT_TRUE(cpu->add_stop_address(kCode + 0x10).ok());
    cpu->set_reg(Reg::Eax, 0);
    e = run_from(kCode + 0x10);
    EXPECT_EQ(e.kind, CpuExitKind::AtStopAddress);  // a fresh start at it stops at once
    EXPECT_EQ(cpu->instructions(), 5u);
    for (uint32_t pass = 1; pass <= 3; ++pass) {
        e = cpu->run(~0ull);
        ASSERT_EQ(e.kind, CpuExitKind::AtStopAddress);
        EXPECT_EQ(cpu->reg(Reg::Eax), pass);
        EXPECT_EQ(cpu->instructions(), 5u + 2 * pass);
    }
    cpu->remove_stop_address(kCode + 0x10);
    e = cpu->run(cpu->instructions() + 100);
    EXPECT_EQ(e.kind, CpuExitKind::Budget);
}

// A stop filter decides inside the run: it sees the count and registers as a stop
// would, and a "no" runs on as if the address stopped nothing, with counts unchanged.
// Stop addresses cannot be added from it (Unicorn would drop the running translation).
TEST_F(GuestFixture, StopFilterArrivesInsideTheRun) {
    code(kCode + 0x10, {0x90, 0x40, 0x90, 0xeb, 0xfc});  // nop; 1: inc eax; nop; jmp 1
    ASSERT_TRUE(cpu->add_stop_address(kCode + 0x11).ok());
    struct Seen {
        uint64_t instructions;
        uint32_t eax, eip;
    };
    std::vector<Seen> seen;
    Result<void> added;
    cpu->set_stop_filter([&](uint32_t linear) {
        EXPECT_EQ(linear, kCode + 0x11);
        seen.push_back({cpu->instructions(), cpu->reg(Reg::Eax), cpu->reg(Reg::Eip)});
        added = cpu->add_stop_address(kCode + 0x20);
        return seen.size() == 4;  // the fourth arrival stops
    });
    cpu->set_reg(Reg::Eax, 0);
    CpuExit e = run_from(kCode + 0x10);
    ASSERT_EQ(e.kind, CpuExitKind::AtStopAddress);
    EXPECT_EQ(e.eip, kCode + 0x11);
    ASSERT_EQ(seen.size(), 4u);
    for (uint32_t pass = 0; pass < 4; ++pass) {  // nop, then 3 instructions a pass
        EXPECT_EQ(seen[pass].instructions, 1u + 3 * pass) << pass;
        EXPECT_EQ(seen[pass].eax, pass) << pass;
        EXPECT_EQ(seen[pass].eip, kCode + 0x11) << pass;
    }
    EXPECT_EQ(cpu->instructions(), 10u);  // stopped as without the filter
    EXPECT_EQ(cpu->reg(Reg::Eax), 3u);
    EXPECT_FALSE(added.ok());
    EXPECT_NE(added.error().message.find("while the CPU runs"), std::string::npos) << added.error().message;

    // Running on from a "no" leaves the budget and counts as a run without the address.
    cpu->set_stop_filter([](uint32_t) { return false; });
    const uint64_t before = cpu->instructions();
    e = cpu->run(before + 30);
    EXPECT_EQ(e.kind, CpuExitKind::Budget);
    EXPECT_GE(cpu->instructions(), before + 30);
    EXPECT_EQ(cpu->reg(Reg::Eax), 3u + (cpu->instructions() - before + 2) / 3);
    cpu->set_stop_filter(nullptr);
    e = cpu->run(~0ull);
    EXPECT_EQ(e.kind, CpuExitKind::AtStopAddress);
    cpu->remove_stop_address(kCode + 0x11);
}

// gdb removes its breakpoints at every stop and inserts them again to resume: a removed
// stop address stays installed, idle (no flush of every translation), and comes back
// at once; past a thousand idle ones, or before a restore, they all go. Whichever, only
// the ones in use stop.
TEST_F(GuestFixture, RemovedStopAddressesIdleAndComeBack) {
    code(kCode + 0x10, {0x40, 0xeb, 0xfd});  // 1: inc eax; jmp 1
    for (int round = 0; round < 3; ++round) {
        ASSERT_TRUE(cpu->add_stop_address(kCode + 0x10).ok());
        cpu->set_reg(Reg::Eax, 0);
        CpuExit e = run_from(kCode + 0x11);  // the jmp first, then the stop address
        ASSERT_EQ(e.kind, CpuExitKind::AtStopAddress) << round;
        EXPECT_EQ(cpu->reg(Reg::Eax), 0u);
        cpu->remove_stop_address(kCode + 0x10);
        const uint64_t before = cpu->instructions();
        e = cpu->run(before + 100);  // idle: the loop runs through it
        EXPECT_EQ(e.kind, CpuExitKind::Budget) << round;
        EXPECT_GE(cpu->reg(Reg::Eax), 40u);
    }
    // Many addresses added and removed (more than are kept idle): none stops.
    for (uint32_t a = 0; a < 1100; ++a) {
        ASSERT_TRUE(cpu->add_stop_address(kCode + 0x1000 + a).ok());
        cpu->remove_stop_address(kCode + 0x1000 + a);
    }
    ASSERT_TRUE(cpu->add_stop_address(kCode + 0x10).ok());
    CpuExit e = run_from(kCode + 0x11);
    EXPECT_EQ(e.kind, CpuExitKind::AtStopAddress);
    cpu->remove_stop_address(kCode + 0x10);
    e = cpu->run(cpu->instructions() + 100);
    EXPECT_EQ(e.kind, CpuExitKind::Budget);
}

// A ring of eight blocks on one page, `inc dword [counter i]; jmp next`, run in budgets
// of 1 to 7 instructions. Unicorn chains such blocks, and a chained jump does not
// write EIP; when a budget ends at a block start, Unicorn puts EIP back to that block
// only when no code hook exists anywhere (cpu_tb_exec in 2.1.1). Every block must run
// exactly once per pass, whatever code hooks exist: counters never out of step, the
// instruction count twice their sum, EIP at the next block.
class BlockRingTest : public GuestFixture {
protected:
    static constexpr uint32_t kBase = kCode + 0x100, kCounters = 0x40000, kBlocks = 8;
    static uint32_t block(uint32_t i) { return kBase + 0x10 * i; }
    uint32_t counter(uint32_t i) const { return get32(kCounters + 4 * i); }

    // Runs the ring for 20,000 instructions in budgets of 1 to 7, resuming from stop
    // addresses (counted in stop_address_exits), and checks that each block ran once per pass.
    void run_ring(int* stop_address_exits = nullptr) {
        for (uint32_t i = 0; i < kBlocks; ++i) {
            const uint32_t c = kCounters + 4 * i;
            const uint8_t rel = i + 1 < kBlocks ? 0x08 : static_cast<uint8_t>(-(0x10 * i + 8));
            code(block(i), {0xff, 0x05, uint8_t(c), uint8_t(c >> 8), uint8_t(c >> 16), uint8_t(c >> 24), 0xeb, rel});
            put32(c, 0);
        }
        cpu->set_reg(Reg::Eip, block(0));
        const uint64_t start = cpu->instructions();
        CpuExit e;
        for (uint64_t k = 0; cpu->instructions() - start < 20000 || e.kind != CpuExitKind::Budget; ++k) {
            e = cpu->run(cpu->instructions() + 1 + k % 7);
            if (e.kind == CpuExitKind::AtStopAddress && stop_address_exits) {
                ++*stop_address_exits;
                continue;
            }
            ASSERT_EQ(e.kind, CpuExitKind::Budget) << "run " << k;
        }
        uint64_t total = 0;
        for (uint32_t i = 0; i < kBlocks; ++i) {
            total += counter(i);
            const uint32_t prev = counter((i + kBlocks - 1) % kBlocks);
            if (i == 0)
                EXPECT_TRUE(counter(0) == prev || counter(0) == prev + 1)
                    << "block 0 ran " << counter(0) << " times, the last block " << prev;
            else
                EXPECT_TRUE(counter(i) == prev || counter(i) + 1 == prev)
                    << "block " << i << " ran " << counter(i) << " times, block " << i - 1 << " " << prev;
        }
        EXPECT_EQ(cpu->instructions() - start, 2 * total);
        EXPECT_EQ(e.eip, block(static_cast<uint32_t>(total % kBlocks)));
    }
};

TEST_F(BlockRingTest, BudgetStopsRunEveryBlockOnce) { run_ring(); }

TEST_F(BlockRingTest, BudgetStopsRunEveryBlockOnceWithAStopAddressNeverReached) {
    ASSERT_TRUE(cpu->add_stop_address(kCode + 0x800).ok());
    run_ring();
}

TEST_F(BlockRingTest, BudgetStopsRunEveryBlockOnceWithAStopAddressInTheRing) {
    ASSERT_TRUE(cpu->add_stop_address(block(5) + 6).ok());  // block 5's jmp
    int stops = 0;
    run_ring(&stops);
    EXPECT_GT(stops, 1000);
}

// A refused int n faults on its own first byte: the Cpu finds where the instruction
// starts from its block, not from the byte two before the return address.
TEST_F(GuestFixture, SoftwareInterruptStartIsExact) {
    code(kUserCode, {0xb0, 0xcd, 0xcc});        // mov al,0xcd; int3
    code(kUserCode + 0x10, {0x90, 0x66, 0xcd, 0x80});  // nop; (prefixed) int 0x80
    set_gate(3, 0xe, 0);     // DPL 0: ring 3's int3 is refused with #GP
    set_gate(0x80, 0xe, 0);
    enter_user(kUserCode);
    CpuExit e = cpu->run(cpu->instructions() + 100);
    ASSERT_EQ(e.kind, CpuExitKind::Interrupt);
    EXPECT_EQ(e.vector, 3);
    EXPECT_TRUE(e.software);
    EXPECT_EQ(e.eip, kUserCode + 3);
    EXPECT_EQ(e.instruction_eip, kUserCode + 2);
    auto r = deliver_interrupt(*cpu, *walker, event_for_exit(e));
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->vector, 13);
    EXPECT_EQ(get32(r->frame_esp + 4), kUserCode + 2) << "#GP must point at the int3";

    enter_user(kUserCode + 0x10);
    e = cpu->run(cpu->instructions() + 100);
    ASSERT_EQ(e.kind, CpuExitKind::Interrupt);
    EXPECT_EQ(e.vector, 0x80);
    EXPECT_EQ(e.eip, kUserCode + 0x14);
    EXPECT_EQ(e.instruction_eip, kUserCode + 0x11);
}

}  // namespace
}  // namespace forkscope::testing

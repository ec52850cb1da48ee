// Interrupt and exception delivery through the guest's IDT (emulator/delivery.cpp),
// checked frame by frame against the Intel SDM, alone and together with the Cpu.
#include "tests/unit/guest_fixture.h"

namespace forkscope::testing {
namespace {

constexpr uint32_t kIf = 1u << 9;
constexpr uint32_t kTf = 1u << 8;

// Every test runs on both delivery paths: with Unicorn's CPU state written in place
// (and segment loads replayed), and through saved contexts and the register API.
class DeliveryTest : public GuestFixture, public ::testing::WithParamInterface<bool> {
protected:
    CpuOptions cpu_options() const override { return CpuOptions{GetParam()}; }

public:  // for the helpers outside the fixture
    void place(uint32_t at, const std::vector<uint8_t>& bytes) {
        std::memcpy(ram->data() + at, bytes.data(), bytes.size());
        cpu->invalidate_code(at, at + static_cast<uint32_t>(bytes.size()));
    }
    CpuExit run_at(uint32_t eip) { return run_from(eip); }

protected:

    Result<DeliveryRecord> deliver(uint8_t vector, EventSource source, std::optional<uint32_t> error = {},
                                   uint32_t return_eip = 0x1234) {
        InterruptEvent ev;
        ev.vector = vector;
        ev.source = source;
        ev.has_error_code = error.has_value();
        ev.error_code = error.value_or(0);
        ev.return_eip = return_eip;
        ev.instruction_eip = return_eip - 2;
        return deliver_interrupt(*cpu, *walker, ev);
    }

    // The dword at ESP + 4 * i after delivery.
    uint32_t frame(int i) const { return get32(cpu->reg(Reg::Esp) + 4u * i); }

    void expect_in_handler(uint8_t vector) {
        EXPECT_EQ(cpu->reg(Reg::Eip), kStubs + 16u * vector);
        EXPECT_EQ(cpu->reg(Reg::Cs), kKernelCs);
        EXPECT_EQ(cpu->cpl(), 0);
    }
};

TEST_P(DeliveryTest, EveryExceptionVectorFromRingZeroPushesTheArchitecturalFrame) {
    for (unsigned v = 0; v < 32; ++v) {
        SCOPED_TRACE(v);
        cpu->set_reg(Reg::Esp, kKernelStack);
        cpu->set_reg(Reg::Eflags, 0x2 | kIf | kTf);
        ASSERT_TRUE(cpu->load_segment(Reg::Cs, kKernelCs).ok());
        bool code = vector_has_error_code(static_cast<uint8_t>(v));
        auto r = deliver(static_cast<uint8_t>(v), EventSource::Exception,
                         code ? std::optional<uint32_t>(0x10 + v) : std::nullopt, 0x20000 + v);
        ASSERT_TRUE(r.ok()) << r.error().message;
        EXPECT_EQ(r->vector, v);
        EXPECT_FALSE(r->privilege_change);
        expect_in_handler(static_cast<uint8_t>(v));
        int i = 0;
        uint32_t pushed = code ? 4u : 3u;
        EXPECT_EQ(cpu->reg(Reg::Esp), kKernelStack - 4 * pushed);
        if (code) {
            EXPECT_EQ(frame(i++), 0x10 + v);
        }
        EXPECT_EQ(frame(i++), 0x20000 + v);       // EIP
        EXPECT_EQ(frame(i++), kKernelCs);         // CS
        EXPECT_EQ(frame(i++), 0x2 | kIf | kTf);   // EFLAGS as they were
        // Interrupt gate: IF and TF cleared in the handler.
        EXPECT_EQ(cpu->reg(Reg::Eflags) & (kIf | kTf), 0u);
    }
}

TEST_P(DeliveryTest, EveryExceptionVectorFromRingThreeSwitchesToTheTssStack) {
    code(kUserCode, {0xeb, 0xfe});
    for (unsigned v = 0; v < 32; ++v) {
        SCOPED_TRACE(v);
        enter_user(kUserCode);
        bool code = vector_has_error_code(static_cast<uint8_t>(v));
        auto r = deliver(static_cast<uint8_t>(v), EventSource::Exception,
                         code ? std::optional<uint32_t>(0x100 + v) : std::nullopt, kUserCode);
        ASSERT_TRUE(r.ok()) << r.error().message;
        EXPECT_TRUE(r->privilege_change);
        expect_in_handler(static_cast<uint8_t>(v));
        EXPECT_EQ(cpu->reg(Reg::Ss), kKernelDs);
        uint32_t pushed = code ? 6u : 5u;
        EXPECT_EQ(cpu->reg(Reg::Esp), kTssStack - 4 * pushed);
        int i = 0;
        if (code) {
            EXPECT_EQ(frame(i++), 0x100 + v);
        }
        EXPECT_EQ(frame(i++), kUserCode);
        EXPECT_EQ(frame(i++), kUserCs);
        EXPECT_EQ(frame(i++) & kIf, kIf);
        EXPECT_EQ(frame(i++), kUserStack);
        EXPECT_EQ(frame(i++), kUserDs);
    }
}

TEST_P(DeliveryTest, HardwareInterruptVectors0x20To0x2f) {
    for (unsigned v = 0x20; v <= 0x2f; ++v) {
        SCOPED_TRACE(v);
        cpu->set_reg(Reg::Esp, kKernelStack);
        cpu->set_reg(Reg::Eflags, 0x2 | kIf);
        auto r = deliver(static_cast<uint8_t>(v), EventSource::External, std::nullopt, 0x20010);
        ASSERT_TRUE(r.ok()) << r.error().message;
        expect_in_handler(static_cast<uint8_t>(v));
        EXPECT_EQ(cpu->reg(Reg::Esp), kKernelStack - 12);
        EXPECT_EQ(frame(0), 0x20010u);
        EXPECT_EQ(frame(1), kKernelCs);
        EXPECT_EQ(frame(2), 0x2u | kIf);
        EXPECT_EQ(cpu->reg(Reg::Eflags) & kIf, 0u);
    }
}

TEST_P(DeliveryTest, TrapGateKeepsInterruptsEnabled) {
    set_gate(0x80, 0xf, 3);
    cpu->set_reg(Reg::Eflags, 0x2 | kIf);
    ASSERT_TRUE(deliver(0x80, EventSource::Software).ok());
    EXPECT_EQ(cpu->reg(Reg::Eflags) & kIf, kIf);
}

TEST_P(DeliveryTest, Int80FromRingThreeEndToEnd) {
    set_gate(0x80, 0xf, 3);
    code(kUserCode, {0xb8, 0x14, 0x00, 0x00, 0x00, 0xcd, 0x80, 0xeb, 0xfe});  // mov eax,20; int 0x80
    enter_user(kUserCode);
    CpuExit e = cpu->run(cpu->instructions() + 1000);
    ASSERT_EQ(e.kind, CpuExitKind::Interrupt);
    ASSERT_EQ(e.vector, 0x80);
    ASSERT_TRUE(e.software);
    EXPECT_EQ(e.eip, kUserCode + 7);
    auto r = deliver_interrupt(*cpu, *walker, event_for_exit(e));
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_TRUE(r->privilege_change);
    expect_in_handler(0x80);
    EXPECT_EQ(cpu->reg(Reg::Esp), kTssStack - 20);
    EXPECT_EQ(frame(0), kUserCode + 7);
    EXPECT_EQ(frame(1), kUserCs);
    EXPECT_EQ(frame(3), kUserStack);
    EXPECT_EQ(frame(4), kUserDs);
    EXPECT_EQ(cpu->reg(Reg::Eax), 20u);
    // The handler runs at ring 0 and halts there.
    e = cpu->run(cpu->instructions() + 1000);
    EXPECT_EQ(e.kind, CpuExitKind::Halted);
    EXPECT_EQ(e.eip, kStubs + 16 * 0x80 + 1);
}

TEST_P(DeliveryTest, Int80FromRingZeroStaysOnTheSameStack) {
    set_gate(0x80, 0xf, 3);
    code(kCode, {0xcd, 0x80, 0xf4});
    CpuExit e = run_from(kCode);
    ASSERT_EQ(e.kind, CpuExitKind::Interrupt);
    auto r = deliver_interrupt(*cpu, *walker, event_for_exit(e));
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(r->privilege_change);
    EXPECT_EQ(cpu->reg(Reg::Esp), kKernelStack - 12);
    EXPECT_EQ(frame(0), kCode + 2);
    EXPECT_EQ(frame(1), kKernelCs);
}

TEST_P(DeliveryTest, IntThroughGateWithLowerDplIsGeneralProtectionAtTheInstruction) {
    // Vector 0x80 keeps DPL 0: ring 3 may not use it.
    code(kUserCode, {0x90, 0xcd, 0x80});
    enter_user(kUserCode);
    CpuExit e = cpu->run(cpu->instructions() + 1000);
    ASSERT_EQ(e.kind, CpuExitKind::Interrupt);
    auto r = deliver_interrupt(*cpu, *walker, event_for_exit(e));
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->vector, 13);
    EXPECT_EQ(r->error_code, 0x80u * 8 + 2);
    expect_in_handler(13);
    EXPECT_EQ(frame(0), 0x80u * 8 + 2);    // error code
    EXPECT_EQ(frame(1), kUserCode + 1);    // the int instruction itself
    EXPECT_EQ(frame(2), kUserCs);
}

TEST_P(DeliveryTest, PageFaultReportsCr2AndErrorCode) {
    enable_paging();
    put32(kPageTable + 4 * 0x40, (0x40u << 12) | 5);  // 0x40000: user, read-only
    code(kUserCode, {0xa3, 0x10, 0x00, 0x04, 0x00, 0xeb, 0xfe});  // mov [0x40010],eax
    enter_user(kUserCode);
    CpuExit e = cpu->run(cpu->instructions() + 1000);
    ASSERT_EQ(e.kind, CpuExitKind::Interrupt);
    EXPECT_EQ(e.vector, 14);
    EXPECT_TRUE(e.has_error_code);
    EXPECT_EQ(e.error_code, 7u);  // present, write, user
    EXPECT_EQ(e.cr2, 0x40010u);
    EXPECT_EQ(e.eip, kUserCode);
    ASSERT_TRUE(deliver_interrupt(*cpu, *walker, event_for_exit(e)).ok());
    EXPECT_EQ(frame(0), 7u);
    EXPECT_EQ(frame(1), kUserCode);
    EXPECT_EQ(cpu->reg(Reg::Cr2), 0x40010u);
}

// Unicorn turns the second fault into #DF unless the host resets its fault state
// (UNICORN-NOTES.md trap 3): a thousand faults in a row must all arrive as #PF.
TEST_P(DeliveryTest, ThousandPageFaultsInARow) {
    enable_paging();  // PDE 1 (0x400000-0x7fffff) is not present
    // loop: mov [ebx],eax; add ebx,0x1000; dec ecx; jnz loop; hlt
    code(kCode, {0x89, 0x03, 0x81, 0xc3, 0x00, 0x10, 0x00, 0x00, 0x49, 0x75, 0xf5, 0xf4});
    // #PF handler: drop the error code, skip the 2-byte store, return.
    code(kStubs + 16 * 14, {0x83, 0xc4, 0x04, 0x83, 0x04, 0x24, 0x02, 0xcf});
    cpu->set_reg(Reg::Ebx, 0x400000);
    cpu->set_reg(Reg::Ecx, 1000);
    cpu->set_reg(Reg::Eip, kCode);
    int faults = 0;
    for (;;) {
        CpuExit e = cpu->run(cpu->instructions() + 1'000'000);
        if (e.kind == CpuExitKind::Halted) break;
        ASSERT_EQ(e.kind, CpuExitKind::Interrupt);
        ASSERT_EQ(e.vector, 14) << "fault " << faults;
        ASSERT_EQ(e.error_code, 2u) << "fault " << faults;  // not present, write, supervisor
        ASSERT_EQ(e.cr2, 0x400000u + 0x1000u * faults);
        ASSERT_TRUE(deliver_interrupt(*cpu, *walker, event_for_exit(e)).ok());
        ++faults;
    }
    EXPECT_EQ(faults, 1000);
    EXPECT_EQ(cpu->reg(Reg::Ecx), 0u);
}

TEST_P(DeliveryTest, PathIsTheOneAskedFor) {
    // Debian's Unicorn 2.1 is recognised: its live CPU state is found.
    EXPECT_EQ(cpu->state_in_place(), GetParam());
}

// A thousand int 0x80 from ring 3, each returning with iret: every delivery switches to
// the TSS stack at CPL 0; in place, the CS and SS loads after the first are replayed.
TEST_P(DeliveryTest, ThousandSystemCallsFromRingThree) {
    set_gate(0x80, 0xf, 3);
    set_gate(0x81, 0xf, 3);
    code(kStubs + 16 * 0x80, {0xcf});  // iret
    // mov ecx,1000; loop: int 0x80; dec ecx; jnz loop; int 0x81
    code(kUserCode, {0xb9, 0xe8, 0x03, 0x00, 0x00, 0xcd, 0x80, 0x49, 0x75, 0xfb, 0xcd, 0x81});
    enter_user(kUserCode);
    const uint64_t replayed = cpu->replayed_loads();
    int calls = 0;
    for (;;) {
        CpuExit e = cpu->run(cpu->instructions() + 1'000'000);
        ASSERT_EQ(e.kind, CpuExitKind::Interrupt);
        if (e.vector == 0x81) break;
        ASSERT_EQ(e.vector, 0x80);
        auto r = deliver_interrupt(*cpu, *walker, event_for_exit(e));
        ASSERT_TRUE(r.ok()) << r.error().message;
        ASSERT_TRUE(r->privilege_change);
        ASSERT_EQ(cpu->cpl(), 0);
        ASSERT_EQ(cpu->reg(Reg::Ss), kKernelDs);
        ASSERT_EQ(cpu->reg(Reg::Esp), kTssStack - 20);
        ASSERT_EQ(frame(0), kUserCode + 7) << "call " << calls;
        ASSERT_EQ(frame(1), kUserCs);
        ASSERT_EQ(frame(4), kUserDs);
        ++calls;
    }
    EXPECT_EQ(calls, 1000);
    EXPECT_EQ(cpu->reg(Reg::Ecx), 0u);
    EXPECT_EQ(cpu->cpl(), 3);
    // The first load sets the descriptors' accessed bits; from the second on they replay.
    if (GetParam()) {
        EXPECT_GE(cpu->replayed_loads() - replayed, 998u);
    } else {
        EXPECT_EQ(cpu->replayed_loads(), 0u);
    }
}

// A replayed load is valid only for the descriptor bytes it was made from: when the
// guest changes its ring-0 stack descriptor (here its base), the next delivery loads
// the new one, and the handler's own pushes land at the new base.
TEST_P(DeliveryTest, ChangedStackDescriptorIsLoadedAfresh) {
    // The TSS's SS0 gets a descriptor of its own (0x30), so that the boot SS stays flat.
    constexpr uint16_t kStackSs = 0x30;
    put64(kGdt + kStackSs, segment_descriptor(0, 0xfffff, 0x92, 0xc));
    cpu->set_gdtr({kGdt, kStackSs + 7});
    put32(kTss + 8, kStackSs);
    set_gate(0x80, 0xf, 3);
    // handler: push 0x12345678; hlt
    code(kStubs + 16 * 0x80, {0x68, 0x78, 0x56, 0x34, 0x12, 0xf4});
    code(kUserCode, {0xcd, 0x80, 0xeb, 0xfe});
    auto deliver_and_run = [&](uint32_t stack_base) {
        enter_user(kUserCode);
        CpuExit e = cpu->run(cpu->instructions() + 1000);
        ASSERT_EQ(e.kind, CpuExitKind::Interrupt);
        ASSERT_TRUE(deliver_interrupt(*cpu, *walker, event_for_exit(e)).ok());
        ASSERT_EQ(get32(stack_base + kTssStack - 20), kUserCode + 2);  // the frame, written by the host
        put32(stack_base + kTssStack - 24, 0);
        e = cpu->run(cpu->instructions() + 1000);
        ASSERT_EQ(e.kind, CpuExitKind::Halted);
        EXPECT_EQ(get32(stack_base + kTssStack - 24), 0x12345678u) << "stack base " << stack_base;
        // Back to ring 0 with the boot segments for the next enter_user.
        ASSERT_TRUE(cpu->load_segment(Reg::Ss, kKernelDs).ok());
    };
    deliver_and_run(0);
    deliver_and_run(0);
    const uint64_t replayed = cpu->replayed_loads();
    put64(kGdt + kStackSs, segment_descriptor(0x100, 0xfffff, 0x93, 0xc));
    deliver_and_run(0x100);
    EXPECT_EQ(cpu->replayed_loads(), replayed);  // loaded, not replayed
    deliver_and_run(0x100);                       // and now replayed with the new base
    EXPECT_EQ(cpu->replayed_loads(), replayed + (GetParam() ? 1u : 0u));
}

// With a handler set, exceptions are delivered inside the run (in place only): the
// thousand faults of the loop below end in one run, with the same instruction count
// as when each ends the run and is delivered after it.
TEST_P(DeliveryTest, FaultsAreDeliveredInsideTheRun) {
    enable_paging();
    code(kCode, {0x89, 0x03, 0x81, 0xc3, 0x00, 0x10, 0x00, 0x00, 0x49, 0x75, 0xf5, 0xf4});
    code(kStubs + 16 * 14, {0x83, 0xc4, 0x04, 0x83, 0x04, 0x24, 0x02, 0xcf});
    cpu->set_reg(Reg::Ebx, 0x400000);
    cpu->set_reg(Reg::Ecx, 1000);
    cpu->set_reg(Reg::Eip, kCode);
    int in_run = 0, after_run = 0;
    std::vector<uint32_t> cr2s;
    cpu->set_in_run_delivery([&](const CpuExit& e) {
        cr2s.push_back(e.cr2);
        DeliveryRecord record;
        auto r = try_deliver(*cpu, *walker, event_for_exit(e), record);
        in_run += r.ok() && *r && e.vector == 14 && e.error_code == 2u;
        return r.ok() && *r;
    });
    const uint64_t before = cpu->instructions();
    for (;;) {
        CpuExit e = cpu->run(cpu->instructions() + 1'000'000);
        if (e.kind == CpuExitKind::Halted) break;
        ASSERT_EQ(e.kind, CpuExitKind::Interrupt);
        ASSERT_EQ(e.vector, 14);
        ASSERT_TRUE(deliver_interrupt(*cpu, *walker, event_for_exit(e)).ok());
        ++after_run;
    }
    EXPECT_EQ(in_run, GetParam() ? 1000 : 0);
    EXPECT_EQ(in_run + after_run, 1000);
    if (GetParam()) {
        ASSERT_EQ(cr2s.size(), 1000u);
        EXPECT_EQ(cr2s.back(), 0x400000u + 0x1000u * 999);
    }
    // Per fault: the handler's 3 and the loop's add, dec, jnz (the faulting store never
    // retires: the handler skips it); then hlt.
    EXPECT_EQ(cpu->instructions() - before, 6000u + 1);
    EXPECT_EQ(cpu->reg(Reg::Ecx), 0u);
}

// A delivery inside the run that meets a fault is left to the run loop untouched: the
// run ends with the event as reported without a handler (count, error code, CR2), and
// deliver_interrupt turns it into #DF.
TEST_P(DeliveryTest, InRunDeliveryThatMeetsAFaultEndsTheRun) {
    enable_paging();
    put64(kIdt + 8 * 14, gate_descriptor(kStubs + 16 * 14, 0x80, 0xe, 0));  // selector past the GDT
    code(kCode, {0x90, 0x90, 0x89, 0x03, 0xf4});                              // nop; nop; mov [ebx],eax
    cpu->set_reg(Reg::Ebx, 0x400000);
    int asked = 0;
    cpu->set_in_run_delivery([&](const CpuExit& e) {
        ++asked;
        DeliveryRecord record;
        auto r = try_deliver(*cpu, *walker, event_for_exit(e), record);
        EXPECT_TRUE(r.ok());
        return r.ok() && *r;
    });
    const uint64_t before = cpu->instructions();
    CpuExit e = run_from(kCode);
    EXPECT_EQ(asked, GetParam() ? 1 : 0);
    ASSERT_EQ(e.kind, CpuExitKind::Interrupt);
    EXPECT_EQ(e.vector, 14);
    EXPECT_EQ(e.error_code, 2u);
    EXPECT_EQ(e.cr2, 0x400000u);
    EXPECT_EQ(e.eip, kCode + 2);
    EXPECT_EQ(cpu->instructions() - before, 2u);  // the two nops
    auto r = deliver_interrupt(*cpu, *walker, event_for_exit(e));
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->vector, 8);
}

// Ring 0 writes the three SYSENTER MSRs (CS, ESP, EIP) with wrmsr, then halts.
void write_sysenter_msrs(DeliveryTest& t, uint32_t cs, uint32_t esp, uint32_t eip);

// sysenter with SYSENTER_CS null is #GP(0) at the instruction, which does not retire
// (SDM, SYSENTER), on both paths.
TEST_P(DeliveryTest, SysenterWithANullCsMsrIsGeneralProtection) {
    code(kUserCode, {0x90, 0x0f, 0x34, 0xeb, 0xfe});  // nop; sysenter; jmp $
    enter_user(kUserCode);
    const uint64_t before = cpu->instructions();
    CpuExit e = cpu->run(cpu->instructions() + 1000);
    ASSERT_EQ(e.kind, CpuExitKind::Interrupt);
    EXPECT_EQ(e.vector, 13);
    EXPECT_EQ(e.error_code, 0u);
    EXPECT_EQ(e.eip, kUserCode + 1);
    EXPECT_EQ(cpu->instructions() - before, 1u);  // the nop
    auto r = deliver_interrupt(*cpu, *walker, event_for_exit(e));
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(frame(1), kUserCode + 1);
}

// A thousand sysenter/sysexit round trips: ring 0 at SYSENTER_EIP on SYSENTER_ESP with
// the flat CS and SS the MSR names, IF clear; sysexit (native in Unicorn) back to ring 3
// at EDX with ESP = ECX. Where the state is not in place, each sysenter ends the run
// inside Cpu::run, which switches rings and goes on: the same result.
TEST_P(DeliveryTest, SysenterAndSysexitRoundTrips) {
    constexpr uint32_t kEntry = kStubs + 16 * 0x90, kSysenterStack = 0x88000;
    // entry: cmp eax,20; jne bad; inc edi; mov ecx,ebp; mov edx,[back]; sysexit; bad: hlt
    code(kEntry, {0x83, 0xf8, 0x14, 0x75, 0x0a, 0x47, 0x89, 0xe9, 0xba, 0x00, 0x00, 0x00, 0x00, 0x0f, 0x35, 0xf4});
    write_sysenter_msrs(*this, kKernelCs, kSysenterStack, kEntry);
    set_gate(0x81, 0xf, 3);
    // mov esi,1000; loop: mov ebp,esp; mov eax,20; sysenter; back: dec esi; jnz loop; int 0x81
    code(kUserCode, {0xbe, 0xe8, 0x03, 0x00, 0x00, 0x89, 0xe5, 0xb8, 0x14, 0x00, 0x00, 0x00, 0x0f, 0x34,
                     0x4e, 0x75, 0xf4, 0xcd, 0x81});
    put32(kEntry + 9, kUserCode + 14);  // back
    cpu->set_reg(Reg::Edi, 0);
    enter_user(kUserCode);
    CpuExit e = cpu->run(cpu->instructions() + 1'000'000);
    ASSERT_EQ(e.kind, CpuExitKind::Interrupt) << "exit " << int(e.kind) << " at " << std::hex << e.eip;
    EXPECT_EQ(e.vector, 0x81);
    EXPECT_EQ(cpu->reg(Reg::Edi), 1000u);  // every entry arrived in ring 0 with EAX intact
    EXPECT_EQ(cpu->reg(Reg::Esi), 0u);
    EXPECT_EQ(cpu->cpl(), 3);
    EXPECT_EQ(cpu->reg(Reg::Cs), kUserCs);
    EXPECT_EQ(cpu->reg(Reg::Ss), kUserDs);
    EXPECT_EQ(cpu->reg(Reg::Esp), kUserStack);
    EXPECT_EQ(cpu->sysenters(), 1000u);
}

// sysenter at the end of a block Capstone cannot read (the hint nop 0f 1c c0, which
// QEMU runs and Capstone 4 refuses; random code found it with lock stc, which is #UD
// now): the block runs up to the sysenter, which runs alone, so its length is QEMU's and
// ring 0 starts exactly at SYSENTER_EIP (before, the host stopped the machine, or put EIP
// bytes away from it).
TEST_P(DeliveryTest, SysenterAfterBytesCapstoneCannotReadStartsAtTheMsr) {
    constexpr uint32_t kEntry = kStubs + 16 * 0x90, kSysenterStack = 0x88000;
    code(kEntry, {0xf4});  // hlt
    write_sysenter_msrs(*this, kKernelCs, kSysenterStack, kEntry);
    for (bool first_decodes : {false, true}) {
        SCOPED_TRACE(first_decodes ? "inc esi; stc; nop; sysenter" : "stc; nop; sysenter");
        if (first_decodes)
            code(kUserCode, {0x46, 0xf9, 0x0f, 0x1c, 0xc0, 0x0f, 0x34});
        else
            code(kUserCode, {0xf9, 0x0f, 0x1c, 0xc0, 0x0f, 0x34});
        cpu->set_reg(Reg::Esi, 0);
        enter_user(kUserCode);
        const uint64_t before = cpu->instructions();
        CpuExit e = cpu->run(cpu->instructions() + 1000);
        for (int i = 0; i < 3 && e.kind == CpuExitKind::Budget; ++i) e = cpu->run(before + 1000);
        ASSERT_EQ(e.kind, CpuExitKind::Halted) << "exit " << int(e.kind) << " at " << std::hex << e.eip << " "
                                               << e.detail;
        EXPECT_EQ(e.eip, kEntry + 1);
        EXPECT_EQ(cpu->reg(Reg::Esi), first_decodes ? 1u : 0u);
        EXPECT_EQ(cpu->reg(Reg::Eflags) & 1u, 1u);  // CF, from stc
        EXPECT_EQ(cpu->instructions() - before, first_decodes ? 5u : 4u);  // [inc,] stc, nop, sysenter, hlt
        cpu->set_reg(Reg::Esp, kKernelStack);
    }
}

// A lock prefix on an instruction that cannot take one: #UD at the instruction, which
// has not retired (SDM, LOCK). QEMU in Unicorn 2.1 runs most of them (lock stc, lock mov,
// lock iret, lock sysenter), so the look-ahead runs the block up to it and raises #UD;
// a single step raises it without running. Whether Capstone reads the encoding or not.
TEST_P(DeliveryTest, MisplacedLockIsInvalidOpcodeAtTheInstruction) {
    const struct {
        std::vector<uint8_t> insn;
        const char* what;
    } cases[] = {
        {{0xf0, 0xf9}, "lock stc"},
        {{0xf0, 0x89, 0xc0}, "lock mov eax,eax"},
        {{0xf0, 0x03, 0x18}, "lock add ebx,[eax] (Capstone reads it)"},
        {{0xf0, 0xcf}, "lock iret"},
        {{0xf0, 0x0f, 0x34}, "lock sysenter"},
        {{0x2e, 0xf0, 0x9c}, "cs lock pushf"},
    };
    for (bool stepping : {false, true}) {
        for (const auto& c : cases) {
            SCOPED_TRACE(std::string(c.what) + (stepping ? ", stepped" : ", run"));
            // inc esi; inc esi; the instruction; inc esi; int 0x80
            std::vector<uint8_t> bytes{0x46, 0x46};
            bytes.insert(bytes.end(), c.insn.begin(), c.insn.end());
            bytes.insert(bytes.end(), {0x46, 0xcd, 0x80});
            place(kUserCode, bytes);
            cpu->set_reg(Reg::Esi, 0);
            cpu->set_reg(Reg::Eax, kUserStack - 64);  // a readable [eax]
            enter_user(kUserCode);
            const uint64_t before = cpu->instructions();
            CpuExit e;
            if (stepping) {
                for (int i = 0; i < 2; ++i) ASSERT_EQ(cpu->step().kind, CpuExitKind::StopRequested);
                e = cpu->step();
            } else {
                e = cpu->run(cpu->instructions() + 1000);
            }
            ASSERT_EQ(e.kind, CpuExitKind::InvalidOpcode) << "exit " << int(e.kind) << " at " << std::hex << e.eip;
            EXPECT_EQ(e.eip, kUserCode + 2);
            EXPECT_EQ(cpu->reg(Reg::Eip), kUserCode + 2);
            EXPECT_EQ(cpu->reg(Reg::Esi), 2u);
            EXPECT_EQ(cpu->cpl(), 3);
            EXPECT_EQ(cpu->instructions() - before, 2u);  // the two incs only
            auto r = deliver_interrupt(*cpu, *walker, event_for_exit(e));
            ASSERT_TRUE(r.ok()) << r.error().message;
            EXPECT_EQ(r->vector, 6);
            expect_in_handler(6);
            EXPECT_EQ(frame(0), kUserCode + 2);
        }
    }
}

// sysenter behind a VEX prefix (C4 x1 xx 34, C5 xx 34): QEMU decodes it as sysenter, a
// CPU refuses it with #UD; Capstone reads none of it, and the block does not end in
// 0F 34 (before, forkscope stopped: "sysenter in a block that could not be decoded";
// randinsn seed 988). #UD at the instruction, which has not retired.
TEST_P(DeliveryTest, VexEncodedSysenterIsInvalidOpcode) {
    constexpr uint32_t kEntry = kStubs + 16 * 0x90, kSysenterStack = 0x88000;
    code(kEntry, {0xf4});  // hlt
    write_sysenter_msrs(*this, kKernelCs, kSysenterStack, kEntry);
    const struct {
        std::vector<uint8_t> bytes;
        uint32_t at;
        const char* what;
    } cases[] = {
        {{0x46, 0xc4, 0xe1, 0x63, 0x34}, 1, "inc esi; VEX3 sysenter"},
        {{0x46, 0xc5, 0xf8, 0x34}, 1, "inc esi; VEX2 sysenter"},
        {{0x46, 0x26, 0x12, 0x0c, 0x24, 0xc4, 0xe1, 0x63, 0x34}, 5, "inc esi; es adc cl,[esp]; VEX3 sysenter"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.what);
        place(kUserCode, c.bytes);
        cpu->set_reg(Reg::Esi, 0);
        enter_user(kUserCode);
        CpuExit e = cpu->run(cpu->instructions() + 1000);
        for (int i = 0; i < 3 && e.kind == CpuExitKind::Budget; ++i) e = cpu->run(cpu->instructions() + 1000);
        ASSERT_EQ(e.kind, CpuExitKind::InvalidOpcode) << "exit " << int(e.kind) << " at " << std::hex << e.eip << " "
                                                      << e.detail;
        EXPECT_EQ(e.eip, kUserCode + c.at);
        EXPECT_EQ(cpu->reg(Reg::Esi), 1u);
        EXPECT_EQ(cpu->cpl(), 3);
        EXPECT_EQ(cpu->sysenters(), 0u);
    }
}

// A program that loops over a misplaced lock with instructions before it in its block,
// as randinsn seed 1461 did 600,000 times under a SIGILL handler that stepped over it.
// Each look-ahead runs those instructions to an exit at the lock and drops that block's
// translations only; a count-limited run dropped every translation the next run made
// (Cpu::run_before_looked_at).
TEST_P(DeliveryTest, RepeatedLockLookAheadsKeepOtherTranslations) {
    place(kUserCode, {0x46, 0x46, 0xf0, 0x89, 0xc0});  // inc esi; inc esi; lock mov eax,eax
    cpu->set_reg(Reg::Esi, 0);
    enter_user(kUserCode);
    uint64_t flushes = 0;
    for (uint32_t i = 0; i < 20; ++i) {
        SCOPED_TRACE(i);
        // The first run drops the count hook of the step that entered ring 3.
        if (i == 1) flushes = cpu->code_flushes();
        cpu->set_reg(Reg::Eip, kUserCode);  // as a handler that goes back would
        const uint64_t before = cpu->instructions();
        CpuExit e = cpu->run(before + 1000);
        ASSERT_EQ(e.kind, CpuExitKind::InvalidOpcode) << "exit " << int(e.kind) << " at " << std::hex << e.eip;
        EXPECT_EQ(e.eip, kUserCode + 2);
        EXPECT_EQ(cpu->reg(Reg::Esi), 2 * (i + 1));
        EXPECT_EQ(cpu->instructions() - before, 2u);
    }
    EXPECT_EQ(cpu->code_flushes(), flushes);
}

// The same when an instruction before the lock stores into the block itself: QEMU ends
// the translation at the store and goes on with a translation of the rest, which the
// look-ahead's exit is not in. The rest runs by count, from where the store left it
// (randinsn seed 403: an sgdt into its own block looped there for ever).
TEST_P(DeliveryTest, LockLookAheadOverAStoreIntoItsOwnBlock) {
    // mov byte [nop], 0x90; inc esi (4 times); nop; lock mov eax,eax
    const uint32_t nop = kUserCode + 11;
    place(kUserCode, {0xc6, 0x05, uint8_t(nop), uint8_t(nop >> 8), uint8_t(nop >> 16), uint8_t(nop >> 24), 0x90,
                      0x46, 0x46, 0x46, 0x46, 0x90, 0xf0, 0x89, 0xc0});
    cpu->set_reg(Reg::Esi, 0);
    enter_user(kUserCode);
    for (uint32_t i = 0; i < 3; ++i) {
        SCOPED_TRACE(i);
        cpu->set_reg(Reg::Eip, kUserCode);
        const uint64_t before = cpu->instructions();
        CpuExit e = cpu->run(before + 1000);
        ASSERT_EQ(e.kind, CpuExitKind::InvalidOpcode) << "exit " << int(e.kind) << " at " << std::hex << e.eip;
        EXPECT_EQ(e.eip, kUserCode + 12);
        EXPECT_EQ(cpu->reg(Reg::Esi), 4 * (i + 1));
        EXPECT_EQ(cpu->instructions() - before, 6u);  // the store, four incs, the nop
    }
}

// A translation made from bytes that are no longer in RAM (written here behind the
// translator's back, as random code once met one: randinsn seed 70): its facts say
// "misplaced lock", the bytes at EIP do not. The look-ahead must not stop there for
// ever, with no instruction run (a livelock before); it translates afresh and goes on
// with what RAM holds now.
TEST_P(DeliveryTest, StaleLockTranslationIsTranslatedAfresh) {
    // lock mov eax,eax (#UD, 3 bytes); int 0x80: the lock starts the block, so the
    // look-ahead runs nothing before it and the translation stays.
    place(kUserCode, {0xf0, 0x89, 0xc0, 0xcd, 0x80});
    cpu->set_reg(Reg::Esi, 0);
    enter_user(kUserCode);
    CpuExit e = cpu->run(cpu->instructions() + 1000);
    ASSERT_EQ(e.kind, CpuExitKind::InvalidOpcode);
    EXPECT_EQ(e.eip, kUserCode);
    // Now inc esi three times there, behind the translator's back; run it again.
    std::memcpy(ram->data() + kUserCode, "\x46\x46\x46", 3);
    const uint64_t before = cpu->instructions();
    e = cpu->run(before + 1000);
    for (int i = 0; i < 3 && e.kind == CpuExitKind::Budget; ++i) e = cpu->run(before + 1000);
    ASSERT_EQ(e.kind, CpuExitKind::Interrupt) << "exit " << int(e.kind) << " at " << std::hex << e.eip;
    EXPECT_EQ(e.vector, 0x80);
    EXPECT_EQ(cpu->reg(Reg::Esi), 3u);
    EXPECT_EQ(cpu->instructions() - before, 4u);  // three incs and the int
}

// Code rewritten by guest stores that Unicorn 2.1.1 does not check: after the first store
// through a mapping of a page that holds translations, the mapping's TLB entry is marked
// dirty and later stores through it invalidate nothing until that page is translated again
// at that address. A guest that reuses a page for other code (a new process's anonymous
// code page written through the kernel's mapping of it) would run the old translations.
// Every new translation on a page whose bytes differ from those under its translations
// drops them all (CpuHooks::check_code_page).
TEST_P(DeliveryTest, CodeRewrittenThroughAnotherMappingIsTranslatedAfresh) {
    constexpr uint32_t kAlias = 0x3ff000;  // a second mapping of kUserCode's page
    put32(kPageTable + 4 * (kAlias >> 12), kUserCode | 7);
    enable_paging();
    const auto run_to_hlt = [&](uint32_t eip) {
        CpuExit e = run_from(eip);
        EXPECT_EQ(e.kind, CpuExitKind::Halted) << "exit " << int(e.kind) << " at " << std::hex << e.eip;
    };
    // At kUserCode: mov eax,1; hlt. At +0x40 and +0x60: jmp kUserCode.
    code(kUserCode, {0xb8, 0x01, 0x00, 0x00, 0x00, 0xf4});
    code(kUserCode + 0x40, {0xeb, 0xbe});
    code(kUserCode + 0x60, {0xeb, 0x9e});
    // The writers: a store elsewhere on the page through the alias (the one Unicorn
    // checks), then one to mov's immediate, then hlt.
    code(kCode, {0xc6, 0x05, 0x80, 0xf0, 0x3f, 0x00, 0x90, 0xc6, 0x05, 0x01, 0xf0, 0x3f, 0x00, 0x02, 0xf4});
    code(kCode + 0x100, {0xc6, 0x05, 0x81, 0xf0, 0x3f, 0x00, 0x90, 0xc6, 0x05, 0x01, 0xf0, 0x3f, 0x00, 0x03, 0xf4});
    // Unicorn reports translations once a block has ended other than by an exception
    // (a hlt is one): jmp to the next instruction, then hlt.
    code(kCode + 0x200, {0xeb, 0x00, 0xf4});
    run_to_hlt(kCode + 0x200);
    run_to_hlt(kUserCode);
    EXPECT_EQ(cpu->reg(Reg::Eax), 1u);
    run_to_hlt(kCode);
    EXPECT_EQ(get32(kUserCode + 1), 2u);
    run_to_hlt(kUserCode + 0x40);  // a new translation on the page, then the rewritten mov
    EXPECT_EQ(cpu->reg(Reg::Eax), 2u);
    // Again, now that the page's bytes are known: the immediate becomes 3.
    run_to_hlt(kCode + 0x100);
    EXPECT_EQ(get32(kUserCode + 1), 3u);
    run_to_hlt(kUserCode + 0x60);
    EXPECT_EQ(cpu->reg(Reg::Eax), 3u);
}

// The lockable instructions with a memory destination run as they should, locked.
TEST_P(DeliveryTest, LockedReadModifyWriteRuns) {
    constexpr uint32_t kCell = kUserStack - 64;
    // lock inc dword [eax]; lock add [eax],ebx; lock xadd [eax],ecx; int 0x80
    code(kUserCode, {0xf0, 0xff, 0x00, 0xf0, 0x01, 0x18, 0xf0, 0x0f, 0xc1, 0x08, 0xcd, 0x80});
    put32(kCell, 10);
    cpu->set_reg(Reg::Eax, kCell);
    cpu->set_reg(Reg::Ebx, 5);
    cpu->set_reg(Reg::Ecx, 100);
    enter_user(kUserCode);
    CpuExit e = cpu->run(cpu->instructions() + 1000);
    ASSERT_EQ(e.kind, CpuExitKind::Interrupt) << "exit " << int(e.kind) << " at " << std::hex << e.eip;
    EXPECT_EQ(e.vector, 0x80);
    EXPECT_EQ(get32(kCell), 116u);
    EXPECT_EQ(cpu->reg(Reg::Ecx), 16u);  // xadd: the old value
}

// syscall at ring 3: #UD at the instruction, which has not retired (an i386 CPU has no
// EFER.SCE; Unicorn alone would go on past it), delivered through the IDT's vector 6.
TEST_P(DeliveryTest, SyscallIsInvalidOpcodeAtTheInstruction) {
    // inc esi; inc esi; syscall; inc esi
    code(kUserCode, {0x46, 0x46, 0x0f, 0x05, 0x46});
    cpu->set_reg(Reg::Esi, 0);
    enter_user(kUserCode);
    const uint64_t before = cpu->instructions();
    CpuExit e = cpu->run(cpu->instructions() + 1000);
    ASSERT_EQ(e.kind, CpuExitKind::InvalidOpcode) << "exit " << int(e.kind) << " at " << std::hex << e.eip;
    EXPECT_EQ(e.eip, kUserCode + 2);
    EXPECT_EQ(cpu->reg(Reg::Eip), kUserCode + 2);
    EXPECT_EQ(cpu->reg(Reg::Esi), 2u);
    EXPECT_EQ(cpu->cpl(), 3);
    EXPECT_EQ(cpu->instructions() - before, 2u);  // the two incs, not syscall
    auto r = deliver_interrupt(*cpu, *walker, event_for_exit(e));
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->vector, 6);
    expect_in_handler(6);
    EXPECT_EQ(frame(0), kUserCode + 2);  // the faulting instruction
}

// icebp (INT1, 0xf1) at ring 3: a #DB trap after the instruction (retired), through
// vector 1 whatever its gate's DPL (a DPL-0 gate here), as the CPU raises it.
TEST_P(DeliveryTest, IcebpIsADebugTrapAfterTheInstruction) {
    code(kUserCode, {0x46, 0xf1, 0x46});  // inc esi; icebp; inc esi
    cpu->set_reg(Reg::Esi, 0);
    enter_user(kUserCode);
    const uint64_t before = cpu->instructions();
    CpuExit e = cpu->run(cpu->instructions() + 1000);
    ASSERT_EQ(e.kind, CpuExitKind::Interrupt) << "exit " << int(e.kind) << " at " << std::hex << e.eip;
    EXPECT_EQ(e.vector, 1);
    EXPECT_FALSE(e.software);
    EXPECT_EQ(e.eip, kUserCode + 2);
    EXPECT_EQ(cpu->reg(Reg::Esi), 1u);
    EXPECT_EQ(cpu->instructions() - before, 2u);  // inc and icebp
    auto r = deliver_interrupt(*cpu, *walker, event_for_exit(e));
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->vector, 1);
    expect_in_handler(1);
    EXPECT_EQ(frame(0), kUserCode + 2);  // the next instruction
}

// One entry, stopped in the handler: the registers sysenter sets, and the arithmetic
// flags it keeps (Unicorn keeps them lazily, and writes them back only at the block's
// end, after the hook).
TEST_P(DeliveryTest, SysenterSetsRingZeroStateFromTheMsrs) {
    constexpr uint32_t kEntry = kStubs + 16 * 0x90, kSysenterStack = 0x88000;
    code(kEntry, {0xf4});  // hlt
    write_sysenter_msrs(*this, kKernelCs, kSysenterStack, kEntry);
    // mov eax,20; stc; sysenter
    code(kUserCode, {0xb8, 0x14, 0x00, 0x00, 0x00, 0xf9, 0x0f, 0x34});
    enter_user(kUserCode, 0x202);
    CpuExit e = cpu->run(cpu->instructions() + 1000);
    ASSERT_EQ(e.kind, CpuExitKind::Halted);
    EXPECT_EQ(e.eip, kEntry + 1);
    EXPECT_EQ(cpu->cpl(), 0);
    EXPECT_EQ(cpu->reg(Reg::Cs), kKernelCs);
    EXPECT_EQ(cpu->reg(Reg::Ss), kKernelDs);
    EXPECT_EQ(cpu->reg(Reg::Esp), kSysenterStack);
    EXPECT_EQ(cpu->reg(Reg::Eflags) & kIf, 0u);
    EXPECT_EQ(cpu->reg(Reg::Eflags) & 1u, 1u);  // CF, from stc
    EXPECT_EQ(cpu->reg(Reg::Eax), 20u);
}

TEST_P(DeliveryTest, FaultDeliveringPageFaultBecomesDoubleFault) {
    // The #PF gate names a code selector past the GDT limit: #GP while delivering #PF.
    put64(kIdt + 8 * 14, gate_descriptor(kStubs + 16 * 14, 0x80, 0xe, 0));
    auto r = deliver(14, EventSource::Exception, 2u, 0x20000);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->vector, 8);
    EXPECT_EQ(r->nested_faults, 1);
    expect_in_handler(8);
    EXPECT_EQ(frame(0), 0u);  // #DF's error code is zero
    EXPECT_EQ(frame(1), 0x20000u);
}

// The CPU loads CR2 when it detects a page fault, also one that then becomes #DF.
TEST_P(DeliveryTest, PageFaultDeliveringPageFaultLoadsCr2AndBecomesDoubleFault) {
    // The #PF handler runs in ring 3 on the user stack, whose next page is not present;
    // #DF goes to ring 0 on the TSS stack.
    put64(kIdt + 8 * 14, gate_descriptor(kStubs + 16 * 14, kUserCs, 0xe, 0));
    code(kUserCode, {0xeb, 0xfe});
    enable_paging();
    enter_user(kUserCode);
    put32(kPageTable + 4 * ((kUserStack >> 12) - 1), 0);
    cpu->set_reg(Reg::Cr2, 0x40010);  // the first fault's address
    InterruptEvent ev;
    ev.vector = 14;
    ev.has_error_code = true;
    ev.error_code = 7;
    ev.cr2 = 0x40010;
    ev.return_eip = kUserCode;
    ev.instruction_eip = kUserCode;
    auto r = deliver_interrupt(*cpu, *walker, ev);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->vector, 8);
    EXPECT_EQ(r->nested_faults, 1);
    expect_in_handler(8);
    EXPECT_EQ(cpu->reg(Reg::Cr2), kUserStack - 4);  // the first push of the #PF frame
    EXPECT_EQ(frame(0), 0u);
    EXPECT_EQ(frame(1), kUserCode);
    EXPECT_EQ(frame(2), kUserCs);
    EXPECT_EQ(frame(4), kUserStack);
}

TEST_P(DeliveryTest, BenignEventWithBadGateDeliversTheFaultWithExtBit) {
    put64(kIdt + 8 * 0x21, gate_descriptor(kStubs, kKernelCs, 0xe, 0) & ~(1ull << 47));  // not present
    auto r = deliver(0x21, EventSource::External);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->vector, 11);                       // #NP, not #DF
    EXPECT_EQ(frame(0), (0x21u << 3) | 2u | 1u);    // IDT, EXT
}

TEST_P(DeliveryTest, VectorBeyondIdtLimitIsGeneralProtection) {
    cpu->set_idtr({kIdt, 0x7f * 8 + 7});
    auto r = deliver(0x80, EventSource::Exception);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->vector, 13);
    EXPECT_EQ(frame(0), 0x80u * 8 + 2 + 1);  // IDT, EXT: met while delivering an exception
}

// SDM vol. 3, 6.13: EXT is set for a fault met while delivering an event external to the
// program, which includes an earlier exception, and clear only under int n, int3, into.
TEST_P(DeliveryTest, BenignExceptionWithBadGateDeliversTheFaultWithExtBit) {
    put64(kIdt + 8 * 6, gate_descriptor(kStubs, kKernelCs, 0xe, 0) & ~(1ull << 47));  // #UD not present
    auto r = deliver(6, EventSource::Exception, std::nullopt, 0x20000);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->vector, 11);
    EXPECT_EQ(r->error_code, (6u << 3) | 2u | 1u);  // IDT, EXT
    EXPECT_EQ(frame(0), (6u << 3) | 2u | 1u);
    EXPECT_EQ(frame(1), 0x20000u);
}

// Every fault in a nested chain is met while delivering an exception: #GP(0x80 | EXT)
// delivering #PF becomes #DF, and #GP(0x88 | EXT) delivering #DF is a triple fault.
TEST_P(DeliveryTest, FaultsNestedInAnExceptionCarryExtUpToTheTripleFault) {
    put64(kIdt + 8 * 14, gate_descriptor(kStubs + 16 * 14, 0x80, 0xe, 0));  // past the GDT limit
    put64(kIdt + 8 * 8, gate_descriptor(kStubs + 16 * 8, 0x88, 0xe, 0));
    auto r = deliver(14, EventSource::Exception, 2u, 0x20000);
    ASSERT_FALSE(r.ok());
    const std::string& m = r.error().message;
    EXPECT_NE(m.find("#PF, error 0x2,"), std::string::npos) << m;  // #PF codes have no EXT bit
    EXPECT_NE(m.find("-> vector 13 (#GP, error 0x81)"), std::string::npos) << m;
    EXPECT_NE(m.find("triple fault: vector 13 (#GP, error 0x89) while delivering #DF"), std::string::npos) << m;
}

TEST_P(DeliveryTest, SoftwareInterruptWithBadGateDeliversTheFaultWithoutExtBit) {
    put64(kIdt + 8 * 0x80, gate_descriptor(kStubs, kKernelCs, 0xe, 3) & ~(1ull << 47));  // not present
    auto r = deliver(0x80, EventSource::Software, std::nullopt, 0x20002);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->vector, 11);
    EXPECT_EQ(frame(0), (0x80u << 3) | 2u);  // IDT, no EXT
    EXPECT_EQ(frame(1), 0x20000u);           // the int instruction
}

// A gate is a system descriptor (S = 0): a code or data descriptor in the IDT whose
// type bits read 0xe is not an interrupt gate.
TEST_P(DeliveryTest, SegmentDescriptorInTheIdtIsGeneralProtection) {
    put64(kIdt + 8 * 0x21, gate_descriptor(kStubs, kKernelCs, 0xe, 0) | (1ull << 44));  // S = 1
    auto r = deliver(0x21, EventSource::External, std::nullopt, 0x20000);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->vector, 13);
    EXPECT_EQ(frame(0), (0x21u << 3) | 2u | 1u);  // IDT, EXT
    EXPECT_EQ(frame(1), 0x20000u);
}

// The CPU ignores the RPL of the gate's selector and loads CS with RPL = the new CPL.
TEST_P(DeliveryTest, GateSelectorRplIsReplacedByTheNewCpl) {
    put64(kIdt + 8 * 0x21, gate_descriptor(kStubs + 16 * 0x21, kKernelCs | 3, 0xe, 0));
    auto r = deliver(0x21, EventSource::External, std::nullopt, 0x20000);  // from ring 0
    ASSERT_TRUE(r.ok()) << r.error().message;
    expect_in_handler(0x21);
    EXPECT_EQ(frame(1), kKernelCs);

    code(kUserCode, {0xeb, 0xfe});
    enter_user(kUserCode);
    r = deliver(0x21, EventSource::External, std::nullopt, kUserCode);  // from ring 3
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_TRUE(r->privilege_change);
    expect_in_handler(0x21);
    EXPECT_EQ(frame(1), kUserCs);
}

// SDM, INT n: a gate offset outside the handler's code segment is #GP(EXT), with a null
// selector in the error code.
TEST_P(DeliveryTest, GateOffsetBeyondTheCodeSegmentLimitIsGeneralProtection) {
    put64(kGdt + 0x30, segment_descriptor(0, 0xffff, 0x9a, 0x4));  // ring 0 code, 64 KiB
    cpu->set_gdtr({kGdt, 0x37});
    put64(kIdt + 8 * 0x21, gate_descriptor(0x10000, 0x30, 0xe, 0));
    auto r = deliver(0x21, EventSource::External, std::nullopt, 0x20000);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->vector, 13);
    EXPECT_EQ(frame(0), 1u);  // EXT
    EXPECT_EQ(frame(1), 0x20000u);

    put64(kIdt + 8 * 0x21, gate_descriptor(0xffff, 0x30, 0xe, 0));  // the last byte is inside
    r = deliver(0x21, EventSource::External, std::nullopt, 0x20000);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->vector, 0x21);
    EXPECT_EQ(cpu->reg(Reg::Eip), 0xffffu);
}

// SDM, INT n: a stack without room for the frame is #SS: #SS(SS0 | EXT) on a stack switch,
// #SS(EXT) on the current stack. #SS goes to a ring-3 handler when the TSS stack is the
// one under test.
TEST_P(DeliveryTest, TssStackWithoutRoomForTheFrameIsStackFault) {
    put64(kIdt + 8 * 12, gate_descriptor(kStubs + 16 * 12, kUserCs, 0xe, 0));
    cpu->set_gdtr({kGdt, 0x37});
    put32(kTss + 8, 0x30);
    code(kUserCode, {0xeb, 0xfe});
    struct Case {
        uint32_t limit;
        uint8_t access;
        uint8_t vector;
    };
    // The frame of 5 dwords fills kTssStack - 20 .. kTssStack - 1.
    for (Case c : {Case{kTssStack - 2, 0x92, 12}, Case{kTssStack - 1, 0x92, 0x20},
                   Case{kTssStack - 20, 0x96, 12}, Case{kTssStack - 21, 0x96, 0x20}}) {  // 0x96: expand-down
        SCOPED_TRACE(c.limit);
        put64(kGdt + 0x30, segment_descriptor(0, c.limit, c.access, 0x4));
        enter_user(kUserCode);
        auto r = deliver(0x20, EventSource::External, std::nullopt, kUserCode);
        ASSERT_TRUE(r.ok()) << r.error().message;
        EXPECT_EQ(r->vector, c.vector);
        if (c.vector == 12) {
            EXPECT_FALSE(r->privilege_change);
            EXPECT_EQ(frame(0), 0x30u | 1u);  // SS0, EXT
            EXPECT_EQ(frame(1), kUserCode);
        } else {
            EXPECT_TRUE(r->privilege_change);
            EXPECT_EQ(cpu->reg(Reg::Esp), kTssStack - 20);
        }
    }
}

TEST_P(DeliveryTest, CurrentStackWithoutRoomForTheFrameIsStackFault) {
    put64(kGdt + 0x38, segment_descriptor(0, kUserStack - 2, 0xf2, 0x4));  // ring 3 data
    cpu->set_gdtr({kGdt, 0x3f});
    put64(kIdt + 8 * 0x21, gate_descriptor(kStubs + 16 * 0x21, kUserCs, 0xe, 0));  // no ring change
    code(kUserCode, {0xeb, 0xfe});
    enter_user(kUserCode);
    ASSERT_TRUE(cpu->load_segment(Reg::Ss, 0x3b).ok());
    auto r = deliver(0x21, EventSource::External, std::nullopt, kUserCode);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->vector, 12);
    EXPECT_TRUE(r->privilege_change);  // #SS itself goes to ring 0 on the TSS stack
    EXPECT_EQ(frame(0), 1u);           // EXT, null selector
    EXPECT_EQ(frame(1), kUserCode);
    EXPECT_EQ(frame(4), kUserStack);
    EXPECT_EQ(frame(5), 0x3bu);
}

// SDM, INT n: a TSS too short to hold ESP0 and SS0 (bytes 4..9) is #TS(TR | EXT).
TEST_P(DeliveryTest, TssShorterThanSs0IsInvalidTss) {
    put64(kIdt + 8 * 10, gate_descriptor(kStubs + 16 * 10, kUserCs, 0xe, 0));
    code(kUserCode, {0xeb, 0xfe});
    for (uint32_t limit : {8u, 9u}) {
        SCOPED_TRACE(limit);
        put64(kGdt + kTr, segment_descriptor(kTss, limit, 0x89, 0x0));
        cpu->set_reg(Reg::Tr, kTr);  // ltr caches the limit
        enter_user(kUserCode);
        auto r = deliver(0x20, EventSource::External, std::nullopt, kUserCode);
        ASSERT_TRUE(r.ok()) << r.error().message;
        if (limit == 8) {
            EXPECT_EQ(r->vector, 10);
            EXPECT_EQ(frame(0), kTr | 1u);
            EXPECT_EQ(frame(1), kUserCode);
        } else {
            EXPECT_EQ(r->vector, 0x20);
            EXPECT_TRUE(r->privilege_change);
        }
    }
}

// A stack switch reads only ESP0 and SS0, bytes 4..9 of the TSS: the bytes after SS0 may
// lie on a page that is not present.
TEST_P(DeliveryTest, StackSwitchReadsOnlyEsp0AndSs0) {
    constexpr uint32_t kEdgeTss = 0x7000 - 10;  // SS0 ends the page
    put32(kEdgeTss + 4, kTssStack);
    ram->data()[kEdgeTss + 8] = kKernelDs;
    ram->data()[kEdgeTss + 9] = 0;
    put64(kGdt + kTr, segment_descriptor(kEdgeTss, 103, 0x89, 0x0));
    cpu->set_reg(Reg::Tr, kTr);
    code(kUserCode, {0xeb, 0xfe});
    enable_paging();
    enter_user(kUserCode);
    put32(kPageTable + 4 * 7, 0);
    auto r = deliver(0x20, EventSource::External, std::nullopt, kUserCode);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->vector, 0x20);
    EXPECT_TRUE(r->privilege_change);
    EXPECT_EQ(cpu->reg(Reg::Esp), kTssStack - 20);
    EXPECT_EQ(cpu->reg(Reg::Ss), kKernelDs);
}

// A push that straddles two pages and faults on the second reports, like the CPU's own
// accesses, the first byte on the faulting page in CR2.
TEST_P(DeliveryTest, StraddlingPushFaultReportsTheFirstByteOnTheFaultingPage) {
    put64(kIdt + 8 * 0x21, gate_descriptor(kStubs + 16 * 0x21, kUserCs, 0xe, 0));  // no ring change
    code(kUserCode, {0xeb, 0xfe});
    enable_paging();
    enter_user(kUserCode);
    put32(kPageTable + 4 * 0x9f, 0);
    cpu->set_reg(Reg::Esp, 0x9f002);  // the first push covers 0x9effe..0x9f001
    auto r = deliver(0x21, EventSource::External, std::nullopt, kUserCode);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->vector, 14);
    EXPECT_EQ(frame(0), 6u);  // not present, write, user
    EXPECT_EQ(cpu->reg(Reg::Cr2), 0x9f000u);
}

// The walker keeps the translations of the IDT's and the stack's pages between
// deliveries, checked against the page tables: the guest moving its IDT page to another
// frame (same IDTR) is seen by the next delivery, as is a stack page moved.
TEST_P(DeliveryTest, IdtAndStackPagesMovedBetweenDeliveriesAreSeen) {
    constexpr uint32_t kNewIdtFrame = 0x60000, kNewStackFrame = 0x61000;
    enable_paging();
    auto r = deliver(0x21, EventSource::External);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(cpu->reg(Reg::Eip), kStubs + 16u * 0x21);
    // A copy of the IDT whose gate 0x21 leads to vector 0x22's stub, and a stack page elsewhere.
    std::memcpy(ram->data() + kNewIdtFrame, ram->data() + kIdt, 0x1000);
    put64(kNewIdtFrame + 8 * 0x21, gate_descriptor(kStubs + 16 * 0x22, kKernelCs, 0xe, 0));
    put32(kPageTable + 4 * (kIdt >> 12), kNewIdtFrame | 7);
    const uint32_t stack_page = (kKernelStack - 1) >> 12;
    put32(kPageTable + 4 * stack_page, kNewStackFrame | 7);
    cpu->set_reg(Reg::Esp, kKernelStack);
    r = deliver(0x21, EventSource::External, std::nullopt, 0x4321);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(cpu->reg(Reg::Eip), kStubs + 16u * 0x22);
    EXPECT_EQ(get32(kNewStackFrame + 0xff4), 0x4321u);  // the return EIP, in the new frame
}

// A frame across two pages whose frames are far apart, a push split between them: each
// byte lands in its own page's frame.
TEST_P(DeliveryTest, FrameAcrossPagesLandsInEachPagesFrame) {
    constexpr uint32_t kLowFrame = 0x70000;  // virtual page 0x9e lives here
    put64(kIdt + 8 * 0x21, gate_descriptor(kStubs + 16 * 0x21, kUserCs, 0xe, 0));  // no ring change
    code(kUserCode, {0xeb, 0xfe});
    enable_paging();
    enter_user(kUserCode);
    put32(kPageTable + 4 * 0x9e, kLowFrame | 7);
    cpu->set_reg(Reg::Esp, 0x9f002);  // EFLAGS covers 0x9effe..0x9f001
    const uint32_t eflags = cpu->reg(Reg::Eflags);
    auto r = deliver(0x21, EventSource::External, std::nullopt, kUserCode);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->vector, 0x21);
    EXPECT_EQ(cpu->reg(Reg::Esp), 0x9eff6u);
    EXPECT_EQ(get32(kLowFrame + 0xff6), kUserCode);
    EXPECT_EQ(get32(kLowFrame + 0xffa), kUserCs);
    EXPECT_EQ(ram->data()[kLowFrame + 0xffe], eflags & 0xff);
    EXPECT_EQ(ram->data()[kLowFrame + 0xfff], (eflags >> 8) & 0xff);
    EXPECT_EQ(ram->data()[0x9f000], (eflags >> 16) & 0xff);
    EXPECT_EQ(ram->data()[0x9f001], eflags >> 24);
}

TEST_P(DeliveryTest, UnmappedStackEndsInTripleFault) {
    enable_paging();
    cpu->set_reg(Reg::Esp, 0x500000);  // PDE 1 is not present
    auto r = deliver(13, EventSource::Exception, 0u, 0x20000);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, ErrorKind::MachineFault);
    const std::string& m = r.error().message;
    EXPECT_NE(m.find("triple fault"), std::string::npos) << m;
    EXPECT_NE(m.find("#GP"), std::string::npos) << m;
    EXPECT_NE(m.find("#PF"), std::string::npos) << m;
    EXPECT_NE(m.find("#DF"), std::string::npos) << m;
    EXPECT_NE(m.find("0x00020000"), std::string::npos) << m;
}

TEST_P(DeliveryTest, TaskGateIsRefusedWithAClearError) {
    put64(kIdt + 8 * 8, gate_descriptor(0, kTr, 0x5, 0));
    auto r = deliver(8, EventSource::Exception, 0u);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("task gate"), std::string::npos);
}

// Only a kernel's own iret at CPL 0 can enter virtual-8086 mode; delivery from there is
// not modelled, and says so instead of failing on a segment load.
TEST_P(DeliveryTest, VirtualEightySixModeIsRefusedWithAClearError) {
    cpu->set_reg(Reg::Eflags, 0x20002);
    ASSERT_NE(cpu->reg(Reg::Eflags) & 0x20000u, 0u);
    auto r = deliver(13, EventSource::Exception, 0u);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, ErrorKind::MachineFault);
    EXPECT_NE(r.error().message.find("virtual-8086 mode"), std::string::npos) << r.error().message;
}

// The gate's DPL (for int n) and present bit are checked before its kind matters (SDM,
// INT n): those faults are delivered even through gates forkscope does not model.
TEST_P(DeliveryTest, UnmodelledGatesFailTheDplAndPresentChecksFirst) {
    for (uint8_t type : {uint8_t(0x5), uint8_t(0x6), uint8_t(0x7)}) {  // task, 16-bit interrupt and trap
        SCOPED_TRACE(int(type));
        cpu->set_reg(Reg::Esp, kKernelStack);
        put64(kIdt + 8 * 0x21, gate_descriptor(0, kTr, type, 0) & ~(1ull << 47));  // not present
        auto r = deliver(0x21, EventSource::External, std::nullopt, 0x20000);
        ASSERT_TRUE(r.ok()) << r.error().message;
        EXPECT_EQ(r->vector, 11);
        EXPECT_EQ(frame(0), (0x21u << 3) | 2u | 1u);

        code(kUserCode, {0xeb, 0xfe});
        enter_user(kUserCode);
        put64(kIdt + 8 * 0x80, gate_descriptor(0, kTr, type, 0));  // DPL 0
        r = deliver(0x80, EventSource::Software, std::nullopt, kUserCode + 2);
        ASSERT_TRUE(r.ok()) << r.error().message;
        EXPECT_EQ(r->vector, 13);
        EXPECT_EQ(frame(0), (0x80u << 3) | 2u);
        EXPECT_EQ(frame(1), kUserCode);
    }
}

TEST_P(DeliveryTest, BadTssStackSegmentIsInvalidTss) {
    code(kUserCode, {0xeb, 0xfe});
    enter_user(kUserCode);
    put32(kTss + 8, kUserDs);  // SS0 with RPL 3
    auto r = deliver(0x20, EventSource::External);
    // #TS is delivered through the same TSS and fails again: contributory twice -> #DF,
    // which fails the same way -> triple fault.
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("#TS"), std::string::npos) << r.error().message;
}

// SDM, INT n: on a stack switch, an SS0 whose index is outside the descriptor table is
// #TS(SS0), not #GP. No LDT is modelled, so a TI=1 selector is outside it too. #TS goes
// to a ring-3 handler here, so that it is delivered without the TSS.
TEST_P(DeliveryTest, TssStackSegmentBeyondTheGdtIsInvalidTss) {
    put64(kIdt + 8 * 10, gate_descriptor(kStubs + 16 * 10, kUserCs, 0xe, 0));
    code(kUserCode, {0xeb, 0xfe});
    for (uint16_t ss0 : {uint16_t(0x48), uint16_t(0x14)}) {  // index 9 > GDT limit; TI=1
        SCOPED_TRACE(ss0);
        enter_user(kUserCode);
        put32(kTss + 8, ss0);
        auto r = deliver(0x20, EventSource::External, std::nullopt, kUserCode);
        ASSERT_TRUE(r.ok()) << r.error().message;
        EXPECT_EQ(r->vector, 10);
        EXPECT_FALSE(r->privilege_change);
        EXPECT_EQ(frame(0), ss0 | 1u);  // the selector, EXT
        EXPECT_EQ(frame(1), kUserCode);
    }
}

TEST_P(DeliveryTest, PageFaultReadingTheTssStackSegmentStaysPageFault) {
    // A GDT whose entry 6 (SS0 = 0x30) starts a page that is not present.
    constexpr uint32_t kSplitGdt = 0x7000 - 0x30;
    for (uint32_t i = 0; i < 6 * 8; i += 4) put32(kSplitGdt + i, get32(kGdt + i));
    put64(0x7000, segment_descriptor(0, 0xfffff, 0x92, 0xc));
    put64(kIdt + 8 * 14, gate_descriptor(kStubs + 16 * 14, kUserCs, 0xe, 0));
    code(kUserCode, {0xeb, 0xfe});
    enable_paging();
    enter_user(kUserCode);
    cpu->set_gdtr({kSplitGdt, 0x37});
    put32(kPageTable + 4 * 7, 0);
    put32(kTss + 8, 0x30);
    auto r = deliver(0x20, EventSource::External, std::nullopt, kUserCode);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->vector, 14);
    EXPECT_EQ(frame(0), 0u);  // not present, read, supervisor; #PF codes have no EXT
    EXPECT_EQ(frame(1), kUserCode);
    EXPECT_EQ(cpu->reg(Reg::Cr2), 0x7000u);
}

TEST_P(DeliveryTest, PortIoFromRingThreeIsDeliveredAsGeneralProtection) {
    code(kUserCode, {0xee, 0xeb, 0xfe});  // out dx,al
    enter_user(kUserCode);
    CpuExit e = cpu->run(cpu->instructions() + 1000);
    ASSERT_EQ(e.kind, CpuExitKind::Interrupt);
    ASSERT_EQ(e.vector, 13);
    auto r = deliver_interrupt(*cpu, *walker, event_for_exit(e));
    ASSERT_TRUE(r.ok());
    expect_in_handler(13);
    EXPECT_EQ(frame(0), 0u);
    EXPECT_EQ(frame(2), kUserCs);
}

void write_sysenter_msrs(DeliveryTest& t, uint32_t cs, uint32_t esp, uint32_t eip) {
    std::vector<uint8_t> prog;
    for (auto [msr, value] : {std::pair<uint32_t, uint32_t>{0x174, cs}, {0x175, esp}, {0x176, eip}}) {
        const uint8_t set[] = {0xb9, uint8_t(msr), uint8_t(msr >> 8), 0, 0,                       // mov ecx,msr
                               0xb8, uint8_t(value), uint8_t(value >> 8), uint8_t(value >> 16),  // mov eax,value
                               uint8_t(value >> 24), 0x31, 0xd2, 0x0f, 0x30};                    // xor edx,edx; wrmsr
        prog.insert(prog.end(), std::begin(set), std::end(set));
    }
    prog.push_back(0xf4);  // hlt
    t.place(kCode + 0x800, prog);
    CpuExit e = t.run_at(kCode + 0x800);
    ASSERT_EQ(e.kind, CpuExitKind::Halted);
}

INSTANTIATE_TEST_SUITE_P(BothPaths, DeliveryTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& p) { return p.param ? "InPlace" : "SavedContexts"; });

}  // namespace
}  // namespace forkscope::testing

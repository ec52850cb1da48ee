// A small protected-mode machine for CPU and delivery tests: flat ring 0 and ring 3
// segments, a TSS, an IDT whose every vector points at its own `hlt` stub, identity
// paging of the first 4 MiB, and helpers to place code and read the stack.
#pragma once
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <vector>

#include "devices/port_bus.h"
#include "emulator/cpu.h"
#include "emulator/delivery.h"
#include "emulator/page_walker.h"
#include "emulator/ram.h"

namespace forkscope::testing {

constexpr uint32_t kGdt = 0x1000, kIdt = 0x2000, kTss = 0x3000;
constexpr uint32_t kPageDir = 0x4000, kPageTable = 0x5000;
constexpr uint32_t kStubs = 0x10000;       // vector v's handler: kStubs + 16 * v
constexpr uint32_t kCode = 0x20000;        // test code, ring 0
constexpr uint32_t kUserCode = 0x30000;    // test code, ring 3
constexpr uint32_t kKernelStack = 0x80000; // ring-0 ESP (grows down)
constexpr uint32_t kTssStack = 0x90000;    // TSS.ESP0
constexpr uint32_t kUserStack = 0xa0000;
constexpr uint16_t kKernelCs = 0x08, kKernelDs = 0x10, kUserCs = 0x1b, kUserDs = 0x23, kTr = 0x28;

inline uint64_t segment_descriptor(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags) {
    uint64_t d = (limit & 0xffffu) | (uint64_t(base & 0xffffffu) << 16) | (uint64_t(access) << 40) |
                 (uint64_t((limit >> 16) & 0xfu) << 48) | (uint64_t(flags & 0xfu) << 52) |
                 (uint64_t(base >> 24) << 56);
    return d;
}

inline uint64_t gate_descriptor(uint32_t offset, uint16_t selector, uint8_t type, uint8_t dpl) {
    return (offset & 0xffffu) | (uint64_t(selector) << 16) |
           (uint64_t(0x80u | (dpl << 5) | type) << 40) | (uint64_t(offset >> 16) << 48);
}

class GuestFixture : public ::testing::Test {
protected:
    void SetUp() override {
        auto r = Ram::create(4u << 20);
        ASSERT_TRUE(r.ok());
        ram = std::make_unique<Ram>(std::move(r.value()));
        bus = std::make_unique<PortBus>();
        auto c = Cpu::create(*ram, *bus, cpu_options());
        ASSERT_TRUE(c.ok()) << c.error().message;
        cpu = std::move(c.value());
        walker = std::make_unique<PageWalker>(*ram);

        put64(kGdt + 0x00, 0);
        put64(kGdt + 0x08, segment_descriptor(0, 0xfffff, 0x9a, 0xc));  // ring 0 code
        put64(kGdt + 0x10, segment_descriptor(0, 0xfffff, 0x92, 0xc));  // ring 0 data
        put64(kGdt + 0x18, segment_descriptor(0, 0xfffff, 0xfa, 0xc));  // ring 3 code
        put64(kGdt + 0x20, segment_descriptor(0, 0xfffff, 0xf2, 0xc));  // ring 3 data
        put64(kGdt + 0x28, segment_descriptor(kTss, 103, 0x89, 0x0));   // 32-bit TSS
        put32(kTss + 4, kTssStack);
        put32(kTss + 8, kKernelDs);
        for (unsigned v = 0; v < 256; ++v) {
            set_gate(v, 0xe, 0);
            ram->data()[kStubs + 16 * v] = 0xf4;  // hlt
        }
        // Identity paging of 4 MiB, user-accessible and writable (tests narrow it).
        put32(kPageDir, kPageTable | 7);
        for (uint32_t i = 0; i < 1024; ++i) put32(kPageTable + 4 * i, (i << 12) | 7);

        cpu->set_gdtr({kGdt, 0x2f});
        cpu->set_idtr({kIdt, 256 * 8 - 1});
        ASSERT_TRUE(cpu->load_segment(Reg::Ss, kKernelDs).ok());
        ASSERT_TRUE(cpu->load_segment(Reg::Ds, kKernelDs).ok());
        ASSERT_TRUE(cpu->load_segment(Reg::Es, kKernelDs).ok());
        ASSERT_TRUE(cpu->load_segment(Reg::Cs, kKernelCs).ok());
        cpu->set_reg(Reg::Tr, kTr);
        cpu->set_reg(Reg::Esp, kKernelStack);
        cpu->set_reg(Reg::Eflags, 0x2);
    }

    // The Cpu's options: fixtures that run on both paths (in place, saved contexts) override it.
    virtual CpuOptions cpu_options() const { return {}; }

    void enable_paging() {
        cpu->set_reg(Reg::Cr3, kPageDir);
        cpu->set_reg(Reg::Cr0, cpu->reg(Reg::Cr0) | kCr0Pg | kCr0Wp | kCr0Pe);
    }

    void set_gate(unsigned vector, uint8_t type, uint8_t dpl) {
        put64(kIdt + 8 * vector, gate_descriptor(kStubs + 16 * vector, kKernelCs, type, dpl));
    }

    void put32(uint32_t paddr, uint32_t v) { ram->store32(paddr, v); }
    void put64(uint32_t paddr, uint64_t v) {
        put32(paddr, uint32_t(v));
        put32(paddr + 4, uint32_t(v >> 32));
    }
    uint32_t get32(uint32_t paddr) const { return ram->load32(paddr); }
    void code(uint32_t at, std::initializer_list<uint8_t> bytes) {
        std::memcpy(ram->data() + at, bytes.begin(), bytes.size());
        cpu->invalidate_code(at, at + static_cast<uint32_t>(bytes.size()));
    }

    // Runs until the first event; returns it.
    CpuExit run_from(uint32_t eip, uint64_t budget = 1'000'000) {
        cpu->set_reg(Reg::Eip, eip);
        return cpu->run(cpu->instructions() + budget);
    }

    // Enters ring 3 at eip with the user stack, by running an iret at ring 0.
    void enter_user(uint32_t eip, uint32_t eflags = 0x202) {
        uint32_t sp = kKernelStack - 20;
        put32(sp + 0, eip);
        put32(sp + 4, kUserCs);
        put32(sp + 8, eflags);
        put32(sp + 12, kUserStack);
        put32(sp + 16, kUserDs);
        code(kCode + 0xf00, {0xcf});  // iret
        cpu->set_reg(Reg::Esp, sp);
        cpu->set_reg(Reg::Eip, kCode + 0xf00);
        // Stop right after the iret: the user code's first block is not run.
        CpuExit e = cpu->step();
        ASSERT_EQ(cpu->cpl(), 3) << "iret to ring 3 failed, exit kind " << int(e.kind);
        ASSERT_EQ(cpu->reg(Reg::Eip), eip);
    }

    std::unique_ptr<Ram> ram;
    std::unique_ptr<PortBus> bus;
    std::unique_ptr<Cpu> cpu;
    std::unique_ptr<PageWalker> walker;
};

}  // namespace forkscope::testing

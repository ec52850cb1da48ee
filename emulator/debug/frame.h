// One frame of the guest kernel's stack as DWARF sees it: its pc and what is known of
// its registers. The innermost frame knows them all (the CPU's); a caller's come from
// the callee's CFI (callee-saved registers, the CFA as ESP) and the rest are lost, so
// a variable the compiler kept in EAX, ECX or EDX there is optimized out, as gdb shows.
#pragma once
#include <array>
#include <cstdint>
#include <optional>

namespace forkscope {

struct CpuRegisters;

// DWARF register numbers of i386 (the System V psABI).
enum DwarfReg : int { kEax = 0, kEcx, kEdx, kEbx, kEsp, kEbp, kEsi, kEdi, kEip, kDwarfRegs };

struct Frame {
    uint32_t pc = 0;         // the stop, or (a caller) the return address
    bool innermost = true;   // a caller's pc is after its call: lookups use pc - 1
    std::array<std::optional<uint32_t>, kDwarfRegs> regs{};

    uint32_t lookup_pc() const { return innermost ? pc : pc - 1; }
    static Frame from_registers(const CpuRegisters& r);
};

}  // namespace forkscope

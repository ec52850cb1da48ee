// Decodes a translated block's bytes (Capstone) for what Unicorn does not tell: where
// its port-I/O instructions are and where its last instruction starts. Unicorn performs
// no I/O privilege check and cannot stop in the middle of a block, so the Cpu looks
// ahead: a block that holds IN/OUT/INS/OUTS and runs at CPL > IOPL is executed only up
// to that instruction, which then raises #GP exactly where the hardware would. A block
// that ends in a software interrupt ends with that instruction, so its start (prefixes
// included) is the address a refused `int n` faults at; the Cpu looks there for an iret
// too, which at CPL > 0 must ignore EFLAGS.VM (Cpu::run_alone). All of this holds only
// where Capstone reads the bytes as QEMU does: every byte, into as many instructions as
// the translation has. Where it does not (random bytes, an encoding one of them does
// not know) and the block may end in sysenter or iret, the Cpu runs the block up to its
// last instruction, at QEMU's own boundary, and that instruction alone. A lock prefix
// on an instruction that cannot take one is #UD on a CPU; QEMU (as in Unicorn 2.1) runs
// most such instructions, so the Cpu looks ahead to it as to port I/O.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

namespace forkscope {

struct BlockFacts {
    int io_index = -1;         // instructions before the first port-I/O instruction; -1: none
    int io_offset = -1;        // its byte offset
    int last_offset = -1;      // byte offset of the last instruction; -1: nothing decoded
    int instructions = 0;      // decoded, from the start
    size_t decoded_bytes = 0;  // the end of the last instruction decoded
    int lock_ud_index = -1;    // instructions before the first one lock makes #UD; -1: none
    int lock_ud_offset = -1;   // its byte offset
};

// Whether `code` starts with an instruction whose lock prefix makes it #UD (SDM, LOCK):
// only ADD, ADC, AND, BTC, BTR, BTS, CMPXCHG, CMPXCHG8B, DEC, INC, NEG, NOT, OR, SBB,
// SUB, XOR, XADD and XCHG may take one, and only with a memory destination. False when
// there is no lock prefix, or the bytes end before the instruction can be judged.
bool lock_is_undefined(std::span<const uint8_t> code);

// Whether `code` starts with a 32-bit iret as QEMU decodes it: legacy prefixes, none of
// them 0x66 (operand size: a 16-bit iret), then 0xCF. Capstone is not asked: it refuses
// prefixes QEMU takes (lock) and reads the operand size from the last prefix only.
bool starts_with_iretd(std::span<const uint8_t> code);

// Whether `code` may end in a sysenter as QEMU decodes it: 0F 34, or opcode 34 after a
// VEX prefix that selects the 0F map (C5 xx 34, C4 x1 xx 34), which QEMU runs as sysenter.
bool ends_in_sysenter(std::span<const uint8_t> code);

class IoScanner {
public:
    IoScanner();
    ~IoScanner();
    IoScanner(const IoScanner&) = delete;
    IoScanner& operator=(const IoScanner&) = delete;

    // What `code` (32-bit code, one translated block) holds.
    BlockFacts scan(std::span<const uint8_t> code) const;
    // The number of instructions that start before byte `offset` of `code`.
    int instructions_before(std::span<const uint8_t> code, size_t offset) const;

private:
    // Calls visit(instruction id, byte offset, byte size) for each instruction until it
    // returns false or Capstone cannot decode the next one.
    template <class Visit>
    void decode(std::span<const uint8_t> code, Visit visit) const;

    size_t handle_ = 0;  // Capstone's csh
    bool ok_ = false;
};

}  // namespace forkscope

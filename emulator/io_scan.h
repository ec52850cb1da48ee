// Decodes a translated block's bytes (Capstone) for what Unicorn does not tell: where
// its port-I/O instructions are and where its last instruction starts. Unicorn performs
// no I/O privilege check and cannot stop in the middle of a block, so the Cpu looks
// ahead: a block that holds IN/OUT/INS/OUTS and runs at CPL > IOPL is executed only up
// to that instruction, which then raises #GP exactly where the hardware would. A block
// that ends in a software interrupt ends with that instruction, so its start (prefixes
// included) is the address a refused `int n` faults at. A block that ends in a 32-bit
// iret is marked too: at CPL > 0 the Cpu makes it ignore EFLAGS.VM (Cpu::run_iret).
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

namespace forkscope {

struct BlockFacts {
    int io_index = -1;     // instructions before the first port-I/O instruction; -1: none
    int last_offset = -1;  // byte offset of the last instruction; -1: nothing decoded
    bool ends_in_iretd = false;  // the last instruction is a 32-bit iret
};

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
    // Whether the first instruction of `code` is a 32-bit iret.
    bool starts_with_iretd(std::span<const uint8_t> code) const;

private:
    // Calls visit(instruction id, byte offset) for each instruction until it returns false.
    template <class Visit>
    void decode(std::span<const uint8_t> code, Visit visit) const;

    size_t handle_ = 0;  // Capstone's csh
    bool ok_ = false;
};

}  // namespace forkscope

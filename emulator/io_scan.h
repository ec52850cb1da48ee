// Finds port-I/O instructions in a translated block's bytes. Unicorn performs no I/O
// privilege check and cannot stop in the middle of a block, so the Cpu looks ahead: a
// block that holds IN/OUT/INS/OUTS and runs at CPL > IOPL is executed only up to that
// instruction, which then raises #GP exactly where the hardware would.
#pragma once
#include <cstdint>
#include <memory>
#include <span>

namespace forkscope {

class IoScanner {
public:
    IoScanner();
    ~IoScanner();
    IoScanner(const IoScanner&) = delete;
    IoScanner& operator=(const IoScanner&) = delete;

    // The number of instructions before the first port-I/O instruction in `code`
    // (32-bit code), or -1 when there is none or the bytes do not decode.
    int instructions_before_io(std::span<const uint8_t> code) const;

private:
    size_t handle_ = 0;  // Capstone's csh
    bool ok_ = false;
};

}  // namespace forkscope

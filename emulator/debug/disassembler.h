// Disassembler: i386 instructions with Capstone, Intel syntax by default (AT&T on
// request), each direct jump or call's target named by the kernel's symbols ("call
// 0xc0113c50 <dup_task_struct>"), as gdb's x/i shows them. The caller reads the bytes
// (guest-virtual memory through the page walker); this only decodes.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"

namespace forkscope {

class KernelSymbols;

struct Instruction {
    uint32_t address = 0;
    std::vector<uint8_t> bytes;
    std::string mnemonic;
    std::string operands;
    std::optional<uint32_t> target;  // a direct jump's or call's destination
    std::string target_name;         // its symbol ("dup_task_struct", "copy_process+0x1c"), if any
    std::string text() const;        // "call 0xc0113c50 <dup_task_struct>"
};

enum class AsmSyntax { Intel, Att };

class Disassembler {
public:
    // symbols may be null (no names). Errors (ErrorKind::Host): Capstone refused to open.
    static Result<Disassembler> create(AsmSyntax syntax, const KernelSymbols* symbols);
    ~Disassembler();
    Disassembler(Disassembler&& other) noexcept;
    Disassembler& operator=(Disassembler&&) = delete;
    Disassembler(const Disassembler&) = delete;

    // Up to max_count instructions from code, which starts at `address`; decoding stops
    // early at bytes that are no instruction (the caller shows them as data).
    std::vector<Instruction> disassemble(std::span<const uint8_t> code, uint32_t address, size_t max_count) const;

private:
    Disassembler(size_t handle, const KernelSymbols* symbols) : handle_(handle), symbols_(symbols) {}
    size_t handle_ = 0;  // Capstone's csh
    const KernelSymbols* symbols_ = nullptr;
};

}  // namespace forkscope

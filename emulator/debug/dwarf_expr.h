// DWARF expressions and location descriptions (DWARF 5 section 2.5/2.6) evaluated
// for one frame of the guest kernel: the stack machine, register and memory
// locations, pieces, implicit values, DW_OP_fbreg and DW_OP_call_frame_cfa through the
// caller's callbacks, DW_OP_entry_value through another. Internal to emulator/debug.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "emulator/debug/dwarf_image.h"
#include "emulator/debug/frame.h"
#include "emulator/debug/value.h"

namespace forkscope {

struct LocationPiece {
    enum Kind { Memory, Register, Computed, Missing } kind = Missing;
    uint32_t address = 0;          // Memory
    int reg = 0;                   // Register (DWARF number)
    std::vector<uint8_t> bytes;    // Computed (DW_OP_stack_value, DW_OP_implicit_value)
    uint32_t size = 0;             // DW_OP_piece's bytes; 0: the whole value
};

struct ExprContext {
    const Frame* frame = nullptr;
    const ReadMemory* memory = nullptr;
    Dwarf_Attribute* attr = nullptr;  // where the ops came from (implicit values, entry values)
    std::function<std::optional<uint32_t>()> cfa;         // DW_OP_call_frame_cfa
    std::function<std::optional<uint32_t>()> frame_base;  // DW_OP_fbreg's base
    // DW_OP_entry_value: the value its sub-expression had when the function was entered.
    std::function<std::optional<uint32_t>(const Dwarf_Op* ops, size_t n)> entry_value;
};

// The location the ops describe, as pieces; an empty vector when the expression cannot
// be evaluated here (an unknown register, unreadable memory on the way, an operation
// that needs what the context lacks): the value is then optimized out, as gdb says.
std::vector<LocationPiece> evaluate_location(const Dwarf_Op* ops, size_t n, const ExprContext& ctx);

// A DWARF expression's value (not a location): the CFA rule, a frame base.
std::optional<uint32_t> evaluate_value(const Dwarf_Op* ops, size_t n, const ExprContext& ctx);

// The value of `type` the pieces hold, read from the frame's registers and memory.
Value value_from_pieces(const Type* type, const std::vector<LocationPiece>& pieces, const Frame& frame,
                        const ReadMemory& memory);

}  // namespace forkscope

// A value of the guest kernel as the debugger holds it: its type, its bytes (read from
// guest memory or registers, or computed), and where it lives when it is an lvalue.
// Values come from DWARF locations (variables.h) and from expressions (expression.h);
// format.h prints them as gdb does.
#pragma once
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "emulator/debug/types.h"

namespace forkscope {

// Guest-virtual reads of the stopped machine (or of an image's sections, in tests):
// true when all of out was read.
using ReadMemory = std::function<bool(uint32_t vaddr, std::span<uint8_t> out)>;

enum class ValueState {
    Available,     // bytes hold the value
    OptimizedOut,  // DWARF has no location for it at this pc, or its register is lost
    Unreadable,    // its memory could not be read: bad_address
};

struct Value {
    const Type* type = nullptr;
    ValueState state = ValueState::Available;
    std::vector<uint8_t> bytes;          // type's size (Available)
    std::optional<uint32_t> address;     // it lives in memory there (an lvalue)
    std::optional<int> reg;              // it lives in this DWARF register (innermost frame)
    uint32_t bad_address = 0;            // Unreadable: the address that failed

    bool available() const { return state == ValueState::Available; }

    // The bytes as an unsigned or sign-extended integer (up to 8 bytes).
    uint64_t as_unsigned() const {
        uint64_t v = 0;
        std::memcpy(&v, bytes.data(), bytes.size() < 8 ? bytes.size() : 8);
        return v;
    }
    int64_t as_signed() const {
        const size_t n = bytes.size() < 8 ? bytes.size() : 8;
        uint64_t v = as_unsigned();
        if (n > 0 && n < 8 && (v >> (n * 8 - 1)) & 1) v |= ~0ull << (n * 8);
        return static_cast<int64_t>(v);
    }
};

// A value of `type` read from memory at addr (Unreadable when the read fails).
Value value_at(const Type* type, uint32_t addr, const ReadMemory& memory);

// A computed value (not an lvalue) of an integral or pointer type.
Value value_of(const Type* type, uint64_t v);

}  // namespace forkscope

#include "emulator/io_scan.h"

#include <capstone/capstone.h>

namespace forkscope {

IoScanner::IoScanner() {
    csh h = 0;
    ok_ = cs_open(CS_ARCH_X86, CS_MODE_32, &h) == CS_ERR_OK;
    handle_ = h;
}

IoScanner::~IoScanner() {
    if (ok_) {
        csh h = handle_;
        cs_close(&h);
    }
}

static bool is_port_io(unsigned id) {
    switch (id) {
        case X86_INS_IN: case X86_INS_OUT:
        case X86_INS_INSB: case X86_INS_INSW: case X86_INS_INSD:
        case X86_INS_OUTSB: case X86_INS_OUTSW: case X86_INS_OUTSD:
            return true;
        default:
            return false;
    }
}

template <class Visit>
void IoScanner::decode(std::span<const uint8_t> code, Visit visit) const {
    if (!ok_ || code.empty()) return;
    cs_insn* insn = cs_malloc(handle_);
    if (!insn) return;
    const uint8_t* p = code.data();
    size_t left = code.size();
    uint64_t address = 0;
    for (;;) {
        size_t offset = static_cast<size_t>(p - code.data());
        if (!cs_disasm_iter(handle_, &p, &left, &address, insn) || !visit(insn->id, offset, insn->size)) break;
    }
    cs_free(insn, 1);
}

BlockFacts IoScanner::scan(std::span<const uint8_t> code) const {
    BlockFacts facts;
    int index = 0;
    decode(code, [&](unsigned id, size_t offset, size_t size) {
        if (facts.io_index < 0 && is_port_io(id)) {
            facts.io_index = index;
            facts.io_offset = static_cast<int>(offset);
        }
        if (facts.lock_ud_index < 0 && lock_is_undefined(code.subspan(offset, size))) {
            facts.lock_ud_index = index;
            facts.lock_ud_offset = static_cast<int>(offset);
        }
        facts.last_offset = static_cast<int>(offset);
        facts.decoded_bytes = offset + size;
        ++index;
        return true;
    });
    facts.instructions = index;
    // Capstone refuses most misplaced locks: the instruction where it stopped may be one.
    if (facts.lock_ud_index < 0 && facts.decoded_bytes < code.size() &&
        lock_is_undefined(code.subspan(facts.decoded_bytes))) {
        facts.lock_ud_index = index;
        facts.lock_ud_offset = static_cast<int>(facts.decoded_bytes);
    }
    return facts;
}

int IoScanner::instructions_before(std::span<const uint8_t> code, size_t offset) const {
    int count = 0;
    decode(code, [&](unsigned, size_t at, size_t) {
        if (at >= offset) return false;
        ++count;
        return true;
    });
    return count;
}

// ModRM's mod field is 3: the operand is a register.
static bool register_operand(uint8_t modrm) { return (modrm >> 6) == 3; }

// Whether some form of the opcode may take a lock prefix (one of the eighteen lockable
// instructions, or cmp, which shares their opcode rows); which forms, ModRM decides.
static bool lockable_opcode(bool two_byte, uint8_t op, uint8_t op2) {
    if (two_byte)
        return op2 == 0xab || op2 == 0xb3 || op2 == 0xbb || op2 == 0xba || op2 == 0xb0 || op2 == 0xb1 ||
               op2 == 0xc0 || op2 == 0xc1 || op2 == 0xc7;
    return (op < 0x40 && (op & 7) < 2) || (op >= 0x80 && op <= 0x83) || op == 0x86 || op == 0x87 ||
           op == 0xf6 || op == 0xf7 || op == 0xfe || op == 0xff;
}

bool lock_is_undefined(std::span<const uint8_t> code) {
    bool lock = false;
    size_t i = 0;
    for (; i < code.size() && i < 15; ++i) {
        const uint8_t b = code[i];
        if (b == 0xf0) {
            lock = true;
        } else if (b != 0x26 && b != 0x2e && b != 0x36 && b != 0x3e && b != 0x64 && b != 0x65 && b != 0x66 &&
                   b != 0x67 && b != 0xf2 && b != 0xf3) {
            break;
        }
    }
    if (!lock) return false;
    if (i >= code.size() || i >= 15) return false;  // only prefixes: judged with the bytes that follow
    const uint8_t op = code[i];
    const bool two_byte = op == 0x0f;
    const size_t modrm_at = i + (two_byte ? 2 : 1);
    if (two_byte && i + 1 >= code.size()) return false;
    const uint8_t op2 = two_byte ? code[i + 1] : 0;
    if (!lockable_opcode(two_byte, op, op2)) return true;
    if (modrm_at >= code.size()) return false;  // judged with the ModRM byte that follows
    const uint8_t modrm = code[modrm_at];
    const unsigned reg = (modrm >> 3) & 7;
    if (register_operand(modrm)) return true;  // every lockable form writes memory
    if (two_byte) {
        switch (op2) {
            case 0xba: return reg < 5;   // group 8: bts, btr, btc; not bt
            case 0xc7: return reg != 1;  // group 9: cmpxchg8b
            default: return false;       // bts, btr, btc r/m, r; cmpxchg; xadd
        }
    }
    if (op < 0x40) return (op >> 3) == 7;  // add..xor r/m, r; not cmp
    switch (op) {
        case 0x80: case 0x81: case 0x82: case 0x83: return reg == 7;  // group 1; not cmp
        case 0xf6: case 0xf7: return reg != 2 && reg != 3;             // not, neg
        case 0xfe: case 0xff: return reg > 1;                          // inc, dec
        default: return false;                                         // xchg
    }
}

bool ends_in_sysenter(std::span<const uint8_t> code) {
    const size_t n = code.size();
    if (n < 2 || code[n - 1] != 0x34) return false;
    return code[n - 2] == 0x0f || (n >= 3 && code[n - 3] == 0xc5) || (n >= 4 && code[n - 4] == 0xc4 && (code[n - 3] & 0x1f) == 1);
}

bool starts_with_iretd(std::span<const uint8_t> code) {
    bool operand_size = false;
    for (size_t i = 0; i < code.size() && i < 15; ++i) {
        switch (code[i]) {
            case 0x66: operand_size = true; break;
            case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
            case 0x67: case 0xf0: case 0xf2: case 0xf3: break;
            case 0xcf: return !operand_size;
            default: return false;
        }
    }
    return false;
}

}  // namespace forkscope

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
        if (facts.io_index < 0 && is_port_io(id)) facts.io_index = index;
        facts.last_offset = static_cast<int>(offset);
        facts.decoded_bytes = offset + size;
        ++index;
        return true;
    });
    facts.instructions = index;
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

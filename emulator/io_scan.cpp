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
        if (!cs_disasm_iter(handle_, &p, &left, &address, insn) || !visit(insn->id, offset)) break;
    }
    cs_free(insn, 1);
}

BlockFacts IoScanner::scan(std::span<const uint8_t> code) const {
    BlockFacts facts;
    int index = 0;
    decode(code, [&](unsigned id, size_t offset) {
        if (facts.io_index < 0 && is_port_io(id)) facts.io_index = index;
        facts.last_offset = static_cast<int>(offset);
        facts.ends_in_iretd = id == X86_INS_IRETD;
        ++index;
        return true;
    });
    return facts;
}

int IoScanner::instructions_before(std::span<const uint8_t> code, size_t offset) const {
    int count = 0;
    decode(code, [&](unsigned, size_t at) {
        if (at >= offset) return false;
        ++count;
        return true;
    });
    return count;
}

bool IoScanner::starts_with_iretd(std::span<const uint8_t> code) const {
    bool iretd = false;
    decode(code, [&](unsigned id, size_t) {
        iretd = id == X86_INS_IRETD;
        return false;
    });
    return iretd;
}

}  // namespace forkscope

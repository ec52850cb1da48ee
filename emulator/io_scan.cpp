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

int IoScanner::instructions_before_io(std::span<const uint8_t> code) const {
    if (!ok_ || code.empty()) return -1;
    cs_insn* insn = cs_malloc(handle_);
    if (!insn) return -1;
    const uint8_t* p = code.data();
    size_t left = code.size();
    uint64_t address = 0;
    int index = 0, found = -1;
    while (cs_disasm_iter(handle_, &p, &left, &address, insn)) {
        if (is_port_io(insn->id)) {
            found = index;
            break;
        }
        ++index;
    }
    cs_free(insn, 1);
    return found;
}

}  // namespace forkscope

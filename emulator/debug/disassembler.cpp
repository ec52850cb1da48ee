#include "emulator/debug/disassembler.h"

#include <capstone/capstone.h>

#include "emulator/symbols.h"

namespace forkscope {

std::string Instruction::text() const {
    std::string t = mnemonic;
    if (!operands.empty()) t += " " + operands;
    if (!target_name.empty()) t += " <" + target_name + ">";
    return t;
}

Result<Disassembler> Disassembler::create(AsmSyntax syntax, const KernelSymbols* symbols) {
    csh h = 0;
    if (cs_open(CS_ARCH_X86, CS_MODE_32, &h) != CS_ERR_OK)
        return make_error(ErrorKind::Host, "Capstone cannot open an i386 disassembler");
    // Details give the operands, from which a direct branch's target comes.
    if (cs_option(h, CS_OPT_DETAIL, CS_OPT_ON) != CS_ERR_OK ||
        (syntax == AsmSyntax::Att && cs_option(h, CS_OPT_SYNTAX, CS_OPT_SYNTAX_ATT) != CS_ERR_OK)) {
        cs_close(&h);
        return make_error(ErrorKind::Host, "Capstone refused the disassembler's options");
    }
    return Disassembler(h, symbols);
}

Disassembler::~Disassembler() {
    if (handle_) {
        csh h = handle_;
        cs_close(&h);
    }
}

Disassembler::Disassembler(Disassembler&& other) noexcept : handle_(other.handle_), symbols_(other.symbols_) {
    other.handle_ = 0;
}

std::vector<Instruction> Disassembler::disassemble(std::span<const uint8_t> code, uint32_t address,
                                                   size_t max_count) const {
    std::vector<Instruction> out;
    const csh h = handle_;
    cs_insn* insn = cs_malloc(h);
    const uint8_t* p = code.data();
    size_t left = code.size();
    uint64_t at = address;
    while (out.size() < max_count && cs_disasm_iter(h, &p, &left, &at, insn)) {
        Instruction i;
        i.address = static_cast<uint32_t>(insn->address);
        i.bytes.assign(insn->bytes, insn->bytes + insn->size);
        i.mnemonic = insn->mnemonic;
        i.operands = insn->op_str;
        const bool branch = cs_insn_group(h, insn, CS_GRP_JUMP) || cs_insn_group(h, insn, CS_GRP_CALL);
        const cs_x86& x86 = insn->detail->x86;
        if (branch && x86.op_count == 1 && x86.operands[0].type == X86_OP_IMM) {
            i.target = static_cast<uint32_t>(x86.operands[0].imm);
            if (symbols_)
                if (auto sym = symbols_->containing(*i.target)) i.target_name = symbols_->symbolize(*i.target);
        }
        out.push_back(std::move(i));
    }
    cs_free(insn, 1);
    return out;
}

}  // namespace forkscope

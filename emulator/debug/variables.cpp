#include "emulator/debug/variables.h"

#include <cstdlib>
#include <cstring>

#include "emulator/cpu.h"
#include "emulator/debug/dwarf_expr.h"
#include "emulator/debug/dwarf_image.h"

namespace forkscope {

Frame Frame::from_registers(const CpuRegisters& r) {
    Frame f;
    f.pc = r.eip;
    f.innermost = true;
    f.regs = {r.eax, r.ecx, r.edx, r.ebx, r.esp, r.ebp, r.esi, r.edi, r.eip};
    return f;
}

ReadMemory memory_of(const PageWalker& walker, const PagingMode& mode) {
    return [&walker, mode](uint32_t vaddr, std::span<uint8_t> out) { return walker.read_virtual(mode, vaddr, out).ok(); };
}

namespace {

std::string name_of(Dwarf_Die* die) {
    Dwarf_Attribute attr;
    const char* n = dwarf_attr_integrate(die, DW_AT_name, &attr) ? dwarf_formstring(&attr) : nullptr;
    return n ? n : "";
}

bool is_function(int tag) { return tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine; }

// The DIEs whose scope holds a pc, innermost first: the blocks of the innermost
// function (inlined or not) and that function; and the out-of-line function around it,
// whose frame base DW_OP_fbreg uses.
struct Scopes {
    std::vector<Dwarf_Die> chain;  // innermost block ... function
    Dwarf_Die function{};
    Dwarf_Die subprogram{};
    Dwarf_Die cu{};
};

bool scopes_at(Dwarf* dwarf, uint32_t pc, Scopes& s) {
    if (!dwarf_addrdie(dwarf, pc, &s.cu)) return false;
    Dwarf_Die* scopes = nullptr;
    const int n = dwarf_getscopes(&s.cu, pc, &scopes);
    if (n <= 0) {
        std::free(scopes);
        return false;
    }
    // dwarf_getscopes continues past an inlined call into the inlined function's
    // abstract definition; the concrete tree is the innermost scope's parents.
    Dwarf_Die innermost = scopes[0];
    std::free(scopes);
    Dwarf_Die* chain = nullptr;
    const int m = dwarf_getscopes_die(&innermost, &chain);
    bool have_function = false, have_subprogram = false;
    for (int i = 0; i < m && !have_subprogram; ++i) {
        const int tag = dwarf_tag(&chain[i]);
        if (!have_function) s.chain.push_back(chain[i]);
        if (is_function(tag) && !have_function) {
            s.function = chain[i];
            have_function = true;
        }
        if (tag == DW_TAG_subprogram) {
            s.subprogram = chain[i];
            have_subprogram = true;
        }
    }
    std::free(chain);
    return have_function && have_subprogram;
}

std::optional<Dwarf_Addr> attr_address(Dwarf_Die* die, unsigned name) {
    Dwarf_Attribute attr;
    Dwarf_Addr a = 0;
    if (!dwarf_attr(die, name, &attr) || dwarf_formaddr(&attr, &a) != 0) return std::nullopt;
    return a;
}

// The evaluation of one frame's locations: the CFA and frame base it needs, and the
// entry values it finds at its caller's call site.
class FrameEval {
public:
    FrameEval(DwarfImage& image, const Frame& frame, const ReadMemory& memory, int depth = 0)
        : image_(image), frame_(frame), memory_(memory), depth_(depth) {}

    std::optional<uint32_t> cfa() const {
        if (image_.cfi()) {
            Dwarf_Frame* fr = nullptr;
            if (dwarf_cfi_addrframe(image_.cfi(), frame_.lookup_pc(), &fr) == 0) {
                Dwarf_Op* ops = nullptr;
                size_t n = 0;
                std::optional<uint32_t> r;
                ExprContext ctx{&frame_, &memory_};
                if (dwarf_frame_cfa(fr, &ops, &n) == 0 && n > 0) r = evaluate_value(ops, n, ctx);
                std::free(fr);
                if (r) return r;
            }
        }
        return frame_pointer_cfa();
    }

    // Without CFI (the assembly entry code): push ebp; mov ebp, esp, as the kernel is
    // built with frame pointers.
    std::optional<uint32_t> frame_pointer_cfa() const {
        Scopes s;
        std::optional<Dwarf_Addr> low;
        if (scopes_at(image_.dwarf(), frame_.lookup_pc(), s)) low = attr_address(&s.subprogram, DW_AT_low_pc);
        const auto& r = frame_.regs;
        if (frame_.innermost && low && frame_.pc == *low && r[kEsp]) return *r[kEsp] + 4;
        if (frame_.innermost && low && frame_.pc == *low + 1 && r[kEsp]) return *r[kEsp] + 8;
        if (r[kEbp]) return *r[kEbp] + 8;
        return std::nullopt;
    }

    ExprContext context(Dwarf_Attribute* attr, Dwarf_Die* subprogram) const {
        ExprContext ctx;
        ctx.frame = &frame_;
        ctx.memory = &memory_;
        ctx.attr = attr;
        ctx.cfa = [this] { return cfa(); };
        ctx.frame_base = [this, sub = subprogram ? *subprogram : Dwarf_Die{}, has = subprogram != nullptr]() mutable
            -> std::optional<uint32_t> {
            Dwarf_Attribute fb;
            Dwarf_Op* ops = nullptr;
            size_t n = 0;
            if (!has || !dwarf_attr(&sub, DW_AT_frame_base, &fb) ||
                dwarf_getlocation_addr(&fb, frame_.lookup_pc(), &ops, &n, 1) != 1)
                return std::nullopt;
            ExprContext inner{&frame_, &memory_, &fb};
            inner.cfa = [this] { return cfa(); };
            return evaluate_value(ops, n, inner);
        };
        ctx.entry_value = [this](const Dwarf_Op* ops, size_t n) { return entry_value(ops, n); };
        return ctx;
    }

    Value read(Dwarf_Die* var, Dwarf_Die* subprogram) const {
        const Type* type = image_.type_of(var);
        Dwarf_Attribute attr;
        if (dwarf_attr(var, DW_AT_location, &attr)) {
            Dwarf_Op* expr = nullptr;
            size_t len = 0;
            if (dwarf_getlocation_addr(&attr, frame_.lookup_pc(), &expr, &len, 1) != 1) return optimized_out(type);
            return value_from_pieces(type, evaluate_location(expr, len, context(&attr, subprogram)), frame_, memory_);
        }
        if (dwarf_attr_integrate(var, DW_AT_const_value, &attr)) {
            Dwarf_Block block;
            if (dwarf_formblock(&attr, &block) == 0) {
                Value v;
                v.type = type;
                v.bytes.assign(block.data, block.data + block.length);
                return v;
            }
            Dwarf_Sword s = 0;
            if (dwarf_formsdata(&attr, &s) == 0) return value_of(type, static_cast<uint64_t>(s));
        }
        return optimized_out(type);
    }

    static Value optimized_out(const Type* type) {
        Value v;
        v.type = type;
        v.state = ValueState::OptimizedOut;
        return v;
    }

    // The caller's registers through the CFI rules at this frame's pc.
    std::optional<Frame> caller() const {
        auto c = cfa();
        if (!c) return std::nullopt;
        Frame up;
        up.innermost = false;
        Dwarf_Frame* fr = nullptr;
        if (image_.cfi() && dwarf_cfi_addrframe(image_.cfi(), frame_.lookup_pc(), &fr) == 0) {
            for (int r = 0; r < kDwarfRegs; ++r) {
                Dwarf_Op mem[3];
                Dwarf_Op* ops = nullptr;
                size_t n = 0;
                if (dwarf_frame_register(fr, r, mem, &ops, &n) != 0) continue;
                if (n == 0) {
                    if (!ops) up.regs[static_cast<size_t>(r)] = frame_.regs[static_cast<size_t>(r)];  // same value
                    continue;                                                                             // undefined
                }
                ExprContext ctx{&frame_, &memory_};
                ctx.cfa = [c] { return c; };
                const auto pieces = evaluate_location(ops, n, ctx);
                if (pieces.size() != 1) continue;
                const LocationPiece& p = pieces[0];
                uint32_t v = 0;
                if (p.kind == LocationPiece::Memory) {
                    uint8_t b[4];
                    if (!memory_(p.address, b)) continue;
                    std::memcpy(&v, b, 4);
                } else if (p.kind == LocationPiece::Register) {
                    if (p.reg < 0 || p.reg >= kDwarfRegs || !frame_.regs[static_cast<size_t>(p.reg)]) continue;
                    v = *frame_.regs[static_cast<size_t>(p.reg)];
                } else if (p.kind == LocationPiece::Computed && p.bytes.size() >= 4) {
                    std::memcpy(&v, p.bytes.data(), 4);
                } else {
                    continue;
                }
                up.regs[static_cast<size_t>(r)] = v;
            }
            std::free(fr);
        } else {
            // The frame-pointer rule: the return address above the saved EBP.
            const bool entry = frame_.regs[kEsp] && *c == *frame_.regs[kEsp] + 4;
            uint8_t b[4];
            if (!entry) {
                if (!memory_(*c - 8, b)) return std::nullopt;
                uint32_t ebp;
                std::memcpy(&ebp, b, 4);
                up.regs[kEbp] = ebp;
            } else {
                up.regs[kEbp] = frame_.regs[kEbp];
            }
            if (!memory_(*c - 4, b)) return std::nullopt;
            uint32_t ret;
            std::memcpy(&ret, b, 4);
            up.regs[kEip] = ret;
            up.regs[kEbx] = frame_.regs[kEbx];
            up.regs[kEsi] = frame_.regs[kEsi];
            up.regs[kEdi] = frame_.regs[kEdi];
        }
        if (!up.regs[kEsp]) up.regs[kEsp] = *c;
        if (!up.regs[kEip] || *up.regs[kEip] == 0) return std::nullopt;
        up.pc = *up.regs[kEip];
        return up;
    }

    // DW_OP_entry_value(DW_OP_regN): the register's value at entry, from the caller's
    // call site (DW_TAG_call_site at the return address, its parameter for that
    // register, DW_AT_call_value evaluated in the caller's frame), as gdb finds it.
    std::optional<uint32_t> entry_value(const Dwarf_Op* ops, size_t n) const {
        int reg = -1;
        if (n == 1 && ops[0].atom >= DW_OP_reg0 && ops[0].atom <= DW_OP_reg31) reg = ops[0].atom - DW_OP_reg0;
        else if (n == 1 && ops[0].atom == DW_OP_regx) reg = static_cast<int>(ops[0].number);
        if (reg < 0 || depth_ >= 3) return std::nullopt;
        auto up = caller();
        if (!up) return std::nullopt;
        Scopes s;
        if (!scopes_at(image_.dwarf(), up->lookup_pc(), s)) return std::nullopt;
        FrameEval outer(image_, *up, memory_, depth_ + 1);
        for (Dwarf_Die& scope : s.chain) {
            Dwarf_Die site;
            if (dwarf_child(&scope, &site) != 0) continue;
            do {
                const int tag = dwarf_tag(&site);
                if (tag != DW_TAG_call_site && tag != DW_TAG_GNU_call_site) continue;
                auto ret = attr_address(&site, tag == DW_TAG_call_site ? DW_AT_call_return_pc : DW_AT_low_pc);
                if (!ret || *ret != up->pc) continue;
                Dwarf_Die param;
                if (dwarf_child(&site, &param) != 0) return std::nullopt;
                do {
                    Dwarf_Attribute loc, val;
                    Dwarf_Op* lops = nullptr;
                    size_t ln = 0;
                    if (!dwarf_attr(&param, DW_AT_location, &loc) || dwarf_getlocation(&loc, &lops, &ln) != 0 || ln != 1)
                        continue;
                    const int preg = lops[0].atom == DW_OP_regx ? static_cast<int>(lops[0].number) : lops[0].atom - DW_OP_reg0;
                    if (preg != reg) continue;
                    if (!dwarf_attr(&param, DW_AT_call_value, &val) && !dwarf_attr(&param, DW_AT_GNU_call_site_value, &val))
                        return std::nullopt;
                    Dwarf_Op* vops = nullptr;
                    size_t vn = 0;
                    if (dwarf_getlocation(&val, &vops, &vn) != 0) return std::nullopt;
                    return evaluate_value(vops, vn, outer.context(&val, &s.subprogram));
                } while (dwarf_siblingof(&param, &param) == 0);
                return std::nullopt;
            } while (dwarf_siblingof(&site, &site) == 0);
        }
        return std::nullopt;
    }

private:
    DwarfImage& image_;
    const Frame& frame_;
    const ReadMemory& memory_;
    int depth_;
};

}  // namespace

DebugInfo::DebugInfo(std::unique_ptr<DwarfImage> image) : image_(std::move(image)) {}
DebugInfo::~DebugInfo() = default;
DebugInfo::DebugInfo(DebugInfo&&) noexcept = default;
DebugInfo& DebugInfo::operator=(DebugInfo&&) noexcept = default;

Result<DebugInfo> DebugInfo::read(std::span<const uint8_t> elf, const std::string& name) {
    auto image = DwarfImage::open(elf, name);
    if (!image) return image.error();
    return DebugInfo(std::move(*image));
}

std::string DebugInfo::function_at(const Frame& frame) const {
    Scopes s;
    return scopes_at(image_->dwarf(), frame.lookup_pc(), s) ? name_of(&s.function) : std::string();
}

std::optional<Frame> DebugInfo::caller(const Frame& frame, const ReadMemory& memory) const {
    return FrameEval(*image_, frame, memory).caller();
}

std::vector<Frame> DebugInfo::frames(const Frame& innermost, const ReadMemory& memory, uint32_t kernel_base,
                                     size_t max) const {
    std::vector<Frame> out;
    if (max == 0) return out;
    out.push_back(innermost);
    while (out.size() < max) {
        auto up = caller(out.back(), memory);
        // A CFA that does not grow means a broken chain (or entry code without CFI).
        if (!up || (up->pc < kernel_base) != (innermost.pc < kernel_base) || !up->regs[kEsp] || !out.back().regs[kEsp] ||
            *up->regs[kEsp] <= *out.back().regs[kEsp])
            break;
        out.push_back(*up);
    }
    return out;
}

Frame DebugInfo::frame_at(uint32_t pc, uint32_t ebp, bool innermost) const {
    Frame f;
    f.pc = pc;
    f.innermost = innermost;
    f.regs[kEbp] = ebp;
    f.regs[kEip] = pc;
    return f;
}

std::vector<Variable> DebugInfo::arguments(const Frame& frame, const ReadMemory& memory) const {
    std::vector<Variable> out;
    Scopes s;
    if (!scopes_at(image_->dwarf(), frame.lookup_pc(), s)) return out;
    FrameEval eval(*image_, frame, memory);
    Dwarf_Die child;
    if (dwarf_child(&s.function, &child) != 0) return out;
    do {
        if (dwarf_tag(&child) == DW_TAG_formal_parameter) out.push_back({name_of(&child), eval.read(&child, &s.subprogram)});
    } while (dwarf_siblingof(&child, &child) == 0);
    return out;
}

std::vector<Variable> DebugInfo::locals(const Frame& frame, const ReadMemory& memory) const {
    std::vector<Variable> out;
    Scopes s;
    if (!scopes_at(image_->dwarf(), frame.lookup_pc(), s)) return out;
    FrameEval eval(*image_, frame, memory);
    for (Dwarf_Die& scope : s.chain) {
        Dwarf_Die child;
        if (dwarf_child(&scope, &child) != 0) continue;
        do {
            if (dwarf_tag(&child) != DW_TAG_variable || dwarf_hasattr(&child, DW_AT_declaration)) continue;
            out.push_back({name_of(&child), eval.read(&child, &s.subprogram)});
        } while (dwarf_siblingof(&child, &child) == 0);
    }
    return out;
}

std::optional<Value> DebugInfo::lookup(std::string_view name, const Frame* frame, const ReadMemory& memory) const {
    Frame none;
    const Frame& f = frame ? *frame : none;
    FrameEval eval(*image_, f, memory);
    Scopes s;
    const bool scoped = frame && scopes_at(image_->dwarf(), frame->lookup_pc(), s);
    auto find_in = [&](Dwarf_Die& scope, bool params) -> std::optional<Value> {
        Dwarf_Die child;
        if (dwarf_child(&scope, &child) != 0) return std::nullopt;
        do {
            const int tag = dwarf_tag(&child);
            if ((tag == DW_TAG_variable || (params && tag == DW_TAG_formal_parameter)) && name_of(&child) == name &&
                (dwarf_hasattr(&child, DW_AT_location) || dwarf_hasattr_integrate(&child, DW_AT_const_value) ||
                 tag == DW_TAG_formal_parameter || !dwarf_hasattr(&child, DW_AT_declaration)))
                return eval.read(&child, scoped ? &s.subprogram : nullptr);
        } while (dwarf_siblingof(&child, &child) == 0);
        return std::nullopt;
    };
    if (scoped) {
        for (Dwarf_Die& scope : s.chain)
            if (auto v = find_in(scope, true)) return v;
        // This unit's file statics before another unit's variable of the same name.
        Dwarf_Die child;
        if (dwarf_child(&s.cu, &child) == 0) {
            do {
                if (dwarf_tag(&child) == DW_TAG_variable && dwarf_hasattr(&child, DW_AT_location) && name_of(&child) == name)
                    return eval.read(&child, nullptr);
            } while (dwarf_siblingof(&child, &child) == 0);
        }
    }
    Dwarf_Die die;
    if (image_->global_variable(name, &die)) return eval.read(&die, nullptr);
    if (const Type* e = image_->enumerator_type(name)) {
        for (const auto& [n, v] : e->enumerators)
            if (n == name) return value_of(e, static_cast<uint64_t>(v));
    }
    if (image_->function(name, &die)) {
        Value v;
        v.type = image_->type_from(&die);
        v.address = static_cast<uint32_t>(attr_address(&die, DW_AT_low_pc).value_or(0));
        return v;
    }
    return std::nullopt;
}

std::optional<Value> DebugInfo::return_value(uint32_t function_pc, const CpuRegisters& regs, const ReadMemory& memory) const {
    Scopes s;
    if (!scopes_at(image_->dwarf(), function_pc, s)) return std::nullopt;
    const Type* type = image_->type_of(&s.subprogram);
    const Type* t = strip(type);
    if (!t || t->kind == TypeKind::Void) return std::nullopt;
    // i386 System V: a struct or union comes back in memory, EAX pointing at it.
    if (t->kind == TypeKind::Struct || t->kind == TypeKind::Union) return value_at(type, regs.eax, memory);
    const uint64_t v = regs.eax | (t->size > 4 ? static_cast<uint64_t>(regs.edx) << 32 : 0);
    return value_of(type, v);
}

const Type* DebugInfo::declared_type(std::string_view name, bool function) const {
    return image_->declared_type(name, function);
}
std::optional<std::pair<uint32_t, bool>> DebugInfo::elf_symbol(std::string_view name) const {
    auto s = image_->elf_symbol(name);
    if (!s) return std::nullopt;
    return std::make_pair(s->address, s->function);
}
const Type* DebugInfo::named_type(std::string_view name) const { return image_->named_type(name); }
const Type* DebugInfo::pointer_to(const Type* t) const { return image_->pointer_to(t); }
const Type* DebugInfo::array_of(const Type* t, uint32_t count) const { return image_->array_of(t, count); }
const Type* DebugInfo::int_type() const { return image_->int_type(); }
const Type* DebugInfo::long_type() const { return image_->long_type(); }
const Type* DebugInfo::unsigned_long_type() const { return image_->unsigned_long_type(); }
const Type* DebugInfo::code_type() const { return image_->code_type(); }
const Type* DebugInfo::nodebug_data_type() const { return image_->nodebug_data_type(); }
const Type* DebugInfo::nodebug_text_type() const { return image_->nodebug_text_type(); }
const Type* DebugInfo::char_type() const { return image_->named_type("char") ? image_->named_type("char") : image_->int_type(); }

}  // namespace forkscope

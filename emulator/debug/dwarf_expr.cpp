#include "emulator/debug/dwarf_expr.h"

#include <algorithm>
#include <cstring>


namespace forkscope {

namespace {

std::optional<uint32_t> reg_value(const Frame& f, int reg) {
    if (reg < 0 || reg >= kDwarfRegs) return std::nullopt;
    return f.regs[static_cast<size_t>(reg)];
}

std::optional<uint32_t> read_sized(const ReadMemory& memory, uint32_t addr, uint32_t size) {
    uint8_t b[4] = {};
    if (size == 0 || size > 4 || !memory(addr, std::span<uint8_t>(b, size))) return std::nullopt;
    uint32_t v = 0;
    std::memcpy(&v, b, size);
    return v;
}

// The stack machine. Returns false when the expression cannot be evaluated here.
struct Machine {
    const ExprContext& ctx;
    std::vector<uint32_t> stack;
    std::vector<LocationPiece> pieces;
    LocationPiece current;  // the location the ops so far describe (Memory: top of stack)
    bool has_location = false;

    bool pop(uint32_t& v) {
        if (stack.empty()) return false;
        v = stack.back();
        stack.pop_back();
        return true;
    }

    bool run(const Dwarf_Op* ops, size_t n) {
        for (size_t i = 0; i < n; ++i) {
            const Dwarf_Op& op = ops[i];
            const uint8_t a = op.atom;
            uint32_t x = 0, y = 0;
            if (a >= DW_OP_lit0 && a <= DW_OP_lit31) { stack.push_back(a - DW_OP_lit0); continue; }
            if (a >= DW_OP_reg0 && a <= DW_OP_reg31) {
                current = LocationPiece{LocationPiece::Register, 0, a - DW_OP_reg0, {}, 0};
                has_location = true;
                continue;
            }
            if (a >= DW_OP_breg0 && a <= DW_OP_breg31) {
                auto r = reg_value(*ctx.frame, a - DW_OP_breg0);
                if (!r) return false;
                stack.push_back(*r + static_cast<uint32_t>(op.number));
                continue;
            }
            switch (a) {
            case DW_OP_addr:
            case DW_OP_const1u: case DW_OP_const2u: case DW_OP_const4u: case DW_OP_const8u:
            case DW_OP_const1s: case DW_OP_const2s: case DW_OP_const4s: case DW_OP_const8s:
            case DW_OP_constu: case DW_OP_consts:
                stack.push_back(static_cast<uint32_t>(op.number));
                break;
            case DW_OP_regx:
                current = LocationPiece{LocationPiece::Register, 0, static_cast<int>(op.number), {}, 0};
                has_location = true;
                break;
            case DW_OP_bregx: {
                auto r = reg_value(*ctx.frame, static_cast<int>(op.number));
                if (!r) return false;
                stack.push_back(*r + static_cast<uint32_t>(op.number2));
                break;
            }
            case DW_OP_fbreg: {
                auto base = ctx.frame_base ? ctx.frame_base() : std::nullopt;
                if (!base) return false;
                stack.push_back(*base + static_cast<uint32_t>(static_cast<int64_t>(op.number)));
                break;
            }
            case DW_OP_call_frame_cfa: {
                auto c = ctx.cfa ? ctx.cfa() : std::nullopt;
                if (!c) return false;
                stack.push_back(*c);
                break;
            }
            case DW_OP_dup: if (stack.empty()) return false; stack.push_back(stack.back()); break;
            case DW_OP_drop: if (!pop(x)) return false; break;
            case DW_OP_over: if (stack.size() < 2) return false; stack.push_back(stack[stack.size() - 2]); break;
            case DW_OP_pick:
                if (op.number >= stack.size()) return false;
                stack.push_back(stack[stack.size() - 1 - op.number]);
                break;
            case DW_OP_swap: if (stack.size() < 2) return false; std::swap(stack[stack.size() - 1], stack[stack.size() - 2]); break;
            case DW_OP_rot:
                if (stack.size() < 3) return false;
                std::swap(stack[stack.size() - 1], stack[stack.size() - 2]);
                std::swap(stack[stack.size() - 2], stack[stack.size() - 3]);
                break;
            case DW_OP_deref:
            case DW_OP_deref_size: {
                if (!pop(x)) return false;
                auto v = read_sized(*ctx.memory, x, a == DW_OP_deref ? 4 : static_cast<uint32_t>(op.number));
                if (!v) return false;
                stack.push_back(*v);
                break;
            }
            case DW_OP_abs: if (!pop(x)) return false; stack.push_back(static_cast<int32_t>(x) < 0 ? -x : x); break;
            case DW_OP_neg: if (!pop(x)) return false; stack.push_back(-x); break;
            case DW_OP_not: if (!pop(x)) return false; stack.push_back(~x); break;
            case DW_OP_plus_uconst: if (!pop(x)) return false; stack.push_back(x + static_cast<uint32_t>(op.number)); break;
            case DW_OP_and: case DW_OP_div: case DW_OP_minus: case DW_OP_mod: case DW_OP_mul:
            case DW_OP_or: case DW_OP_plus: case DW_OP_shl: case DW_OP_shr: case DW_OP_shra: case DW_OP_xor:
            case DW_OP_eq: case DW_OP_ge: case DW_OP_gt: case DW_OP_le: case DW_OP_lt: case DW_OP_ne: {
                if (!pop(y) || !pop(x)) return false;
                const int32_t sx = static_cast<int32_t>(x), sy = static_cast<int32_t>(y);
                uint32_t r = 0;
                switch (a) {
                case DW_OP_and: r = x & y; break;
                case DW_OP_div:
                    if (!sy) return false;
                    r = sy == -1 ? -x : static_cast<uint32_t>(sx / sy);  // INT_MIN / -1 wraps, as the CPU's would
                    break;
                case DW_OP_minus: r = x - y; break;
                case DW_OP_mod: if (!y) return false; r = x % y; break;
                case DW_OP_mul: r = x * y; break;
                case DW_OP_or: r = x | y; break;
                case DW_OP_plus: r = x + y; break;
                case DW_OP_shl: r = y < 32 ? x << y : 0; break;
                case DW_OP_shr: r = y < 32 ? x >> y : 0; break;
                case DW_OP_shra: r = static_cast<uint32_t>(sx >> (y < 32 ? y : 31)); break;
                case DW_OP_xor: r = x ^ y; break;
                case DW_OP_eq: r = sx == sy; break;
                case DW_OP_ge: r = sx >= sy; break;
                case DW_OP_gt: r = sx > sy; break;
                case DW_OP_le: r = sx <= sy; break;
                case DW_OP_lt: r = sx < sy; break;
                default: r = sx != sy; break;
                }
                stack.push_back(r);
                break;
            }
            case DW_OP_skip:
            case DW_OP_bra: {
                if (a == DW_OP_bra) {
                    if (!pop(x)) return false;
                    if (!x) break;
                }
                // libdw gives the branch target as an offset; find the op there.
                const Dwarf_Word target = op.offset + 3 + static_cast<Dwarf_Word>(static_cast<int16_t>(op.number));
                size_t j = 0;
                while (j < n && ops[j].offset != target) ++j;
                if (j == 0) return false;  // a loop back to the start: not from a compiler
                i = j - 1;                 // the loop's ++i lands on it (j == n: the end)
                break;
            }
            case DW_OP_nop: break;
            case DW_OP_stack_value:
                if (stack.empty()) return false;
                current = LocationPiece{LocationPiece::Computed, 0, 0, {}, 0};
                current.bytes.resize(4);
                std::memcpy(current.bytes.data(), &stack.back(), 4);
                has_location = true;
                break;
            case DW_OP_implicit_value: {
                Dwarf_Block block;
                if (!ctx.attr || dwarf_getlocation_implicit_value(ctx.attr, &op, &block) != 0) return false;
                current = LocationPiece{LocationPiece::Computed, 0, 0, {block.data, block.data + block.length}, 0};
                has_location = true;
                break;
            }
            case DW_OP_entry_value:
            case DW_OP_GNU_entry_value: {
                Dwarf_Attribute sub;
                Dwarf_Op* sub_ops = nullptr;
                size_t sub_n = 0;
                if (!ctx.attr || !ctx.entry_value || dwarf_getlocation_attr(ctx.attr, &op, &sub) != 0 ||
                    dwarf_getlocation(&sub, &sub_ops, &sub_n) != 0)
                    return false;
                auto v = ctx.entry_value(sub_ops, sub_n);
                if (!v) return false;
                stack.push_back(*v);
                break;
            }
            case DW_OP_piece: {
                LocationPiece p = has_location ? current : LocationPiece{};
                if (!has_location && !stack.empty()) p = LocationPiece{LocationPiece::Memory, stack.back(), 0, {}, 0};
                p.size = static_cast<uint32_t>(op.number);
                pieces.push_back(std::move(p));
                stack.clear();
                has_location = false;
                break;
            }
            default: return false;  // DW_OP_implicit_pointer, typed stack ops: not in this kernel's DWARF
            }
        }
        return true;
    }
};

}  // namespace

std::vector<LocationPiece> evaluate_location(const Dwarf_Op* ops, size_t n, const ExprContext& ctx) {
    if (n == 0) return {};
    Machine m{ctx, {}, {}, {}, false};
    if (!m.run(ops, n)) return {};
    if (!m.pieces.empty()) return m.pieces;
    if (m.has_location) return {m.current};
    if (m.stack.empty()) return {};
    return {LocationPiece{LocationPiece::Memory, m.stack.back(), 0, {}, 0}};
}

std::optional<uint32_t> evaluate_value(const Dwarf_Op* ops, size_t n, const ExprContext& ctx) {
    Machine m{ctx, {}, {}, {}, false};
    if (n == 0 || !m.run(ops, n)) return std::nullopt;
    if (m.has_location && m.current.kind == LocationPiece::Register) return reg_value(*ctx.frame, m.current.reg);
    if (m.stack.empty()) return std::nullopt;
    return m.stack.back();
}

Value value_at(const Type* type, uint32_t addr, const ReadMemory& memory) {
    Value v;
    v.type = type;
    v.address = addr;
    const Type* s = strip(type);
    v.bytes.resize(s ? s->size : 0);
    if (!v.bytes.empty() && !memory(addr, v.bytes)) {
        v.state = ValueState::Unreadable;
        v.bad_address = addr;
        v.bytes.clear();
    }
    return v;
}

Value value_of(const Type* type, uint64_t x) {
    Value v;
    v.type = type;
    const Type* s = strip(type);
    v.bytes.resize(s && s->size ? s->size : 4);
    std::memcpy(v.bytes.data(), &x, v.bytes.size() < 8 ? v.bytes.size() : 8);
    return v;
}

Value value_from_pieces(const Type* type, const std::vector<LocationPiece>& pieces, const Frame& frame,
                        const ReadMemory& memory) {
    Value v;
    v.type = type;
    const Type* s = strip(type);
    const uint32_t size = s ? s->size : 0;
    if (pieces.empty()) {
        v.state = ValueState::OptimizedOut;
        return v;
    }
    if (pieces.size() == 1 && pieces[0].kind == LocationPiece::Memory) return value_at(type, pieces[0].address, memory);
    if (pieces.size() == 1 && pieces[0].kind == LocationPiece::Register) v.reg = pieces[0].reg;
    v.bytes.assign(size, 0);
    uint32_t at = 0;
    for (const LocationPiece& p : pieces) {
        const uint32_t want = p.size ? p.size : size - at;
        if (at + want > size) break;
        std::span<uint8_t> out(v.bytes.data() + at, want);
        switch (p.kind) {
        case LocationPiece::Missing: v.state = ValueState::OptimizedOut; return v;
        case LocationPiece::Memory:
            if (!memory(p.address, out)) {
                v.state = ValueState::Unreadable;
                v.bad_address = p.address;
                return v;
            }
            break;
        case LocationPiece::Register: {
            auto r = reg_value(frame, p.reg);
            if (!r || want > 4) {  // a lost register (an outer frame's EAX)
                v.state = ValueState::OptimizedOut;
                return v;
            }
            std::memcpy(out.data(), &*r, want);
            break;
        }
        case LocationPiece::Computed:
            std::memcpy(out.data(), p.bytes.data(), std::min<size_t>(want, p.bytes.size()));
            break;
        }
        at += want;
    }
    return v;
}

}  // namespace forkscope

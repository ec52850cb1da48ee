#include "emulator/debug/expression.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "base/hex.h"
#include "emulator/debug/expression_tokens.h"
#include "emulator/debug/variables.h"

namespace forkscope {

namespace {

const Type* or_else(const Type* t, const Type* fallback) { return t ? t : fallback; }

Error error(std::string message) { return make_error(ErrorKind::Usage, std::move(message)); }

const std::set<std::string, std::less<>> kTypeWords = {"unsigned", "signed", "int", "long", "short", "char",
                                                       "void", "_Bool", "const", "volatile"};

// Recursive descent over the tokens, evaluating as it goes (gdb too reports an unknown
// name before a later syntax error).
class Parser {
public:
    Parser(std::string_view text, std::vector<Token> tokens, const ExpressionContext& ctx)
        : text_(text), toks_(std::move(tokens)), ctx_(ctx), info_(ctx.info) {}

    Result<Value> parse() {
        auto v = expr();
        if (!v) return v;
        if (peek().kind != Tok::End) return syntax();
        if (v->type == info_.nodebug_data_type()) return unknown_type();
        return v;
    }

private:
    // ---- tokens ----
    const Token& peek(size_t ahead = 0) const { return toks_[std::min(pos_ + ahead, toks_.size() - 1)]; }
    bool is(const char* p, size_t ahead = 0) const { return peek(ahead).kind == Tok::Punct && peek(ahead).text == p; }
    bool accept(const char* p) {
        if (!is(p)) return false;
        ++pos_;
        return true;
    }
    Error syntax() const { return error("A syntax error in expression, near `" + std::string(text_.substr(peek().at)) + "'."); }

    // ---- values ----
    Value integer(const Type* t, uint64_t v) const { return value_of(t, v); }
    Value boolean(bool b) const { return value_of(info_.int_type(), b ? 1 : 0); }

    // A value that is usable: read, not optimized out.
    Result<Value> need(Value v) const {
        if (v.state == ValueState::OptimizedOut) return error("value has been optimized out");
        if (v.state == ValueState::Unreadable) return error("Cannot access memory at address " + hex(v.bad_address));
        return v;
    }

    // An array in memory used as a value is a pointer to its first element.
    Value decay(const Value& v) const {
        const Type* t = strip(v.type);
        if (t && t->kind == TypeKind::Array && v.address) return value_of(info_.pointer_to(t->target), *v.address);
        if (t && t->kind == TypeKind::Function && v.address) return value_of(info_.pointer_to(v.type), *v.address);
        return v;
    }

    Error unknown_type() const { return error("'" + last_ident_ + "' has unknown type; cast it to its declared type"); }

    Result<uint64_t> scalar(const Value& raw, bool* is_signed = nullptr) const {
        if (raw.type == info_.nodebug_data_type()) return unknown_type();
        auto v = need(decay(raw));
        if (!v) return v.error();
        const Type* t = strip(v->type);
        if (!t || !is_scalar(t)) return error("Argument to arithmetic operation not a number or boolean.");
        if (is_signed) *is_signed = t->is_signed;
        return t->is_signed ? static_cast<uint64_t>(v->as_signed()) : v->as_unsigned();
    }

    // The usual arithmetic conversions, as far as this kernel's types need them.
    const Type* common(const Value& a, const Value& b) const {
        const Type* ta = strip(a.type);
        const Type* tb = strip(b.type);
        const uint32_t size = std::max<uint32_t>(std::max(ta->size, tb->size), 4);
        const bool uns = (!ta->is_signed && ta->size >= size) || (!tb->is_signed && tb->size >= size);
        if (size > 4) return or_else(info_.named_type(uns ? "long long unsigned int" : "long long int"), info_.long_type());
        return uns ? or_else(info_.named_type("unsigned int"), info_.unsigned_long_type()) : info_.int_type();
    }

    // ---- grammar, lowest precedence first ----
    Result<Value> expr() { return binary(0); }

    static int precedence(const std::string& op) {
        // C's, with gdb's @ (an array of N from an lvalue) between the shifts and + -.
        static const char* const levels[][6] = {{"||"}, {"&&"}, {"|"}, {"^"}, {"&"}, {"==", "!="},
                                                {"<", ">", "<=", ">="}, {"<<", ">>"}, {"@"}, {"+", "-"},
                                                {"*", "/", "%"}};
        for (int l = 0; l < kLevels; ++l)
            for (const char* o : levels[l])
                if (o && op == o) return l;
        return -1;
    }

    static constexpr int kLevels = 11;

    Result<Value> binary(int level) {
        if (level == kLevels) return unary();
        auto left = binary(level + 1);
        if (!left) return left;
        while (peek().kind == Tok::Punct && precedence(peek().text) == level) {
            const std::string op = toks_[pos_++].text;
            auto right = binary(level + 1);
            if (!right) return right;
            auto r = apply(op, *left, *right);
            if (!r) return r;
            left = std::move(*r);
        }
        return left;
    }

    Result<Value> apply(const std::string& op, const Value& a_raw, const Value& b_raw) {
        if (op == "@") return repeat(a_raw, b_raw);
        const Value a = decay(a_raw), b = decay(b_raw);
        const Type* ta = strip(a.type);
        const Type* tb = strip(b.type);
        const bool pa = ta && ta->kind == TypeKind::Pointer, pb = tb && tb->kind == TypeKind::Pointer;
        auto x = scalar(a);
        if (!x) return x.error();
        auto y = scalar(b);
        if (!y) return y.error();
        auto elem_size = [](const Type* p) {
            const Type* to = strip(p->target);
            return to && to->kind != TypeKind::Void && to->kind != TypeKind::Function && to->size ? to->size : 1u;
        };
        if (op == "+" || op == "-") {
            if (pa && pb && op == "-") {
                if (elem_size(ta) != elem_size(tb))
                    return error("First argument of `-' is a pointer and second argument is neither\nan integer nor a pointer of the same type.");
                return integer(info_.long_type(), static_cast<uint64_t>(static_cast<int32_t>(*x - *y) / static_cast<int32_t>(elem_size(ta))));
            }
            if (pa && !pb) {
                const uint64_t d = *y * elem_size(ta);
                return integer(a.type, op == "+" ? *x + d : *x - d);
            }
            if (pb && !pa && op == "+") return integer(b.type, *y + *x * elem_size(tb));
            if (pa || pb) return error("Argument to arithmetic operation not a number or boolean.");
            return integer(common(a, b), op == "+" ? *x + *y : *x - *y);
        }
        if (op == "==" || op == "!=" || op == "<" || op == ">" || op == "<=" || op == ">=") {
            const Type* ct = pa || pb ? nullptr : common(a, b);
            const bool cmp_signed = ct && ct->is_signed;
            const int64_t ix = static_cast<int64_t>(*x), iy = static_cast<int64_t>(*y);
            // Unsigned comparisons happen in the common type's width: -1 == 0xffffffff.
            const uint64_t mask = !ct || ct->size < 8 ? 0xffffffffull : ~0ull;
            const uint64_t ux = *x & mask, uy = *y & mask;
            bool r = false;
            if (op == "==") r = ux == uy;
            else if (op == "!=") r = ux != uy;
            else if (op == "<") r = cmp_signed ? ix < iy : ux < uy;
            else if (op == ">") r = cmp_signed ? ix > iy : ux > uy;
            else if (op == "<=") r = cmp_signed ? ix <= iy : ux <= uy;
            else r = cmp_signed ? ix >= iy : ux >= uy;
            return boolean(r);
        }
        if (op == "&&") return boolean(*x && *y);
        if (op == "||") return boolean(*x || *y);
        if (pa || pb) return error("Argument to arithmetic operation not a number or boolean.");
        const Type* t = common(a, b);
        const bool sign = t->is_signed;
        const int64_t ix = static_cast<int64_t>(*x), iy = static_cast<int64_t>(*y);
        if (!sign && t->size < 8) *x &= 0xffffffffull, *y &= 0xffffffffull;
        if ((op == "/" || op == "%") && *y == 0) return error("Division by zero");
        if (op == "*") return integer(t, *x * *y);
        if (sign && iy == -1) return integer(t, op == "/" ? -*x : 0);  // no INT_MIN / -1 overflow
        if (op == "/") return integer(t, sign ? static_cast<uint64_t>(ix / iy) : *x / *y);
        if (op == "%") return integer(t, sign ? static_cast<uint64_t>(ix % iy) : *x % *y);
        if (op == "&") return integer(t, *x & *y);
        if (op == "|") return integer(t, *x | *y);
        if (op == "^") return integer(t, *x ^ *y);
        if (op == "<<") return integer(t, *y < 64 ? *x << *y : 0);
        return integer(t, sign ? static_cast<uint64_t>(ix >> (*y < 63 ? *y : 63)) : (*y < 64 ? *x >> *y : 0));
    }

    // gdb's x@N: N objects of x's type from x's address on.
    Result<Value> repeat(const Value& x, const Value& n) {
        if (!x.address || x.type == info_.nodebug_data_type())
            return error("Only values in memory can be extended with '@'.");
        auto count = scalar(n);
        if (!count) return count.error();
        const int64_t c = static_cast<int64_t>(*count);
        if (c <= 0 || c > 0x7fffffff) return error("Invalid number " + std::to_string(c) + " of repetitions.");
        return value_at(info_.array_of(x.type, static_cast<uint32_t>(c)), *x.address, ctx_.memory);
    }

    Result<Value> unary() {
        if (accept("-")) return arith_unary('-');
        if (accept("~")) return arith_unary('~');
        if (accept("!")) {
            auto v = unary();
            if (!v) return v;
            auto x = scalar(*v);
            if (!x) return x.error();
            return boolean(*x == 0);
        }
        if (accept("+")) return arith_unary('+');
        if (accept("*")) {
            auto v = unary();
            if (!v) return v;
            return dereference(*v);
        }
        if (accept("&")) {
            auto v = unary();
            if (!v) return v;
            return address_of(*v);
        }
        if (peek().kind == Tok::Ident && peek().text == "sizeof") {
            ++pos_;
            const Type* t = nullptr;
            if (is("(") && starts_type(1)) {
                ++pos_;
                auto ty = type_name_here();
                if (!ty) return ty.error();
                if (!accept(")")) return syntax();
                t = *ty;
            } else {
                auto v = unary();
                if (!v) return v;
                t = v->type;
            }
            const Type* s = strip(t);
            if (!s || s->kind == TypeKind::Void) return integer(info_.unsigned_long_type(), 1);
            return integer(info_.unsigned_long_type(), s->size);
        }
        if (is("(") && starts_type(1)) {
            ++pos_;
            auto ty = type_name_here();
            if (!ty) return ty.error();
            if (!accept(")")) return syntax();
            auto v = unary();
            if (!v) return v;
            return cast(*v, *ty);
        }
        return postfix();
    }

    Result<Value> arith_unary(char op) {
        auto v = unary();
        if (!v) return v;
        bool sign = false;
        auto x = scalar(*v, &sign);
        if (!x) return x.error();
        const Type* t = strip(v->type);
        if (t->kind == TypeKind::Pointer) return error("Argument to arithmetic operation not a number or boolean.");
        const Type* rt = t->size < 4 ? info_.int_type() : v->type;
        if (op == '-') return integer(rt, -*x);
        if (op == '~') return integer(rt, ~*x);
        return integer(rt, *x);
    }

    Result<Value> dereference(const Value& raw) {
        const Value v = decay(raw);
        const Type* t = strip(v.type);
        if (t && t->kind == TypeKind::Pointer && (!strip(t->target) || strip(t->target)->kind == TypeKind::Void))
            return error("Attempt to dereference a generic pointer.");
        if (!t || t->kind != TypeKind::Pointer) {
            if (t && t->kind == TypeKind::Integer) {  // gdb reads an integer as the address of a long
                auto x = scalar(v);
                if (!x) return x.error();
                return value_at(info_.long_type(), static_cast<uint32_t>(*x), ctx_.memory);
            }
            return error("Attempt to take contents of a non-pointer value.");
        }
        auto p = scalar(v);
        if (!p) return p.error();
        if (strip(t->target)->kind == TypeKind::Function) {
            Value f;
            f.type = t->target;
            f.address = static_cast<uint32_t>(*p);
            return f;
        }
        return value_at(t->target, static_cast<uint32_t>(*p), ctx_.memory);
    }

    Result<Value> address_of(const Value& v) {
        if (v.reg) {
            static const char* const names[] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi", "eip"};
            const std::string r = *v.reg >= 0 && *v.reg < kDwarfRegs ? names[*v.reg] : std::to_string(*v.reg);
            return error("Address requested for identifier \"" + last_ident_ + "\" which is in register $" + r);
        }
        if (!v.address) return error("Attempt to take address of value not located in memory.");
        return value_of(info_.pointer_to(v.type), *v.address);
    }

    Result<Value> cast(const Value& raw, const Type* to) {
        const Type* t = strip(to);
        if (!t) return error("Invalid cast.");
        // (int)sym for a symbol without debug information reads it as that type.
        if (raw.type == info_.nodebug_data_type() && raw.address) return value_at(to, *raw.address, ctx_.memory);
        if (t->kind == TypeKind::Void) {
            Value v;
            v.type = to;
            return v;
        }
        if (!is_scalar(t)) {
            // (struct page) x: only the same type, as a C cast allows.
            if (strip(raw.type) == t) return raw;
            return error("Invalid cast.");
        }
        auto x = scalar(raw);
        if (!x) return x.error();
        return integer(to, *x);
    }

    Result<Value> postfix() {
        auto v = primary();
        if (!v) return v;
        while (true) {
            if (accept("->")) {
                if (peek().kind != Tok::Ident) return syntax();
                const std::string name = toks_[pos_++].text;
                const Value p = decay(*v);
                const Type* t = strip(p.type);
                Value base = p;
                if (t && t->kind == TypeKind::Pointer) {  // gdb lets -> follow a struct too
                    auto d = dereference(p);
                    if (!d) return d;
                    base = std::move(*d);
                }
                auto m = member(base, name);
                if (!m) return m;
                v = std::move(*m);
            } else if (accept(".")) {
                if (peek().kind != Tok::Ident) return syntax();
                const std::string name = toks_[pos_++].text;
                const Type* t = strip(v->type);
                Value base = *v;
                if (t && t->kind == TypeKind::Pointer) {  // gdb lets . follow a pointer too
                    auto d = dereference(base);
                    if (!d) return d;
                    base = std::move(*d);
                }
                auto m = member(base, name);
                if (!m) return m;
                v = std::move(*m);
            } else if (accept("[")) {
                auto index = expr();
                if (!index) return index;
                if (!accept("]")) return syntax();
                auto e = subscript(*v, *index);
                if (!e) return e;
                v = std::move(*e);
            } else {
                return v;
            }
        }
    }

    // A member, looked for through anonymous struct and union members as C does.
    static bool find_member(const Type* t, const std::string& name, uint32_t base, Member& out) {
        for (const Member& m : t->members) {
            if (m.name == name) {
                out = m;
                out.offset += base;
                return true;
            }
            const Type* mt = strip(m.type);
            if (m.name.empty() && mt && (mt->kind == TypeKind::Struct || mt->kind == TypeKind::Union) &&
                find_member(mt, name, base + m.offset, out))
                return true;
        }
        return false;
    }

    Result<Value> member(const Value& s, const std::string& name) {
        const Type* t = strip(s.type);
        if (!t || (t->kind != TypeKind::Struct && t->kind != TypeKind::Union))
            return error("Attempt to extract a component of a value that is not a structure" +
                         std::string(t && t->kind == TypeKind::Pointer ? " pointer." : "."));
        Member m;
        if (!find_member(t, name, 0, m)) return error("There is no member named " + name + ".");
        const Type* mt = strip(m.type);
        if (m.bit_size) {
            auto whole = need(s);
            if (!whole) return whole.error();
            uint64_t raw = 0;
            const uint32_t nbytes = (m.bit_offset + m.bit_size + 7) / 8;
            if (m.offset + nbytes <= whole->bytes.size()) std::memcpy(&raw, whole->bytes.data() + m.offset, std::min<uint32_t>(nbytes, 8));
            raw = (raw >> m.bit_offset) & (m.bit_size < 64 ? (1ull << m.bit_size) - 1 : ~0ull);
            if (mt && mt->is_signed && m.bit_size < 64 && (raw >> (m.bit_size - 1)) & 1) raw |= ~0ull << m.bit_size;
            return integer(m.type, raw);
        }
        // In memory: read just the member (a big struct may cross an unmapped page).
        if (s.address) return value_at(m.type, *s.address + m.offset, ctx_.memory);
        auto whole = need(s);
        if (!whole) return whole.error();
        Value v;
        v.type = m.type;
        const uint32_t size = mt ? mt->size : 0;
        if (m.offset + size > whole->bytes.size()) return error("value has been optimized out");
        v.bytes.assign(whole->bytes.begin() + m.offset, whole->bytes.begin() + m.offset + size);
        return v;
    }

    Result<Value> subscript(const Value& base, const Value& index) {
        auto i = scalar(index);
        if (!i) return i.error();
        const Type* t = strip(base.type);
        if (t && t->kind == TypeKind::Array && !base.address) {  // an array in registers or computed
            const Type* e = strip(t->target);
            auto whole = need(base);
            if (!whole) return whole.error();
            if (!e || (*i + 1) * e->size > whole->bytes.size()) return error("no such vector element");
            Value v;
            v.type = t->target;
            v.bytes.assign(whole->bytes.begin() + static_cast<long>(*i * e->size), whole->bytes.begin() + static_cast<long>((*i + 1) * e->size));
            return v;
        }
        const Value p = decay(base);
        const Type* pt = strip(p.type);
        if (!pt || pt->kind != TypeKind::Pointer) return error("cannot subscript something of type `" + type_name(base.type) + "'");
        auto addr = scalar(p);
        if (!addr) return addr.error();
        const Type* e = strip(pt->target);
        if (!e || e->kind == TypeKind::Void) return error("Attempt to take contents of a non-pointer value.");
        return value_at(pt->target, static_cast<uint32_t>(*addr + *i * e->size), ctx_.memory);
    }

    Result<Value> primary() {
        const Token& t = peek();
        switch (t.kind) {
        case Tok::Number: {
            ++pos_;
            const Type* type = info_.int_type();
            if (t.is_unsigned || t.number > 0x7fffffffu) type = or_else(info_.named_type("unsigned int"), info_.unsigned_long_type());
            if (t.is_long && !t.is_unsigned && t.number <= 0x7fffffffu) type = info_.long_type();
            if (t.is_long && t.is_unsigned) type = info_.unsigned_long_type();
            if (t.number > 0xffffffffu) type = or_else(info_.named_type("long long int"), type);
            return integer(type, t.number);
        }
        case Tok::Char: ++pos_; return integer(info_.char_type(), t.number);
        case Tok::Register: ++pos_; return reg(t.text);
        case Tok::Ident: {
            ++pos_;
            if (t.text == "sizeof") return syntax();
            auto v = info_.lookup(t.text, ctx_.frame, ctx_.memory);
            if (!v) return symbol_only(t.text);
            last_ident_ = t.text;
            return *v;
        }
        case Tok::Punct:
            if (accept("(")) {
                auto v = expr();
                if (!v) return v;
                if (!accept(")")) return syntax();
                return v;
            }
            return syntax();
        case Tok::End: return syntax();
        }
        return syntax();
    }

    // A name only the symbol table has: typed by an extern declaration, as gdb does.
    Result<Value> symbol_only(const std::string& name) {
        auto sym = info_.elf_symbol(name);
        if (!sym) return error("No symbol \"" + name + "\" in current context.");
        const auto [address, function] = *sym;
        const Type* t = info_.declared_type(name, function);
        if (!t) t = function ? info_.nodebug_text_type() : info_.nodebug_data_type();
        last_ident_ = name;
        if (strip(t) && strip(t)->kind == TypeKind::Function) {
            Value f;
            f.type = t;
            f.address = address;
            return f;
        }
        return value_at(t, address, ctx_.memory);
    }

    // $eax as gdb types it: general registers int, $esp and $ebp void *, $eip a code pointer.
    Result<Value> reg(const std::string& name) {
        static const char* const names[] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi", "eip"};
        std::string n = name;
        if (n == "pc") n = "eip";
        if (n == "sp") n = "esp";
        if (n == "fp") n = "ebp";
        for (int r = 0; r < kDwarfRegs; ++r) {
            if (n != names[r]) continue;
            const Type* type = info_.int_type();
            if (r == kEsp || r == kEbp) type = info_.pointer_to(info_.named_type("void"));
            if (r == kEip) type = code_pointer();
            if (!ctx_.frame || !ctx_.frame->regs[static_cast<size_t>(r)]) {
                if (!ctx_.frame) return error("No registers.");
                Value v;
                v.type = type;
                v.state = ValueState::OptimizedOut;
                return v;
            }
            Value v = integer(type, *ctx_.frame->regs[static_cast<size_t>(r)]);
            return v;
        }
        Value v;  // a convenience variable gdb has not set: void
        v.type = info_.named_type("void");
        return v;
    }

    const Type* code_pointer() { return info_.pointer_to(info_.code_type()); }

    // Does a type name start at token `ahead`? Keywords do; an identifier does when it
    // names a typedef and no variable hides it.
    bool starts_type(size_t ahead) const {
        const Token& t = peek(ahead);
        if (t.kind != Tok::Ident) return false;
        if (t.text == "struct" || t.text == "union" || t.text == "enum" || kTypeWords.count(t.text)) return true;
        return info_.named_type(t.text) && !info_.lookup(t.text, ctx_.frame, ctx_.memory);
    }

    Result<const Type*> type_name_here() {
        const Type* t = nullptr;
        std::string words;
        while (peek().kind == Tok::Ident) {
            const std::string w = peek().text;
            if (w == "const" || w == "volatile") {  // (const char *) p: the qualifier changes no value
                ++pos_;
                continue;
            }
            if (w == "struct" || w == "union" || w == "enum") {
                if (t || !words.empty() || peek(1).kind != Tok::Ident) return syntax();
                pos_ += 2;
                const std::string tag = toks_[pos_ - 1].text;
                t = info_.named_type(w + " " + tag);
                if (!t) return error("No " + w + " type named " + tag + ".");
                continue;
            }
            if (kTypeWords.count(w)) {
                if (t) return syntax();
                words += (words.empty() ? "" : " ") + w;
                ++pos_;
                continue;
            }
            if (t || !words.empty()) break;
            t = info_.named_type(w);
            if (!t) return error("No symbol \"" + w + "\" in current context.");
            ++pos_;
        }
        if (!t) {
            if (words.empty()) return syntax();
            t = info_.named_type(words);
            if (!t && (words == "long unsigned" || words == "unsigned long")) t = info_.unsigned_long_type();
            if (!t) return error("A syntax error in expression, near `" + std::string(text_.substr(peek().at)) + "'.");
        }
        while (accept("*")) t = info_.pointer_to(t);
        return t;
    }

    std::string_view text_;
    std::vector<Token> toks_;
    size_t pos_ = 0;
    const ExpressionContext& ctx_;
    const DebugInfo& info_;
    std::string last_ident_;
};

}  // namespace

Result<Value> evaluate_expression(std::string_view text, const ExpressionContext& ctx) {
    auto tokens = tokenize(text);
    if (!tokens) return tokens.error();
    Parser p(text, std::move(*tokens), ctx);
    auto v = p.parse();
    if (!v) return v;
    if (v->state == ValueState::Unreadable) return error("Cannot access memory at address " + hex(v->bad_address));
    return v;
}

}  // namespace forkscope

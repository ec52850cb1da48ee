#include "emulator/debug/value_format.h"

#include <cstdio>
#include <cstring>

#include "base/hex.h"
#include "emulator/debug/kernel_objects.h"
#include "emulator/debug/variables.h"
#include "emulator/symbols.h"

namespace forkscope {

namespace {

// gdb's defaults: `set print elements 200`, `set print repeats 10`.
constexpr uint32_t kPrintMax = 200;
constexpr uint32_t kRepeatThreshold = 10;

uint64_t load(const uint8_t* p, uint32_t size) {
    uint64_t v = 0;
    std::memcpy(&v, p, size < 8 ? size : 8);
    return v;
}

int64_t sign_extend(uint64_t v, uint32_t bits) {
    if (bits > 0 && bits < 64 && ((v >> (bits - 1)) & 1)) v |= ~0ull << bits;
    return static_cast<int64_t>(v);
}

// One character inside quotes (q is the quote it sits in), as gdb escapes it.
std::string escaped(uint8_t c, char q) {
    switch (c) {
    case '\a': return "\\a";
    case '\b': return "\\b";
    case '\f': return "\\f";
    case '\n': return "\\n";
    case '\r': return "\\r";
    case '\t': return "\\t";
    case '\v': return "\\v";
    case '\\': return "\\\\";
    default: break;
    }
    if (c == static_cast<uint8_t>(q)) return std::string("\\") + q;
    // Octal escapes have all three digits, so a digit after one needs no escape.
    if (c >= 0x20 && c < 0x7f) return std::string(1, static_cast<char>(c));
    char b[8];
    std::snprintf(b, sizeof b, "\\%.3o", c);
    return b;
}

std::string char_literal(uint8_t c) { return "'" + escaped(c, '\'') + "'"; }

// gdb's printstr: runs of more than 10 equal characters as repeats, at most 200
// characters, the array's final NUL left out.
std::string string_of(const uint8_t* s, uint32_t length, bool stop_at_nul) {
    if (stop_at_nul) {
        uint32_t n = 0;
        while (n < length && s[n]) ++n;
        length = n;
    } else if (length > 0 && length <= kPrintMax && s[length - 1] == 0) {
        --length;
    }
    if (length == 0) return "\"\"";
    std::string out;
    bool quoted = false;
    uint32_t i = 0, printed = 0;
    while (i < length && printed < kPrintMax) {
        uint32_t run = 1;
        while (i + run < length && s[i + run] == s[i]) ++run;
        if (run > kRepeatThreshold) {
            if (quoted) out += "\", ";
            else if (!out.empty()) out += ", ";
            quoted = false;
            out += char_literal(s[i]) + " <repeats " + std::to_string(run) + " times>";
            i += run;
            printed += kRepeatThreshold;
            continue;
        }
        if (!quoted) {
            if (!out.empty()) out += ", ";
            out += '"';
            quoted = true;
        }
        out += escaped(s[i], '"');
        ++i;
        ++printed;
    }
    if (quoted) out += '"';
    if (i < length) out += "...";
    return out;
}

class Printer {
public:
    explicit Printer(const FormatOptions& o) : o_(o) {}

    std::string value(const Type* type, const uint8_t* bytes, std::optional<uint32_t> address, bool top) {
        const Type* t = strip(type);
        if (!t) return "void";
        if (o_.format == 'x' && (is_scalar(t) || t->kind == TypeKind::Boolean)) {
            const uint32_t size = t->kind == TypeKind::Pointer ? 4 : t->size;
            const uint64_t raw = load(bytes, size);
            return hex(size < 8 ? raw & ((1ull << (size * 8)) - 1) : raw);
        }
        switch (t->kind) {
        case TypeKind::Void: return "void";
        case TypeKind::Boolean: return load(bytes, t->size) ? "true" : "false";
        case TypeKind::Integer: return integer(t, load(bytes, t->size));
        case TypeKind::Float: {
            char b[64];
            if (t->size == 4) {
                float f;
                std::memcpy(&f, bytes, 4);
                std::snprintf(b, sizeof b, "%g", static_cast<double>(f));
            } else {
                double d = 0;
                std::memcpy(&d, bytes, t->size < 8 ? t->size : 8);
                std::snprintf(b, sizeof b, "%g", d);
            }
            return b;
        }
        case TypeKind::Enum: return enumerator(t, load(bytes, t->size));
        case TypeKind::Pointer: return pointer(type, static_cast<uint32_t>(load(bytes, 4)), top);
        case TypeKind::Struct:
        case TypeKind::Union: return aggregate(t, bytes, address);
        case TypeKind::Array: return array(t, bytes, address);
        case TypeKind::Function:
            return "{" + type_name(type) + "} " + hex(address.value_or(0)) + symbol(address.value_or(0));
        default: return "?";
        }
    }

    std::string integer(const Type* t, uint64_t raw) const {
        const int64_t s = sign_extend(raw, t->size * 8);
        std::string n = t->is_signed ? std::to_string(s) : std::to_string(t->size < 8 ? raw & ((1ull << (t->size * 8)) - 1) : raw);
        if (t->is_char && t->size == 1) n += " " + char_literal(static_cast<uint8_t>(raw));
        return n;
    }

    std::string enumerator(const Type* t, uint64_t raw) const {
        const int64_t v = t->is_signed ? sign_extend(raw, t->size * 8) : static_cast<int64_t>(raw & (t->size < 8 ? (1ull << (t->size * 8)) - 1 : ~0ull));
        for (const auto& [name, value] : t->enumerators)
            if (value == v) return name;
        // gdb's flag enums: no negative enumerators, no two sharing a bit. A value is
        // shown as the enumerators it holds, and what is left as unknown.
        uint64_t mask = 0;
        bool flags = true;
        for (const auto& [name, value] : t->enumerators) {
            if (value < 0 || (mask & static_cast<uint64_t>(value))) flags = false;
            mask |= static_cast<uint64_t>(value);
        }
        if (!flags || v < 0) return std::to_string(v);
        uint64_t rest = static_cast<uint64_t>(v);
        std::string out;
        for (const auto& [name, value] : t->enumerators) {
            if (!(rest & static_cast<uint64_t>(value))) continue;
            out += (out.empty() ? "(" : " | ") + name;
            rest &= ~static_cast<uint64_t>(value);
        }
        if (rest) out += (out.empty() ? "(unknown: " : " | unknown: ") + hex(rest) + ")";
        else if (out.empty()) out = "0";
        else out += ")";
        return out;
    }

    // `<symbol+off>` for an address inside a kernel function or object, as gdb's
    // `print symbol` shows it; functions by their nearest symbol.
    std::string symbol(uint32_t addr) const {
        if (!o_.symbols || addr == 0) return "";
        auto s = o_.symbols->containing(addr);
        // A sized symbol holds addr; an unsized one only names code (assembly entry points).
        if (!s || (s->size ? addr - s->address >= s->size : !s->function)) return "";
        const uint32_t off = addr - s->address;
        return " <" + s->name + (off ? "+" + std::to_string(off) : "") + ">";
    }

    std::string pointer(const Type* type, uint32_t p, bool top) {
        const Type* t = strip(type);
        const Type* to = strip(t->target);
        std::string s = hex(p);
        if (to && to->kind == TypeKind::Function) {
            s += symbol(p);
        } else if (to && to->kind == TypeKind::Integer && to->is_char && to->size == 1) {
            // gdb prints what a char pointer points at; a plain char * without its type.
            if (p) s += symbol(p) + " " + c_string(p);
            const Type* bare = type;  // gdb's test: the pointer type has no name (const is no name)
            while (bare->kind == TypeKind::Const || bare->kind == TypeKind::Volatile) bare = bare->target;
            if (bare->kind == TypeKind::Pointer && to->name == "char") return s;
        } else {
            s += symbol(p);
            if (o_.objects && to && p)
                if (auto d = o_.objects->describe(to, p)) s += " <" + *d + ">";
        }
        return top ? "(" + type_name(type) + ") " + s : s;
    }

    std::string c_string(uint32_t p) const {
        std::vector<uint8_t> buf;
        for (uint32_t i = 0; i < kPrintMax + 1; ++i) {
            uint8_t c;
            if (!o_.memory || !o_.memory(p + i, std::span<uint8_t>(&c, 1))) {
                if (i == 0) return "<error: Cannot access memory at address " + hex(p) + ">";
                break;
            }
            buf.push_back(c);
            if (!c) break;
        }
        // More than 200 characters: string_of shows 200 and "...".
        return string_of(buf.data(), static_cast<uint32_t>(buf.size()), true);
    }

    std::string aggregate(const Type* t, const uint8_t* bytes, std::optional<uint32_t> address) {
        if (t->incomplete) return "<incomplete type>";
        std::string out = "{";
        bool first = true;
        for (const Member& m : t->members) {
            if (!first) out += ", ";
            first = false;
            if (!m.name.empty()) out += m.name + " = ";
            if (m.bit_size) {
                const Type* mt = strip(m.type);
                const uint32_t nbytes = (m.bit_offset + m.bit_size + 7) / 8;
                uint64_t raw = (m.offset + nbytes <= t->size) ? load(bytes + m.offset, nbytes) >> m.bit_offset : 0;
                raw &= m.bit_size < 64 ? (1ull << m.bit_size) - 1 : ~0ull;
                if (mt && mt->is_signed) raw = static_cast<uint64_t>(sign_extend(raw, m.bit_size));
                uint8_t tmp[8];
                std::memcpy(tmp, &raw, 8);
                out += value(m.type, tmp, std::nullopt, false);
                continue;
            }
            const Type* mt = strip(m.type);
            if (mt && m.offset + mt->size > t->size) {  // malformed: never from gcc
                out += "?";
                continue;
            }
            out += value(m.type, bytes + m.offset, address ? std::optional<uint32_t>(*address + m.offset) : std::nullopt, false);
        }
        return out + "}";
    }

    std::string array(const Type* t, const uint8_t* bytes, std::optional<uint32_t> address) {
        const Type* elem = strip(t->target);
        const uint32_t count = t->count.value_or(0);
        if (!t->count && address) {  // a flexible array member: gdb shows where it starts
            std::string s = hex(*address) + symbol(*address);
            if (elem && elem->kind == TypeKind::Integer && elem->is_char && elem->size == 1) s += " " + c_string(*address);
            return s;
        }
        if (!elem || count == 0) return "{}";
        if (elem->kind == TypeKind::Integer && elem->is_char && elem->size == 1 && !o_.format)
            return string_of(bytes, count, false);
        const uint32_t es = elem->size;
        std::string out = "{";
        uint32_t i = 0, printed = 0;
        while (i < count && printed < kPrintMax) {
            uint32_t run = 1;
            while (i + run < count && std::memcmp(bytes + i * es, bytes + (i + run) * es, es) == 0) ++run;
            if (i) out += ", ";
            const auto at = address ? std::optional<uint32_t>(*address + i * es) : std::nullopt;
            out += value(t->target, bytes + i * es, at, false);
            if (run > kRepeatThreshold) {
                out += " <repeats " + std::to_string(run) + " times>";
                i += run;
                printed += kRepeatThreshold;
            } else {
                ++i;
                ++printed;
            }
        }
        if (i < count) out += "...";
        return out + "}";
    }

private:
    const FormatOptions& o_;
};

}  // namespace

std::string format_value(const Value& v, const FormatOptions& options) {
    switch (v.state) {
    case ValueState::OptimizedOut: return "<optimized out>";
    case ValueState::Unreadable: return "<error: Cannot access memory at address " + hex(v.bad_address) + ">";
    case ValueState::Available: break;
    }
    const Type* t = strip(v.type);
    if (t && t->kind != TypeKind::Function && v.bytes.size() < t->size) return "<optimized out>";
    return Printer(options).value(v.type, v.bytes.data(), v.address, true);
}

std::string format_variables(const std::vector<Variable>& vars, const FormatOptions& options, const char* none) {
    if (vars.empty()) return std::string(none) + "\n";
    std::string out;
    for (const Variable& v : vars) out += v.name + " = " + format_value(v.value, options) + "\n";
    return out;
}

std::string format_frame_arguments(const std::vector<Variable>& args, const FormatOptions& options) {
    std::string out;
    for (const Variable& v : args) {
        std::string shown = "...";
        const Type* t = v.value.type ? strip(v.value.type) : nullptr;
        if (t && t->kind == TypeKind::Pointer && v.value.available()) {
            const uint64_t a = v.value.as_unsigned();
            shown = hex(a);
            if (options.objects)
                if (auto d = options.objects->describe(t->target, static_cast<uint32_t>(a))) shown += " <" + *d + ">";
        } else if (is_scalar(v.value.type) || !v.value.available()) {
            shown = format_value(v.value, options);
        }
        out += (out.empty() ? "" : ", ") + v.name + "=" + shown;
    }
    return out;
}

}  // namespace forkscope

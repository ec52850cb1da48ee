#include "emulator/debug/types.h"

namespace forkscope {

const Type* strip(const Type* t) {
    while (t && (t->kind == TypeKind::Typedef || t->kind == TypeKind::Const || t->kind == TypeKind::Volatile))
        t = t->target;
    return t;
}

bool is_integral(const Type* t) {
    t = strip(t);
    return t && (t->kind == TypeKind::Integer || t->kind == TypeKind::Boolean || t->kind == TypeKind::Enum);
}

bool is_scalar(const Type* t) { return is_integral(t) || (strip(t) && strip(t)->kind == TypeKind::Pointer); }

bool is_aggregate(const Type* t) {
    t = strip(t);
    return t && (t->kind == TypeKind::Struct || t->kind == TypeKind::Union || t->kind == TypeKind::Array);
}

namespace {

std::string joined(const std::string& base, const std::string& inner) {
    return inner.empty() ? base : base + " " + inner;
}

std::string params_of(const Type* f) {
    std::string s;
    for (const Type* p : f->params) s += (s.empty() ? "" : ", ") + type_name(p);
    if (f->varargs) s += s.empty() ? "..." : ", ...";
    if (s.empty() && f->prototyped) s = "void";
    return "(" + s + ")";
}

}  // namespace

// C declarators read inside out: the pointer's star goes next to the name, an array's
// bound or a function's parameters after it, with parentheses when a star binds to them.
std::string type_name_with(const Type* t, const std::string& inner) {
    if (!t) return joined("void", inner);
    switch (t->kind) {
    case TypeKind::Void: return joined("void", inner);
    case TypeKind::Integer:
    case TypeKind::Boolean:
    case TypeKind::Float:
    case TypeKind::Typedef: return joined(t->name, inner);
    case TypeKind::Struct: return joined(t->name.empty() ? "struct {...}" : "struct " + t->name, inner);
    case TypeKind::Union: return joined(t->name.empty() ? "union {...}" : "union " + t->name, inner);
    case TypeKind::Enum: return joined(t->name.empty() ? "enum {...}" : "enum " + t->name, inner);
    case TypeKind::Const:
    case TypeKind::Volatile: {
        const char* q = t->kind == TypeKind::Const ? "const" : "volatile";
        if (t->target && t->target->kind == TypeKind::Array)  // C qualifies the elements: shown there
            return type_name_with(t->target, inner);
        if (t->target && t->target->kind == TypeKind::Pointer)  // the pointer itself: "char * const"
            return type_name_with(t->target, std::string(" ") + q + (inner.empty() ? "" : " " + inner));
        return std::string(q) + " " + type_name_with(t->target, inner);
    }
    case TypeKind::Pointer: {
        const Type* to = t->target;
        const Type* bare = to;  // a pointer to a const array still needs the parentheses
        while (bare && (bare->kind == TypeKind::Const || bare->kind == TypeKind::Volatile)) bare = bare->target;
        // gdb's "<text variable, no debug info>" is a function type with a name.
        const bool wrap = bare && ((bare->kind == TypeKind::Function && bare->name.empty()) || bare->kind == TypeKind::Array);
        return type_name_with(to, wrap ? "(*" + inner + ")" : "*" + inner);
    }
    case TypeKind::Array:
        return type_name_with(t->target, inner + "[" + (t->count ? std::to_string(*t->count) : "") + "]");
    case TypeKind::Function:
        if (!t->name.empty()) return joined(t->name, inner);
        return type_name_with(t->target, inner + params_of(t));
    }
    return inner;
}

std::string type_name(const Type* t) { return type_name_with(t, ""); }

}  // namespace forkscope

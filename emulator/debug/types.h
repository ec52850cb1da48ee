// The C types of the guest kernel, read from its DWARF: base types, pointers, structs
// and unions with their members (bitfields too), enums, arrays, functions, typedefs and
// const/volatile, as host data. Values (value.h) carry a Type; the expression
// evaluator casts to them by name ("struct task_struct *", "unsigned long", "pte_t").
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace forkscope {

enum class TypeKind { Void, Integer, Boolean, Float, Pointer, Struct, Union, Enum, Array, Function, Typedef, Const, Volatile };

struct Type;

struct Member {
    std::string name;          // empty for an anonymous struct or union member
    const Type* type = nullptr;
    uint32_t offset = 0;       // bytes from the start of the aggregate
    uint32_t bit_size = 0;     // a bitfield: its width; 0 otherwise
    uint32_t bit_offset = 0;   // a bitfield: its lowest bit, counted from offset's byte 0 (little endian)
};

struct Type {
    TypeKind kind = TypeKind::Void;
    std::string name;          // "int", the tag of a struct ("task_struct"), a typedef's name
    uint32_t size = 0;         // bytes (an array: of all its elements)
    bool is_signed = false;    // integers, enums
    bool is_char = false;      // a character type (char, signed char, unsigned char)
    bool incomplete = false;   // a struct or union only declared
    // The pointee, the element, the return type (void: null), the typedef's or
    // qualifier's target, an enum's underlying integer type.
    const Type* target = nullptr;
    std::optional<uint32_t> count;  // array elements (none: no bound given)
    std::vector<Member> members;
    std::vector<std::pair<std::string, int64_t>> enumerators;
    std::vector<const Type*> params;  // a function's parameter types
    bool varargs = false;
    bool prototyped = true;
};

// The type without typedefs and const/volatile: what a value's bytes mean.
const Type* strip(const Type* t);

bool is_integral(const Type* t);   // integer, boolean, enum (after strip)
bool is_scalar(const Type* t);     // integral or pointer
bool is_aggregate(const Type* t);  // struct, union, array

// The type as C and gdb spell it: "struct task_struct *", "char [16]",
// "int (*)(void *)", "const char *", "pte_t".
std::string type_name(const Type* t);

// The type around a declarator: type_name_with(int(*)(void *), "fn") is "int (*fn)(void *)".
std::string type_name_with(const Type* t, const std::string& inner);

}  // namespace forkscope

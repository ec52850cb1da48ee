// DwarfImage: the guest kernel's DWARF opened with libdw, for the variables, the
// expression evaluator and the frame unwinder (an internal header of emulator/debug:
// only their .cpp files include it, so libdw stays out of the public headers). It
// holds the indexes by name (types, global variables, functions) and turns type DIEs
// into host Types (types.h), once each.
#pragma once
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <libelf.h>

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "emulator/debug/types.h"

namespace forkscope {

class DwarfImage {
public:
    static Result<std::unique_ptr<DwarfImage>> open(std::span<const uint8_t> elf, const std::string& name);
    ~DwarfImage();
    DwarfImage(const DwarfImage&) = delete;
    DwarfImage& operator=(const DwarfImage&) = delete;

    Dwarf* dwarf() const { return dwarf_; }
    Dwarf_CFI* cfi() const { return cfi_; }  // .debug_frame; null when there is none

    // The Type a type DIE describes, and the type of an entity (its DW_AT_type,
    // following an abstract origin; void when it has none).
    const Type* type_from(Dwarf_Die* die);
    const Type* type_of(Dwarf_Die* entity);

    // A type by its C spelling without declarators: "struct task_struct", "union x",
    // "enum y", a typedef ("pte_t") or a base type ("unsigned long", "long unsigned int",
    // "char"). Null when the kernel has none.
    const Type* named_type(std::string_view name);

    // Made by the evaluator: T *, and base types it needs even if the kernel lacks them.
    const Type* pointer_to(const Type* t);
    const Type* array_of(const Type* t, uint32_t count);
    const Type* void_type() { return &void_; }
    const Type* int_type();            // int: literals, comparisons
    const Type* long_type();           // long: pointer differences
    const Type* unsigned_long_type();  // unsigned long: sizeof
    const Type* code_type() { return &code_; }  // void (): $eip is a pointer to it
    // What gdb calls a symbol without debug information: "<data variable, no debug
    // info>" (usable only through a cast) and "<text variable, no debug info>".
    const Type* nodebug_data_type() { return &nodebug_data_; }
    const Type* nodebug_text_type() { return &nodebug_text_; }

    // The DIE of a global (or file-static) variable's definition, or of a function.
    bool global_variable(std::string_view name, Dwarf_Die* out) const;
    bool function(std::string_view name, Dwarf_Die* out) const;
    // A symbol of the ELF symbol table, of any type (assembly labels are NOTYPE).
    struct ElfSymbol {
        uint32_t address = 0;
        bool function = false;
    };
    std::optional<ElfSymbol> elf_symbol(std::string_view name) const;
    // An extern declaration of a variable or function defined where DWARF does not
    // describe it (assembly: swapper_pg_dir, system_call): its type, or null. A
    // function's declaration is preferred for a function symbol, a variable's for data.
    const Type* declared_type(std::string_view name, bool function);
    // An enumerator's enum type ("PG_ANON" -> enum page_kind); null when none has that name.
    const Type* enumerator_type(std::string_view name);

private:
    DwarfImage() = default;
    void index();
    const Type* base(const std::string& name, TypeKind kind, uint32_t size, bool is_signed);

    std::vector<uint8_t> bytes_;  // libelf reads from it for as long as we live
    Elf* elf_ = nullptr;
    Dwarf* dwarf_ = nullptr;
    Dwarf_CFI* cfi_ = nullptr;
    Type void_, code_, nodebug_data_, nodebug_text_;
    std::deque<Type> types_;                     // stable addresses
    std::map<Dwarf_Off, const Type*> by_die_;
    std::map<const Type*, const Type*> pointers_;
    std::map<std::pair<const Type*, uint32_t>, const Type*> arrays_;
    std::map<std::string, const Type*> made_bases_;
    std::map<std::string, Dwarf_Off, std::less<>> types_by_name_;  // "struct x", "pte_t", "int"
    std::map<std::string, Dwarf_Off, std::less<>> globals_, functions_, enumerators_, declared_variables_,
        declared_functions_;
};

}  // namespace forkscope

// KernelSymbols: the guest kernel's functions and objects by name and by address, read
// from its ELF image's .symtab with libelf. Static (local) functions are included:
// copy_mm and dup_mmap are static in fork.c, and a stop point may name them.
//
//   auto syms = KernelSymbols::read(kernel_elf_bytes);       // BadImage on a bad file
//   auto s = syms->lookup("copy_process");                  // Usage error, with
//   // "unknown kernel symbol 'copy_proces' (did you mean copy_process?)"
//   syms->symbolize(eip);                                   // "copy_process+0x1c"
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace forkscope {

struct KernelSymbol {
    std::string name;
    uint32_t address = 0;
    uint32_t size = 0;      // bytes; 0 when the assembler gave none
    bool function = false;  // STT_FUNC (else STT_OBJECT)
    bool global = false;    // STB_GLOBAL or STB_WEAK (else STB_LOCAL)
    std::string file;       // a local symbol's source file (its STT_FILE), else empty
};

class KernelSymbols {
public:
    // Reads FUNC and OBJECT symbols of .symtab. Errors (ErrorKind::BadImage): not an
    // ELF32 file, a truncated or malformed one, or no .symtab (a stripped kernel).
    static Result<KernelSymbols> read(std::span<const uint8_t> elf);

    // The symbol called `name`. Errors (ErrorKind::Usage): no such symbol (the message
    // suggests up to four close names), or several symbols of that name at different
    // addresses (locals of different files; the message lists them).
    Result<KernelSymbol> lookup(std::string_view name) const;

    // The symbol whose [address, address + size) holds addr (a sized one first; else
    // the nearest function at or below addr that has no size).
    std::optional<KernelSymbol> containing(uint32_t addr) const;

    // "copy_process+0x1c", "copy_process" at its first byte, or "0xc0123456" when no
    // symbol holds addr.
    std::string symbolize(uint32_t addr) const;

    const std::vector<KernelSymbol>& all() const { return by_address_; }

private:
    std::vector<KernelSymbol> by_address_;  // sorted by address, then name
    std::vector<uint32_t> by_name_;         // indices into by_address_, sorted by name

    // Compares an index into by_address_ with a name, either way round (equal_range).
    struct NameOrder {
        const std::vector<KernelSymbol>& symbols;
        bool operator()(uint32_t i, std::string_view name) const { return symbols[i].name < name; }
        bool operator()(std::string_view name, uint32_t i) const { return name < symbols[i].name; }
    };
};

}  // namespace forkscope

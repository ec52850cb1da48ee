#include "emulator/symbols.h"

#include <gelf.h>
#include <libelf.h>

#include <algorithm>
#include <cstdio>
#include <memory>

#include "base/hex.h"

namespace forkscope {

namespace {

Error bad(const std::string& what) { return make_error(ErrorKind::BadImage, "kernel symbols: " + what); }

std::string elf_message() {
    const char* m = elf_errmsg(-1);
    return m ? m : "unknown libelf error";
}

struct ElfCloser {
    void operator()(Elf* e) const { elf_end(e); }
};

// Edit distance (insert, delete, substitute), for the suggestions of an unknown name.
size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        size_t diagonal = row[0];
        row[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = up;
        }
    }
    return row[b.size()];
}

size_t common_prefix(std::string_view a, std::string_view b) {
    size_t n = 0;
    while (n < a.size() && n < b.size() && a[n] == b[n]) ++n;
    return n;
}

// Up to four names close to `name`: a few edits away, or starting with it.
std::vector<std::string> close_names(std::string_view name, const std::vector<KernelSymbol>& symbols) {
    struct Candidate {
        size_t distance, prefix;
        std::string name;
    };
    const size_t allowed = std::clamp<size_t>(name.size() / 3, 1, 3);
    std::vector<Candidate> found;
    for (const KernelSymbol& s : symbols) {
        const size_t d = edit_distance(name, s.name);
        const bool extends = name.size() >= 3 && s.name.starts_with(name);
        if (d > allowed && !extends) continue;
        if (std::any_of(found.begin(), found.end(), [&](const Candidate& c) { return c.name == s.name; })) continue;
        found.push_back({d, common_prefix(name, s.name), s.name});
    }
    std::sort(found.begin(), found.end(), [](const Candidate& a, const Candidate& b) {
        if (a.distance != b.distance) return a.distance < b.distance;
        if (a.prefix != b.prefix) return a.prefix > b.prefix;
        return a.name < b.name;
    });
    std::vector<std::string> names;
    for (size_t i = 0; i < found.size() && i < 4; ++i) names.push_back(found[i].name);
    return names;
}

// "a", "a or b", "a, b or c".
std::string one_of(const std::vector<std::string>& names) {
    std::string s;
    for (size_t i = 0; i < names.size(); ++i) {
        if (i > 0) s += i + 1 == names.size() ? " or " : ", ";
        s += names[i];
    }
    return s;
}

}  // namespace

Result<KernelSymbols> KernelSymbols::read(std::span<const uint8_t> image) {
    if (elf_version(EV_CURRENT) == EV_NONE) return bad("libelf is out of date: " + elf_message());
    // libelf wants a mutable buffer; it only reads this one (ELF_C_READ semantics).
    std::vector<char> bytes(image.begin(), image.end());
    std::unique_ptr<Elf, ElfCloser> elf(elf_memory(bytes.data(), bytes.size()));
    if (!elf) return bad("cannot read the kernel image: " + elf_message());
    if (elf_kind(elf.get()) != ELF_K_ELF) return bad("the kernel image is not an ELF file");
    if (gelf_getclass(elf.get()) != ELFCLASS32) return bad("the kernel image is not an ELF32 file");
    GElf_Ehdr ehdr;
    if (!gelf_getehdr(elf.get(), &ehdr)) return bad("the kernel image's ELF header is malformed: " + elf_message());
    size_t section_count = 0;
    if (elf_getshdrnum(elf.get(), &section_count) != 0)
        return bad("the kernel image's section headers are malformed: " + elf_message());

    KernelSymbols out;
    bool have_symtab = false;
    for (Elf_Scn* scn = elf_nextscn(elf.get(), nullptr); scn; scn = elf_nextscn(elf.get(), scn)) {
        GElf_Shdr shdr;
        if (!gelf_getshdr(scn, &shdr)) return bad("a section header is malformed: " + elf_message());
        if (shdr.sh_type != SHT_SYMTAB) continue;
        have_symtab = true;
        Elf_Data* data = elf_getdata(scn, nullptr);
        if (!data || shdr.sh_entsize == 0)
            return bad("the symbol table cannot be read (truncated file?): " + elf_message());
        if (shdr.sh_offset + shdr.sh_size > image.size()) return bad("the symbol table is outside the file");
        const size_t count = shdr.sh_size / shdr.sh_entsize;
        std::string file;  // locals follow the STT_FILE symbol of their source file
        for (size_t i = 0; i < count; ++i) {
            GElf_Sym sym;
            if (!gelf_getsym(data, static_cast<int>(i), &sym)) return bad("symbol " + std::to_string(i) + " is malformed");
            const int type = GELF_ST_TYPE(sym.st_info), bind = GELF_ST_BIND(sym.st_info);
            const char* name = elf_strptr(elf.get(), shdr.sh_link, sym.st_name);
            if (!name) return bad("symbol " + std::to_string(i) + " has a name outside the string table");
            if (type == STT_FILE) {
                file = name;
                continue;
            }
            if ((type != STT_FUNC && type != STT_OBJECT) || !*name) continue;
            // Only what is in the kernel's memory: not the kernel-info table's section
            // (no SHF_ALLOC, address 0), undefined or absolute symbols.
            if (sym.st_shndx == SHN_UNDEF || sym.st_shndx >= SHN_LORESERVE) continue;
            Elf_Scn* home = elf_getscn(elf.get(), sym.st_shndx);
            GElf_Shdr home_shdr;
            if (!home || !gelf_getshdr(home, &home_shdr)) return bad("symbol " + std::string(name) + " is in no section");
            if (!(home_shdr.sh_flags & SHF_ALLOC)) continue;
            KernelSymbol s;
            s.name = name;
            s.address = static_cast<uint32_t>(sym.st_value);
            s.size = static_cast<uint32_t>(sym.st_size);
            s.function = type == STT_FUNC;
            s.global = bind == STB_GLOBAL || bind == STB_WEAK;
            if (!s.global) s.file = file;
            out.by_address_.push_back(std::move(s));
        }
    }
    if (!have_symtab) return bad("the kernel image has no .symtab (stripped?)");
    std::sort(out.by_address_.begin(), out.by_address_.end(), [](const KernelSymbol& a, const KernelSymbol& b) {
        return a.address != b.address ? a.address < b.address : a.name < b.name;
    });
    // By name too: the debugger looks names up at every stop it counts.
    out.by_name_.resize(out.by_address_.size());
    for (uint32_t i = 0; i < out.by_name_.size(); ++i) out.by_name_[i] = i;
    std::stable_sort(out.by_name_.begin(), out.by_name_.end(),
                     [&](uint32_t a, uint32_t b) { return out.by_address_[a].name < out.by_address_[b].name; });
    return out;
}

Result<KernelSymbol> KernelSymbols::lookup(std::string_view name) const {
    std::vector<const KernelSymbol*> matches;
    auto [first, last] = std::equal_range(by_name_.begin(), by_name_.end(), name, NameOrder{by_address_});
    for (auto i = first; i != last; ++i) {
        const KernelSymbol& s = by_address_[*i];
        // One definition seen twice (an alias at the same address) is not ambiguous.
        if (std::none_of(matches.begin(), matches.end(), [&](const KernelSymbol* m) { return m->address == s.address; }))
            matches.push_back(&s);
    }
    if (matches.size() == 1) return *matches[0];
    if (matches.empty()) {
        std::string message = "unknown kernel symbol '" + std::string(name) + "'";
        auto close = close_names(name, by_address_);
        if (!close.empty()) message += " (did you mean " + one_of(close) + "?)";
        return make_error(ErrorKind::Usage, message);
    }
    std::string message = "kernel symbol '" + std::string(name) + "' is ambiguous:";
    for (size_t i = 0; i < matches.size(); ++i) {
        message += (i ? ", " : " ") + hex8(matches[i]->address);
        if (!matches[i]->file.empty()) message += " (" + matches[i]->file + ")";
    }
    return make_error(ErrorKind::Usage, message);
}

std::optional<KernelSymbol> KernelSymbols::containing(uint32_t addr) const {
    // The last symbol at or below addr, then backwards over the ones that may still hold it.
    auto it = std::upper_bound(by_address_.begin(), by_address_.end(), addr,
                               [](uint32_t a, const KernelSymbol& s) { return a < s.address; });
    const KernelSymbol* unsized = nullptr;
    bool passed_function = false;
    for (auto i = it; i != by_address_.begin();) {
        --i;
        if (i->size != 0 && addr - i->address < i->size) return *i;
        // An assembler label without a size holds addr only if no function lies between.
        if (i->function && i->size == 0 && !passed_function) unsized = &*i;
        if (i->function) passed_function = true;
    }
    if (unsized) return *unsized;
    return std::nullopt;
}

std::string KernelSymbols::symbolize(uint32_t addr) const {
    auto s = containing(addr);
    if (!s) return hex8(addr);
    if (addr == s->address) return s->name;
    char off[16];
    std::snprintf(off, sizeof off, "+0x%x", addr - s->address);
    return s->name + off;
}

}  // namespace forkscope

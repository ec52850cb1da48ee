#include "emulator/debug/dwarf_image.h"

#include <gelf.h>

#include <array>

namespace forkscope {

namespace {

const char* attr_string(Dwarf_Die* die, unsigned name) {
    Dwarf_Attribute attr;
    return dwarf_attr_integrate(die, name, &attr) ? dwarf_formstring(&attr) : nullptr;
}

std::optional<Dwarf_Word> attr_unsigned(Dwarf_Die* die, unsigned name) {
    Dwarf_Attribute attr;
    Dwarf_Word v = 0;
    if (!dwarf_attr_integrate(die, name, &attr) || dwarf_formudata(&attr, &v) != 0) return std::nullopt;
    return v;
}

bool attr_flag(Dwarf_Die* die, unsigned name) {
    Dwarf_Attribute attr;
    bool v = false;
    return dwarf_attr_integrate(die, name, &attr) && dwarf_formflag(&attr, &v) == 0 && v;
}

// gdb accepts the C spellings; gcc's DWARF names base types its own way.
constexpr std::array<std::pair<std::string_view, std::string_view>, 13> kBaseAliases{{
    {"unsigned", "unsigned int"},
    {"signed", "int"},
    {"signed int", "int"},
    {"long", "long int"},
    {"signed long", "long int"},
    {"unsigned long", "long unsigned int"},
    {"short", "short int"},
    {"unsigned short", "short unsigned int"},
    {"long long", "long long int"},
    {"unsigned long long", "long long unsigned int"},
    {"unsigned long int", "long unsigned int"},
    {"unsigned short int", "short unsigned int"},
    {"unsigned long long int", "long long unsigned int"},
}};

constexpr std::array<std::pair<std::string_view, std::string_view>, 7> kGdbNames{{
    {"long", "long int"},
    {"unsigned long", "long unsigned int"},
    {"short", "short int"},
    {"unsigned short", "short unsigned int"},
    {"long long", "long long int"},
    {"unsigned long long", "long long unsigned int"},
    {"unsigned int", "unsigned int"},
}};

}  // namespace

DwarfImage::~DwarfImage() {
    if (dwarf_) dwarf_end(dwarf_);
    if (elf_) elf_end(elf_);
}

Result<std::unique_ptr<DwarfImage>> DwarfImage::open(std::span<const uint8_t> image, const std::string& name) {
    auto bad = [&](const std::string& what) { return make_error(ErrorKind::BadImage, name + ": " + what); };
    elf_version(EV_CURRENT);
    std::unique_ptr<DwarfImage> d(new DwarfImage());
    d->bytes_.assign(image.begin(), image.end());
    d->elf_ = elf_memory(reinterpret_cast<char*>(d->bytes_.data()), d->bytes_.size());
    if (!d->elf_ || elf_kind(d->elf_) != ELF_K_ELF) return bad("not an ELF file");
    d->dwarf_ = dwarf_begin_elf(d->elf_, DWARF_C_READ, nullptr);
    if (!d->dwarf_) return bad("has no debug information (built without -g, or stripped)");
    d->cfi_ = dwarf_getcfi(d->dwarf_);
    d->void_.kind = TypeKind::Void;
    d->void_.name = "void";
    d->code_.kind = TypeKind::Function;
    d->code_.prototyped = false;
    d->code_.size = 1;
    d->nodebug_data_.kind = TypeKind::Integer;
    d->nodebug_data_.name = "<data variable, no debug info>";
    d->nodebug_data_.size = 4;
    d->nodebug_data_.is_signed = true;
    d->nodebug_text_.kind = TypeKind::Function;
    d->nodebug_text_.name = "<text variable, no debug info>";
    d->nodebug_text_.prototyped = false;
    d->nodebug_text_.size = 1;
    d->index();
    if (d->functions_.empty()) return bad("has no debug information about its functions");
    return d;
}

// Every unit's top-level definitions by name: types, variables, functions. A complete
// struct wins over a declaration, a definition with a location over an extern one.
void DwarfImage::index() {
    Dwarf_Off offset = 0, next = 0;
    size_t header_size = 0;
    while (dwarf_nextcu(dwarf_, offset, &next, &header_size, nullptr, nullptr, nullptr) == 0) {
        Dwarf_Die cu, child;
        if (dwarf_offdie(dwarf_, offset + header_size, &cu) && dwarf_child(&cu, &child) == 0) {
            do {
                if (dwarf_tag(&child) == DW_TAG_enumeration_type) {  // named or not: its enumerators are
                    Dwarf_Die e;
                    if (dwarf_child(&child, &e) == 0) {
                        do {
                            if (const char* n = dwarf_diename(&e))
                                enumerators_.try_emplace(n, dwarf_dieoffset(&child));
                        } while (dwarf_siblingof(&e, &e) == 0);
                    }
                }
                const char* name = attr_string(&child, DW_AT_name);
                if (!name) continue;
                const Dwarf_Off off = dwarf_dieoffset(&child);
                const bool declaration = attr_flag(&child, DW_AT_declaration);
                switch (dwarf_tag(&child)) {
                case DW_TAG_structure_type:
                case DW_TAG_union_type:
                case DW_TAG_enumeration_type: {
                    const int tag = dwarf_tag(&child);
                    const std::string key = std::string(tag == DW_TAG_structure_type ? "struct " : tag == DW_TAG_union_type ? "union " : "enum ") + name;
                    auto it = types_by_name_.find(key);
                    if (it == types_by_name_.end()) types_by_name_.emplace(key, off);
                    else if (!declaration) {
                        Dwarf_Die old;
                        if (dwarf_offdie(dwarf_, it->second, &old) && attr_flag(&old, DW_AT_declaration)) it->second = off;
                    }
                    break;
                }
                case DW_TAG_typedef:
                case DW_TAG_base_type: types_by_name_.try_emplace(name, off); break;
                case DW_TAG_variable:
                    if (declaration) declared_variables_.try_emplace(name, off);
                    if (dwarf_hasattr(&child, DW_AT_location) || dwarf_hasattr(&child, DW_AT_const_value)) {
                        auto it = globals_.find(name);
                        // An extern declaration elsewhere has no location; a definition does.
                        if (it == globals_.end()) globals_.emplace(name, off);
                    }
                    break;
                case DW_TAG_subprogram:
                    if (declaration) declared_functions_.try_emplace(name, off);
                    if (dwarf_hasattr(&child, DW_AT_low_pc)) functions_.try_emplace(name, off);
                    break;
                default: break;
                }
            } while (dwarf_siblingof(&child, &child) == 0);
        }
        offset = next;
    }
}

const Type* DwarfImage::type_of(Dwarf_Die* entity) {
    Dwarf_Attribute attr;
    Dwarf_Die t;
    if (!dwarf_attr_integrate(entity, DW_AT_type, &attr) || !dwarf_formref_die(&attr, &t)) return &void_;
    return type_from(&t);
}

const Type* DwarfImage::type_from(Dwarf_Die* die) {
    const Dwarf_Off off = dwarf_dieoffset(die);
    if (auto it = by_die_.find(off); it != by_die_.end()) return it->second;
    const int tag = dwarf_tag(die);
    // Qualifiers gdb leaves out of names, and types the evaluator treats as their target.
    if (tag == DW_TAG_restrict_type || tag == DW_TAG_atomic_type) return by_die_[off] = type_of(die);
    // A struct only declared here is completed by its definition in another unit.
    if ((tag == DW_TAG_structure_type || tag == DW_TAG_union_type) && attr_flag(die, DW_AT_declaration)) {
        if (const char* name = attr_string(die, DW_AT_name)) {
            auto it = types_by_name_.find(std::string(tag == DW_TAG_structure_type ? "struct " : "union ") + name);
            Dwarf_Die full;
            if (it != types_by_name_.end() && it->second != off && dwarf_offdie(dwarf_, it->second, &full) &&
                !attr_flag(&full, DW_AT_declaration))
                return by_die_[off] = type_from(&full);
        }
    }
    Type& t = types_.emplace_back();
    by_die_[off] = &t;  // before the parts: a struct's members point back at it
    if (const char* name = attr_string(die, DW_AT_name)) t.name = name;
    t.size = static_cast<uint32_t>(attr_unsigned(die, DW_AT_byte_size).value_or(0));
    switch (tag) {
    case DW_TAG_base_type: {
        const auto enc = attr_unsigned(die, DW_AT_encoding).value_or(0);
        t.kind = enc == DW_ATE_boolean ? TypeKind::Boolean : enc == DW_ATE_float ? TypeKind::Float : TypeKind::Integer;
        t.is_signed = enc == DW_ATE_signed || enc == DW_ATE_signed_char || enc == DW_ATE_float;
        t.is_char = enc == DW_ATE_signed_char || enc == DW_ATE_unsigned_char;
        // gdb shows gcc's "long unsigned int" as C spells it: "unsigned long".
        for (const auto& [c_name, dwarf_name] : kGdbNames)
            if (t.name == dwarf_name) t.name = c_name;
        break;
    }
    case DW_TAG_pointer_type:
        t.kind = TypeKind::Pointer;
        if (!t.size) t.size = 4;
        t.target = type_of(die);
        break;
    case DW_TAG_structure_type:
    case DW_TAG_union_type: {
        t.kind = tag == DW_TAG_structure_type ? TypeKind::Struct : TypeKind::Union;
        t.incomplete = attr_flag(die, DW_AT_declaration);
        Dwarf_Die m;
        if (dwarf_child(die, &m) != 0) break;
        do {
            if (dwarf_tag(&m) != DW_TAG_member) continue;
            Member mem;
            if (const char* n = attr_string(&m, DW_AT_name)) mem.name = n;
            mem.type = type_of(&m);
            mem.offset = static_cast<uint32_t>(attr_unsigned(&m, DW_AT_data_member_location).value_or(0));
            if (auto bits = attr_unsigned(&m, DW_AT_bit_size)) {
                mem.bit_size = static_cast<uint32_t>(*bits);
                uint64_t first = 0;  // the bitfield's first bit from the struct's start
                if (auto dbo = attr_unsigned(&m, DW_AT_data_bit_offset)) first = *dbo;
                else if (auto bo = attr_unsigned(&m, DW_AT_bit_offset)) {  // DWARF 2/3: from the storage unit's top
                    const uint64_t unit = attr_unsigned(&m, DW_AT_byte_size).value_or(strip(mem.type)->size);
                    first = mem.offset * 8ull + unit * 8 - *bo - *bits;
                }
                mem.offset = static_cast<uint32_t>(first / 8);
                mem.bit_offset = static_cast<uint32_t>(first % 8);
            }
            t.members.push_back(std::move(mem));
        } while (dwarf_siblingof(&m, &m) == 0);
        break;
    }
    case DW_TAG_enumeration_type: {
        t.kind = TypeKind::Enum;
        if (dwarf_hasattr(die, DW_AT_type)) t.target = type_of(die);
        t.is_signed = t.target && strip(t.target)->is_signed;
        Dwarf_Die e;
        if (dwarf_child(die, &e) != 0) break;
        do {
            Dwarf_Attribute a;
            Dwarf_Sword v = 0;
            if (dwarf_tag(&e) != DW_TAG_enumerator || !dwarf_attr(&e, DW_AT_const_value, &a) || dwarf_formsdata(&a, &v) != 0) continue;
            const char* n = dwarf_diename(&e);
            t.enumerators.emplace_back(n ? n : "", v);
            if (v < 0) t.is_signed = true;
        } while (dwarf_siblingof(&e, &e) == 0);
        break;
    }
    case DW_TAG_array_type: {
        // int a[2][3] is one DIE with two subranges: an array of 2 arrays of 3.
        const Type* elem = type_of(die);
        std::vector<std::optional<uint32_t>> bounds;
        Dwarf_Die s;
        if (dwarf_child(die, &s) == 0) {
            do {
                if (dwarf_tag(&s) != DW_TAG_subrange_type) continue;
                std::optional<uint32_t> n;
                if (auto c = attr_unsigned(&s, DW_AT_count)) n = static_cast<uint32_t>(*c);
                else if (auto u = attr_unsigned(&s, DW_AT_upper_bound)) n = static_cast<uint32_t>(*u + 1);
                bounds.push_back(n);
            } while (dwarf_siblingof(&s, &s) == 0);
        }
        if (bounds.empty()) bounds.push_back(std::nullopt);
        for (size_t i = bounds.size() - 1; i > 0; --i) elem = bounds[i] ? array_of(elem, *bounds[i]) : array_of(elem, 0);
        t.kind = TypeKind::Array;
        t.target = elem;
        t.count = bounds[0];
        t.size = bounds[0] ? *bounds[0] * strip(elem)->size : 0;
        break;
    }
    case DW_TAG_subroutine_type:
    case DW_TAG_subprogram: {
        t.kind = TypeKind::Function;
        t.name.clear();
        t.size = 1;  // gdb's sizeof of a function
        t.target = dwarf_hasattr_integrate(die, DW_AT_type) ? type_of(die) : nullptr;
        // Only C has unprototyped functions; gdb counts the assembler's as prototyped.
        Dwarf_Die cu;
        const int lang = dwarf_diecu(die, &cu, nullptr, nullptr) ? dwarf_srclang(&cu) : DW_LANG_C;
        const bool c = lang == DW_LANG_C || lang == DW_LANG_C89 || lang == DW_LANG_C99 || lang == DW_LANG_C11;
        t.prototyped = attr_flag(die, DW_AT_prototyped) || !c;
        Dwarf_Die p;
        if (dwarf_child(die, &p) != 0) break;
        do {
            if (dwarf_tag(&p) == DW_TAG_formal_parameter) t.params.push_back(type_of(&p));
            else if (dwarf_tag(&p) == DW_TAG_unspecified_parameters) t.varargs = true;
        } while (dwarf_siblingof(&p, &p) == 0);
        break;
    }
    case DW_TAG_typedef:
    case DW_TAG_const_type:
    case DW_TAG_volatile_type:
        t.kind = tag == DW_TAG_typedef ? TypeKind::Typedef : tag == DW_TAG_const_type ? TypeKind::Const : TypeKind::Volatile;
        t.target = type_of(die);
        t.size = strip(t.target) ? strip(t.target)->size : 0;
        break;
    default:  // unspecified_type and anything gdb would not print a value of
        t.kind = TypeKind::Void;
        t.name = "void";
        break;
    }
    return &t;
}

const Type* DwarfImage::named_type(std::string_view name) {
    std::string key(name);
    for (const auto& [alias, dwarf_name] : kBaseAliases)
        if (key == alias) key = dwarf_name;
    if (key == "void") return &void_;
    auto it = types_by_name_.find(key);
    if (it == types_by_name_.end()) return nullptr;
    Dwarf_Die die;
    return dwarf_offdie(dwarf_, it->second, &die) ? type_from(&die) : nullptr;
}

const Type* DwarfImage::pointer_to(const Type* t) {
    auto& p = pointers_[t];
    if (!p) {
        Type& n = types_.emplace_back();
        n.kind = TypeKind::Pointer;
        n.size = 4;
        n.target = t == &void_ ? nullptr : t;
        p = &n;
    }
    return p;
}

const Type* DwarfImage::array_of(const Type* t, uint32_t count) {
    auto& a = arrays_[{t, count}];
    if (!a) {
        Type& n = types_.emplace_back();
        n.kind = TypeKind::Array;
        n.target = t;
        n.count = count;
        n.size = count * (strip(t) ? strip(t)->size : 0);
        a = &n;
    }
    return a;
}

const Type* DwarfImage::base(const std::string& name, TypeKind kind, uint32_t size, bool is_signed) {
    if (const Type* t = named_type(name)) return t;
    auto& b = made_bases_[name];
    if (!b) {
        Type& n = types_.emplace_back();
        n.kind = kind;
        n.name = name;
        for (const auto& [c_name, dwarf_name] : kGdbNames)
            if (n.name == dwarf_name) n.name = c_name;
        n.size = size;
        n.is_signed = is_signed;
        b = &n;
    }
    return b;
}

const Type* DwarfImage::int_type() { return base("int", TypeKind::Integer, 4, true); }
const Type* DwarfImage::long_type() { return base("long int", TypeKind::Integer, 4, true); }
const Type* DwarfImage::unsigned_long_type() { return base("long unsigned int", TypeKind::Integer, 4, false); }

bool DwarfImage::global_variable(std::string_view name, Dwarf_Die* out) const {
    auto it = globals_.find(name);
    return it != globals_.end() && dwarf_offdie(dwarf_, it->second, out);
}

std::optional<DwarfImage::ElfSymbol> DwarfImage::elf_symbol(std::string_view name) const {
    Elf_Scn* scn = nullptr;
    while ((scn = elf_nextscn(elf_, scn))) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB || !sh.sh_entsize) continue;
        Elf_Data* data = elf_getdata(scn, nullptr);
        for (size_t i = 1; data && i < sh.sh_size / sh.sh_entsize; ++i) {
            GElf_Sym sym;
            if (!gelf_getsym(data, static_cast<int>(i), &sym) || sym.st_shndx == SHN_UNDEF) continue;
            const int type = GELF_ST_TYPE(sym.st_info);
            if (type != STT_NOTYPE && type != STT_OBJECT && type != STT_FUNC) continue;
            const char* n = elf_strptr(elf_, sh.sh_link, sym.st_name);
            if (n && name == n) return ElfSymbol{static_cast<uint32_t>(sym.st_value), type == STT_FUNC};
        }
    }
    return std::nullopt;
}

const Type* DwarfImage::declared_type(std::string_view name, bool function) {
    const auto& first = function ? declared_functions_ : declared_variables_;
    const auto& second = function ? declared_variables_ : declared_functions_;
    std::optional<Dwarf_Off> off;
    if (auto it = first.find(name); it != first.end()) off = it->second;
    else if (auto it2 = second.find(name); it2 != second.end()) off = it2->second;
    Dwarf_Die die;
    if (!off || !dwarf_offdie(dwarf_, *off, &die)) return nullptr;
    return dwarf_tag(&die) == DW_TAG_subprogram ? type_from(&die) : type_of(&die);
}

const Type* DwarfImage::enumerator_type(std::string_view name) {
    auto it = enumerators_.find(name);
    Dwarf_Die die;
    return it != enumerators_.end() && dwarf_offdie(dwarf_, it->second, &die) ? type_from(&die) : nullptr;
}

bool DwarfImage::function(std::string_view name, Dwarf_Die* out) const {
    auto it = functions_.find(name);
    return it != functions_.end() && dwarf_offdie(dwarf_, it->second, out);
}

}  // namespace forkscope

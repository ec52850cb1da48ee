#include "emulator/debug/source_map.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <libelf.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>

namespace forkscope {

namespace {

// One row of a line table, with its file interned.
struct Row {
    uint32_t addr = 0;
    uint32_t file = 0;  // index into Impl::files
    int line = 0, column = 0;
    bool statement = false;
    bool end = false;  // end of a sequence: the address after its last instruction
};

// `path` ends with `suffix` in whole components: "kernel/fork.c" matches "fork.c"
// and "kernel/fork.c", not "ork.c".
bool ends_with_components(std::string_view path, std::string_view suffix) {
    if (suffix.empty() || suffix.size() > path.size() || path.substr(path.size() - suffix.size()) != suffix) return false;
    return suffix.size() == path.size() || path[path.size() - suffix.size() - 1] == '/';
}

std::optional<std::string> die_name(Dwarf_Die* die) {
    Dwarf_Attribute attr;
    // An inlined call names its function through DW_AT_abstract_origin.
    if (!dwarf_attr_integrate(die, DW_AT_name, &attr)) return std::nullopt;
    const char* name = dwarf_formstring(&attr);
    if (!name) return std::nullopt;
    return std::string(name);
}

}  // namespace

struct SourceMap::Impl {
    std::string name;            // the image's, for messages
    std::vector<uint8_t> bytes;  // the image: libelf reads from it for as long as we live
    Elf* elf = nullptr;
    Dwarf* dwarf = nullptr;
    std::vector<std::string> files;
    std::vector<Row> rows;  // by address; an end row before a start row at the same address

    ~Impl() {
        if (dwarf) dwarf_end(dwarf);
        if (elf) elf_end(elf);
    }
};

SourceMap::SourceMap(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SourceMap::~SourceMap() = default;
SourceMap::SourceMap(SourceMap&&) noexcept = default;
SourceMap& SourceMap::operator=(SourceMap&&) noexcept = default;

Result<SourceMap> SourceMap::read(std::span<const uint8_t> image, const std::string& name) {
    auto bad = [&](const std::string& what) { return make_error(ErrorKind::BadImage, name + ": " + what); };
    elf_version(EV_CURRENT);
    auto impl = std::make_unique<Impl>();
    impl->name = name;
    impl->bytes.assign(image.begin(), image.end());
    impl->elf = elf_memory(reinterpret_cast<char*>(impl->bytes.data()), impl->bytes.size());
    if (!impl->elf || elf_kind(impl->elf) != ELF_K_ELF) return bad("not an ELF file");
    impl->dwarf = dwarf_begin_elf(impl->elf, DWARF_C_READ, nullptr);
    if (!impl->dwarf) return bad("has no debug information (built without -g, or stripped)");

    std::map<std::string, uint32_t> file_index;
    Dwarf_Off offset = 0, next = 0;
    size_t header_size = 0;
    while (dwarf_nextcu(impl->dwarf, offset, &next, &header_size, nullptr, nullptr, nullptr) == 0) {
        Dwarf_Die cu;
        if (dwarf_offdie(impl->dwarf, offset + header_size, &cu)) {
            Dwarf_Lines* lines = nullptr;
            size_t count = 0;
            // A relative file name is relative to the unit's compilation folder: made
            // whole, the debugger can open the file from any folder.
            Dwarf_Attribute dir_attr;
            const char* dir = dwarf_formstring(dwarf_attr(&cu, DW_AT_comp_dir, &dir_attr));
            if (dwarf_getsrclines(&cu, &lines, &count) == 0) {
                for (size_t i = 0; i < count; ++i) {
                    Dwarf_Line* l = dwarf_onesrcline(lines, i);
                    Dwarf_Addr addr = 0;
                    Row row;
                    const char* src = dwarf_linesrc(l, nullptr, nullptr);
                    if (!l || dwarf_lineaddr(l, &addr) != 0 || !src || addr > 0xffffffffu) continue;
                    dwarf_lineno(l, &row.line);
                    dwarf_linecol(l, &row.column);
                    dwarf_linebeginstatement(l, &row.statement);
                    dwarf_lineendsequence(l, &row.end);
                    row.addr = static_cast<uint32_t>(addr);
                    std::string path = src;
                    if (!path.starts_with("/") && dir) path = std::string(dir) + "/" + path;
                    auto [it, fresh] = file_index.try_emplace(path, static_cast<uint32_t>(impl->files.size()));
                    if (fresh) impl->files.push_back(path);
                    row.file = it->second;
                    impl->rows.push_back(row);
                }
            }
        }
        offset = next;
    }
    if (impl->rows.empty()) return bad("has no debug information (no line table)");
    std::stable_sort(impl->rows.begin(), impl->rows.end(), [](const Row& a, const Row& b) {
        return a.addr != b.addr ? a.addr < b.addr : a.end > b.end;
    });
    return SourceMap(std::move(impl));
}

std::optional<SourceLocation> SourceMap::line_of(uint32_t addr) const {
    const auto& rows = impl_->rows;
    auto it = std::upper_bound(rows.begin(), rows.end(), addr, [](uint32_t a, const Row& r) { return a < r.addr; });
    if (it == rows.begin()) return std::nullopt;
    --it;
    // Several rows may start at one address (a function's opening brace, then the first
    // statement after its prologue, which the compiler scheduled away): as gdb, the last
    // statement among them, else the last row.
    const uint32_t at = it->addr;
    for (auto r = it;; --r) {
        if (!r->end && r->statement) return SourceLocation{impl_->files[r->file], r->line, r->column};
        if (r == rows.begin() || std::prev(r)->addr != at) break;
    }
    if (it->end) return std::nullopt;  // between two sequences: no code of any unit
    return SourceLocation{impl_->files[it->file], it->line, it->column};
}

std::optional<SourceLocation> SourceMap::statement_at(uint32_t addr) const {
    const auto& rows = impl_->rows;
    // Several rows may start at one address (an inlined call's first line and its
    // caller's): the last one is the line the code there belongs to, as in line_of.
    auto it = std::lower_bound(rows.begin(), rows.end(), addr, [](const Row& r, uint32_t a) { return r.addr < a; });
    std::optional<SourceLocation> found;
    for (; it != rows.end() && it->addr == addr; ++it)
        if (!it->end && it->statement) found = SourceLocation{impl_->files[it->file], it->line, it->column};
    return found;
}

std::vector<std::string> SourceMap::functions_at(uint32_t addr) const {
    std::vector<std::string> names;
    Dwarf_Die cu;
    if (!dwarf_addrdie(impl_->dwarf, addr, &cu)) return names;
    // dwarf_getscopes gives the innermost scope holding addr, then (past an inlined
    // call) the scopes of the inlined function's own definition; the chain of concrete
    // scopes that hold it, up to the function the code belongs to, is that innermost
    // scope's parents in the DIE tree.
    Dwarf_Die* scopes = nullptr;
    const int n = dwarf_getscopes(&cu, addr, &scopes);
    if (n <= 0) {
        std::free(scopes);
        return names;
    }
    Dwarf_Die innermost = scopes[0];
    std::free(scopes);
    Dwarf_Die* chain = nullptr;
    const int m = dwarf_getscopes_die(&innermost, &chain);
    for (int i = 0; i < m; ++i) {
        const int tag = dwarf_tag(&chain[i]);
        if (tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine)
            names.push_back(die_name(&chain[i]).value_or("??"));
    }
    std::free(chain);
    return names;
}

namespace {

// The function, or inlined call, whose code holds addr: its DIE's offset (nullopt
// outside every unit).
std::optional<Dwarf_Off> function_instance_at(Dwarf* dwarf, uint32_t addr) {
    Dwarf_Die cu;
    if (!dwarf_addrdie(dwarf, addr, &cu)) return std::nullopt;
    Dwarf_Die* scopes = nullptr;
    const int n = dwarf_getscopes(&cu, addr, &scopes);
    std::optional<Dwarf_Off> found;
    for (int i = 0; i < n && !found; ++i) {
        const int tag = dwarf_tag(&scopes[i]);
        if (tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine) found = dwarf_dieoffset(&scopes[i]);
    }
    std::free(scopes);
    return found;
}

}  // namespace

bool SourceMap::has_file(std::string_view file) const {
    return std::any_of(impl_->files.begin(), impl_->files.end(),
                       [&](const std::string& f) { return ends_with_components(f, file); });
}

Result<std::vector<uint32_t>> SourceMap::addresses_of(std::string_view file, int line) const {
    std::set<uint32_t> files;
    for (uint32_t i = 0; i < impl_->files.size(); ++i)
        if (ends_with_components(impl_->files[i], file)) files.insert(i);
    if (files.empty()) return make_error(ErrorKind::Usage, "no source file '" + std::string(file) + "' in " + impl_->name);
    std::set<std::string> paths;
    for (uint32_t f : files) paths.insert(impl_->files[f]);
    if (paths.size() > 1)
        return make_error(ErrorKind::Usage, "'" + std::string(file) + "' names " + std::to_string(paths.size()) +
                                                " source files (" + *paths.begin() + ", ...): give more of its path");
    std::set<uint32_t> addrs;
    int before = 0, after = 0;  // the nearest lines with code, for the error
    for (const Row& r : impl_->rows) {
        if (!files.count(r.file) || r.end || !r.statement) continue;
        if (r.line == line) addrs.insert(r.addr);
        else if (r.line < line) before = std::max(before, r.line);
        else after = after ? std::min(after, r.line) : r.line;
    }
    if (addrs.empty()) {
        std::string near;
        if (before) near += std::to_string(before);
        if (after) near += (near.empty() ? "" : " and ") + std::to_string(after);
        return make_error(ErrorKind::Usage, "no code at " + std::string(file) + ":" + std::to_string(line) +
                                                (near.empty() ? "" : " (the nearest lines with code: " + near + ")"));
    }
    // One place per function, or inlined call, that has code of the line: its first, as
    // gdb chooses. A line the compiler split into pieces (a loop's test, a macro's
    // expansion) then stops once, where it begins, not again at each piece.
    std::vector<uint32_t> places;
    std::set<Dwarf_Off> instances;
    for (uint32_t a : addrs) {
        auto instance = function_instance_at(impl_->dwarf, a);
        if (instance && !instances.insert(*instance).second) continue;
        places.push_back(a);
    }
    return places;
}

}  // namespace forkscope

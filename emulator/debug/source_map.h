// SourceMap: the guest kernel's source lines from its DWARF debug information, read
// with libdw — address -> file:line and the chain of inlined functions there, and
// file:line -> the addresses where that line's code begins (for `break fork.c:NNN` and
// for stepping by lines). The debugger core builds on it; it only reads the image.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace forkscope {

struct SourceLocation {
    std::string file;  // as the compiler recorded it (absolute for the guest kernel)
    int line = 0;
    int column = 0;
};

class SourceMap {
public:
    // Errors (ErrorKind::BadImage): not an ELF file, or no DWARF line information (a
    // kernel built without -g, or stripped): "... has no debug information".
    static Result<SourceMap> read(std::span<const uint8_t> elf, const std::string& name);
    ~SourceMap();
    SourceMap(SourceMap&&) noexcept;
    SourceMap& operator=(SourceMap&&) noexcept;

    // The line whose code holds addr (the rows at the greatest address at or below it:
    // the last statement among them, as gdb, else the last row), or nullopt outside
    // every compilation unit.
    std::optional<SourceLocation> line_of(uint32_t addr) const;

    // addr begins a statement of the line table (where a line's code starts, as
    // breakpoints and line steps see it): its line, else nullopt.
    std::optional<SourceLocation> statement_at(uint32_t addr) const;

    // The functions addr is in, innermost first: inlined ones, then the function that
    // holds them ("list_add", "copy_process"). Empty outside every unit.
    std::vector<std::string> functions_at(uint32_t addr) const;

    // Whether a recorded source file matches `file` (as addresses_of matches it).
    bool has_file(std::string_view file) const;

    // The addresses where code of `file`:`line` begins (statement starts), sorted: the
    // first of each function or inlined call that has code of the line, as gdb places
    // a breakpoint. `file`
    // matches a recorded path by whole trailing components ("fork.c", "kernel/fork.c").
    // Errors (ErrorKind::Usage): no such file, or no code on that line (the message
    // names the nearest lines that have code).
    Result<std::vector<uint32_t>> addresses_of(std::string_view file, int line) const;

private:
    struct Impl;
    explicit SourceMap(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace forkscope

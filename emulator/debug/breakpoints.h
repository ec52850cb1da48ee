// Breakpoints of the debugger core: locations as a person writes them (an address
// "0xc0113c50" or "*0xc0113c50", a kernel function "copy_process", a source line
// "fork.c:515"; or, when the kernel has none of that name, a function or line of the
// program being debugged: "main", "hello.c:7"), numbered from 1 as gdb numbers them, each enabled or not, temporary
// or not, with an ignore count (the first N hits pass) and a hit count. A line may hold
// several addresses (inlined or split code); a breakpoint stops at any of them. The
// table installs its addresses as the machine's stop addresses and says which
// breakpoint a stop belongs to. A user program's breakpoint stops only where the task
// at the address runs that program: every process has code at 0x08048000.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "emulator/debug/code_map.h"

namespace forkscope {

class KernelSymbols;
class Machine;
class SourceMap;

struct Breakpoint {
    int number = 0;
    std::string location;          // as given
    std::vector<uint32_t> addresses;
    std::string image;             // a user program's ("/bin/hello"): stops only in it; "" for the kernel
    bool enabled = true;
    bool temporary = false;        // tbreak: deleted when it stops the machine
    uint64_t ignore = 0;           // hits still to pass without stopping
    uint64_t hits = 0;
};

class BreakpointTable {
public:
    // source may be null: then file:line locations are refused with a clear message.
    BreakpointTable(Machine& machine, const KernelSymbols& symbols, const SourceMap* source)
        : machine_(machine), symbols_(symbols), source_(source) {}
    ~BreakpointTable();
    BreakpointTable(const BreakpointTable&) = delete;
    BreakpointTable& operator=(const BreakpointTable&) = delete;

    // The program being debugged: locations the kernel does not have are looked up in it.
    void set_program(std::optional<CodeImage> program) { program_ = std::move(program); }
    const std::optional<CodeImage>& program() const { return program_; }

    // The addresses a location names, and (image, when asked) the user program they are
    // in ("" for the kernel's and plain addresses). Errors (ErrorKind::Usage): an unknown
    // symbol (with suggestions), a file or line without code, a malformed address.
    Result<std::vector<uint32_t>> resolve(std::string_view location, std::string* image = nullptr) const;

    // A new breakpoint, installed; returns it. Errors as resolve().
    Result<const Breakpoint*> add(std::string_view location, bool temporary = false);
    Result<void> remove(int number);
    Result<void> enable(int number, bool enabled);
    Result<void> ignore(int number, uint64_t count);

    // The machine stopped at a stop address, where the running task maps `image` (""
    // for a kernel address): the breakpoint that stops there, counting its hit (nullopt
    // when none does: disabled, ignored, another program's, or not ours). A temporary
    // one is deleted; its copy is returned.
    std::optional<Breakpoint> hit(uint32_t address, std::string_view image = "");
    // Whether any breakpoint is a user program's (hit() then needs the image).
    bool has_user_breakpoints() const;

    const std::vector<Breakpoint>& all() const { return breakpoints_; }
    // The next number, for a watchpoint or event breakpoint: one numbering for all, as gdb's.
    int take_number() { return next_number_++; }

private:
    Breakpoint* find(int number);
    void install(const Breakpoint& b);
    void uninstall(const Breakpoint& b);

    Machine& machine_;
    const KernelSymbols& symbols_;
    const SourceMap* source_;
    std::optional<CodeImage> program_;
    std::vector<Breakpoint> breakpoints_;
    int next_number_ = 1;
};

}  // namespace forkscope

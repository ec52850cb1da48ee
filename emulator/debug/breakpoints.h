// Breakpoints of the debugger core: locations as a person writes them (an address
// "0xc0113c50" or "*0xc0113c50", a kernel function "copy_process", a source line
// "fork.c:515"), numbered from 1 as gdb numbers them, each enabled or not, temporary
// or not, with an ignore count (the first N hits pass) and a hit count. A line may hold
// several addresses (inlined or split code); a breakpoint stops at any of them. The
// table installs its addresses as the machine's stop addresses and says which
// breakpoint a stop belongs to.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace forkscope {

class KernelSymbols;
class Machine;
class SourceMap;

struct Breakpoint {
    int number = 0;
    std::string location;          // as given
    std::vector<uint32_t> addresses;
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

    // The addresses a location names. Errors (ErrorKind::Usage): an unknown symbol (with
    // suggestions), a file or line without code, a malformed address.
    Result<std::vector<uint32_t>> resolve(std::string_view location) const;

    // A new breakpoint, installed; returns it. Errors as resolve().
    Result<const Breakpoint*> add(std::string_view location, bool temporary = false);
    Result<void> remove(int number);
    Result<void> enable(int number, bool enabled);
    Result<void> ignore(int number, uint64_t count);

    // The machine stopped at a stop address: the breakpoint that stops there, counting
    // its hit (nullopt when none does: disabled, ignored, or not ours). A temporary one
    // is deleted; its copy is returned.
    std::optional<Breakpoint> hit(uint32_t address);

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
    std::vector<Breakpoint> breakpoints_;
    int next_number_ = 1;
};

}  // namespace forkscope

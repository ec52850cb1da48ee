// Variables: the guest kernel's variables from its DWARF, at a stop — the arguments and
// the locals in scope at a frame's pc (lexical blocks; an inlined function's own
// parameters and locals, as gdb shows an inlined frame), globals by name, a function's
// return value — each with its type and its value read through the frame's registers
// and guest memory. Location lists are looked up at the pc (a caller's at pc - 1, its
// call); a variable without a location there is optimized out, as gdb prints it.
// Callers' frames come from the CFI in .debug_frame (caller()), or from the frame
// pointer alone (frame_at()). Formatting is format.h's; expressions are expression.h's.
//
//   auto info = DebugInfo::read(kernel_elf, "kernel.elf");
//   Frame f = Frame::from_registers(cpu.registers());
//   ReadMemory mem = memory_of(walker, mode);
//   for (const Variable& v : info->arguments(f, mem)) ... v.name, v.value
//   auto up = info->caller(f, mem);   // copy_process's frame while stopped in dup_task_struct
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "emulator/debug/frame.h"
#include "emulator/debug/types.h"
#include "emulator/debug/value.h"
#include "emulator/page_walker.h"

namespace forkscope {

class DwarfImage;

struct Variable {
    std::string name;
    Value value;
};

// Reads of guest-virtual memory through the page walker, as the CPU in `mode` sees it.
ReadMemory memory_of(const PageWalker& walker, const PagingMode& mode);

// Not thread-safe: it builds its types as it meets them. Use it from the thread that
// stops the machine, while the machine is stopped.
class DebugInfo {
public:
    // Errors (ErrorKind::BadImage): not an ELF file, no DWARF.
    static Result<DebugInfo> read(std::span<const uint8_t> elf, const std::string& name);
    ~DebugInfo();
    DebugInfo(DebugInfo&&) noexcept;
    DebugInfo& operator=(DebugInfo&&) noexcept;

    // The function the frame's pc is in: the innermost inlined one, as gdb's frame 0
    // names it ("list_add"), or the out-of-line one ("copy_process"). Empty outside.
    std::string function_at(const Frame& frame) const;

    // The caller's frame, its registers unwound through the CFI at the frame's pc
    // (the frame-pointer rule where there is none: entry code). nullopt when the
    // return address cannot be read or is 0.
    std::optional<Frame> caller(const Frame& frame, const ReadMemory& memory) const;

    // The stack from the innermost frame outwards through caller(), at most max frames;
    // it ends where a return address is 0, unreadable or in the other half of the
    // address space (a kernel stack's, below kernel_base: user code).
    std::vector<Frame> frames(const Frame& innermost, const ReadMemory& memory, uint32_t kernel_base,
                              size_t max = 64) const;

    // A frame known only by its pc and frame pointer (a backtrace's StackFrame): EBP
    // and the CFA, nothing else; variables kept in other registers are optimized out.
    Frame frame_at(uint32_t pc, uint32_t ebp, bool innermost) const;

    // The frame's function's parameters, in declaration order (info args).
    std::vector<Variable> arguments(const Frame& frame, const ReadMemory& memory) const;
    // The locals in scope at the frame's pc, innermost block first (info locals).
    std::vector<Variable> locals(const Frame& frame, const ReadMemory& memory) const;

    // A name as gdb resolves it: the frame's locals and parameters (innermost block
    // first, not past the function), then the globals and file statics, then
    // enumerators, then functions (a Function value at its address). nullopt: no such
    // symbol.
    // frame may be null (globals only).
    std::optional<Value> lookup(std::string_view name, const Frame* frame, const ReadMemory& memory) const;

    // The value a function returned, as `finish` shows it: EAX (and EDX for 8 bytes),
    // or for a struct the memory EAX points at. nullopt for a void function or an
    // address that is no function's.
    std::optional<Value> return_value(uint32_t function_pc, const CpuRegisters& regs, const ReadMemory& memory) const;

    // The type an extern declaration gives a name that DWARF defines nowhere (a
    // variable or function of assembly code; a function's declaration first when
    // `function`); null when there is none. With the symbol's address it is what gdb
    // shows for such a name.
    const Type* declared_type(std::string_view name, bool function) const;
    // A name's address in the ELF symbol table, of any symbol type (assembly labels
    // have none), and whether it is a function.
    std::optional<std::pair<uint32_t, bool>> elf_symbol(std::string_view name) const;

    // Types by their C spelling, for casts and sizeof ("struct page", "unsigned long",
    // "pte_t"); and the ones the evaluator makes.
    const Type* named_type(std::string_view name) const;
    const Type* pointer_to(const Type* t) const;
    const Type* array_of(const Type* t, uint32_t count) const;
    const Type* int_type() const;
    const Type* long_type() const;
    const Type* unsigned_long_type() const;
    const Type* char_type() const;
    const Type* code_type() const;  // void (), what $eip points at
    const Type* nodebug_data_type() const;  // gdb's "<data variable, no debug info>"
    const Type* nodebug_text_type() const;  // gdb's "<text variable, no debug info>"

private:
    explicit DebugInfo(std::unique_ptr<DwarfImage> image);
    std::unique_ptr<DwarfImage> image_;
};

}  // namespace forkscope

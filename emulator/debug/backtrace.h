// Backtrace: the guest kernel's call stack at a stop, or a user program's, through
// frame pointers (the kernel and the image's programs are built with
// -fno-omit-frame-pointer): each frame's function, the place in it (file:line, inlined
// calls) and its frame. Reads guest-virtual memory through the page
// walker; the first frame may be at a function's first instructions, before its frame
// is set up.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "emulator/debug/source_map.h"
#include "emulator/page_walker.h"

namespace forkscope {

class KernelSymbols;

struct StackFrame {
    uint32_t pc = 0;         // where the frame is: the stop, or a return address
    uint32_t frame = 0;      // its frame pointer (EBP)
    std::string function;    // "copy_process+0x4b" (symbolize), or the address
    std::optional<SourceLocation> line;     // of the instruction (a caller's: of its call)
    std::vector<std::string> inlined;       // the inlined functions there, innermost first
};

struct BacktraceInput {
    PagingMode mode;
    uint32_t eip = 0, esp = 0, ebp = 0;
};

// Up to max_frames frames, innermost first. The walk ends at a null frame pointer, a
// return address in the other half (below kernel_base for a kernel walk: user code; a
// user program's walk, from eip below it, stays below it) or null, a frame pointer
// that does not grow or cannot be read. symbols and source (null: symbols only) are
// those of the image eip is in.
std::vector<StackFrame> backtrace(const PageWalker& walker, const KernelSymbols& symbols, const SourceMap* source,
                                  const BacktraceInput& at, uint32_t kernel_base, size_t max_frames = 64);

}  // namespace forkscope

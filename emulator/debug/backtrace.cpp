#include "emulator/debug/backtrace.h"

#include <cstring>

#include "emulator/symbols.h"

namespace forkscope {

namespace {

std::optional<uint32_t> word(const PageWalker& walker, const PagingMode& mode, uint32_t vaddr) {
    uint8_t b[4];
    if (!walker.read_virtual(mode, vaddr, b)) return std::nullopt;
    uint32_t v;
    std::memcpy(&v, b, 4);
    return v;
}

StackFrame frame_at(const KernelSymbols& symbols, const SourceMap* source, uint32_t pc, uint32_t frame, bool caller) {
    StackFrame f;
    f.pc = pc;
    f.frame = frame;
    f.function = symbols.symbolize(pc);
    // A caller's pc is a return address: its call is the instruction before it.
    const uint32_t at = caller ? pc - 1 : pc;
    if (source) {
        f.line = source->line_of(at);
        f.inlined = source->functions_at(at);
        if (!f.inlined.empty()) f.inlined.pop_back();  // the function itself: f.function names it
    }
    return f;
}

}  // namespace

std::vector<StackFrame> backtrace(const PageWalker& walker, const KernelSymbols& symbols, const SourceMap* source,
                                  const BacktraceInput& at, uint32_t kernel_base, size_t max_frames) {
    std::vector<StackFrame> frames;
    if (max_frames == 0) return frames;
    // The frames of the half eip is in: a user program's never return into the kernel,
    // and the kernel's walk ends where it was entered from user code.
    const bool user = at.eip < kernel_base;
    auto ours = [&](uint32_t ret) { return ret != 0 && (ret < kernel_base) == user; };
    uint32_t ebp = at.ebp;
    frames.push_back(frame_at(symbols, source, at.eip, ebp, false));
    // At a function's first instructions its frame is not set up yet: the return
    // address is on top of the stack (before push ebp) or just above it (after).
    if (auto sym = symbols.containing(at.eip); sym && sym->function) {
        const uint32_t offset = at.eip - sym->address;
        if (offset == 0 || offset == 1) {
            auto ret = word(walker, at.mode, at.esp + (offset == 0 ? 0 : 4));
            if (!ret || !ours(*ret)) return frames;
            frames.push_back(frame_at(symbols, source, *ret, ebp, true));
        }
    }
    while (frames.size() < max_frames && ebp) {
        auto ret = word(walker, at.mode, ebp + 4);
        auto next = word(walker, at.mode, ebp);
        if (!ret || !next || !ours(*ret)) break;
        frames.push_back(frame_at(symbols, source, *ret, *next, true));
        if (*next && *next <= ebp) break;  // frames live higher up the stack, or the chain is broken
        ebp = *next;
    }
    return frames;
}

}  // namespace forkscope

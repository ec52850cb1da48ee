// The output formats of `forkscope pt`, `ps`, `maps` and `frames`: pure functions of a
// KernelSnapshot (emulator/introspect/kernel_state.h) and the command's options, one
// format per file. They return the whole text (every line ends in '\n') or an Error of
// kind Usage with one line that says what was wrong (a pid that does not exist lists
// those that do). The CLI decides `colour` (a terminal: yes; a pipe or a file: no);
// columns are aligned either way.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "base/result.h"
#include "emulator/introspect/kernel_state.h"

namespace forkscope::format {

// The version of the JSON documents (docs/pt-json-schema.json). Raised when a field
// changes meaning or goes away; new fields may appear within a version.
inline constexpr int kJsonVersion = 1;

// A range of virtual addresses [lo, hi); hi may be 4 GiB (the end of the address space).
struct AddressRange {
    uint32_t lo = 0;
    uint64_t hi = 1ull << 32;
    bool contains(uint32_t a) const { return a >= lo && a < hi; }
    bool overlaps(uint32_t start, uint64_t end) const { return start < hi && end > lo; }
};

// "LO-HI": each hexadecimal with 0x or decimal; LO < HI <= 4 GiB.
Result<AddressRange> parse_range(std::string_view text);
// One address: hexadecimal with 0x, or decimal; below 4 GiB.
Result<uint32_t> parse_address(std::string_view text);
// "A,B": two pids for --diff.
Result<std::pair<int, int>> parse_pid_pair(std::string_view text);

struct PtOptions {
    bool colour = false;
    bool kernel = false;     // also the kernel half (tree, json)
    bool no_merge = false;   // one line per page table entry
    AddressRange range;      // only mappings that overlap it
};

// pt (tree): per address space (the tasks sharing an mm together) CR3, each present
// PDE with its page table, each mapping with flags, frame count, COW mark and VMA.
// pid: one task's address space, or every one when nullopt.
Result<std::string> pt_tree(const KernelSnapshot& snap, std::optional<int> pid, const PtOptions& opt);
// pt --format=qemu / qemu-mem: QEMU's i386 `info tlb` and `info mem` for pid's CR3
// (user and kernel half), character for character.
Result<std::string> pt_qemu_tlb(const KernelSnapshot& snap, int pid);
Result<std::string> pt_qemu_mem(const KernelSnapshot& snap, int pid);
// pt --format=bochs: the Bochs debugger's `info tab` for pid's CR3.
Result<std::string> pt_bochs(const KernelSnapshot& snap, int pid);
// pt --format=json (docs/pt-json-schema.json).
Result<std::string> pt_json(const KernelSnapshot& snap, std::optional<int> pid, const PtOptions& opt);
// pt --diff A,B: the two tasks' user mappings side by side, by virtual address.
Result<std::string> pt_diff(const KernelSnapshot& snap, int pid_a, int pid_b, const PtOptions& opt);
// pt --since: what changed in pid's user mappings from `before` to `after`.
Result<std::string> pt_since(const KernelSnapshot& before, const KernelSnapshot& after, int pid,
                             const PtOptions& opt);
// pt --explain ADDR --pid P [--write]: what the MMU and then the kernel's fault handler
// would do on a user-mode access to addr, step by step.
Result<std::string> pt_explain(const KernelSnapshot& snap, int pid, uint32_t addr, bool write,
                               bool colour);

struct PsOptions {
    bool colour = false;
    bool tree = false;  // children under their parents, as ps --forest
};
std::string ps_table(const KernelSnapshot& snap, const PsOptions& opt);
std::string ps_json(const KernelSnapshot& snap);

// maps PID: /proc/PID/maps as guestkernel/fs/proc.c prints it.
Result<std::string> maps(const KernelSnapshot& snap, int pid);

struct FramesOptions {
    bool colour = false;
};
// frames: frames by kind and reference count, with totals and the free count.
std::string frames_table(const KernelSnapshot& snap, const FramesOptions& opt);
// frames --frame PFN: every task, virtual address and flags that map it.
Result<std::string> frame_users(const KernelSnapshot& snap, uint32_t pfn, const FramesOptions& opt);
// frames --shared: frames that more than one page table entry maps.
std::string frames_shared(const KernelSnapshot& snap, const FramesOptions& opt);
std::string frames_json(const KernelSnapshot& snap);

}  // namespace forkscope::format

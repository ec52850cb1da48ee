// KernelView: read-only facts about the guest kernel, read through the page walker with
// the layout the kernel exports (kernel_info.h): the running task (for the system call
// trace) and a whole KernelSnapshot (kernel_state.h) — every task, each mm with its VMAs
// and page tables, and the frame map — for the dumps, the debugger and the GUI. It only
// reads; call it while the machine is stopped.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "base/result.h"
#include "emulator/introspect/kernel_info.h"
#include "emulator/introspect/kernel_state.h"
#include "emulator/page_walker.h"

namespace forkscope {

struct TaskIdentity {
    uint32_t task = 0;  // the struct task_struct's address
    int pid = 0;        // the thread's id (gettid)
    int tgid = 0;       // the process's id (getpid)
    std::string comm;
};

// Where things are in this kernel: every symbol, offset, size and constant a snapshot
// reads, resolved from the kernel-info table by name.
struct KernelLayout;

// How much a snapshot reads. Everything by default; a view of one address space (pt
// --format qemu) needs only that task's page tables and no frame map, which for many
// processes is most of the work.
struct SnapshotScope {
    std::optional<int> tables_of_pid;  // page tables only of this task's mm and active_mm
    bool frames = true;                // the frame map (mem_map)
};

class KernelView {
public:
    KernelView(KernelInfo info, const PageWalker& walker);
    ~KernelView();
    KernelView(KernelView&&) noexcept;

    // Checks that the kernel exports everything snapshot() reads; the error names the
    // first missing entry. The trace (current_task) works without this.
    static Result<KernelView> create(KernelInfo info, const PageWalker& walker);

    const KernelInfo& info() const { return info_; }

    // The running task, read through `mode` (any CR3 maps the kernel half). Errors: the
    // kernel's memory is not mapped (paging not set up yet) or no task runs yet.
    Result<TaskIdentity> current_task(const PagingMode& mode) const;

    // A 32-bit word of kernel memory.
    Result<uint32_t> read_word(const PagingMode& mode, uint32_t vaddr) const;

    // Everything at once, read through `mode` (the CPU's paging state, which the snapshot
    // records with eip and the instruction count). Only for a view made by create().
    // Errors (ErrorKind::MachineFault): paging is off, or the kernel's lists or pointers
    // lead outside RAM (named).
    // The VMAs of the running task's mm (none for a kernel thread), without its page
    // tables: what the debugger needs to name the file mapped at a user address.
    // Only for a view made by create().
    Result<std::vector<VmaState>> current_vmas(const PagingMode& mode) const;

    Result<KernelSnapshot> snapshot(const PagingMode& mode, uint32_t eip, uint64_t instructions,
                                    const SnapshotScope& scope = {}) const;

private:
    KernelInfo info_;
    const PageWalker* walker_;
    std::unique_ptr<KernelLayout> layout_;
};

}  // namespace forkscope

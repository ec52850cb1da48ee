// KernelView: read-only facts about the running guest kernel, read through the page
// walker with the layout the kernel exports (kernel_info.h). Today: the current task's
// pid, tgid and name, and a system call's frame; the task list, mms, VMAs and frames
// come next (DESIGN.md, "Where the next parts go").
#pragma once
#include <cstdint>
#include <string>

#include "base/result.h"
#include "emulator/introspect/kernel_info.h"
#include "emulator/page_walker.h"

namespace forkscope {

struct TaskIdentity {
    uint32_t task = 0;  // the struct task_struct's address
    int pid = 0;        // the thread's id (gettid)
    int tgid = 0;       // the process's id (getpid)
    std::string comm;
};

class KernelView {
public:
    KernelView(KernelInfo info, const PageWalker& walker) : info_(info), walker_(walker) {}

    const KernelInfo& info() const { return info_; }

    // The running task, read through `mode` (any CR3 maps the kernel half). Errors: the
    // kernel's memory is not mapped (paging not set up yet) or no task runs yet.
    Result<TaskIdentity> current_task(const PagingMode& mode) const;

    // A 32-bit word of kernel memory.
    Result<uint32_t> read_word(const PagingMode& mode, uint32_t vaddr) const;

private:
    KernelInfo info_;
    const PageWalker& walker_;
};

}  // namespace forkscope

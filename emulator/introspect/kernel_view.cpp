#include "emulator/introspect/kernel_view.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace forkscope {

Result<uint32_t> KernelView::read_word(const PagingMode& mode, uint32_t vaddr) const {
    uint8_t b[4];
    if (auto r = walker_.read_virtual(mode, vaddr, b); !r) return r.error();
    uint32_t v;
    std::memcpy(&v, b, 4);
    return v;
}

Result<TaskIdentity> KernelView::current_task(const PagingMode& mode) const {
    auto task = read_word(mode, info_.current_task);
    if (!task) return task.error();
    if (*task == 0) return make_error(ErrorKind::MachineFault, "no current task yet");
    auto pid = read_word(mode, *task + info_.task_pid);
    if (!pid) return pid.error();
    auto tgid = read_word(mode, *task + info_.task_tgid);
    if (!tgid) return tgid.error();
    std::vector<uint8_t> comm(info_.task_comm_len);
    if (auto r = walker_.read_virtual(mode, *task + info_.task_comm, comm); !r) return r.error();
    TaskIdentity id;
    id.task = *task;
    id.pid = static_cast<int>(*pid);
    id.tgid = static_cast<int>(*tgid);
    id.comm.assign(comm.begin(), std::find(comm.begin(), comm.end(), uint8_t{0}));
    return id;
}

}  // namespace forkscope

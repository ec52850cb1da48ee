#include "emulator/introspect/syscall_trace.h"

#include <cstring>

#include "emulator/cpu.h"
#include "emulator/delivery.h"
#include "emulator/machine.h"
#include "guestkernel/include/abi/forkscope.h"

namespace forkscope {

namespace {

PagingMode paging_of(const CpuRegisters& r) { return PagingMode{r.cr0, r.cr3, r.cr4}; }

}  // namespace

SyscallTracer::SyscallTracer(Machine& machine, const KernelInfo& info, std::set<uint32_t> only, std::FILE* out)
    : machine_(machine), view_(info, machine.walker()), only_(std::move(only)), out_(out) {}

Result<std::unique_ptr<SyscallTracer>> SyscallTracer::attach(Machine& machine, const KernelInfo& info,
                                                             std::set<uint32_t> only, std::FILE* out) {
    std::unique_ptr<SyscallTracer> t(new SyscallTracer(machine, info, std::move(only), out));
    SyscallTracer* self = t.get();
    machine.set_delivery_observer([self](const InterruptEvent& ev, const CpuRegisters& regs) {
        if (ev.vector == FORKSCOPE_SYSCALL_VECTOR && ev.source == EventSource::Software && (regs.cs & 3) == 3)
            self->on_entry(regs, ev.return_eip);
    });
    // sysenter comes back to the vDSO's vdso_sysenter_return (a kernel without a vDSO
    // does not export it, and its programs use int 0x80 only).
    if (auto sysenter_return = info.find("SYMBOL(vdso_sysenter_return)")) {
        machine.set_sysenter_observer([self, ret = *sysenter_return](const CpuRegisters& regs) {
            if ((regs.cs & 3) == 3) self->on_sysenter(regs, ret);
        });
    }
    machine.set_user_return_observer(FORKSCOPE_KERNEL_BASE, FORKSCOPE_VDSO_BASE,
                                     [self](const CpuRegisters& regs) { self->on_user_return(regs); });
    return t;
}

// The traced task's memory as the kernel lets it use it: user addresses only.
GuestRead SyscallTracer::user_reader(const CpuRegisters& regs, bool* failed) const {
    const PagingMode mode = paging_of(regs);
    const PageWalker* walker = &machine_.walker();
    return [mode, walker, failed](uint32_t vaddr, std::span<uint8_t> out) {
        const uint64_t end = static_cast<uint64_t>(vaddr) + out.size();
        const bool ok = end <= FORKSCOPE_KERNEL_BASE && walker->read_virtual(mode, vaddr, out).ok();
        if (!ok && failed) *failed = true;
        return ok;
    };
}

void SyscallTracer::close_open_line() {
    if (!open_.task) return;
    if (!open_.printed) std::fputs(open_.head.c_str(), out_);
    std::fputs(" <unfinished ...>\n", out_);
    open_ = OpenLine{};
}

// The vDSO's __kernel_vsyscall pushed the sixth argument (EBP) at the user ESP it
// passes in EBP: the kernel reads it from there, and so does the trace.
void SyscallTracer::on_sysenter(const CpuRegisters& regs, uint32_t return_eip) {
    CpuRegisters call = regs;
    uint8_t sixth[4];
    if (user_reader(regs)(regs.ebp, sixth)) std::memcpy(&call.ebp, sixth, 4);
    on_entry(call, return_eip);
}

void SyscallTracer::on_entry(const CpuRegisters& regs, uint32_t return_eip) {
    if (!only_.empty() && !only_.count(regs.eax)) return;
    auto task = view_.current_task(paging_of(regs));
    if (!task) return;  // no task yet: not a program's call
    Pending p;
    p.call.nr = regs.eax;
    const uint32_t args[6] = {regs.ebx, regs.ecx, regs.edx, regs.esi, regs.edi, regs.ebp};
    std::copy(std::begin(args), std::end(args), p.call.arg);
    p.pid = task->pid;
    p.return_eip = return_eip;

    close_open_line();
    // A task that left a call unfinished and entered another died in between, and its
    // task_struct was reused: that call never returned.
    if (auto old = pending_.find(task->task); old != pending_.end()) {
        std::fprintf(out_, "[pid %d] <... %s resumed>) = ?\n", old->second.pid, call_name(old->second.call.nr).c_str());
        pending_.erase(old);
    }
    bool failed = false;
    const std::string head = "[pid " + std::to_string(p.pid) + "] " + format_entry(p.call, user_reader(regs, &failed));
    if (syscall_never_returns(p.call.nr)) {
        std::fprintf(out_, "%s) = ?\n", head.c_str());
    } else {
        pending_[task->task] = p;
        // execve's old memory is gone at its exit: what could not be read stays unread.
        open_ = OpenLine{task->task, !failed || syscall_name(p.call.nr) == "execve", head};
        if (open_.printed) std::fputs(head.c_str(), out_);
    }
    std::fflush(out_);
}

std::optional<int32_t> SyscallTracer::result_of(const Pending& p, const CpuRegisters& regs, int* signal) const {
    *signal = 0;
    const std::string_view name = syscall_name(p.call.nr);
    if (regs.eip == p.return_eip || name == "execve" || name == "sigreturn" || name == "rt_sigreturn")
        return static_cast<int32_t>(regs.eax);
    // The kernel's restart codes look alike from outside: EIP back on the int 0x80
    // and EAX the number again (ERESTARTSYS, ERESTARTNOINTR, ERESTARTNOHAND: shown as
    // the first), or restart_syscall's 0 (ERESTART_RESTARTBLOCK).
    auto restarted = [&](uint32_t eax) { return eax == 0 ? -516 : -512; };
    if (regs.eip == p.return_eip - 2) return restarted(regs.eax);
    // A signal handler's frame on the user stack (arch/signal.c, Linux's i386 layout):
    // return address, signal number, then the old frame's struct sigcontext, or the rt
    // frame's siginfo and ucontext pointers (the siginfo right after them).
    const GuestRead read = user_reader(regs);
    auto word = [&](uint32_t a) -> std::optional<uint32_t> {
        uint8_t b[4];
        if (!read(a, b)) return std::nullopt;
        uint32_t v;
        std::memcpy(&v, b, 4);
        return v;
    };
    constexpr uint32_t kSigcontextEax = 11 * 4;   // gs fs es ds edi esi ebp esp ebx edx ecx, eax
    constexpr uint32_t kSigcontextEip = 14 * 4;   // ... eax trapno err, eip
    constexpr uint32_t kUcontextMcontext = 20;    // uc_flags, uc_link, uc_stack (12 bytes)
    auto sig = word(regs.esp + 4), pinfo = word(regs.esp + 8), puc = word(regs.esp + 12);
    if (!sig) return static_cast<int32_t>(regs.eax);
    *signal = static_cast<int>(*sig);
    const bool rt = pinfo && puc && *pinfo == regs.esp + 16;
    const uint32_t sc = rt ? *puc + kUcontextMcontext : regs.esp + 8;
    auto eax = word(sc + kSigcontextEax), eip = word(sc + kSigcontextEip);
    if (!eax || !eip) return std::nullopt;
    if (*eip == p.return_eip - 2) return restarted(*eax);  // SA_RESTART: again after the handler
    return static_cast<int32_t>(*eax);
}

void SyscallTracer::on_user_return(const CpuRegisters& regs) {
    if (pending_.empty()) return;  // the common case: no memory read
    auto task = view_.current_task(paging_of(regs));
    if (!task) return;
    auto it = pending_.find(task->task);
    if (it == pending_.end()) return;
    const Pending p = it->second;
    pending_.erase(it);
    int signal = 0;
    const auto result = result_of(p, regs, &signal);
    // execve's arguments were in the memory it replaced: nothing is read again after it.
    const GuestRead read = user_reader(regs);
    const std::string rest = result ? format_exit(p.call, *result, read) : ") = ?";
    if (open_.task == task->task) {
        if (!open_.printed)
            std::fprintf(out_, "[pid %d] %s", p.pid, format_entry(p.call, read).c_str());
        std::fprintf(out_, "%s\n", rest.c_str());
        open_ = OpenLine{};
    } else {
        close_open_line();
        std::fprintf(out_, "[pid %d] <... %s resumed>%s\n", p.pid, call_name(p.call.nr).c_str(), rest.c_str());
    }
    if (signal) std::fprintf(out_, "[pid %d] --- %s ---\n", p.pid, signal_name(signal).c_str());
    std::fflush(out_);
}

void SyscallTracer::finish() {
    // Calls that never came back: their task died in them (killed while it slept, or
    // the machine stopped). strace ends them the same way.
    for (const auto& [task, p] : pending_) {
        if (open_.task == task) {
            if (!open_.printed) std::fputs(open_.head.c_str(), out_);
            std::fputs(") = ?\n", out_);
            open_ = OpenLine{};
        } else {
            close_open_line();
            std::fprintf(out_, "[pid %d] <... %s resumed>) = ?\n", p.pid, call_name(p.call.nr).c_str());
        }
    }
    pending_.clear();
    close_open_line();
    std::fflush(out_);
}

}  // namespace forkscope

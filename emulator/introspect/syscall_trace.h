// The system call trace (forkscope run --trace syscall), as `strace -f` prints it, seen
// from the machine: a call starts when the host delivers a ring-3 `int 0x80` or when
// a program's sysenter (from the vDSO's __kernel_vsyscall) enters the kernel, and ends
// when that task's CPU next returns to user code (the kernel's iret or sysexit to
// ring 3, below the kernel or in the vDSO page), before the first user instruction runs. Entries and exits pair per task (the current
// task_struct, from the kernel-info table), so a call that blocks while other tasks
// run prints as "<unfinished ...>" and later "<... NAME resumed>". One line per call:
// "[pid N] name(args) = result".
//
// The result is EAX at that return, where the kernel left it. When the return lands
// elsewhere than after the int 0x80 (or at the vDSO's vdso_sysenter_return), the
// kernel changed course: execve's new
// program and sigreturn's restored registers keep EAX; a signal handler's frame holds
// the call's result in its saved registers ("--- SIGNAME ---" follows); EIP two bytes
// back is a restart ("= ? ERESTARTSYS ..."), and the call comes again.
#pragma once
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "base/result.h"
#include "emulator/introspect/kernel_view.h"
#include "emulator/introspect/syscall_decode.h"

namespace forkscope {

class Machine;
struct CpuRegisters;

class SyscallTracer {
public:
    // Attaches to `machine` (delivery, sysenter and user-return observers).
    // `only`: the numbers to show (empty: all). `out` stays open while the machine runs.
    static Result<std::unique_ptr<SyscallTracer>> attach(Machine& machine, const KernelInfo& info,
                                                          std::set<uint32_t> only, std::FILE* out);

    // When the machine has stopped: ends the calls that never returned (" = ?").
    void finish();

    // The machine's hooks, public for the machine's callbacks.
    void on_entry(const CpuRegisters& regs, uint32_t return_eip);
    void on_sysenter(const CpuRegisters& regs, uint32_t return_eip);
    void on_user_return(const CpuRegisters& regs);

private:
    SyscallTracer(Machine& machine, const KernelInfo& info, std::set<uint32_t> only, std::FILE* out);
    struct Pending {
        SyscallArgs call;
        int pid = 0;
        uint32_t return_eip = 0;  // after the int 0x80
    };
    // The call's result as the return to user code shows it (see above), nullopt when
    // a signal frame cannot be read; *signal: the handler the kernel set up, or 0.
    std::optional<int32_t> result_of(const Pending& p, const CpuRegisters& regs, int* signal) const;
    // Reads the task's user memory; sets *failed when a read fails.
    GuestRead user_reader(const CpuRegisters& regs, bool* failed = nullptr) const;
    // Ends the open line with " <unfinished ...>" (printing a held entry half first).
    void close_open_line();

    // The call whose entry half is the end of the output so far, or is held back: an
    // entry that met memory it could not read (a page the task has not touched yet) is
    // decoded again at its exit, when the kernel's own copy has brought the page in,
    // unless another task's line comes first.
    struct OpenLine {
        uint32_t task = 0;     // 0: none
        bool printed = false;  // false: `head` is held back
        std::string head;
    };

    Machine& machine_;
    KernelView view_;
    std::set<uint32_t> only_;
    std::FILE* out_;
    std::map<uint32_t, Pending> pending_;  // by task_struct address
    OpenLine open_;
};

}  // namespace forkscope

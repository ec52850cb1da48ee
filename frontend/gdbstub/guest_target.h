// GuestTarget: the guest as gdb sees it through the stub. One CPU, and the guest
// kernel's tasks as gdb threads: thread id = the task's pid, and the idle task (pid 0,
// which gdb cannot use: 0 means "any thread") = PID_MAX from the kernel-info table, a
// number no pid reaches. The running task's registers are the CPU's; a switched-out
// task's are those its last context switch saved (arch/process.c: __switch_to_asm
// pushed edi, esi, ebx, ebp and the return address into switch_to and parked ESP in
// thread.esp), the others unavailable. Memory goes through the selected task's page
// directory: the CPU's for the running task, its mm's for a user task, the kernel's
// own (swapper_pg_dir: no user half) for a kernel thread such as idle.
//
// Execution, breakpoints and watchpoints go through the Debugger core
// (emulator/debug/debugger.h): a step steps over interrupts that arrive meanwhile, and
// its semantic watchpoints (a task's PTE, a frame's count) and event breakpoints (fork,
// cow, exec, exit) are reachable from gdb through `monitor`. With a History
// (set_history) gdb's reverse-stepi and reverse-continue go backwards through it.
//
// Everything except interrupt() is called with the machine stopped, from one thread.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "emulator/introspect/kernel_info.h"
#include "emulator/introspect/kernel_state.h"
#include "emulator/introspect/kernel_view.h"
#include "emulator/debug/debugger.h"
#include "emulator/symbols.h"

namespace forkscope {
class History;
class Machine;
}

namespace forkscope::gdb {

// gdb's register numbers, in the order of our target description (target_xml.h).
enum RegNo : int {
    kEax, kEcx, kEdx, kEbx, kEsp, kEbp, kEsi, kEdi,
    kEip, kEflags,
    kCs, kSs, kDs, kEs, kFs, kGs,
    kSt0,                   // st0..st7: 80 bits each, never available (no x87 access yet)
    kFctrl = kSt0 + 8,      // fctrl..fop: likewise
    kCr0 = kFctrl + 8, kCr2, kCr3, kCr4,
    kRegCount,
};
// The size in bytes of register `n` in the g packet.
int register_size(int n);

// nullopt: not available (a switched-out task's call-clobbered registers, x87).
using RegisterValues = std::array<std::optional<uint32_t>, kRegCount>;

struct GuestThread {
    int id = 0;          // gdb's thread id
    int pid = 0;
    std::string comm;
    char state = '?';    // as ps shows it
    bool running = false;  // on the CPU at this stop
    uint32_t task = 0;   // the task_struct's address (0: no task yet)
    uint32_t pgd = 0;    // its page directory (physical): its mm's, or the kernel's
};

// HistoryStart: a reverse resume reached the oldest state the history holds.
enum class StopReason { Breakpoint, Watchpoint, Step, Interrupted, Exited, Fault, HistoryStart };

// How resume() runs the guest: forwards, or backwards through the history (bc, bs).
enum class Resume { Continue, Step, ReverseContinue, ReverseStep };

struct GuestStop {
    StopReason reason = StopReason::Interrupted;
    uint32_t exit_status = 0;  // Exited
    std::string fault;         // Fault: the machine's error
    std::optional<uint32_t> watch_address;  // Watchpoint on memory gdb set (Z2, Z3, Z4)
    WatchOn watch_on = WatchOn::Change;     // which: Z2 write, Z3 read, Z4 access
    // What gdb cannot say itself: a monitor watchpoint's or event's stop, "Watchpoint 3:
    // pte 3 0x0804a000: 0x... -> 0x..."; shown on gdb's console.
    std::string message;
};

class GuestTarget {
public:
    // The kernel ELF gives the kernel-info table (threads, saved registers) and symbols.
    static Result<std::unique_ptr<GuestTarget>> create(Machine& machine, std::span<const uint8_t> kernel_elf);
    ~GuestTarget();

    // The tasks at this stop, pid order; one pseudo-thread (the idle id) before the
    // kernel has any task (paging off, or current_task not set yet).
    const std::vector<GuestThread>& threads();
    const GuestThread* thread(int id);
    int running_thread();  // the task on the CPU
    int idle_thread_id() const { return idle_id_; }

    Result<RegisterValues> registers(int id);
    // Only the running thread's registers can change (the others are saved copies).
    Result<void> set_register(int id, int regno, uint32_t value);

    // Reads through the thread's page directory; returns how many bytes were read
    // (fewer than asked when a page is not mapped).
    size_t read_memory(int id, uint32_t addr, std::span<uint8_t> out);
    Result<void> write_memory(int id, uint32_t addr, std::span<const uint8_t> in);

    // Breakpoints at linear addresses (in every address space), counted: gdb may set a
    // software and a hardware breakpoint at one address.
    Result<void> insert_breakpoint(uint32_t addr);
    Result<void> remove_breakpoint(uint32_t addr);
    // Watchpoints on guest-virtual memory (1, 2, 4 or 8 bytes): write (a change of value),
    // read or access, counted likewise.
    Result<void> insert_watchpoint(uint32_t addr, uint32_t length, WatchOn on = WatchOn::Change);
    Result<void> remove_watchpoint(uint32_t addr, uint32_t length, WatchOn on = WatchOn::Change);
    // Everything gdb or monitor set.
    void remove_all_breakpoints();

    // The recorded history the reverse resumes go back through (nullptr: none; then
    // they fail as a fault would, and gdb is never offered them).
    void set_history(History* history);
    bool has_history() const { return history_ != nullptr; }

    // Runs (or steps one instruction), forwards or backwards, until a breakpoint or
    // watchpoint, the end of the step, an interrupt(), the guest's exit, the start of
    // the history or a machine fault. Blocks; the server calls it on the thread the
    // guest runs on.
    GuestStop resume(Resume how);
    // Any thread: the running resume() returns Interrupted at the next block boundary.
    void interrupt();
    bool exited() const { return exited_; }
    uint32_t exit_status() const { return exit_status_; }

    // `monitor ps|pt|maps|frames|explain|watch|break|delete ...` at this stop: the text to show.
    Result<std::string> monitor(std::string_view command);

private:
    GuestTarget(Machine& machine, KernelInfo info, KernelView view, KernelSymbols symbols);
    Result<std::string> monitor_debugger(const std::vector<std::string>& words);
    GuestStop stop_of(const Result<DebugStop>& stop);
    PagingMode cpu_paging() const;
    PagingMode paging_of(int id);
    Result<KernelSnapshot> snapshot(const SnapshotScope& scope);
    void forget_stop();  // the machine ran or memory changed: re-read the tasks

    Machine& machine_;
    KernelInfo info_;
    KernelView view_;
    KernelSymbols symbols_;
    std::unique_ptr<Debugger> debugger_;
    History* history_ = nullptr;
    int idle_id_ = 0;
    uint32_t kernel_pgd_ = 0;  // swapper_pg_dir, physical
    uint32_t off_thread_esp_ = 0;  // task_struct.thread + thread_struct.esp
    bool have_saved_regs_ = false;
    std::optional<std::vector<GuestThread>> threads_;
    struct Installed {
        uint32_t address = 0, length = 0;  // length 0: a breakpoint
        WatchOn on = WatchOn::Change;
        int number = 0;                    // the Debugger's
        int count = 0;                     // gdb's insertions
    };
    std::vector<Installed> installed_;
    std::vector<int> monitor_numbers_;     // set with monitor watch/break
    bool exited_ = false;
    uint32_t exit_status_ = 0;
};

}  // namespace forkscope::gdb

// Debugger: the core that `forkscope debug`, the gdbstub and the GUI drive. It owns the
// run of one Machine between stops: continue, instruction steps (stepi, nexti), source
// line steps (step, next, until), finish; breakpoints on addresses, kernel functions and
// source lines (BreakpointTable), the guest's events as breakpoints (fork, cow, exec,
// exit, end: stop_point.h), write watchpoints on guest-virtual memory, and two semantic
// watchpoints: a task's page-table entry for an address (in whatever page directory the
// task has), and a physical frame's reference count. Every stop says precisely why.
//
//   Debugger dbg(machine, symbols, &source, info, constants);
//   dbg.breakpoints().add("copy_process");
//   auto stop = dbg.cont();           // StopReason::Breakpoint, number 1
//   stop = dbg.next();                // StopReason::Step, at the next source line
//   stop = dbg.finish();              // StopReason::Finished, value = EAX
//
// Interrupts that arrive while stepping are stepped over (the handler runs to its return
// to the interrupted instruction, in the same task) unless follow_interrupts is set;
// an exception raised by a stepped instruction is entered (stepi stops in its handler).
// No UI code: callers format the stops.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "emulator/cpu.h"
#include "emulator/debug/breakpoints.h"
#include "emulator/debug/code_map.h"
#include "emulator/machine.h"
#include "emulator/stop_point.h"
#include "emulator/stop_runner.h"

namespace forkscope {

class History;
class KernelInfo;
class KernelSymbols;
class Machine;
class SourceMap;

enum class StopReason {
    Breakpoint,   // breakpoint `number` (an address, function or line)
    Event,        // event breakpoint `number`: a fork, cow, exec, exit or end; `event` says which
    Watchpoint,   // watchpoint `number`: the watched value changed (old_value -> new_value)
    Step,         // stepi, nexti, step, next or until finished
    Finished,     // finish: the function returned; value = EAX
    Exception,    // stepi: the instruction raised `vector`; stopped at its handler
    Exited,       // the guest wrote its exit status (exit_status); nothing more runs
    Interrupted,  // interrupt() from another thread (Ctrl-C)
    Fault,        // the machine stopped on a fault (message): triple fault, --max-instructions...
    HistoryStart, // a reverse command reached the oldest state the history holds
};

struct DebugStop {
    StopReason reason = StopReason::Step;
    int number = 0;                    // Breakpoint, Event, Watchpoint
    uint32_t eip = 0;
    uint64_t instructions = 0;         // the machine's instruction count at the stop
    uint32_t task = 0;                 // the current task_struct (0 before the kernel has one)
    int pid = 0;
    std::optional<uint32_t> value;     // Finished: EAX; Event: the event's return value
    std::string event;                 // Event: "fork#1 = 0xc03f2000", "exit:7"
    uint64_t old_value = 0, new_value = 0;  // Watchpoint
    bool access_write = false;  // a read or access watchpoint's stop: the guest wrote (else read)
    // Watchpoint: where the change was made: the instruction itself after a step
    // (writer_exact), else the start of the translated block that made it (a run sees
    // changes at block boundaries).
    std::optional<uint32_t> writer;
    bool writer_exact = false;
    std::optional<uint8_t> vector;     // Exception
    uint32_t exit_status = 0;          // Exited
    std::string message;               // Fault, Interrupted: one line
};

enum class WatchKind {
    Memory,  // `length` bytes at guest-virtual `address` (user addresses: in address space `cr3`)
    Pte,     // task `pid`'s page-table entry for `address` (0 while no page table covers it)
    Frame,   // physical frame `pfn`'s reference count (struct page)
};

struct Watchpoint {
    int number = 0;
    WatchKind kind = WatchKind::Memory;
    std::string expression;  // as `info breakpoints` shows it: "*0xc0401000", "pte 3 0x0804a000", "frame 0x1234"
    uint32_t address = 0;
    uint32_t length = 4;     // Memory: 1, 2, 4 or 8
    uint32_t cr3 = 0;        // Memory, user address: the address space it was set in
    int pid = 0;             // Pte
    uint32_t pfn = 0;        // Frame
    WatchOn on = WatchOn::Change;  // Memory: also stop on any read (Read) or read or write (Access)
    uint64_t value = 0;      // the value last seen
    bool enabled = true;
    uint64_t hits = 0;
};

struct EventBreakpoint {
    int number = 0;
    StopPoint point;         // fork, cow, exec, exit[:PID] or end; with #N it stops once
    bool recurring = true;   // without #N: every such event stops
    bool enabled = true;
    uint64_t hits = 0;
};

// One of the guest's events, logged as it happens (Debugger::log_events): a fork, cow,
// exec or exit (stop_point.h's meanings), where it happened, and the machine's counters
// there, for a timeline.
struct GuestEvent {
    StopKind kind = StopKind::Fork;  // Fork, Cow, Exec, Exit (any task but init) or End (init)
    MachinePosition at;              // where the stop point is
    int pid = 0;                     // the task it happened in
    uint64_t n = 1;                  // the kind's count: fork #n, cow #n... (Exit and End too)
    std::string text;                // "fork#3 = 0xc05b3000", "exit:7"
    uint32_t free_pages = 0;         // nr_free_pages
    uint64_t page_faults = 0, interrupts = 0, system_calls = 0;  // MachineStats so far (int 0x80 and sysenter)
};

struct DebuggerOptions {
    bool follow_interrupts = false;  // stepping goes into the handlers of interrupts that arrive
    StopConstants constants;
};

class Debugger {
public:
    // All references must outlive the debugger; source may be null (no line steps:
    // step/next/until then work by instructions and say so through errors).
    Debugger(Machine& machine, const KernelSymbols& symbols, const SourceMap* source, const KernelInfo& info,
             DebuggerOptions options);
    ~Debugger();
    Debugger(const Debugger&) = delete;
    Debugger& operator=(const Debugger&) = delete;

    // Breakpoints, watchpoints and event breakpoints share one numbering, as in gdb.
    BreakpointTable& breakpoints();
    // The images that describe the code: the kernel's, and user programs' once
    // code().set_user_files() says where their files are. Line steps, finish and
    // breakpoints work in a user program with lines as in the kernel; a system call or
    // fault made on a user line is run through, as gdb runs a process's.
    CodeMap& code();
    // The program being debugged (a guest path, "/bin/hello"): breakpoint locations the
    // kernel does not have are looked up in it. Errors (Usage): its file cannot be read.
    Result<void> set_program(const std::string& path);
    // The image of the code at eip where the machine is now (code().at() with the
    // running task's address space): nullopt for a user address without a readable file.
    std::optional<CodeImage> code_at(uint32_t eip);
    // Stops when the value changes (as gdb's watch), or after any read (rwatch) or any
    // read or write (awatch) of the bytes, at the end of the block that touched them.
    Result<const Watchpoint*> watch_memory(uint32_t address, uint32_t length, WatchOn on = WatchOn::Change);
    Result<const Watchpoint*> watch_pte(int pid, uint32_t address);
    Result<const Watchpoint*> watch_frame(uint32_t pfn);
    // "fork", "cow", "exec", "exit", "exit:PID", "end": every such event stops; with #N
    // ("fork#3") only the N-th from now, once. Any stop point (stop_point.h) works so:
    // "copy_process#2", "return:do_fork" (every return). `once`: only the first, even
    // without #N. Errors (Usage): not a stop point, or an unknown kernel function.
    Result<const EventBreakpoint*> break_event(std::string_view text, bool once = false);
    // Any kind, by number (Usage error: no such number).
    Result<void> remove(int number);
    Result<void> enable(int number, bool enabled);
    const std::vector<Watchpoint>& watchpoints() const;
    const std::vector<EventBreakpoint>& event_breakpoints() const;

    // Execution. Each returns the stop; a machine fault is a Fault stop (the machine is
    // then unusable: later calls return the same stop), not an error. Errors are for
    // requests that cannot be carried out (finish in the outermost frame, a step with
    // no source lines, a command after the guest exited).
    Result<DebugStop> cont();
    Result<DebugStop> stepi(uint64_t count = 1);
    Result<DebugStop> nexti(uint64_t count = 1);     // a call instruction runs to its return
    Result<DebugStop> step(uint64_t count = 1);      // to the next source line, into calls with lines
    Result<DebugStop> next(uint64_t count = 1);      // to the next source line of this frame or its callers
    Result<DebugStop> until();                       // next, but never back to an earlier line (loops)
    Result<DebugStop> until(std::string_view location);  // to location, or until this frame returns
    Result<DebugStop> finish();                      // until the current function returns

    // Going backwards, through the machine's recorded history (set_history; without it
    // these are errors). reverse_stepi goes back one instruction or delivery;
    // reverse_continue to the last breakpoint hit before now, or to the end of the
    // block that last changed a watchpoint's bytes where they lie now (a pte watch: the
    // entry its task's directory leads to now, whoever wrote it; the guest's events are
    // not searched backwards); reverse_next to the start of the previous
    // source line of this function; reverse_step likewise, instruction by instruction,
    // into a call made on that line, from its end (as gdb); reverse_finish to the call
    // of the current function. At the oldest recorded state: StopReason::HistoryStart.
    void set_history(History* history);
    Result<DebugStop> reverse_stepi(uint64_t count = 1);
    // reverse_stepi that goes back over a whole call, system call or interrupt that
    // returned to here, to the instruction that made it.
    Result<DebugStop> reverse_nexti(uint64_t count = 1);
    Result<DebugStop> reverse_continue();
    Result<DebugStop> reverse_next();
    Result<DebugStop> reverse_step();
    Result<DebugStop> reverse_finish();

    // Goes to position p of the recorded history, back or forward (gdb's record goto):
    // a Step stop there. Errors (Usage): no history, or p outside it.
    Result<DebugStop> goto_position(MachinePosition p);

    // Logs the guest's forks, cows, execs and exits from now on, without stopping, each
    // once (a replay after going back does not log them twice), in position order.
    Result<void> log_events();
    const std::vector<GuestEvent>& event_log() const;

    // Thread-safe: the running command stops with StopReason::Interrupted.
    void interrupt();

    // The last stop (nullopt before the first command).
    const std::optional<DebugStop>& last_stop() const;
    Machine& machine();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// "Breakpoint 1", "step", "exited with status 0"...: the reason as one short phrase.
std::string describe_reason(const DebugStop& stop);

}  // namespace forkscope

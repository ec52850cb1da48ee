// LiveMachine: the guest on a thread of its own, driven by the window's commands
// (continue, pause, the steps, breakpoints) through the debugger core, and publishing
// what the window shows — a LiveView — at safe points: at every stop, and while the
// guest runs whenever the window asks for a fresh one (it asks at most every 200 ms;
// the run pauses for the time of one snapshot and goes on). Drawing never waits for
// the emulator and never reads the machine: the window reads only published views.
#pragma once
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "emulator/cpu.h"
#include "emulator/debug/backtrace.h"
#include "emulator/debug/debugger.h"
#include "emulator/debug/disassembler.h"
#include "emulator/introspect/kernel_state.h"
#include "frontend/gui/event_log.h"

namespace forkscope {
class DebugInfo;
class History;
class KernelInfo;
}

namespace forkscope::gui {

// The machine's counters at one position, for the timeline's plots (taken at each view).
struct TimelineSample {
    MachinePosition at;
    uint32_t free_pages = 0;
    uint64_t page_faults = 0, interrupts = 0, system_calls = 0;
};

struct LiveView {
    uint64_t serial = 0;          // grows with each publication
    bool running = false;         // taken while the guest runs (else at a stop)
    bool ended = false;           // the guest exited or the machine faulted: nothing more runs
    std::string status;           // "running", "Breakpoint 1, copy_process", "exited with status 0"
    CpuRegisters regs{};
    uint64_t instructions = 0;
    std::optional<KernelSnapshot> snapshot;  // nullopt before the kernel has tasks
    std::string snapshot_error;
    std::string function;                    // at EIP ("copy_process", "main")
    std::optional<SourceLocation> line;      // at EIP, when its image has lines
    std::vector<Instruction> disassembly;    // from EIP on
    std::vector<StackFrame> stack;
    // Each kernel frame's arguments, kernel objects decoded ("mm=0xc0139060 <users 1,
    // 7 vmas>, oldmm=..."); nullopt where DWARF does not say (user frames, no debug info).
    std::vector<std::optional<std::string>> stack_arguments;
    std::vector<Breakpoint> breakpoints;
    std::vector<SourceLocation> breakpoint_lines;  // where they are, in their images' source
    // The timeline: the guest's events so far (Debugger::event_log), the counters at each
    // view, where the machine is, and the part of the past it can go back to.
    MachinePosition position;
    EventLog events;
    std::vector<TimelineSample> samples;
    std::optional<std::pair<MachinePosition, MachinePosition>> history;  // oldest, newest
    // The frames in use (not free) whose bytes changed since the last view, by pfn;
    // written_tracked is false when there were too many to keep a copy of
    // (kMaxTrackedBytes).
    std::vector<uint32_t> written;
    bool written_tracked = true;
    uint64_t guest_ns = 0;  // the guest's clock
    double speed = 0;       // LiveMachine::set_speed's
};

enum class LiveAction {
    Continue, Pause, Step, Next, Finish, StepInstruction,
    ReverseStep, ReverseNext, ReverseContinue,
    Break,        // toggle a breakpoint at `location`
    RunTo,        // continue to the next event `location`: fork, cow, exec or exit
    Goto,         // go to `position` in the recorded history
    Quit,
};

struct LiveCommand {
    LiveAction action = LiveAction::Continue;
    std::string location;  // Break: a function, FILE:LINE or *ADDRESS; RunTo: the event
    MachinePosition position;  // Goto
};

class LiveMachine {
public:
    // All references outlive the live machine; the thread starts at once, stopped at
    // the first instruction, and publishes a first view.
    // history: the debugger's, when it records one (the timeline shows its extent);
    // kernel_debug: the kernel's DWARF, for the stack's arguments (used on the thread only).
    LiveMachine(Debugger& debugger, const KernelInfo& info, const KernelSymbols& symbols,
                const History* history = nullptr, const DebugInfo* kernel_debug = nullptr);
    ~LiveMachine();  // quits and joins
    LiveMachine(const LiveMachine&) = delete;
    LiveMachine& operator=(const LiveMachine&) = delete;

    // Queues a command. One that changes breakpoints while the guest runs pauses the run
    // for its time; a step or Pause ends the run.
    void post(LiveCommand command);
    // While the guest runs: publish a fresh view soon (once per call, at most one pending).
    void want_view();
    // How fast the guest runs: 0 as fast as it can; else `speed` seconds of guest time
    // per second of wall time at most (1: real time; 0.1: ten times slower). The run is
    // held back when pace() finds the guest's clock ahead.
    void set_speed(double speed);
    // Called often (each frame) while the guest runs at a set speed: the emulator thread
    // checks the pace there, and sleeps while the guest is ahead.
    void pace();
    // The last view published (never null).
    std::shared_ptr<const LiveView> latest() const;
    // An error the thread met (a command that failed: "no source lines ..."), once.
    std::optional<std::string> take_message();

private:
    void thread_main();
    void apply(const LiveCommand& c);
    void publish(const std::string& status, bool running, bool ended);
    void start_run(const std::string& status);  // running_, the pace's base, the view
    void hold_pace();                           // sleeps while the guest is ahead of its speed

    Debugger& debugger_;
    const KernelInfo& info_;
    const KernelSymbols& symbols_;
    const History* history_;
    const DebugInfo* kernel_debug_;
    std::vector<TimelineSample> samples_;  // emulator thread only
    // The bytes of the frames the last view tracked for writes (tracked_pfns_, in order).
    std::vector<uint32_t> tracked_pfns_;
    std::vector<uint8_t> tracked_bytes_;
    std::vector<uint8_t> spare_bytes_;  // the buffer before last, reused for the next copy
    std::vector<uint32_t> frames_written(const KernelSnapshot& snap, bool* tracked);
    int run_to_event_ = 0;                 // the event breakpoint a RunTo set, removed at the stop
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<LiveCommand> queue_;
    std::shared_ptr<const LiveView> latest_;
    std::optional<std::string> message_;
    bool running_ = false;         // continuing: the thread is in (or about to enter) cont()
    bool view_pending_ = false;    // a publication was asked for and not made yet
    double speed_ = 0;             // set_speed's
    bool pace_base_stale_ = true;  // the speed changed: the pace counts from the next check
    std::chrono::steady_clock::time_point pace_wall_{};  // emulator thread: the pace's base
    uint64_t pace_guest_ns_ = 0;
    bool ended_ = false;
    uint64_t serial_ = 0;
    std::thread thread_;
};

}  // namespace forkscope::gui

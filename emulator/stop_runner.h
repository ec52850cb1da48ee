// StopRunner: drives a Machine to stop points (stop_point.h) with stop addresses at
// the kernel functions they watch, and says what it found there.
//
//   auto point = parse_stop_point("fork#2");                  // Usage error if malformed
//   StopRunner runner(machine, symbols, kernel_info, {.vm_fault_ok = 0});
//   runner.watch(*point);          // optional: count from now (else from run_to)
//   auto outcome = runner.run_to(*point);
//   if (auto* r = std::get_if<StopReport>(&*outcome)) ... // stopped; machine is at the point
//   else std::get<StopNotReached>(*outcome).summary;         // the guest ended first
//   runner.run_to(later_point); ... runner.finish();          // on to the guest's end
//
// Counting starts when a point is watched: watch every point before the first run_to
// so that all count from boot (run_to watches a point it has not seen). The machine
// runs exactly as it would without stop points: same console, same instruction count.
//
// A return is recognised at the return address read from [ESP] at entry, when the
// same task (the kernel's current_task) is back there with ESP just above the entry
// ESP: recursion, interrupts that call the function again, tail calls, and other
// tasks running the same code while the first is switched out do not confuse it. A
// task's calls in progress when it enters do_exit are forgotten (they never return;
// a later task may reuse its task_struct and stack). return:SYMBOL#N is the
// N-th call in the order of entry; a call that never returns (a dying task's last
// schedule) leaves its point unreached. The task is read from current_task, which
// schedule() sets just before switch_to: a return address inside that window would be
// credited to the next task (no such call site exists today).
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "base/result.h"
#include "emulator/introspect/kernel_info.h"
#include "emulator/stop_point.h"
#include "emulator/symbols.h"

namespace forkscope {

class Machine;

// Kernel constants the value tests need, from the kernel-info table.
struct StopConstants {
    uint32_t vm_fault_ok = 0;  // do_wp_page's "resolved" return value (VM_FAULT_OK)
};

// The machine is stopped at the point.
struct StopReport {
    StopPoint point;
    std::string description;       // "return:copy_process#1 = 0xc03f2000", "fork#1 = ...", "exit:7"
    std::optional<uint32_t> value;  // EAX, for the return kinds (Return, Fork, Cow, Exec)
    uint32_t task = 0;             // the current task_struct's address (0: none yet)
    int pid = 0;                   // its pid
    uint32_t eip = 0;              // where the machine stopped
    uint64_t instructions = 0;     // the machine's instruction count there
};

// What the runner saw of the point's events, counted from when it was watched.
struct StopCounts {
    std::string function;    // the function the point watches (copy_process for fork, ...)
    uint64_t entered = 0;    // times it was entered
    uint64_t returned = 0;   // times it returned (return kinds only)
    uint64_t matched = 0;    // forks, cows, execs (a passing return value) or exits
};

// The guest finished (wrote its exit status) before the point was reached.
struct StopNotReached {
    StopPoint point;
    StopCounts counts;
    uint32_t exit_status = 0;
    uint64_t instructions = 0;
    // One line for the CLI: "fork#1000 was not reached: the guest exited with status 0
    // after 5 forks (copy_process entered 5 times, returned 5 times)".
    std::string summary;
};

using StopOutcome = std::variant<StopReport, StopNotReached>;

class StopRunner {
public:
    // The machine and symbols must outlive the runner. Nothing runs until run_to.
    // While it lives the runner owns the machine's stop addresses: it removes its own
    // in finish() and its destructor, and run_to runs on past any other.
    StopRunner(Machine& machine, const KernelSymbols& symbols, const KernelInfo& info, StopConstants constants);
    ~StopRunner();
    StopRunner(const StopRunner&) = delete;
    StopRunner& operator=(const StopRunner&) = delete;

    // Starts counting the point's events (idempotent). Errors (Usage): the point's
    // kernel function does not exist ("unknown kernel symbol ... (did you mean ...)").
    Result<void> watch(const StopPoint& point);

    // Runs the machine until the point is reached (StopReport) or the guest exits
    // (StopNotReached). Asked again for the point it is stopped at, it reports that
    // stop without running. Errors: an unknown symbol (Usage); a point already passed
    // earlier in the run (Usage, "... was already passed"); a machine fault; a pause
    // requested from another thread (MachineFault, "paused before ...").
    Result<StopOutcome> run_to(const StopPoint& point);

    // Removes the stop addresses and runs the guest to its end; returns its status.
    Result<uint32_t> finish();

    // For a caller that drives the machine itself (the debugger): the machine has just
    // arrived at eip, at one of its stop addresses or where a step ended. Counts what
    // happens there and returns the watched points reached there (none: not a tracked
    // address). Call once per arrival.
    Result<std::vector<StopReport>> arrived(uint32_t eip);
    // Watches a point afresh, counting from now: after fork#1 was reached, the next fork
    // is fork#1 again (a recurring event breakpoint).
    Result<void> rewatch(const StopPoint& point);
    // Stops counting a point (its function's stop address stays until finish()).
    void unwatch(const StopPoint& point);
    // Arriving at eip now would add a stop address (a watched call from a call site not
    // seen before, whose return needs one): only a machine stopped there may arrive.
    bool arrival_adds_stop_address(uint32_t eip) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace forkscope

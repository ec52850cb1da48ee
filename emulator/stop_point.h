// Stop points: the moments of a guest run that the dumps (pt, ps, maps, frames), the
// debugger and the kernel's own report stop at, with one meaning everywhere:
//
//   SYMBOL[#N]          before the first instruction of kernel function SYMBOL, the N-th
//                       time it is entered (N from 1; no #N means #1)
//   return:SYMBOL[#N]   the N-th call of SYMBOL (in the order of entry) has returned: at
//                       the instruction after the call, in the caller, ESP above the
//                       callee's frame; EAX is the return value
//   fork[#N]            the N-th successful copy_process (value not an ERR_PTR, i.e.
//                       unsigned < 0xfffff001) has returned in the parent: the child
//                       exists but has not run
//   cow[#N]             the N-th write-protect fault resolved: do_wp_page returned
//                       VM_FAULT_OK (whether it copied the page or reused it)
//   exec[#N]            the N-th do_execve that returned 0 has returned
//   exit, exit:PID      do_exit entered (by a task other than init / by the task whose
//                       pid, as gettid gives it, is PID: a thread has its own)
//   end                 do_exit entered by pid 1: the guest program has finished
//
// fork, cow and exec count the program's events: those of tasks other than the idle
// task and init, from the moment init's child has become the program (its do_execve
// returned 0; that exec is not counted). So fork#1 is the program's first fork, not
// init's fork that started it; exec#1 the program's first exec of another program.
// SYMBOL#N and return:SYMBOL#N count every call, from boot.
//
// fork, cow, exec, exit and end are always these kinds, never kernel function names.
// A point is text on the command line and a value here; stop_runner.h runs a machine
// to one, the guest kernel's selfdump=/selfhalt= read the same text.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace forkscope {

enum class StopKind { Entry, Return, Fork, Cow, Exec, Exit, End };

struct StopPoint {
    StopKind kind = StopKind::Entry;
    std::string symbol;      // Entry and Return: the kernel function
    uint64_t n = 1;          // #N, from 1 (Entry, Return, Fork, Cow, Exec)
    std::optional<int> pid;  // Exit: exit:PID (none: any task)

    // The canonical spelling: "copy_process#1", "return:do_fork#2", "fork#1",
    // "exit", "exit:7", "end". parse_stop_point(text()) gives the same point.
    std::string text() const;
    // The kernel function whose entries or returns it counts: the symbol, or
    // copy_process (fork), do_wp_page (cow), do_execve (exec), do_exit (exit, end).
    std::string function() const;
    // A return kind: Return, Fork, Cow, Exec (EAX is a value at the stop).
    bool at_return() const;
    bool operator==(const StopPoint&) const = default;
};

// Parses the forms above. Errors (ErrorKind::Usage) name what is wrong: an empty
// text, a count that is 0 or not a number, a pid that is not a positive number, a
// symbol that is not a C identifier, a #N or :PID where the form takes none.
Result<StopPoint> parse_stop_point(std::string_view text);

}  // namespace forkscope

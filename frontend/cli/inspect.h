// What the commands that dump the guest at a stop point share (pt, ps, maps, frames):
// their options (the machine's, --at, --since, -q, --color, -E/-U), and running the
// program to the stop points, returning a KernelSnapshot of each. The guest runs exactly
// as under `forkscope run` up to there (same console, same instruction count); at the
// last point the machine stops and the command prints its dump.
#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include "base/result.h"
#include "emulator/introspect/kernel_state.h"
#include "frontend/cli/commands.h"
#include "frontend/cli/machine_options.h"

namespace forkscope::cli {

struct InspectOptions {
    MachineOptions machine;
    std::string at = "end";
    std::string since;          // pt --since; empty: none
    bool quiet = false;         // drop the guest's console (else it goes to stderr)
    std::string color = "auto"; // auto (a terminal), always, never
    std::vector<std::pair<bool, std::string>> env;  // -E NAME=VALUE / -U NAME, in order
    bool stats = false;         // --stats: where the time went, on stderr
    // Set by a command, not an option: the views of one address space (pt --format qemu,
    // qemu-mem, bochs) read at --at only what they print (SnapshotScope): the page
    // tables of scope_pid (-1: the task running at the stop point), no frame map.
    bool one_address_space = false;
    int scope_pid = -1;
};

// Adds the shared options to a dump command; `since` adds --since (pt only).
void add_inspect_options(CLI::App& cmd, InspectOptions& options, bool since);

// Where the time went (--stats): running the guest to the stop points, reading the
// snapshots, and (measured from `snapshot_done`) formatting.
struct InspectTimes {
    uint64_t instructions = 0;  // at the last stop point
    double run_ms = 0, snapshot_ms = 0;
    std::chrono::steady_clock::time_point snapshot_done;
};

// The snapshots (KernelSnapshot::stop describes the stop each was taken at).
struct Inspection {
    std::optional<KernelSnapshot> since;
    KernelSnapshot at;
    InspectTimes times;
};

// What a dump command prints: the text, and the times behind it.
struct Dump {
    std::string text;
    InspectTimes times;
};
// The text a format returned, with the inspection's times; `header`: after a line that
// says where the machine stopped (the human formats; not the ones that copy another
// tool's output byte for byte).
Result<Dump> dumped(Result<std::string> text, const Inspection& inspection, bool header = false);

// Boots PROGRAM ARGS (words) and stops at --since, then --at. Errors: usage, files, a
// machine fault; a stop point never reached is ErrorKind::NotReached (exit 5) whose
// message says what was reached.
Result<Inspection> inspect(const InspectOptions& options, const std::vector<std::string>& words);

// Colour on stdout: --color always, or auto and stdout is a terminal.
bool colour_on_stdout(const InspectOptions& options);

// The common end of a dump command: the text on stdout (status 0) and, with --stats,
// one line of times on stderr; or the error.
int print_dump(const InspectOptions& options, const Result<Dump>& dump);

// Registers a dump command's runner: parses PROGRAM ARGS the way `run` does, then
// calls `dump` with them.
CommandRunner dump_command_runner(CLI::App* cmd, std::function<int(const std::vector<std::string>&)> dump);

}  // namespace forkscope::cli

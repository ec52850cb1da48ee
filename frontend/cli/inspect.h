// What the commands that dump the guest at a stop point share (pt, ps, maps, frames):
// their options (the machine's, --at, --since, -q, --color, -E/-U), and running the
// program to the stop points, returning a KernelSnapshot of each. The guest runs exactly
// as under `forkscope run` up to there (same console, same instruction count); at the
// last point the machine stops and the command prints its dump.
#pragma once
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
};

// Adds the shared options to a dump command; `since` adds --since (pt only).
void add_inspect_options(CLI::App& cmd, InspectOptions& options, bool since);

// The snapshots, and the stop each was taken at ("fork#1: copy_process returned
// 0xc03f2000 in pid 1 (forktest)" and the like).
struct Inspection {
    std::optional<KernelSnapshot> since;
    KernelSnapshot at;
};

// Boots PROGRAM ARGS (words) and stops at --since, then --at. Errors: usage, files, a
// machine fault; a stop point never reached is ErrorKind::NotReached (exit 5) whose
// message says what was reached.
Result<Inspection> inspect(const InspectOptions& options, const std::vector<std::string>& words);

// Colour on stdout: --color always, or auto and stdout is a terminal.
bool colour_on_stdout(const InspectOptions& options);

// The common end of a dump command: the text on stdout (status 0), or the error.
int print_result(const Result<std::string>& text);

// Registers a dump command's runner: parses PROGRAM ARGS the way `run` does, then
// calls `dump` with them.
CommandRunner dump_command_runner(CLI::App* cmd, std::function<int(const std::vector<std::string>&)> dump);

}  // namespace forkscope::cli

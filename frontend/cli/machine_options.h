// The options every subcommand that boots a machine shares (--kernel, --initrd,
// --append, --ram, --realtime, --max-instructions, --trace, --rtc-time), and their
// translation into a MachineConfig.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "base/result.h"
#include "emulator/machine.h"

namespace forkscope::cli {

struct MachineOptions {
    std::string kernel;                // empty: the embedded default image
    std::vector<std::string> initrd;   // each becomes a Multiboot module
    std::string append;
    uint64_t ram_mib = 128;
    bool realtime = false;
    uint64_t max_instructions = 0;
    std::vector<std::string> trace;
    std::optional<int64_t> rtc_time;
    std::string input;                 // "-" for stdin, a file, or empty for none
};

void add_machine_options(CLI::App& app, MachineOptions& options);

// Reads the files the options name. Errors: ErrorKind::BadImage for files, Usage for
// values.
Result<MachineConfig> make_machine_config(const MachineOptions& options);

// Exit status for an error kind: 2 usage, 3 bad image or file, 4 machine fault.
int exit_status_for(ErrorKind kind);

// Prints "forkscope: <message>" on stderr and returns exit_status_for(error.kind).
int report_error(const Error& error);

}  // namespace forkscope::cli

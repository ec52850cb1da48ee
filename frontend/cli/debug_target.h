// What `forkscope debug` and `forkscope gui` boot: PROGRAM ARGS in a machine stopped
// before its first instruction, with the kernel's info, symbols, source lines and
// variables, the user programs' files for their lines, and a history recorded from the
// first instruction for the reverse commands.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "emulator/debug/code_map.h"
#include "emulator/debug/source_map.h"
#include "emulator/debug/variables.h"
#include "emulator/history.h"
#include "emulator/introspect/kernel_info.h"
#include "emulator/machine.h"
#include "emulator/stop_runner.h"
#include "emulator/symbols.h"
#include "frontend/cli/machine_options.h"

namespace forkscope::cli {

struct DebugTargetOptions {
    MachineOptions machine;
    std::vector<std::pair<bool, std::string>> env;  // -E NAME=VALUE / -U NAME, in order
    uint64_t history_mb = 256;                      // 0: no history
    // HistoryOptions::max_overhead: 0 keeps the interval (forkscope debug); the window
    // lets snapshots take at most this share of the run, so the guest keeps its pace.
    double history_overhead = 0;
    std::vector<std::string> debug_dirs;            // --debug-dir, searched before the build's
    std::function<void(uint8_t)> console;           // the guest's console bytes
    int input_fd = -1;                              // the UART's input (-1: --input's, or none)
};

struct DebugTarget {
    std::unique_ptr<Machine> machine;
    std::optional<KernelInfo> info;
    std::optional<KernelSymbols> symbols;
    std::optional<SourceMap> source;   // nullopt: a kernel without -g (source_note says so)
    std::string source_note;
    std::optional<DebugInfo> debug_info;
    StopConstants constants;
    CodeMap::FileReader user_files;
    std::vector<std::string> debug_dirs;  // --debug-dir's, then the build's programs folder
    std::string program;                  // its guest path, "/bin/forktest"
    std::unique_ptr<History> history;     // null with history_mb 0
};

// Errors: usage (no PROGRAM), files, a bad image.
Result<DebugTarget> boot_debug_target(const DebugTargetOptions& options, const std::vector<std::string>& words);

}  // namespace forkscope::cli

// Subcommands. Each lives in its own file and is listed once in main.cpp: a function
// that adds its CLI11 subcommand and returns how to run it after parsing.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace forkscope::cli {

// The words after the first "--" on the command line. CLI11 2.1 hands a "--" inside a
// subcommand back to the parent app, which then refuses what follows; so main() parses
// only the words before it and gives the rest to the command, which decides what they
// mean (`forkscope run -- PROGRAM ARGS...`).
struct TrailingWords {
    bool present = false;  // there was a "--"
    std::vector<std::string> words;
};

// Returns -1 when its subcommand was not the one parsed, else the exit status.
using CommandRunner = std::function<int(const TrailingWords&)>;

CommandRunner add_run_command(CLI::App& app);
CommandRunner add_cc_command(CLI::App& app);
CommandRunner add_pt_command(CLI::App& app);
CommandRunner add_ps_command(CLI::App& app);
CommandRunner add_maps_command(CLI::App& app);
CommandRunner add_frames_command(CLI::App& app);
CommandRunner add_debug_command(CLI::App& app);
CommandRunner add_gui_command(CLI::App& app);

}  // namespace forkscope::cli

// Subcommands. Each lives in its own file and is listed once in main.cpp: a function
// that adds its CLI11 subcommand and returns how to run it after parsing.
#pragma once
#include <functional>

#include <CLI/CLI.hpp>

namespace forkscope::cli {

using CommandRunner = std::function<int()>;

CommandRunner add_run_command(CLI::App& app);

}  // namespace forkscope::cli

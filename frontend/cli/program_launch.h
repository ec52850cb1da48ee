// PROGRAM [ARGS...] on the command line of every command that boots a program (run, pt,
// ps, maps, frames): how the words become the kernel command line, the initramfs's
// files and init's argument and environment files (see run_command.cpp's header).
#pragma once
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include "base/result.h"
#include "emulator/debug/code_map.h"
#include "emulator/machine.h"
#include "frontend/cli/commands.h"
#include "frontend/cli/machine_options.h"
#include "frontend/initramfs.h"

namespace forkscope::cli {

// The initramfs is the first module: the first --initrd, or the built-in one.
std::string initramfs_label(const MultibootModule& m);
Result<std::vector<CpioEntry>> parse_initramfs(const MachineConfig& config);

// Adds -E/--env NAME=VALUE and -U/--unset NAME, collected in order into `env` as
// (unset?, text); `note` ends their help ("; as qemu-i386 -E"). `env` outlives parsing.
void add_environment_options(CLI::App& cmd, std::vector<std::pair<bool, std::string>>& env,
                             const std::string& note = "");

// --env NAME=VALUE and --unset NAME (unset?, text) as init's environment changes.
Result<std::vector<std::string>> environment_changes(const std::vector<std::pair<bool, std::string>>& options);

// Puts the program into the machine: the command line ("quiet" first unless boot_log),
// for a host file the initramfs with that file added, and the files of arguments and
// environment when needed. words: PROGRAM ARGS...
Result<void> put_program_in(MachineConfig& config, const std::string& append, bool boot_log,
                            const std::vector<std::string>& words, const std::vector<std::string>& env_changes);

// The initramfs's regular files by guest path ("/bin/hello"): the user programs'
// images, for the debugger's CodeMap. Errors: a malformed archive.
Result<CodeMap::FileReader> initramfs_files(const MachineConfig& config);

// Where PROGRAM (a name in the image, or a host file) lies in the guest: "/bin/NAME".
std::string program_guest_path(const std::string& program);

// The machine that runs PROGRAM ARGS (words) as the dump commands and the debuggers
// boot it: the options' machine, the built-in initramfs unless --initrd, the program
// and its environment put in, the command line checked. Errors: usage, files.
Result<MachineConfig> program_machine_config(const MachineOptions& machine,
                                             const std::vector<std::pair<bool, std::string>>& env,
                                             const std::vector<std::string>& words);

// PROGRAM and ARGS: what CLI11 left over from the first word that is not an option on,
// then "--" and what follows it; or, when "--" came first, what follows it.
std::vector<std::string> program_words(std::vector<std::string> words, const TrailingWords& trailing);

}  // namespace forkscope::cli

// forkscope debug [options] PROGRAM [ARGS...]: the text debugger. Boots the program
// stopped before the kernel's first instruction and runs gdb-like commands
// (debug_session.h): those of --break and -ex in order, then the lines of --batch FILE,
// then, without either, the lines typed at the "(forkscope) " prompt (with line editing
// and history on a terminal; read plainly from a pipe). The guest's console goes to
// stdout between the debugger's lines, in the order they happen.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <memory>

#include <editline/readline.h>

#include "emulator/debug/source_map.h"
#include "emulator/debug/variables.h"
#include "emulator/history.h"
#include "emulator/introspect/kernel_info.h"
#include "emulator/machine.h"
#include "emulator/symbols.h"
#include "frontend/cli/commands.h"
#include "frontend/cli/debug_session.h"
#include "frontend/cli/inspect.h"
#include "frontend/cli/machine_options.h"
#include "frontend/cli/program_launch.h"
#include "frontend/guest_debug_dir.h"
#include "frontend/initramfs.h"

namespace forkscope::cli {

namespace {

constexpr const char* kPrompt = "(forkscope) ";

struct DebugOptions {
    MachineOptions machine;
    std::vector<std::string> breaks;
    std::vector<std::string> commands;
    std::string batch;
    bool att = false;
    bool quiet = false;
    uint64_t history_mb = 256;
    std::vector<std::string> debug_dirs;
    std::vector<std::pair<bool, std::string>> env;
};

// The initramfs's regular files by guest path ("/bin/hello"): the user programs' images.
Result<CodeMap::FileReader> initramfs_files(const MachineConfig& config) {
    auto entries = parse_initramfs(config);
    if (!entries) return entries.error();
    auto files = std::make_shared<std::map<std::string, std::vector<uint8_t>>>();
    for (CpioEntry& e : *entries)  // the last one of a path wins, as when the kernel unpacks
        if (e.is_regular()) (*files)["/" + cpio_path(e.name)] = std::move(e.data);
        else files->erase("/" + cpio_path(e.name));
    return CodeMap::FileReader([files](const std::string& path) -> std::optional<std::vector<uint8_t>> {
        auto it = files->find(path);
        if (it == files->end()) return std::nullopt;
        return it->second;
    });
}

int debug(const DebugOptions& o, const std::vector<std::string>& words) {
    if (words.empty()) return report_error(make_error(ErrorKind::Usage, "a PROGRAM to debug is needed (forkscope run --list shows them)"));
    auto config = make_machine_config(o.machine);
    if (!config) return report_error(config.error());
    if (config->modules.empty()) config->modules.push_back(built_in_initramfs());
    auto env_changes = environment_changes(o.env);
    if (!env_changes) return report_error(env_changes.error());
    if (auto ok = put_program_in(*config, o.machine.append, false, words, *env_changes); !ok) return report_error(ok.error());
    auto info = KernelInfo::read(config->kernel);
    if (!info) return report_error(info.error());
    auto symbols = KernelSymbols::read(config->kernel);
    if (!symbols) return report_error(symbols.error());
    auto vm_fault_ok = info->get("NUMBER(VM_FAULT_OK)");
    if (!vm_fault_ok) return report_error(vm_fault_ok.error());
    // A kernel without debug information still debugs, by symbols and instructions.
    auto source = SourceMap::read(config->kernel, config->kernel_name);
    std::string source_note;
    if (!source) {
        source_note = source.error().message;
        std::printf("%s: no source lines; breakpoints on functions and addresses, stepi and x/i still work\n",
                    source_note.c_str());
    }
    auto debug_info = DebugInfo::read(config->kernel, config->kernel_name);
    auto user_files = initramfs_files(*config);
    if (!user_files) return report_error(user_files.error());
    std::vector<std::string> script;
    for (const std::string& b : o.breaks) script.push_back("break " + b);
    script.insert(script.end(), o.commands.begin(), o.commands.end());
    if (!o.batch.empty()) {
        std::ifstream f(o.batch);
        if (!f) return report_error(make_error(ErrorKind::BadImage, "cannot read --batch file '" + o.batch + "'"));
        for (std::string line; std::getline(f, line);) script.push_back(line);
    }

    const bool quiet = o.quiet;
    config->console = [quiet](uint8_t byte) {
        if (!quiet) std::fputc(byte, stdout);
    };
    auto machine = Machine::create(std::move(*config));
    if (!machine) return report_error(machine.error());
    // The history the reverse commands go back through, recorded from the first instruction.
    std::unique_ptr<History> history;
    if (o.history_mb > 0) {
        HistoryOptions ho;
        ho.max_bytes = o.history_mb << 20;
        ho.interval = HistoryOptions::kDebugInterval;
        auto h = History::attach(**machine, ho);
        if (!h) return report_error(h.error());
        history = std::move(*h);
    }
    DebugSessionOptions options;
    options.syntax = o.att ? AsmSyntax::Att : AsmSyntax::Intel;
    options.constants.vm_fault_ok = *vm_fault_ok;
    options.source_note = source_note;
    if (debug_info) options.debug_info = &*debug_info;
    options.user_files = std::move(*user_files);
    options.debug_dirs = o.debug_dirs;
    options.debug_dirs.push_back(kGuestProgramsDebugDir);
    options.program = program_guest_path(words.front());
    DebugSession session(**machine, *symbols, source ? &*source : nullptr, *info, options, [](std::string_view text) {
        std::fwrite(text.data(), 1, text.size(), stdout);
        std::fflush(stdout);
    });

    if (history) session.debugger().set_history(history.get());
    const bool scripted = !o.commands.empty() || !o.batch.empty();
    for (const std::string& line : script) {
        std::printf("%s%s\n", kPrompt, line.c_str());
        if (!session.execute(line)) return session.failed() ? 1 : 0;
    }
    if (scripted) return session.failed() ? 1 : 0;
    if (::isatty(STDIN_FILENO)) {
        for (;;) {
            char* line = readline(kPrompt);
            if (!line) break;  // end of input
            std::string text(line);
            std::free(line);
            if (!text.empty()) add_history(text.c_str());
            if (!session.execute(text)) break;
        }
        std::printf("\n");
    } else {
        for (std::string line; std::getline(std::cin, line);) {
            std::printf("%s%s\n", kPrompt, line.c_str());
            if (!session.execute(line)) break;
        }
    }
    return session.failed() ? 1 : 0;
}

}  // namespace

CommandRunner add_debug_command(CLI::App& app) {
    auto o = std::make_shared<DebugOptions>();
    CLI::App* cmd = app.add_subcommand("debug", "Debug the guest kernel running a program, with gdb's commands");
    add_machine_options(*cmd, o->machine);
    cmd->add_option("--break", o->breaks, "a breakpoint before the run: FUNCTION, FILE:LINE, *ADDRESS, or an event "
                                          "(fork, cow, exec, exit, end) (repeatable)")
        ->type_name("LOC")
        ->allow_extra_args(false);
    cmd->add_option("--ex", o->commands, "a command to run, as typed at the prompt (repeatable, in order; -ex as in gdb)")
        ->type_name("CMD")
        ->allow_extra_args(false);
    cmd->add_option("--batch", o->batch, "run the commands in FILE (one per line, # comments), then exit")
        ->type_name("FILE");
    cmd->add_flag("--att", o->att, "AT&T syntax for x/i (Intel by default)");
    cmd->add_option("--history-mb", o->history_mb,
                    "memory for the recorded history the reverse commands use (0: none); the oldest states go first")
        ->capture_default_str();
    cmd->add_option("--debug-dir", o->debug_dirs,
                    "a folder of programs with their debug information, for the stripped ones the guest runs "
                    "(repeatable; searched before the build's own)")
        ->type_name("DIR")
        ->allow_extra_args(false);
    cmd->add_flag("-q,--quiet", o->quiet, "drop the guest's console output");
    cmd->add_option_function<std::string>(
           "-E,--env", [o](const std::string& v) { o->env.emplace_back(false, v); },
           "set NAME=VALUE in the program's environment (repeatable)")
        ->type_name("NAME=VALUE")
        ->trigger_on_parse();
    cmd->add_option_function<std::string>(
           "-U,--unset", [o](const std::string& v) { o->env.emplace_back(true, v); },
           "remove NAME from the program's environment (repeatable)")
        ->type_name("NAME")
        ->trigger_on_parse();
    cmd->prefix_command();
    cmd->footer("PROGRAM [ARGS...] as for forkscope run. Without -ex or --batch, commands come from the terminal\n"
                "(or standard input). Exit status: 0; 1 when a command failed; 2 usage, 3 bad file.");
    return dump_command_runner(cmd, [o](const std::vector<std::string>& words) { return debug(*o, words); });
}

}  // namespace forkscope::cli

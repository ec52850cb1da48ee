// forkscope debug [options] PROGRAM [ARGS...]: the text debugger. Boots the program
// stopped before the kernel's first instruction and runs gdb-like commands
// (debug_session.h): those of --break and -ex in order, then the lines of --batch FILE,
// then, without either, the lines typed at the "(forkscope) " prompt (with line editing
// and history on a terminal; read plainly from a pipe). The guest's console goes to
// stdout between the debugger's lines, in the order they happen.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>

#include <editline/readline.h>

#include "frontend/cli/commands.h"
#include "frontend/cli/debug_session.h"
#include "frontend/cli/debug_target.h"
#include "frontend/cli/inspect.h"
#include "frontend/cli/machine_options.h"
#include "frontend/cli/program_launch.h"

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

int debug(const DebugOptions& o, const std::vector<std::string>& words) {
    std::vector<std::string> script;
    for (const std::string& b : o.breaks) script.push_back("break " + b);
    script.insert(script.end(), o.commands.begin(), o.commands.end());
    if (!o.batch.empty()) {
        std::ifstream f(o.batch);
        if (!f) return report_error(make_error(ErrorKind::BadImage, "cannot read --batch file '" + o.batch + "'"));
        for (std::string line; std::getline(f, line);) script.push_back(line);
    }
    DebugTargetOptions to;
    to.machine = o.machine;
    to.env = o.env;
    to.history_mb = o.history_mb;
    to.debug_dirs = o.debug_dirs;
    const bool quiet = o.quiet;
    to.console = [quiet](uint8_t byte) {
        if (!quiet) std::fputc(byte, stdout);
    };
    auto target = boot_debug_target(to, words);
    if (!target) return report_error(target.error());
    DebugTarget& t = *target;
    if (!t.source)
        std::printf("%s: no source lines; breakpoints on functions and addresses, stepi and x/i still work\n",
                    t.source_note.c_str());
    DebugSessionOptions options;
    options.syntax = o.att ? AsmSyntax::Att : AsmSyntax::Intel;
    options.constants = t.constants;
    options.source_note = t.source_note;
    if (t.debug_info) options.debug_info = &*t.debug_info;
    options.user_files = t.user_files;
    options.debug_dirs = t.debug_dirs;
    options.program = t.program;
    DebugSession session(*t.machine, *t.symbols, t.source ? &*t.source : nullptr, *t.info, options,
                         [](std::string_view text) {
                             std::fwrite(text.data(), 1, text.size(), stdout);
                             std::fflush(stdout);
                         });

    if (t.history) session.debugger().set_history(t.history.get());
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
    add_environment_options(*cmd, o->env);
    cmd->prefix_command();
    cmd->footer("PROGRAM [ARGS...] as for forkscope run. Without -ex or --batch, commands come from the terminal\n"
                "(or standard input). Exit status: 0; 1 when a command failed; 2 usage, 3 bad file.");
    return dump_command_runner(cmd, [o](const std::vector<std::string>& words) { return debug(*o, words); });
}

}  // namespace forkscope::cli

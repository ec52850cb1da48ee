// forkscope gui [options] PROGRAM [ARGS...]: the live window (frontend/gui). The guest
// runs on its own thread from the start (to the first --break or --at, or on), and the
// panels show its tasks, memory, CPU, source and console while it runs. With
// --screenshot FILE the window renders off screen at the first stop, writes the picture
// (and with --ui-state the UI state as JSON) and exits: no display is needed.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "emulator/debug/debugger.h"
#include "frontend/cli/commands.h"
#include "frontend/cli/debug_target.h"
#include "frontend/cli/inspect.h"
#include "frontend/cli/machine_options.h"
#include "frontend/cli/program_launch.h"
#include "frontend/gui/console_buffer.h"
#include "frontend/gui/live_machine.h"
#include "frontend/gui/window.h"

namespace forkscope::cli {

namespace {

struct GuiOptions {
    MachineOptions machine;
    std::vector<std::string> breaks;
    std::string at;
    std::string screenshot;
    std::string ui_state;
    std::string script;
    std::string size = "1600x1000";
    bool stats = false;
    uint64_t history_mb = 256;
    std::vector<std::string> debug_dirs;
    std::vector<std::pair<bool, std::string>> env;
};

Result<std::pair<int, int>> parse_size(const std::string& s) {
    int w = 0, h = 0;
    char end = 0;
    if (std::sscanf(s.c_str(), "%dx%d%c", &w, &h, &end) != 2 || w < 640 || h < 400 || w > 8192 || h > 8192)
        return make_error(ErrorKind::Usage, "--size '" + s + "': WIDTHxHEIGHT, from 640x400 to 8192x8192");
    return std::pair{w, h};
}

// The pipe the console panel's typed keys go through to the guest's UART.
struct InputPipe {
    int read_end = -1, write_end = -1;
    InputPipe() {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) == 0) {
            read_end = fds[0];
            write_end = fds[1];
        }
    }
    ~InputPipe() {
        if (write_end >= 0) ::close(write_end);
    }
};

int gui(const GuiOptions& o, const std::vector<std::string>& words) {
    auto size = parse_size(o.size);
    if (!size) return report_error(size.error());
    if (!o.ui_state.empty() && o.screenshot.empty() && o.script.empty())
        return report_error(make_error(ErrorKind::Usage, "--ui-state is written with a --screenshot or a --script"));
    std::vector<gui::ScriptLine> script;
    if (!o.script.empty()) {
        std::ifstream f(o.script);
        if (!f) return report_error(make_error(ErrorKind::BadImage, "cannot read --script file '" + o.script + "'"));
        std::vector<std::string> lines;
        for (std::string line; std::getline(f, line);) lines.push_back(line);
        auto parsed = gui::parse_window_script(lines);
        if (!parsed) return report_error(parsed.error());
        script = std::move(*parsed);
    }
    gui::ConsoleBuffer console;
    InputPipe input;
    DebugTargetOptions to;
    to.machine = o.machine;
    to.env = o.env;
    to.history_mb = o.history_mb;
    to.history_overhead = 0.1;  // snapshots take at most a tenth of the run while the window watches
    to.debug_dirs = o.debug_dirs;
    to.console = [&console](uint8_t byte) { console.append(byte); };
    if (o.machine.input.empty()) to.input_fd = input.read_end;
    auto target = boot_debug_target(to, words);
    if (!target) return report_error(target.error());
    DebugTarget& t = *target;
    Debugger debugger(*t.machine, *t.symbols, t.source ? &*t.source : nullptr, *t.info, DebuggerOptions{false, t.constants});
    debugger.code().set_user_files(t.user_files, t.debug_dirs);
    (void)debugger.set_program(t.program);  // unreadable: the kernel's names still work
    if (t.history) debugger.set_history(t.history.get());
    if (auto r = debugger.log_events(); !r) return report_error(r.error());  // the timeline's, from boot
    for (const std::string& b : o.breaks) {
        auto r = debugger.breakpoints().add(b);
        if (!r) return report_error(r.error());
    }
    if (!o.at.empty()) {
        // A stop point, as the dumps take it (fork, cow#2, copy_process#3, return:do_fork,
        // exit:3, end), stopped at once; else a place (a program's function, fork.c:515,
        // *0xc0101234), once.
        auto at = [&]() -> Result<void> {
            auto point = parse_stop_point(o.at);
            if (point) {
                auto e = debugger.break_event(point->text(), true);
                if (e || point->kind != StopKind::Entry || o.at.find('#') != std::string::npos)
                    return e ? Result<void>() : Result<void>(e.error());
            }
            auto b = debugger.breakpoints().add(o.at, true);
            return b ? Result<void>() : Result<void>(b.error());
        }();
        if (!at) return report_error(make_error(ErrorKind::Usage, "--at '" + o.at + "': " + at.error().message));
    }
    gui::WindowOptions wo;
    wo.width = size->first;
    wo.height = size->second;
    wo.screenshot = o.screenshot;
    wo.ui_state = o.ui_state;
    wo.input_fd = input.write_end;
    wo.stats = o.stats;
    wo.script = std::move(script);
    Result<void> shown = make_error(ErrorKind::Host, "");
    {
        gui::LiveMachine live(debugger, *t.info, *t.symbols, t.history.get(), t.debug_info ? &*t.debug_info : nullptr);
        shown = gui::run_window(live, console, wo);
    }  // the emulator thread has stopped here
    if (!shown) return report_error(shown.error());
    return 0;
}

}  // namespace

CommandRunner add_gui_command(CLI::App& app) {
    auto o = std::make_shared<GuiOptions>();
    CLI::App* cmd = app.add_subcommand("gui", "Watch the guest's tasks and memory live, and step through it, in a window");
    add_machine_options(*cmd, o->machine);
    cmd->add_option("--break", o->breaks, "a breakpoint: FUNCTION, FILE:LINE or *ADDRESS (repeatable)")
        ->type_name("LOC")
        ->allow_extra_args(false);
    cmd->add_option("--at", o->at, "stop once at an event (fork, fork#2, cow, exec, exit[:PID], end) or a place")
        ->type_name("STOP");
    cmd->add_option("--screenshot", o->screenshot,
                    "render off screen at the first stop, write the window as a PNG to FILE, and exit")
        ->type_name("FILE");
    cmd->add_option("--ui-state", o->ui_state, "with --screenshot or --script: the UI state as JSON to FILE (for tests)")
        ->type_name("FILE");
    cmd->add_option("--script", o->script,
                    "drive the window off screen by the lines of FILE (continue, step, next, finish, stepi, "
                    "reverse-step, reverse-next, reverse-continue, run-to EVENT, goto-event NAME, break LOC, "
                    "select PID, select-address ADDR, select-frame PFN, explain read|write, screenshot FILE, "
                    "ui-state FILE), then exit")
        ->type_name("FILE");
    cmd->add_flag("--stats", o->stats,
                  "at the end, on stderr: frames drawn and their time, views published, guest instructions");
    cmd->add_option("--size", o->size, "the window's size")->type_name("WxH")->capture_default_str();
    cmd->add_option("--history-mb", o->history_mb, "memory for the history the reverse steps use (0: none)")
        ->capture_default_str();
    cmd->add_option("--debug-dir", o->debug_dirs, "a folder of programs with their debug information (repeatable)")
        ->type_name("DIR")
        ->allow_extra_args(false);
    add_environment_options(*cmd, o->env);
    cmd->prefix_command();
    cmd->footer("PROGRAM [ARGS...] as for forkscope run. Keys: F5 continue/pause, F10 step over, F11 step into,\n"
                "Shift+F11 step out, F9 breakpoint at the current line. Exit status: 0; 2 usage, 3 bad file,\n"
                "4 no display or no OpenGL.");
    return dump_command_runner(cmd, [o](const std::vector<std::string>& words) { return gui(*o, words); });
}

}  // namespace forkscope::cli

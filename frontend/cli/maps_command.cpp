// forkscope maps [options] PROGRAM [ARGS...]: a task's memory map at a stop point, in
// the format of Linux's /proc/PID/maps (the same text the guest's own /proc shows).
#include "frontend/cli/commands.h"
#include "frontend/cli/inspect.h"
#include "frontend/format/format.h"

namespace forkscope::cli {

namespace {

struct MapsCommandOptions {
    InspectOptions inspect;
    int pid = -1;  // -1: the task running at the stop point
};

Result<Dump> dump(const MapsCommandOptions& o, const std::vector<std::string>& words) {
    auto run = inspect(o.inspect, words);
    if (!run) return run.error();
    int pid = o.pid;
    if (pid < 0) {
        const TaskState* t = run->at.current_task();
        if (!t) return make_error(ErrorKind::Usage, "no task runs at the stop point: give --pid");
        pid = t->pid;
    }
    return dumped(format::maps(run->at, pid), *run);
}

}  // namespace

CommandRunner add_maps_command(CLI::App& app) {
    auto o = std::make_shared<MapsCommandOptions>();
    CLI::App* cmd = app.add_subcommand("maps", "Print a task's memory map (as /proc/PID/maps) at a stop point");
    add_inspect_options(*cmd, o->inspect, false);
    cmd->add_option("--pid", o->pid, "the task (default: the one running at the stop point)")->check(CLI::NonNegativeNumber);
    cmd->footer("PROGRAM [ARGS...] as for forkscope run. Exit status: 0 printed; 2 usage, 3 bad file, 4 machine fault,\n"
                "5 the guest finished before the stop point.");
    return dump_command_runner(cmd, [o](const std::vector<std::string>& words) { return print_dump(o->inspect, dump(*o, words)); });
}

}  // namespace forkscope::cli

// forkscope ps [options] PROGRAM [ARGS...]: the guest's tasks at a stop point — PID PPID
// TGID STATE NAME MM-USERS PGD RSS COW-SHARED VMAS FDS TICKS; --tree nests children under
// their parents; --format json (docs/pt-json-schema.json).
#include "frontend/cli/commands.h"
#include "frontend/cli/inspect.h"
#include "frontend/format/format.h"

namespace forkscope::cli {

namespace {

struct PsCommandOptions {
    InspectOptions inspect;
    bool tree = false;
    std::string format = "table";
};

Result<Dump> dump(const PsCommandOptions& o, const std::vector<std::string>& words) {
    if (o.tree && o.format == "json") return make_error(ErrorKind::Usage, "--tree is for the table; json has each task's ppid");
    auto run = inspect(o.inspect, words);
    if (!run) return run.error();
    if (o.format == "json") return dumped(format::ps_json(run->at), *run);
    return dumped(format::ps_table(run->at, format::PsOptions{colour_on_stdout(o.inspect), o.tree}), *run, true);
}

}  // namespace

CommandRunner add_ps_command(CLI::App& app) {
    auto o = std::make_shared<PsCommandOptions>();
    CLI::App* cmd = app.add_subcommand("ps", "List the guest's tasks at a stop point");
    add_inspect_options(*cmd, o->inspect, false);
    cmd->add_flag("--tree", o->tree, "children under their parents, as ps --forest");
    cmd->add_option("--format", o->format, "table or json")->check(CLI::IsMember({"table", "json"}))->capture_default_str();
    cmd->footer("PROGRAM [ARGS...] as for forkscope run. Exit status: 0 printed; 2 usage, 3 bad file, 4 machine fault,\n"
                "5 the guest finished before the stop point.");
    return dump_command_runner(cmd, [o](const std::vector<std::string>& words) { return print_dump(o->inspect, dump(*o, words)); });
}

}  // namespace forkscope::cli

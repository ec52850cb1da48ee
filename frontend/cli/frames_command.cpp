// forkscope frames [options] PROGRAM [ARGS...]: physical memory at a stop point — frames
// by owner kind and reference count; --frame PFN: every task, virtual address and flags
// that map it; --shared: frames mapped more than once; --format json.
#include "frontend/cli/commands.h"
#include "frontend/cli/inspect.h"
#include "frontend/format/format.h"

namespace forkscope::cli {

namespace {

struct FramesCommandOptions {
    InspectOptions inspect;
    std::string frame;  // a PFN, hexadecimal with 0x or decimal
    bool shared = false;
    std::string format = "table";
};

Result<Dump> dump(const FramesCommandOptions& o, const std::vector<std::string>& words) {
    std::optional<uint32_t> pfn;
    if (!o.frame.empty()) {
        auto a = format::parse_address(o.frame);
        if (!a) return make_error(ErrorKind::Usage, "--frame takes a frame number (got '" + o.frame + "')");
        pfn = *a;
    }
    if ((pfn || o.shared) && o.format == "json")
        return make_error(ErrorKind::Usage, "--frame and --shared print tables; json has every frame");
    if (pfn && o.shared) return make_error(ErrorKind::Usage, "--frame and --shared are separate views: give one");
    auto run = inspect(o.inspect, words);
    if (!run) return run.error();
    const format::FramesOptions opt{colour_on_stdout(o.inspect)};
    if (o.format == "json") return dumped(format::frames_json(run->at), *run);
    if (pfn) return dumped(format::frame_users(run->at, *pfn, opt), *run, true);
    if (o.shared) return dumped(format::frames_shared(run->at, opt), *run, true);
    return dumped(format::frames_table(run->at, opt), *run, true);
}

}  // namespace

CommandRunner add_frames_command(CLI::App& app) {
    auto o = std::make_shared<FramesCommandOptions>();
    CLI::App* cmd = app.add_subcommand("frames", "Show physical memory by owner and reference count at a stop point");
    add_inspect_options(*cmd, o->inspect, false);
    cmd->add_option("--frame", o->frame, "list every task, virtual address and flags that map frame PFN")->type_name("PFN");
    cmd->add_flag("--shared", o->shared, "list the frames that more than one page-table entry maps");
    cmd->add_option("--format", o->format, "table or json")->check(CLI::IsMember({"table", "json"}))->capture_default_str();
    cmd->footer("PROGRAM [ARGS...] as for forkscope run. Exit status: 0 printed; 2 usage, 3 bad file, 4 machine fault,\n"
                "5 the guest finished before the stop point.");
    return dump_command_runner(cmd, [o](const std::vector<std::string>& words) { return print_dump(o->inspect, dump(*o, words)); });
}

}  // namespace forkscope::cli

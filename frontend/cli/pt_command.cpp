// forkscope pt [options] PROGRAM [ARGS...]: the guest's page tables at a stop point.
//
//   --format tree (default)  per task: CR3, PDEs, mappings merged into runs with flags,
//                            frame counts, COW marks and VMAs (--kernel: the kernel half)
//   --format qemu, qemu-mem  QEMU's `info tlb` / `info mem` for one task's CR3
//   --format bochs           the Bochs debugger's `info tab`
//   --format json            docs/pt-json-schema.json
//   --diff A,B               two tasks' tables side by side
//   --since POINT            what changed in one task's tables from POINT to --at
//   --explain ADDR [--write] what an access at ADDR would do (MMU, then the kernel)
// --pid picks the task (default: every task for tree and json, else the task running
// at the stop point).
#include <optional>
#include <string>

#include "frontend/cli/commands.h"
#include "frontend/cli/inspect.h"
#include "frontend/format/format.h"

namespace forkscope::cli {

namespace {

struct PtCommandOptions {
    InspectOptions inspect;
    std::string pid = "";  // a number, "all", or empty (the default for the format)
    std::string format = "tree";
    std::string range;
    bool kernel = false;
    bool no_merge = false;
    std::string diff;
    std::string explain;
    bool write = false;
};

Result<std::optional<int>> parse_pid(const std::string& text) {
    if (text.empty() || text == "all") return std::optional<int>{};
    try {
        size_t used = 0;
        const long pid = std::stol(text, &used);
        if (used == text.size() && pid >= 0 && pid < (1l << 30)) return std::optional<int>{static_cast<int>(pid)};
    } catch (const std::exception&) {
    }
    return make_error(ErrorKind::Usage, "--pid takes a process id or 'all' (got '" + text + "')");
}

// The task a single-task view shows: --pid, else the one running at the stop.
Result<int> one_pid(const std::optional<int>& pid, const KernelSnapshot& snap, const char* what) {
    if (pid) return *pid;
    if (const TaskState* t = snap.current_task()) return t->pid;
    return make_error(ErrorKind::Usage, std::string(what) + " needs --pid (no task runs at the stop point)");
}

Result<Dump> dump(const PtCommandOptions& o, const std::vector<std::string>& words) {
    auto pid = parse_pid(o.pid);
    if (!pid) return pid.error();
    format::PtOptions opt;
    opt.colour = colour_on_stdout(o.inspect);
    opt.kernel = o.kernel;
    opt.no_merge = o.no_merge;
    if (!o.range.empty()) {
        auto r = format::parse_range(o.range);
        if (!r) return r.error();
        opt.range = *r;
    }
    std::optional<std::pair<int, int>> diff;
    if (!o.diff.empty()) {
        auto d = format::parse_pid_pair(o.diff);
        if (!d) return d.error();
        diff = *d;
    }
    std::optional<uint32_t> explain;
    if (!o.explain.empty()) {
        auto a = format::parse_address(o.explain);
        if (!a) return a.error();
        explain = *a;
    }
    if (o.write && !explain) return make_error(ErrorKind::Usage, "--write goes with --explain ADDR");
    if (int modes = !!diff + !!explain + !o.inspect.since.empty(); modes > 1)
        return make_error(ErrorKind::Usage, "--diff, --since and --explain are separate views: give one");
    if ((diff || explain || !o.inspect.since.empty()) && o.format != "tree")
        return make_error(ErrorKind::Usage, "--diff, --since and --explain print their own text: leave --format out");

    InspectOptions io = o.inspect;
    if ((o.format == "qemu" || o.format == "qemu-mem" || o.format == "bochs") && !diff && !explain) {
        io.one_address_space = true;  // read only the tables these print
        io.scope_pid = *pid ? **pid : -1;
    }
    auto run = inspect(io, words);
    if (!run) return run.error();
    const KernelSnapshot& snap = run->at;
    if (diff) return dumped(format::pt_diff(snap, diff->first, diff->second, opt), *run);
    if (explain) {
        auto p = one_pid(*pid, snap, "--explain");
        if (!p) return p.error();
        return dumped(format::pt_explain(snap, *p, *explain, o.write, opt.colour), *run);
    }
    if (run->since) {
        auto p = one_pid(*pid, snap, "--since");
        if (!p) return p.error();
        return dumped(format::pt_since(*run->since, snap, *p, opt), *run);
    }
    if (o.format == "tree") return dumped(format::pt_tree(snap, *pid, opt), *run, true);
    if (o.format == "json") return dumped(format::pt_json(snap, *pid, opt), *run);
    auto p = one_pid(*pid, snap, "--format qemu, qemu-mem and bochs");
    if (!p) return p.error();
    if (o.format == "qemu") return dumped(format::pt_qemu_tlb(snap, *p), *run);
    if (o.format == "qemu-mem") return dumped(format::pt_qemu_mem(snap, *p), *run);
    return dumped(format::pt_bochs(snap, *p), *run);
}

}  // namespace

CommandRunner add_pt_command(CLI::App& app) {
    auto o = std::make_shared<PtCommandOptions>();
    CLI::App* cmd = app.add_subcommand("pt", "Dump the guest's page tables at a stop point");
    add_inspect_options(*cmd, o->inspect, true);
    cmd->add_option("--pid", o->pid, "the task: a pid or 'all' (default: all for tree and json, else the running task)")
        ->type_name("PID|all");
    cmd->add_option("--format", o->format, "tree, qemu (info tlb), qemu-mem (info mem), bochs (info tab) or json")
        ->check(CLI::IsMember({"tree", "qemu", "qemu-mem", "bochs", "json"}))
        ->capture_default_str();
    cmd->add_option("--range", o->range, "only mappings in LO-HI (hexadecimal with 0x, or decimal)")->type_name("LO-HI");
    // --kernel names the kernel image, as for every command that boots one.
    cmd->add_flag("--kernel-half", o->kernel, "also the kernel half, which every task shares");
    cmd->add_flag("--no-merge", o->no_merge, "one line per page-table entry (runs of equal entries are merged otherwise)");
    cmd->add_option("--diff", o->diff, "compare two tasks' tables, by virtual address")->type_name("A,B");
    cmd->add_option("--explain", o->explain, "what an access at ADDR would do: the MMU's walk, then the kernel's fault handler")
        ->type_name("ADDR");
    cmd->add_flag("--write", o->write, "with --explain: a write access (default: a read)");
    cmd->footer("PROGRAM [ARGS...] as for forkscope run. Exit status: 0 the dump was printed; 2 usage, 3 bad file,\n"
                "4 machine fault, 5 the guest finished before the stop point (the message says what it reached).");
    return dump_command_runner(cmd, [o](const std::vector<std::string>& words) { return print_dump(o->inspect, dump(*o, words)); });
}

}  // namespace forkscope::cli

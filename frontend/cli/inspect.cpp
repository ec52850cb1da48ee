#include "frontend/cli/inspect.h"

#include <unistd.h>

#include <cstdio>
#include <memory>
#include <variant>

#include "emulator/cpu.h"
#include "emulator/introspect/kernel_view.h"
#include "emulator/introspect/syscall_trace.h"
#include "emulator/machine.h"
#include "emulator/stop_point.h"
#include "emulator/stop_runner.h"
#include "emulator/symbols.h"
#include "frontend/cli/program_launch.h"

namespace forkscope::cli {

void add_inspect_options(CLI::App& cmd, InspectOptions& o, bool since) {
    add_machine_options(cmd, o.machine);
    cmd.add_option("--at", o.at,
                   "where to stop: SYMBOL[#N] (entry of the N-th call), return:SYMBOL[#N], fork[#N] (copy_process "
                   "returned in the parent), cow[#N] (a write-protect fault resolved), exec[#N], exit[:PID], end "
                   "(the program has finished)")
        ->type_name("POINT")
        ->capture_default_str();
    if (since)
        cmd.add_option("--since", o.since, "an earlier stop point: show what changed from there to --at")
            ->type_name("POINT");
    cmd.add_flag("-q,--quiet", o.quiet, "drop the guest's console output (it goes to stderr otherwise)");
    cmd.add_flag("--stats", o.stats,
                 "print on stderr the instruction count at the stop point and the host time spent running to it, "
                 "reading the snapshot and formatting");
    cmd.add_option("--color", o.color, "colour the output: auto (when stdout is a terminal), always, never")
        ->check(CLI::IsMember({"auto", "always", "never"}))
        ->capture_default_str();
    add_environment_options(cmd, o.env);
    cmd.prefix_command();
}

bool colour_on_stdout(const InspectOptions& o) {
    return o.color == "always" || (o.color == "auto" && ::isatty(STDOUT_FILENO));
}

Result<Dump> dumped(Result<std::string> text, const Inspection& inspection, bool header) {
    if (!text) return text.error();
    if (!header) return Dump{std::move(*text), inspection.times};
    // "at fork#1 = 0xc13fe000: instruction 2768932, pid 2 (forktest) running"
    const KernelSnapshot& s = inspection.at;
    std::string line = "at " + s.stop + ": instruction " + std::to_string(s.instructions);
    if (const TaskState* t = s.current_task()) line += ", pid " + std::to_string(t->pid) + " (" + t->comm + ") running";
    return Dump{line + "\n" + *text, inspection.times};
}

int print_dump(const InspectOptions& o, const Result<Dump>& dump) {
    if (!dump) return report_error(dump.error());
    const auto formatted = std::chrono::steady_clock::now();
    std::fwrite(dump->text.data(), 1, dump->text.size(), stdout);
    std::fflush(stdout);
    if (o.stats) {
        const InspectTimes& t = dump->times;
        std::fprintf(stderr, "stats: instructions %llu, run %.3f ms, snapshot %.3f ms, format %.3f ms\n",
                     static_cast<unsigned long long>(t.instructions), t.run_ms, t.snapshot_ms,
                     std::chrono::duration<double, std::milli>(formatted - t.snapshot_done).count());
    }
    return 0;
}

CommandRunner dump_command_runner(CLI::App* cmd, std::function<int(const std::vector<std::string>&)> dump) {
    return [cmd, dump](const TrailingWords& trailing) -> int {
        if (!cmd->parsed()) return -1;
        const std::vector<std::string> before = cmd->remaining();
        if (!before.empty() && before.front().starts_with("-") && !trailing.present)
            return report_error(make_error(ErrorKind::Usage, "unknown option '" + before.front() + "' (see forkscope " +
                                                                 cmd->get_name() + " --help)"));
        return dump(program_words(before, trailing));
    };
}

namespace {

// The snapshot at the machine's current stop, described.
Result<KernelSnapshot> take_snapshot(Machine& machine, const KernelView& view, const StopReport& report,
                                     const SnapshotScope& scope) {
    const CpuRegisters r = machine.cpu().registers();
    auto s = view.snapshot(PagingMode{r.cr0, r.cr3, r.cr4}, r.eip, machine.stats().instructions, scope);
    if (!s) return s.error();
    s->stop = report.description;
    // fork's value is the child's task_struct: name the child.
    if (report.point.kind == StopKind::Fork && report.value)
        for (const TaskState& t : s->tasks)
            if (t.addr == *report.value) s->stop += " (child pid " + std::to_string(t.pid) + ")";
    return s;
}

}  // namespace

Result<Inspection> inspect(const InspectOptions& o, const std::vector<std::string>& words) {
    if (words.empty()) return make_error(ErrorKind::Usage, "a PROGRAM to run is needed (forkscope run --list shows them)");
    auto trace = syscall_trace_request(o.machine.trace);
    if (!trace) return trace.error();
    if (trace->enabled) return make_error(ErrorKind::Usage, "--trace syscall is for forkscope run; the dump commands do not trace");
    std::optional<StopPoint> since;
    if (!o.since.empty()) {
        auto p = parse_stop_point(o.since);
        if (!p) return make_error(ErrorKind::Usage, "--since: " + p.error().message);
        since = *p;
    }
    auto at = parse_stop_point(o.at);
    if (!at) return make_error(ErrorKind::Usage, "--at: " + at.error().message);

    auto config = program_machine_config(o.machine, o.env, words);
    if (!config) return config.error();

    // The kernel's own image says where everything is.
    auto info = KernelInfo::read(config->kernel);
    if (!info) return info.error();
    auto symbols = KernelSymbols::read(config->kernel);
    if (!symbols) return symbols.error();
    auto vm_fault_ok = info->get("NUMBER(VM_FAULT_OK)");
    if (!vm_fault_ok) return vm_fault_ok.error();

    const bool quiet = o.quiet;
    config->console = [quiet](uint8_t byte) {
        if (!quiet) std::fputc(byte, stderr);
    };
    auto machine = Machine::create(std::move(*config));
    if (!machine) return machine.error();
    auto view = KernelView::create(*info, (*machine)->walker());
    if (!view) return view.error();
    StopRunner runner(**machine, *symbols, *info, StopConstants{*vm_fault_ok});
    // Both points count from boot.
    for (const StopPoint* p : {since ? &*since : nullptr, &*at})
        if (p)
            if (auto ok = runner.watch(*p); !ok) return ok.error();

    Inspection result;
    using Clock = std::chrono::steady_clock;
    auto ms = [](Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); };
    for (const StopPoint* p : {since ? &*since : nullptr, &*at}) {
        if (!p) continue;
        const auto start = Clock::now();
        auto outcome = runner.run_to(*p);
        if (!outcome) return outcome.error();
        if (auto* missed = std::get_if<StopNotReached>(&*outcome))
            return make_error(ErrorKind::NotReached, missed->summary);
        const auto stopped = Clock::now();
        const StopReport& report = std::get<StopReport>(*outcome);
        SnapshotScope scope;
        if (p == &*at && o.one_address_space) {
            scope.tables_of_pid = o.scope_pid >= 0 ? o.scope_pid : report.pid;
            scope.frames = false;
        }
        auto snap = take_snapshot(**machine, *view, report, scope);
        if (!snap) return snap.error();
        result.times.snapshot_done = Clock::now();
        result.times.run_ms += ms(stopped - start);
        result.times.snapshot_ms += ms(result.times.snapshot_done - stopped);
        result.times.instructions = snap->instructions;
        (p == &*at ? result.at : result.since.emplace()) = std::move(*snap);
    }
    std::fflush(stderr);
    return result;
}

}  // namespace forkscope::cli

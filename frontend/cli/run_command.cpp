// forkscope run [machine options] [PROGRAM [ARGS...]]: boot the machine, show the
// guest's console on stdout, exit with the guest's DebugExit status.
//
// A PROGRAM reaches the guest the way guestkernel/include/abi/forkscope.h describes: the
// initramfs is the first Multiboot module, and the kernel command line ends in
// "-- /bin/PROGRAM ARG...", which init runs; arguments the command line cannot carry,
// and --env/--unset, go in files of the initramfs that init reads (frontend/
// program_args.h). PROGRAM without a '/' names bin/PROGRAM in
// the initramfs; with a '/' it is a host file (a static i386 ELF), added to the
// initramfs as bin/<its name> for this run. The initramfs is the first --initrd, else
// the built-in one (also with --kernel: only a --kernel run without a program boots
// without modules, as qemu -kernel does).
//
// With a PROGRAM the command line starts with "quiet", as a distribution boots: the
// kernel's boot lines (KERN_INFO) and its closing "exit: status N" stay off the
// console, so stdout carries what the program prints; warnings, errors, oopses and
// check=vm's summary still show. -v (--boot-log) leaves "quiet" out; a loglevel= in
// --append comes after it and wins. Without a PROGRAM nothing is added.
//
// --gdb [HOST:]PORT|unix:PATH serves gdb's remote protocol (frontend/gdbstub) while the
// guest runs, as qemu -gdb: `target remote :PORT` with the kernel ELF for symbols.
// -s is --gdb 127.0.0.1:1234; --wait (-S) holds the first instruction until a gdb
// connects (-S alone implies -s, since only gdb can start the guest then). Under gdb
// the run is recorded (--history-mb, 256 MiB unless given; 0: none; never with
// --realtime), so gdb's reverse-stepi and reverse-continue work.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "emulator/introspect/kernel_info.h"
#include "emulator/introspect/syscall_trace.h"
#include "emulator/history.h"
#include "emulator/machine.h"
#include "frontend/gdbstub/gdb_server.h"
#include "frontend/gdbstub/guest_target.h"
#include "frontend/cli/commands.h"
#include "frontend/cli/machine_options.h"
#include "frontend/cli/terminal_console.h"
#include "frontend/cli/program_launch.h"
#include "frontend/guest_command_line.h"
#include "frontend/initramfs.h"

namespace forkscope::cli {

namespace {

// Under gdb the run is recorded for reverse execution unless --history-mb says otherwise.
constexpr uint64_t kGdbHistoryMb = 256;

struct RunOptions {
    MachineOptions machine;
    bool stats = false;
    bool list = false;
    bool boot_log = false;
    std::vector<std::pair<bool, std::string>> env;  // (unset?, NAME=VALUE or NAME), in order
    std::string write_initrd;
    uint64_t history_mb = 0;  // 0: no history recorded
    bool history_given = false;  // --history-mb on the command line (else gdb's default)
    bool interval_given = false;
    uint64_t history_interval = HistoryOptions{}.interval;
    std::string gdb;        // --gdb ADDRESS; empty: no gdb
    bool gdb_default = false;  // -s
    bool gdb_wait = false;     // --wait / -S
};

// The guest under gdb: serve until it exits (its status) or gdb kills it (128 + SIGKILL,
// as a killed process).
int run_under_gdb(const RunOptions& o, Machine& machine, const std::vector<uint8_t>& kernel, History* history) {
    auto address = gdb::parse_listen_address(o.gdb.empty() ? "127.0.0.1:1234" : o.gdb);
    if (!address) return report_error(address.error());
    auto target = gdb::GuestTarget::create(machine, kernel);
    if (!target) return report_error(target.error());
    (*target)->set_history(history);
    auto server = gdb::GdbServer::listen(*address);
    if (!server) return report_error(server.error());
    if (address->exposed())
        std::fprintf(stderr, "forkscope: warning: gdb listens on %s: anyone who can connect controls the guest\n",
                     (*server)->where().c_str());
    std::fprintf(stderr, "forkscope: gdb server on %s%s\n", (*server)->where().c_str(),
                 o.gdb_wait ? ", waiting for gdb before the first instruction" : "");
    auto end = (*server)->serve(**target, o.gdb_wait);
    std::fflush(stdout);
    if (!end) return report_error(end.error());
    switch (end->kind) {
    case gdb::ServeEnd::Kind::Exited: return static_cast<int>(end->exit_status & 0xff);
    case gdb::ServeEnd::Kind::Killed:
        std::fprintf(stderr, "forkscope: killed from gdb\n");
        return 128 + 9;
    case gdb::ServeEnd::Kind::Quit: return 0;
    }
    return 0;
}

void print_stats(const MachineStats& s) {
    double wall_s = static_cast<double>(s.wall_ns) / 1e9;
    double mips = wall_s > 0 ? static_cast<double>(s.instructions) / wall_s / 1e6 : 0.0;
    std::fprintf(stderr,
                 "stats: instructions %llu, interrupts %llu, exceptions %llu (page faults %llu, system calls %llu), "
                 "sysenter %llu, guest time %.3f ms, wall time %.3f ms, guest MIPS %.1f, first console byte %.3f ms, "
                 "delivery %s (%llu inside runs), translation flushes %llu\n",
                 static_cast<unsigned long long>(s.instructions), static_cast<unsigned long long>(s.interrupts),
                 static_cast<unsigned long long>(s.exceptions), static_cast<unsigned long long>(s.page_faults),
                 static_cast<unsigned long long>(s.system_calls), static_cast<unsigned long long>(s.sysenters),
                 static_cast<double>(s.guest_ns) / 1e6,
                 wall_s * 1e3, mips, static_cast<double>(s.first_output_wall_ns) / 1e6,
                 s.cpu_state_in_place ? "in place" : "through saved contexts",
                 static_cast<unsigned long long>(s.in_run_deliveries), static_cast<unsigned long long>(s.code_flushes));
}

void print_history_stats(const History& h) {
    const History::Stats s = h.stats();
    const MachinePosition newest = h.newest();
    const double per_million =
        newest.instructions ? static_cast<double>(s.bytes) * 1e6 / static_cast<double>(newest.instructions) : 0.0;
    std::fprintf(stderr,
                 "history: %.1f MiB held (pages %.1f MiB), %llu snapshots (%llu dropped), %llu interrupts and %llu "
                 "input bytes recorded, %llu deliveries, %.0f bytes per 10^6 instructions, snapshots took %.1f ms\n",
                 static_cast<double>(s.bytes) / (1 << 20), static_cast<double>(s.page_bytes) / (1 << 20),
                 static_cast<unsigned long long>(s.snapshots), static_cast<unsigned long long>(s.snapshots_dropped),
                 static_cast<unsigned long long>(s.interrupts), static_cast<unsigned long long>(s.input_bytes),
                 static_cast<unsigned long long>(s.deliveries), per_million, static_cast<double>(s.snapshot_ns) / 1e6);
}

int print_program_list(const MachineConfig& config) {
    auto entries = parse_initramfs(config);
    if (!entries) return report_error(entries.error());
    for (const std::string& name : list_programs(*entries)) std::printf("%s\n", name.c_str());
    return 0;
}

int run(const RunOptions& o, const std::vector<std::string>& words, bool after_mark) {
    if (!words.empty() && words.front().starts_with("-") && !after_mark)
        return report_error(make_error(ErrorKind::Usage, "unknown option '" + words.front() + "' (see forkscope run --help)"));
    if (o.list && !words.empty())
        return report_error(make_error(ErrorKind::Usage, "--list takes no program (got '" + words.front() + "')"));
    auto config = make_machine_config(o.machine);
    if (!config) return report_error(config.error());
    // A --kernel alone boots no modules; a program still needs an image to come from.
    if ((o.list || !words.empty()) && config->modules.empty()) config->modules.push_back(built_in_initramfs());
    if (o.list) return print_program_list(*config);
    auto env_changes = environment_changes(o.env);
    if (!env_changes) return report_error(env_changes.error());
    if (words.empty() && !env_changes->empty())
        return report_error(make_error(ErrorKind::Usage, "--env and --unset need a PROGRAM"));
    if (!words.empty()) {
        if (auto ok = put_program_in(*config, o.machine.append, o.boot_log, words, *env_changes); !ok)
            return report_error(ok.error());
    }
    if (auto ok = check_command_line_length(config->kernel_name, config->cmdline); !ok) return report_error(ok.error());
    if (!o.write_initrd.empty()) {
        if (config->modules.empty())
            return report_error(make_error(ErrorKind::Usage, "--write-initrd: this run boots without an initramfs"));
        if (auto ok = write_host_file(o.write_initrd, config->modules.front().bytes, "initrd"); !ok) return report_error(ok.error());
    }

    // A person at a terminal types to the guest, as with qemu -serial stdio. Not from
    // the background of a job-control shell (`forkscope run ... &`), where changing our
    // controlling terminal would stop us (tcgetpgrp fails for a terminal that is not).
    std::unique_ptr<TerminalConsole> terminal;
    const pid_t foreground = ::tcgetpgrp(STDIN_FILENO);
    if ((o.machine.input.empty() || o.machine.input == "-") && ::isatty(STDIN_FILENO) &&
        (foreground < 0 || foreground == ::getpgrp())) {
        auto t = TerminalConsole::attach(STDIN_FILENO);
        if (!t) return report_error(t.error());
        terminal = std::move(*t);
        config->input_fd = terminal->input_fd();
    }
    // --trace syscall: the kernel's layout comes from its own image.
    auto trace = syscall_trace_request(o.machine.trace);
    if (!trace) return report_error(trace.error());
    std::optional<KernelInfo> kernel_info;
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> trace_file(nullptr, std::fclose);
    if (trace->enabled) {
        auto info = read_kernel_info(config->kernel);
        if (!info) return report_error(info.error());
        kernel_info = *info;
        if (!o.machine.trace_file.empty()) {
            trace_file.reset(std::fopen(o.machine.trace_file.c_str(), "w"));
            if (!trace_file)
                return report_error(make_error(ErrorKind::BadImage, "cannot write trace file '" + o.machine.trace_file +
                                                                        "': " + std::strerror(errno)));
        }
    }
    config->console = [](uint8_t byte) {
        std::fputc(byte, stdout);
        if (byte == '\n') std::fflush(stdout);
    };
    config->console_idle = [] { std::fflush(stdout); };
    const bool under_gdb = !o.gdb.empty() || o.gdb_default || o.gdb_wait;
    std::vector<uint8_t> kernel_elf;
    if (under_gdb) kernel_elf = config->kernel;
    auto machine = Machine::create(std::move(*config));
    if (!machine) return report_error(machine.error());
    if (terminal) terminal->on_quit([m = machine->get()] { m->request_pause(); });
    std::unique_ptr<History> history;
    uint64_t history_mb = o.history_given || !under_gdb ? o.history_mb : kGdbHistoryMb;
    if (!o.history_given && under_gdb && o.machine.realtime) {
        // Replay needs instruction-counted time: gdb goes without reverse execution.
        std::fprintf(stderr,
                     "forkscope: --realtime: no history recorded, gdb's reverse-step and reverse-continue are off\n");
        history_mb = 0;
    }
    if (history_mb > 0) {
        const uint64_t interval = o.interval_given || !under_gdb ? o.history_interval : HistoryOptions::kDebugInterval;
        auto h = History::attach(**machine, HistoryOptions{history_mb << 20, interval});
        if (!h) return report_error(h.error());
        history = std::move(*h);
    }
    std::unique_ptr<SyscallTracer> tracer;
    if (kernel_info) {
        auto t = SyscallTracer::attach(**machine, *kernel_info, trace->only, trace_file ? trace_file.get() : stderr);
        if (!t) return report_error(t.error());
        tracer = std::move(*t);
    }
    if (under_gdb && tracer)
        return report_error(make_error(ErrorKind::Usage, "--trace syscall and --gdb do not go together yet"));
    if (under_gdb) {
        const int status = run_under_gdb(o, **machine, kernel_elf, history.get());
        if (terminal && terminal->quit_requested()) {
            machine->reset();
            terminal.reset();
            std::fprintf(stderr, "\nforkscope: quit from the console (Ctrl-A x)\n");
        }
        return status;
    }
    auto status = (*machine)->run();
    if (tracer) tracer->finish();
    std::fflush(stdout);
    if (terminal && terminal->quit_requested()) {
        history.reset();
        machine->reset();
        terminal.reset();  // the terminal's own settings back before the last line
        std::fprintf(stderr, "\nforkscope: quit from the console (Ctrl-A x)\n");
        return 0;
    }
    if (o.stats) print_stats((*machine)->stats());
    if (o.stats && history) print_history_stats(*history);
    history.reset();
    if (!status) return report_error(status.error());
    return static_cast<int>(*status & 0xff);
}

}  // namespace

CommandRunner add_run_command(CLI::App& app) {
    auto options = std::make_shared<RunOptions>();
    CLI::App* cmd = app.add_subcommand("run", "Boot the guest kernel and run a program; exit with its status");
    add_machine_options(*cmd, options->machine);
    cmd->add_flag("--stats", options->stats, "print instructions, interrupts, guest and wall time on stderr at the end");
    cmd->add_option("--history-mb", options->history_mb,
                    "record the run for replay (snapshots and inputs), keeping at most N MiB (under gdb 256 unless given; "
                    "0: none); --stats shows the cost")
        ->type_name("N");
    cmd->add_option("--history-interval", options->history_interval,
                    "with --history-mb: instructions between snapshots (50000000; under gdb 5000000)")
        ->type_name("N");
    cmd->add_flag("--list", options->list, "print the programs in the image (bin/ of the initramfs) and exit");
    cmd->add_flag("-v,--boot-log", options->boot_log,
                  "show the kernel's boot lines and closing 'exit: status' line around the program's output "
                  "(a PROGRAM run boots with 'quiet' otherwise)");
    add_environment_options(*cmd, options->env, "; as qemu-i386 -E and -U");
    cmd->add_option("--write-initrd", options->write_initrd,
                    "also write the initramfs this run boots (with the program and its argument files) to FILE, "
                    "for qemu-system-i386 -initrd; -v shows the command line ('cmdline:')")
        ->type_name("FILE");
    cmd->add_option("--gdb", options->gdb,
                    "serve gdb's remote protocol on [HOST:]PORT (127.0.0.1 unless HOST) or unix:PATH; "
                    "in gdb: target remote :PORT, with the kernel ELF for symbols")
        ->type_name("ADDRESS");
    cmd->add_flag("-s", options->gdb_default, "as qemu -s: --gdb 127.0.0.1:1234");
    cmd->add_flag("-S,--wait", options->gdb_wait,
                  "with --gdb: wait for gdb before the first instruction (as qemu -S; alone it implies -s)");
    // Everything from the first word that is not an option on belongs to the program.
    cmd->prefix_command();
    cmd->footer(
        "PROGRAM [ARGS...]: run /bin/PROGRAM from the initramfs, or a host file (a path with a '/', a static\n"
        "i386 ELF: see forkscope cc) added to it as /bin/<name>. Options after PROGRAM are the program's\n"
        "(so are all words after a \"--\" that comes before it).\n"
        "Exit status: the program's (128+N if signal N killed it); 2 usage, 3 bad file, 4 machine fault.");
    return [cmd, options](const TrailingWords& trailing) -> int {
        if (!cmd->parsed()) return -1;
        const std::vector<std::string> before = cmd->remaining();
        options->history_given = cmd->count("--history-mb") > 0;
        options->interval_given = cmd->count("--history-interval") > 0;
        return run(*options, program_words(before, trailing), trailing.present && before.empty());
    };
}

}  // namespace forkscope::cli

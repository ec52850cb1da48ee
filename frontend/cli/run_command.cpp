// forkscope run: boot the machine, show the guest's console on stdout, exit with the
// guest's DebugExit status.
#include <cstdio>
#include <memory>

#include "emulator/machine.h"
#include "frontend/cli/commands.h"
#include "frontend/cli/machine_options.h"

namespace forkscope::cli {

namespace {

struct RunOptions {
    MachineOptions machine;
    bool stats = false;
};

void print_stats(const MachineStats& s) {
    double wall_s = static_cast<double>(s.wall_ns) / 1e9;
    double mips = wall_s > 0 ? static_cast<double>(s.instructions) / wall_s / 1e6 : 0.0;
    std::fprintf(stderr,
                 "stats: instructions %llu, interrupts %llu, exceptions %llu, guest time %.3f ms, "
                 "wall time %.3f ms, guest MIPS %.1f, first console byte %.3f ms\n",
                 static_cast<unsigned long long>(s.instructions), static_cast<unsigned long long>(s.interrupts),
                 static_cast<unsigned long long>(s.exceptions), static_cast<double>(s.guest_ns) / 1e6,
                 wall_s * 1e3, mips, static_cast<double>(s.first_output_wall_ns) / 1e6);
}

int run(const RunOptions& o) {
    auto config = make_machine_config(o.machine);
    if (!config) return report_error(config.error());
    config->console = [](uint8_t byte) {
        std::fputc(byte, stdout);
        if (byte == '\n') std::fflush(stdout);
    };
    auto machine = Machine::create(std::move(*config));
    if (!machine) return report_error(machine.error());
    auto status = (*machine)->run();
    std::fflush(stdout);
    if (o.stats) print_stats((*machine)->stats());
    if (!status) return report_error(status.error());
    return static_cast<int>(*status & 0xff);
}

}  // namespace

CommandRunner add_run_command(CLI::App& app) {
    auto options = std::make_shared<RunOptions>();
    CLI::App* cmd = app.add_subcommand("run", "Boot the guest kernel and run it; exit with its status");
    add_machine_options(*cmd, options->machine);
    cmd->add_flag("--stats", options->stats, "print instructions, interrupts, guest and wall time on stderr at the end");
    return [cmd, options]() -> int {
        if (!cmd->parsed()) return -1;
        return run(*options);
    };
}

}  // namespace forkscope::cli

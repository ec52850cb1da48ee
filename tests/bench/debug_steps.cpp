// debug_steps: figures for bench_debugger.py, through the debugger core. Boots KERNEL
// with INITRAMFS running forktest, stops at the program's first fork (copy_process),
// then:
//   steps      STEPS single instructions (Debugger::stepi), host CPU time, without and
//              with a recorded history (HISTORY_MB MiB, a snapshot every 5 million
//              instructions, as forkscope debug records);
//   reverse    with the history: runs DISTANCE instructions on from the stop, puts a
//              breakpoint at the stop's address and times reverse_continue back to
//              its last hit (the distance it went is printed: a later fork can be
//              nearer), then the same for reverse_stepi;
//   memory     the history's bytes per 10^6 instructions recorded.
// Prints one line of KEY VALUE pairs.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "emulator/cpu.h"
#include "emulator/debug/debugger.h"
#include "emulator/history.h"
#include "emulator/introspect/kernel_info.h"
#include "emulator/machine.h"
#include "emulator/symbols.h"
#include "tests/bench/bench_clock.h"

using namespace forkscope;
using bench::cpu_ms;
using bench::read_file;

namespace {

[[noreturn]] void fail(const std::string& what) {
    std::fprintf(stderr, "debug_steps: %s\n", what.c_str());
    std::exit(1);
}

template <class T>
T take(Result<T> r, const char* what) {
    if (!r) fail(std::string(what) + ": " + r.error().message);
    return std::move(*r);
}

struct Session {
    std::unique_ptr<Machine> machine;
    std::unique_ptr<History> history;
    std::unique_ptr<Debugger> debugger;
};

// The machine stopped at copy_process of the program's first fork.
Session stopped_in_fork(const std::vector<uint8_t>& kernel, const std::vector<uint8_t>& initramfs,
                        const KernelSymbols& symbols, const KernelInfo& info, uint64_t history_mb) {
    MachineConfig c;
    c.kernel = kernel;
    c.modules.push_back(MultibootModule{"initramfs.cpio", initramfs, "initramfs.cpio"});
    c.cmdline = "-- /bin/forktest";
    c.rtc_unix_time = 1000000000;
    c.console = [](uint8_t) {};
    Session s;
    s.machine = take(Machine::create(std::move(c)), "boot");
    if (history_mb)
        s.history = take(History::attach(*s.machine, HistoryOptions{history_mb << 20, HistoryOptions::kDebugInterval}),
                         "history");
    DebuggerOptions options;
    options.constants = StopConstants{take(info.get("NUMBER(VM_FAULT_OK)"), "kernel info")};
    s.debugger = std::make_unique<Debugger>(*s.machine, symbols, nullptr, info, options);
    if (s.history) s.debugger->set_history(s.history.get());
    const int number = take(s.debugger->breakpoints().add("copy_process"), "break copy_process")->number;
    for (int hit = 0; hit < 2; ++hit) {  // init's fork of the program, then the program's
        const DebugStop stop = take(s.debugger->cont(), "continue");
        if (stop.reason != StopReason::Breakpoint) fail("no stop at copy_process: " + describe_reason(stop));
    }
    if (auto ok = s.debugger->remove(number); !ok) fail(ok.error().message);
    return s;
}

double steps_ms(Debugger& d, uint64_t steps) {
    const double t0 = cpu_ms();
    for (uint64_t i = 0; i < steps; ++i) {
        const DebugStop stop = take(d.stepi(), "stepi");
        if (stop.reason != StopReason::Step && stop.reason != StopReason::Exception)
            fail("stepi stopped: " + describe_reason(stop));
    }
    return cpu_ms() - t0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 6) {
        std::fprintf(stderr, "usage: debug_steps KERNEL INITRAMFS STEPS DISTANCE HISTORY_MB\n");
        return 2;
    }
    const auto kernel = read_file(argv[1]);
    const auto initramfs = read_file(argv[2]);
    const uint64_t steps = std::strtoull(argv[3], nullptr, 10);
    const uint64_t distance = std::strtoull(argv[4], nullptr, 10);
    const uint64_t history_mb = std::strtoull(argv[5], nullptr, 10);
    if (kernel.empty() || initramfs.empty() || steps == 0 || distance == 0 || history_mb == 0)
        fail("bad arguments (usage: debug_steps KERNEL INITRAMFS STEPS DISTANCE HISTORY_MB)");
    const KernelSymbols symbols = take(KernelSymbols::read(kernel), "kernel symbols");
    const KernelInfo info = take(KernelInfo::read(kernel), "kernel info");

    Session plain = stopped_in_fork(kernel, initramfs, symbols, info, 0);
    const double plain_ms = steps_ms(*plain.debugger, steps);
    plain = Session{};

    Session rec = stopped_in_fork(kernel, initramfs, symbols, info, history_mb);
    const uint32_t fork_eip = rec.machine->cpu().reg(Reg::Eip);
    const double history_ms = steps_ms(*rec.debugger, steps);

    // On DISTANCE instructions, then back to the last time EIP was where the fork stopped.
    const MachinePosition from = rec.machine->position();
    rec.machine->set_instruction_stop(from.instructions + distance);
    for (;;) {
        const MachineStop stop = take(rec.machine->resume(), "run on");
        if (stop.kind == MachineStopKind::Exited) fail("the guest ended within the distance");
        if (stop.kind == MachineStopKind::AtInstruction) break;
    }
    rec.machine->set_instruction_stop(std::nullopt);
    const MachinePosition far = rec.machine->position();
    char location[16];
    std::snprintf(location, sizeof location, "*0x%x", fork_eip);
    take(rec.debugger->breakpoints().add(location), "break at the fork's stop");
    double t0 = cpu_ms();
    const DebugStop back = take(rec.debugger->reverse_continue(), "reverse-continue");
    const double reverse_continue_ms = cpu_ms() - t0;
    if (back.reason != StopReason::Breakpoint) fail("reverse-continue: " + describe_reason(back));
    const uint64_t went = far.instructions - rec.machine->position().instructions;
    const int reverse_steps = 20;
    t0 = cpu_ms();
    take(rec.debugger->reverse_stepi(reverse_steps), "reverse-stepi");
    const double reverse_stepi_ms = (cpu_ms() - t0) / reverse_steps;

    const History::Stats hs = rec.history->stats();
    const MachinePosition newest = rec.history->newest();
    std::printf("steps %llu plain_ms %.1f history_ms %.1f distance %llu went %llu reverse_continue_ms %.1f "
                "reverse_stepi_ms %.2f recorded %llu bytes %llu per_million %.0f snapshots %llu\n",
                static_cast<unsigned long long>(steps), plain_ms, history_ms, static_cast<unsigned long long>(distance),
                static_cast<unsigned long long>(went), reverse_continue_ms, reverse_stepi_ms,
                static_cast<unsigned long long>(newest.instructions), static_cast<unsigned long long>(hs.bytes),
                newest.instructions ? static_cast<double>(hs.bytes) * 1e6 / static_cast<double>(newest.instructions) : 0.0,
                static_cast<unsigned long long>(hs.snapshots));
    return 0;
}

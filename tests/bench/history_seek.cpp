// history_seek: figures for bench_history.py. Boots KERNEL with INITRAMFS, runs the
// guest command line (`-- /bin/forktest`, or `bench=cpu` for the kernel's own CPU
// workload) once without history, then, for each snapshot interval given, records the
// same run (stopping at 40 random instruction counts on the way) and seeks back to those
// positions in a shuffled order. Prints one line per interval:
//   interval N plain_cpu_ms A record_cpu_ms B snapshots S bytes Y per_million P
//   seek_ms_median M seek_ms_max X snapshot_ms T
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "emulator/history.h"
#include "emulator/machine.h"
#include "tests/bench/bench_clock.h"

using namespace forkscope;
using bench::cpu_ms;
using bench::read_file;
using bench::wall_ms;

namespace {

std::unique_ptr<Machine> boot(const std::vector<uint8_t>& kernel, const std::vector<uint8_t>& initramfs,
                              const std::string& cmdline) {
    MachineConfig c;
    c.kernel = kernel;
    c.modules.push_back(MultibootModule{"initramfs.cpio", initramfs, "initramfs.cpio"});
    c.cmdline = cmdline;
    c.rtc_unix_time = 1000000000;
    c.max_instructions = 20'000'000'000ull;
    c.console = [](uint8_t) {};
    auto m = Machine::create(std::move(c));
    if (!m) {
        std::fprintf(stderr, "history_seek: %s\n", m.error().message.c_str());
        std::exit(1);
    }
    return std::move(*m);
}

void check(bool ok, const std::string& what) {
    if (ok) return;
    std::fprintf(stderr, "history_seek: %s\n", what.c_str());
    std::exit(1);
}

uint64_t run_to_end(Machine& m) {
    m.set_instruction_stop(std::nullopt);
    for (;;) {
        auto stop = m.resume();
        check(stop.ok(), stop.ok() ? "" : stop.error().message);
        if (stop->kind == MachineStopKind::Exited) return m.position().instructions;
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 5) {
        std::fprintf(stderr, "usage: history_seek KERNEL INITRAMFS CMDLINE INTERVAL...\n");
        return 2;
    }
    const auto kernel = read_file(argv[1]);
    const auto initramfs = read_file(argv[2]);
    const std::string cmdline = argv[3];

    double t0 = cpu_ms();
    auto plain = boot(kernel, initramfs, cmdline);
    const uint64_t total = run_to_end(*plain);
    const double plain_ms = cpu_ms() - t0;
    plain.reset();

    for (int a = 4; a < argc; ++a) {
        const uint64_t interval = std::strtoull(argv[a], nullptr, 10);
        std::mt19937_64 rng(42);
        std::vector<uint64_t> counts;
        for (int i = 0; i < 40; ++i) counts.push_back(rng() % (total - total / 20));
        std::sort(counts.begin(), counts.end());
        counts.erase(std::unique(counts.begin(), counts.end()), counts.end());

        double r0 = cpu_ms();
        auto m = boot(kernel, initramfs, cmdline);
        auto h = History::attach(*m, HistoryOptions{4ull << 30, interval});
        check(h.ok(), h.ok() ? "" : h.error().message);
        std::vector<MachinePosition> positions;
        for (uint64_t n : counts) {
            m->set_instruction_stop(n);
            for (;;) {
                auto stop = m->resume();
                check(stop.ok(), stop.ok() ? "" : stop.error().message);
                check(stop->kind != MachineStopKind::Exited, "exited early");
                if (stop->kind == MachineStopKind::AtInstruction) break;
            }
            positions.push_back(m->position());
        }
        run_to_end(*m);
        const double record_ms = cpu_ms() - r0;

        std::shuffle(positions.begin(), positions.end(), rng);
        std::vector<double> seeks;
        for (MachinePosition p : positions) {
            double s0 = wall_ms();
            auto r = (*h)->seek(p);
            check(r.ok(), r.ok() ? "" : r.error().message);
            seeks.push_back(wall_ms() - s0);
        }
        std::sort(seeks.begin(), seeks.end());
        const History::Stats st = (*h)->stats();
        const double per_million = static_cast<double>(st.bytes) * 1e6 / static_cast<double>(total);
        std::printf("interval %llu plain_cpu_ms %.1f record_cpu_ms %.1f snapshots %llu bytes %llu per_million %.0f "
                    "seek_ms_median %.1f seek_ms_max %.1f snapshot_ms %.1f instructions %llu\n",
                    static_cast<unsigned long long>(interval), plain_ms, record_ms,
                    static_cast<unsigned long long>(st.snapshots), static_cast<unsigned long long>(st.bytes),
                    per_million, seeks[seeks.size() / 2], seeks.back(), static_cast<double>(st.snapshot_ns) / 1e6,
                    static_cast<unsigned long long>(total));
        std::fflush(stdout);
        h->reset();
    }
    return 0;
}

// History: deterministic record/replay of a Machine, for reverse execution.
//
// Going back means restoring a snapshot and running forward again. Running forward from
// a snapshot does not repeat the original run by itself: external interrupts are taken
// at run-loop boundaries, and those depend on Unicorn's translation-block layout, on
// stop addresses and on single steps. So, as QEMU's record/replay does with icount,
// every asynchronous input is recorded with its position (MachinePosition: instructions
// retired, events delivered): each external interrupt's delivery (with its vector and
// guest time) and each input byte handed to the UART. Replay delivers exactly those at
// exactly those positions and checks that the PIC agrees; a mismatch is an error
// ("replay diverged at ..."). Exceptions and int n follow from the instructions.
//
// Snapshots hold the CPU (Unicorn context and instruction count), every device, the
// clock and RAM. RAM is kept page by page: a snapshot shares every page that did not
// change since the one before (found by comparing RAM with the last snapshot's pages;
// this host's kernel has no soft-dirty bits), and all-zero pages share one zero page.
// The oldest snapshots are dropped to stay within HistoryOptions::max_bytes.
#pragma once
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "devices/cmos_rtc.h"
#include "devices/pic8259.h"
#include "devices/pit8254.h"
#include "devices/uart16550.h"
#include "emulator/cpu.h"
#include "emulator/machine.h"

namespace forkscope {

struct HistoryOptions {
    uint64_t max_bytes = 512ull << 20;  // snapshots, pages and logs together
    uint64_t interval = 50'000'000;     // instructions between snapshots
    // For a debugger: a reverse step replays at most this many instructions.
    static constexpr uint64_t kDebugInterval = 5'000'000;
    // Above 0: the snapshots' share of the host time to stay under. While a snapshot
    // takes longer than that share of the time since the last one, the interval doubles
    // (up to kMaxStretch times `interval`: a reverse step replays that many at most);
    // while it takes under a quarter of it, the interval halves back towards `interval`.
    // 0: every `interval` instructions, whatever they cost.
    double max_overhead = 0;
    static constexpr uint64_t kMaxStretch = 16;
};

class History {
public:
    // Records from the machine's present position on (its first snapshot). The machine
    // must run on the virtual clock (not realtime) and have no other history attached.
    static Result<std::unique_ptr<History>> attach(Machine& machine, HistoryOptions options);
    // A machine that replays another's recording from the start: both booted the same
    // way, and `recorded` began at the machine's present position. For comparing a
    // straight run with a seek, and for runs that repeat a recorded session.
    static Result<std::unique_ptr<History>> replay_of(Machine& machine, const History& recorded,
                                                      HistoryOptions options);
    ~History();  // detaches: the machine runs on without recording
    History(const History&) = delete;
    History& operator=(const History&) = delete;

    MachinePosition oldest() const;  // the earliest position seek() can reach
    MachinePosition newest() const;  // the furthest position ever executed (the "present")

    // The machine in exactly the state it had at p (oldest() <= p <= newest()): registers,
    // RAM, devices, clock, instruction count. It then runs forward as usual and replays
    // the recorded inputs up to newest(), past which it records again. p must be a
    // position the machine stops at (not the inside of int n: its instruction and its
    // delivery are one step). A stop address at the new EIP does not stop the next run
    // before its instruction. Clears set_instruction_stop().
    Result<void> seek(MachinePosition p);
    // The position just before p: one instruction or one delivery earlier (for int n,
    // the position before the instruction).
    Result<MachinePosition> previous(MachinePosition p) const;
    // The snapshot positions, oldest first (for scanning backwards window by window).
    std::vector<MachinePosition> checkpoints() const;

    struct Stats {
        uint64_t bytes = 0;             // all that history holds (counted against max_bytes)
        uint64_t page_bytes = 0;        // stored RAM pages
        uint64_t snapshots = 0;
        uint64_t snapshots_dropped = 0; // to stay within max_bytes
        uint64_t interrupts = 0;        // external interrupts recorded
        uint64_t input_bytes = 0;       // UART input bytes recorded
        uint64_t deliveries = 0;        // every delivery, for previous()
        uint64_t snapshot_ns = 0;       // host time spent taking snapshots
        uint64_t interval = 0;          // instructions between snapshots now (max_overhead stretches it)
        uint64_t restore_ns = 0;        // host time spent restoring them
        uint64_t pages_copied = 0;      // pages stored by snapshots
        uint64_t pages_untouched = 0;   // pages snapshots knew zero without reading them
    };
    Stats stats() const;

    // ---- The run loop's seams (Machine calls these; see machine.cpp) -----------------
    bool replaying() const { return replaying_; }
    // At each run-loop boundary: takes a snapshot when one is due (recording), ends the
    // replay at newest(), and reports a replay that went past a recorded input.
    Result<void> on_boundary();
    void on_stop();  // resume() or step() returns: the present moves on when recording
    // Replay: the instruction count the run must stop at exactly (the next recorded
    // input, or the end of the recording). Recording: the count of the next snapshot.
    std::optional<uint64_t> next_exact_stop() const;
    uint64_t next_checkpoint() const;
    struct DueInterrupt {
        uint8_t vector;
        uint64_t guest_ns;
    };
    std::optional<DueInterrupt> interrupt_due(MachinePosition at);
    std::vector<uint8_t> input_due(MachinePosition at);
    void record_interrupt(MachinePosition at, uint8_t vector, uint64_t guest_ns);
    void record_input(MachinePosition at, std::span<const uint8_t> bytes);
    void on_delivery(MachinePosition before, MachinePosition after, uint8_t vector);
    Error diverged(MachinePosition at, const std::string& what) const;

private:
    static constexpr uint32_t kPageSize = 4096;
    static constexpr uint32_t kZeroPage = 0;  // the shared all-zero page

    struct MachineState {
        CpuSnapshot cpu;
        Pic8259Cascade::Snapshot pic;
        Pit8254::Snapshot pit;
        uint8_t port61 = 0;
        CmosRtc::Snapshot rtc;
        Uart16550::Snapshot uart;
        uint64_t idle_ns = 0;
        uint64_t interrupts = 0, exceptions = 0, page_faults = 0, system_calls = 0;
        uint64_t last_external = 0;  // Machine::last_external_: when the next interrupt may come
        std::optional<uint32_t> exit_status;
    };
    struct Snapshot {
        MachinePosition at;
        MachineState state;
        std::vector<uint32_t> pages;  // a page id per RAM page
        // The logs' lengths (absolute indices) when it was taken: replay starts there.
        uint64_t interrupts_before = 0, inputs_before = 0;
    };
    struct RecordedInterrupt {
        MachinePosition at;
        uint64_t guest_ns;
        uint8_t vector;
    };
    struct RecordedInput {
        MachinePosition at;
        std::vector<uint8_t> bytes;
    };
    struct Delivery {
        MachinePosition before, after;
        uint8_t vector;
    };
    // Stored pages, shared by reference count; id 0 is the zero page.
    // Pages live in slabs of kSlabPages, mapped with their memory populated at once: a
    // page fault per stored page costs more than the copy. A freed page's slot is reused;
    // slabs stay until the history goes, so memory stays at its peak (within max_bytes).
    struct PagePool {
        static constexpr uint32_t kSlabPages = 512;  // 2 MiB
        struct Unmap {
            void operator()(uint8_t* p) const;
        };
        std::vector<std::unique_ptr<uint8_t, Unmap>> slabs;
        std::vector<uint32_t> refs;  // by id: every id below refs.size() has a slot
        std::vector<uint32_t> free_ids;
        uint64_t live = 0;  // pages held, the zero page aside
        PagePool();
        static uint8_t* map_slab();
        uint32_t store(const uint8_t* page);
        void ref(uint32_t id) { ++refs[id]; }
        void unref(uint32_t id);
        uint8_t* slot(uint32_t id) const { return slabs[id / kSlabPages].get() + size_t{id % kSlabPages} * kPageSize; }
        const uint8_t* page(uint32_t id) const { return slot(id); }
    };

    History(Machine& machine, HistoryOptions options);
    MachineState save_machine() const;
    Result<void> restore_machine(const MachineState& s);
    void take_snapshot();
    Result<void> restore_snapshot(const Snapshot& s);
    void drop_oldest_within_bound();
    uint64_t snapshot_bytes() const;
    void adapt_interval(uint64_t cost_ns, uint64_t since_last_ns);

    Machine& m_;
    HistoryOptions options_;
    PagePool pool_;
    std::vector<uint32_t> base_;  // the pages RAM held at the last snapshot or restore
    std::vector<uint64_t> pagemap_;  // untouched_pages' buffer
    std::deque<Snapshot> snapshots_;
    std::deque<RecordedInterrupt> interrupts_;
    std::deque<RecordedInput> inputs_;
    std::deque<Delivery> deliveries_;
    uint64_t interrupts_trimmed_ = 0, inputs_trimmed_ = 0;  // dropped from the logs' fronts
    uint64_t log_bytes_ = 0;
    size_t next_interrupt_ = 0, next_input_ = 0, next_delivery_ = 0;  // replay cursors (deque indices)
    std::optional<Error> divergence_;  // found during a run; reported at the next boundary
    MachinePosition newest_;
    uint64_t next_checkpoint_ = 0;
    uint64_t interval_ = 0;              // options_.interval, stretched by max_overhead
    uint64_t last_snapshot_end_ns_ = 0;  // host time
    bool replaying_ = false;
    Stats stats_;
};

}  // namespace forkscope

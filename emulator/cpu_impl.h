// The Cpu's private state, shared by cpu.cpp (runs, hooks, registers) and
// cpu_probe.cpp (finding Unicorn's context layout at start-up). Only these two files
// include it; only they include <unicorn/unicorn.h>.
#pragma once
#include <unicorn/unicorn.h>

#include <array>
#include <atomic>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "emulator/code_page.h"
#include "emulator/cpu.h"
#include "emulator/io_scan.h"

namespace forkscope {

class Ram;
class PortBus;

// Where, inside a saved uc_context, Unicorn keeps the x86 state that it never exposes
// or exposes only with side effects: the pending error code, whether the event came from
// `int n`, the "exception in flight" field that turns the second fault into #DF
// (upstream #1883), the hidden flags word whose low two bits are the CPL (QEMU's hflags),
// and CR2 (whose uc_reg_write also loads CR3 and so flushes the TLB).
struct ContextLayout {
    size_t error_code = 0;
    size_t is_int = 0;
    size_t old_exception = 0;
    size_t hflags = 0;
    size_t cr2 = 0;
    // Found with the live state only (find_live_state): EIP and EFLAGS, written in
    // place inside a run, where the API's EIP write would end the run and its EFLAGS
    // write would take the arithmetic flags from the wrong place.
    size_t eip = 0;
    size_t eflags = 0;
    // The hidden state of ES, CS, SS, DS, FS, GS (QEMU's SegmentCache each: selector,
    // base, limit, flags), or 0 when the probe did not confirm it.
    size_t segs = 0;
    static constexpr size_t kSegmentBytes = 24;
    static constexpr int kEs = 0, kCs = 1, kSs = 2, kDs = 3;
};

// What a load of CS or SS through Unicorn made of one descriptor: the hidden segment
// bytes and the hidden-flag bits that load set. A later load of the same selector from
// the same descriptor bytes writes them again instead (Cpu::load_for_delivery).
struct LoadedSegment {
    bool valid = false;
    uint16_t selector = 0;
    uint64_t descriptor = 0;
    std::array<uint8_t, ContextLayout::kSegmentBytes> bytes{};
    uint32_t hflags = 0;  // the bits of kLoadFlags it left
};

// "Unicorn X.Y.Z", for messages about a build whose layout we do not recognise.
std::string unicorn_version();

template <class T>
T blob_get(const std::vector<uint8_t>& blob, size_t off) {
    T v;
    std::memcpy(&v, blob.data() + off, sizeof v);
    return v;
}

template <class T>
void blob_set(std::vector<uint8_t>& blob, size_t off, T v) {
    std::memcpy(blob.data() + off, &v, sizeof v);
}

struct Cpu::Impl {
    uc_engine* uc = nullptr;
    Ram& ram;
    PortBus& ports;
    Cpu* owner = nullptr;
    uc_context* ctx = nullptr;
    size_t ctx_size = 0;
    ContextLayout layout;
    // Unicorn's live CPU state, of which a saved context is a byte copy (so the layout's
    // offsets hold there too), found at start-up by find_live_state. With it the hidden
    // fields are read and written in place; without it (a build where the search fails)
    // every edit copies the whole context out and back, with the same result, slower.
    uint8_t* live = nullptr;
    // Where each register's value sits in the live state (index: Reg), 0 where it is
    // read through the API (EFLAGS, whose arithmetic flags are computed lazily; DR6,
    // DR7; LDTR), and the descriptor tables' base and limit; all checked against the
    // API at start-up (map_live_registers).
    std::array<uint32_t, 24> reg_at{};
    uint32_t gdt_at = 0, idt_at = 0;
    LoadedSegment loaded_cs, loaded_ss;
    uint64_t replayed_loads = 0;  // deliveries whose CS/SS loads were replayed

    // The hot state of the block hook, kept together in one object.
    std::atomic<bool> stop_requested{false};
    uint64_t instructions = 0;
    // The hot-path check: min(hard_limit, exact_target - 512), or 0 to send every block
    // to the slow path (a stop request, watches). Atomic because request_stop lowers it
    // from other threads; relaxed loads cost nothing more than plain ones.
    std::atomic<uint64_t> limit{0};
    // Sets the limit from the CPU's thread without losing a concurrent request_stop:
    // both sides store, then the CPU's side looks at the flag (sequentially consistent,
    // so one of them sees the other).
    void set_limit(uint64_t v) {
        limit.store(v);
        if (stop_requested.load()) limit.store(0);
    }
    uint64_t hard_limit = 0;  // the run's budget (deadlines, stop requests by count)
    uint64_t exact_target = ~0ull;
    bool before_target = false;
    // uc_emu_start's per-instruction count hook is in place and every translation since
    // was made with it (see Cpu::step).
    bool counting = false;
    // uc_emu_start's count hook is installed (a start with a count leaves it; the next
    // start without one deletes it: see Cpu::drop_count_hook).
    bool count_hook = false;
    // The run that deletes it: stop before the first block.
    bool dropping_count_hook = false;
    // The block now running, as the block hook saw it start: its block_key.
    uint64_t block = 0;
    // Per-run bookkeeping written by hooks.
    bool budget_stop = false;
    bool request_stop = false;
    bool have_event = false;
    CpuExit event;
    bool memory_error = false;
    std::string memory_detail;
    bool at_stop_address = false;
    // watch_user_returns(): stop at the first block outside [kernel_base, kernel_end)
    // after one inside it (kernel_end 0: no end).
    bool watch_user_return = false;
    uint32_t kernel_base = 0, kernel_end = 0;
    bool was_kernel = false;
    bool user_return = false;
    bool watch_interrupt_window = false;  // stop (as a budget stop) at the first block with IF set

    std::function<void(uint16_t, bool)> port_observer;
    std::function<void()> sysenter_observer;
    uint64_t sysenters = 0;  // ring switches by sysenter (CpuHooks::on_sysenter)
    uint64_t code_flushes = 0;  // every translation dropped at once (Cpu::code_flushes)
    bool sysenter_pending = false;
    uint32_t sysenter_msrs_at = 0;  // live-state offset of SYSENTER_ESP (CS 8 before, EIP 8 after); 0: API  // through saved contexts: Cpu::finish_sysenter switches rings

    // What we know of each translated block, by (pc, size); see CpuHooks::block_info.
    // Unicorn's translations are tagged by physical address, our key is virtual: two
    // address spaces (or code rewritten in place) can hold different blocks with the
    // same key. Every translation is described as it is made (on_translated); a key
    // seen with facts that differ is marked ambiguous and from then on decoded afresh
    // each time it runs. Facts are forgotten only with every translation.
    struct BlockInfo {
        uint16_t icount = 1;
        int16_t io_index = -1;     // instructions before its first port-I/O instruction
        int16_t io_offset = -1;    // and that instruction's byte offset
        int16_t lock_ud_index = -1;  // instructions before the first one a lock prefix makes #UD
        int16_t lock_ud_offset = -1;
        int16_t last_offset = -1;  // byte offset of its last instruction
        bool user_iret = false;    // it ends in a 32-bit iret and was translated at CPL > 0
        bool split = false;        // Capstone does not read it as QEMU does, and it may end in
                                   // sysenter or iret: it runs in two (Cpu::run_alone)
        bool look_ahead = false;   // port I/O, a misplaced lock, user_iret or split: the block
                                   // hook's slow path looks
        bool ambiguous = false;
        bool same_facts(const BlockInfo& o) const {
            return icount == o.icount && io_index == o.io_index && io_offset == o.io_offset &&
                   lock_ud_index == o.lock_ud_index && lock_ud_offset == o.lock_ud_offset &&
                   last_offset == o.last_offset &&
                   user_iret == o.user_iret && split == o.split;
        }
    };
    std::unordered_map<uint64_t, BlockInfo> blocks;
    BlockInfo ambiguous_block;  // the facts of the ambiguous block now running
    // The block hook runs for every executed block: a direct-mapped cache in front of
    // the map keeps its cost to a multiply and a compare.
    struct CachedBlock {
        uint64_t key = ~0ull;
        BlockInfo info;
    };
    static constexpr size_t kBlockCacheSize = 1u << 12;
    std::array<CachedBlock, kBlockCacheSize> block_cache{};
    // A translated block is smaller than a page, so its size fits the key's low 16 bits.
    static uint64_t block_key(uint64_t pc, uint32_t size) { return (pc << 16) ^ size; }
    static uint64_t block_pc(uint64_t key) { return key >> 16; }
    static uint32_t block_size(uint64_t key) { return static_cast<uint32_t>(key & 0xffff); }
    CachedBlock& cache_slot(uint64_t pc) { return block_cache[(pc ^ (pc >> 12)) & (kBlockCacheSize - 1)]; }
    void forget_blocks() {
        blocks.clear();
        block_cache.fill(CachedBlock{});
        code_pages.clear();
    }

    // What each page of code held under its translations, by physical page number
    // (CpuHooks::check_code_page). At most kCodePages pages (18 MiB) are kept: a page
    // without one has its translations dropped at its next translation.
    static constexpr size_t kCodePages = 4096;
    std::unordered_map<uint32_t, std::unique_ptr<CodePage>> code_pages;
    // Pages (linear) whose translations go before the block just translated runs: the
    // block hook stops the run there (limit 0) and Cpu::run drops them, between runs,
    // and goes on. Only inside Cpu::run's own runs (plain_run).
    std::vector<uint32_t> stale_code;
    bool code_stop = false;
    uint64_t limit_before_code_stop = 0;
    bool plain_run = false;
    IoScanner io_scanner;

    // Stop addresses: one code hook each, counted: several users may stop at one address.
    // A hook whose users are gone stays installed, idle, until a restore (prepare_restore)
    // or until kIdleStopHooks pile up: adding or removing a hook costs a flush of every
    // translation (translations carry their code hooks), gdb removes and inserts its
    // breakpoints around every step, and deleting a hook walks the page tables.
    struct StopHook {
        uc_hook hook = 0;
        int users = 0;  // 0: idle
    };
    static constexpr size_t kIdleStopHooks = 1024;
    std::map<uint32_t, StopHook> stop_hooks;
    size_t idle_stop_hooks = 0;
    bool stops_at(uint32_t linear) const {
        auto it = stop_hooks.find(linear);
        return it != stop_hooks.end() && it->second.users > 0;
    }
    // The address of the last AtStopAddress exit; a run starting there runs it first.
    std::optional<uint32_t> resume_at;
    std::optional<uint32_t> skip_stop_at;
    Cpu::StopFilter stop_filter;
    Cpu::EventHandler in_run_delivery;
    bool in_stop_filter = false;  // hooks and translations must not change now

    // A block with port I/O about to run at CPL > IOPL: it runs only up to the I/O
    // instruction (see finish_run), which then raises #GP. One with a misplaced lock
    // prefix likewise runs up to that instruction, which raises #UD. A block ending in
    // iret at CPL > 0, or a split one: it runs up to its last instruction, which then
    // runs alone (Cpu::run_alone).
    enum class LookAhead : uint8_t { None, PortIo, LockUd, LastAlone };
    LookAhead look_ahead = LookAhead::None;
    bool io_stepping = false;
    uint64_t look_block = 0;
    uint32_t look_size = 0;
    uint16_t look_icount = 0;
    int look_before = 0;   // the instructions before the one looked at
    int look_offset = -1;  // its byte offset in the block, where Capstone knows it
    // A look-ahead run to an exit at look_block + look_offset (Cpu::run_before_looked_at),
    // and the instruction count at its start.
    uint64_t look_exit = 0;
    uint64_t look_base = 0;

    // Value watches (set_value_watches): compared at every block start while any exist.
    // Then `limit` is 0 so that every block takes the hook's slow path; the budget
    // stays in hard_limit.
    struct WatchedValue {
        uint32_t paddr = 0, length = 0;
        uint64_t value = 0;
    };
    std::vector<WatchedValue> watches;
    // Read and access watches: memory hooks over their bytes (installed once per set).
    std::vector<ValueWatch> access_watches;
    uc_hook read_hook = 0, write_hook = 0;
    std::optional<WatchAccess> access_hit;  // the first hit since taken (take_watch_access)
    bool access_stop = false;               // set by the hook: the next block stops
    bool watch_stop = false;
    std::optional<uint32_t> watch_change;  // the block that ran when a value changed
    uint64_t previous_block = 0;           // the block before the one starting (its key)

    Impl(Ram& r, PortBus& p) : ram(r), ports(p) {}

    std::vector<uint8_t> save_blob() {
        uc_context_save(uc, ctx);
        auto* b = reinterpret_cast<const uint8_t*>(ctx);
        return std::vector<uint8_t>(b, b + ctx_size);
    }
    void restore_blob(const std::vector<uint8_t>& blob) {
        std::memcpy(reinterpret_cast<uint8_t*>(ctx), blob.data(), blob.size());
        uc_context_restore(uc, ctx);
    }
};

Result<ContextLayout> probe_context_layout(Cpu::Impl& s);
// Where Unicorn keeps the state a saved context copies, or null if it is not found.
uint8_t* find_live_state(Cpu::Impl& s);

}  // namespace forkscope

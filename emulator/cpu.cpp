// The Unicorn wrapper. Everything Unicorn-specific, and every workaround for it
// (UNICORN-NOTES.md), lives in this file.
#include "emulator/cpu.h"

#include <algorithm>
#include <cstdio>
#include <utility>

#include "base/hex.h"
#include "devices/port_bus.h"
#include "emulator/cpu_impl.h"
#include "emulator/page_walker.h"
#include "emulator/ram.h"

namespace forkscope {

bool vector_has_error_code(uint8_t vector) {
    // #DF, #TS, #NP, #SS, #GP, #PF, #AC, #CP, #VC, #SX
    return vector == 8 || (vector >= 10 && vector <= 14) || vector == 17 || vector == 21 || vector == 29 ||
           vector == 30;
}

namespace {

// uc_emu_start's `until`, which the Cpu never uses: an address other than 0 made
// Unicorn probe that address's page at translation time and leave a page-fault state
// behind (UNICORN-NOTES.md trap 10), and 0 stopped code at linear address 0 as if it
// were hlt. With Unicorn's "exits" mode on and no exit set (Cpu::create), `until` is
// ignored and every address runs; stops at addresses are code hooks (add_stop_address).
constexpr uint64_t kNoUntil = 0;

int uc_reg_id(Reg r) {
    switch (r) {
        case Reg::Eax: return UC_X86_REG_EAX;
        case Reg::Ecx: return UC_X86_REG_ECX;
        case Reg::Edx: return UC_X86_REG_EDX;
        case Reg::Ebx: return UC_X86_REG_EBX;
        case Reg::Esp: return UC_X86_REG_ESP;
        case Reg::Ebp: return UC_X86_REG_EBP;
        case Reg::Esi: return UC_X86_REG_ESI;
        case Reg::Edi: return UC_X86_REG_EDI;
        case Reg::Eip: return UC_X86_REG_EIP;
        case Reg::Eflags: return UC_X86_REG_EFLAGS;
        case Reg::Cs: return UC_X86_REG_CS;
        case Reg::Ss: return UC_X86_REG_SS;
        case Reg::Ds: return UC_X86_REG_DS;
        case Reg::Es: return UC_X86_REG_ES;
        case Reg::Fs: return UC_X86_REG_FS;
        case Reg::Gs: return UC_X86_REG_GS;
        case Reg::Cr0: return UC_X86_REG_CR0;
        case Reg::Cr2: return UC_X86_REG_CR2;
        case Reg::Cr3: return UC_X86_REG_CR3;
        case Reg::Cr4: return UC_X86_REG_CR4;
        case Reg::Dr6: return UC_X86_REG_DR6;
        case Reg::Dr7: return UC_X86_REG_DR7;
        case Reg::Tr: return UC_X86_REG_TR;
        case Reg::Ldtr: return UC_X86_REG_LDTR;
    }
    return UC_X86_REG_INVALID;
}

std::string uc_message(const char* what, uc_err err) {
    return std::string(what) + ": " + uc_strerror(err);
}

}  // namespace

namespace {
// The hidden-flag bits (QEMU's hflags) a CS or SS load sets: CPL, CS32, SS32, ADDSEG;
// and the MPX bits, which follow the CPL when MPX is on (never replayed then).
constexpr uint32_t kHfCpl = 3u, kHfCs32 = 1u << 4, kHfSs32 = 1u << 5, kHfAddseg = 1u << 6;
constexpr uint32_t kHfLoadBits = kHfCpl | kHfCs32 | kHfSs32 | kHfAddseg;
constexpr uint32_t kHfMpx = (1u << 25) | (1u << 26);
constexpr uint32_t kSysenterClears = (1u << 17) | (1u << 9) | (1u << 16);  // EFLAGS VM, IF, RF
constexpr uint32_t kMsrSysenterCs = 0x174, kMsrSysenterEsp = 0x175, kMsrSysenterEip = 0x176;

uint32_t read_msr(uc_engine* uc, uint32_t id) {
    uc_x86_msr m{id, 0};
    uc_reg_read(uc, UC_X86_REG_MSR, &m);
    return static_cast<uint32_t>(m.value);
}
constexpr uint64_t kDescriptorAccessed = 1ull << 40;
}  // namespace

// Hook trampolines (C callbacks) with access to Cpu internals.
struct CpuHooks {
    // Runs before every block: the hot path is one compare against the limit (which a
    // stop request, watches and the user-return watch lower to 0) and one against the
    // block's cache slot; everything else is on_block_slow's, out of line, so that the
    // hot path needs no saved registers.
    static void on_block(uc_engine* uc, uint64_t address, uint32_t size, void* user) {
        Cpu::Impl& s = *static_cast<Cpu::Impl*>(user);
        const uint64_t key = Cpu::Impl::block_key(address, size);
        const Cpu::Impl::CachedBlock& slot = s.cache_slot(address);
        if (s.instructions >= s.limit.load(std::memory_order_relaxed) || slot.key != key || slot.info.look_ahead)
            [[unlikely]] {
            on_block_slow(uc, s, address, size);
            return;
        }
        s.block = key;
        s.instructions += slot.info.icount;
    }

    // EFLAGS.IF, inside a run: Unicorn keeps it in its state as it is (only the
    // arithmetic flags are kept lazily).
    static bool interrupts_enabled(uc_engine* uc, const Cpu::Impl& s) {
        uint32_t eflags = 0;
        if (s.live) {
            std::memcpy(&eflags, s.live + s.layout.eflags, 4);
        } else {
            uc_reg_read(uc, UC_X86_REG_EFLAGS, &eflags);
        }
        return eflags & (1u << 9);
    }

    [[gnu::noinline]] static void on_block_slow(uc_engine* uc, Cpu::Impl& s, uint64_t address, uint32_t size) {
        // A look-ahead run to an exit (Cpu::run_before_looked_at): blocks inside the
        // look-ahead's block that end at the exit or before it run. The first is counted
        // as the whole block the look-ahead stopped (a fault or a stop address inside
        // takes back what did not run). One made afresh inside it follows a store into
        // the block itself, which QEMU ends the translation at and runs again in one of
        // its own; it is counted from the look-ahead block's start. Any other block stops
        // the run before it: Capstone put the exit where QEMU has no boundary.
        if (s.look_exit) [[unlikely]] {
            if (address == s.look_block && address + size == s.look_exit) {
                s.block = Cpu::Impl::block_key(address, s.look_size);
                s.instructions = s.look_base + s.look_icount;
                return;
            }
            if (address >= s.look_block && address < s.look_exit && address + size <= s.look_exit) {
                if (auto ran = s.owner->instructions_between(static_cast<uint32_t>(s.look_block), static_cast<uint32_t>(address))) {
                    s.block = Cpu::Impl::block_key(address, size);
                    s.instructions = s.look_base + static_cast<uint64_t>(*ran) + block_info(s, address, size).icount;
                    return;
                }
            }
            stop_before_block(uc, address);
            return;
        }
        // This block was just translated on a page whose older translations are stale
        // (check_code_page): it runs after they are gone, in Cpu::run's next run.
        if (s.code_stop) [[unlikely]] {
            stop_before_block(uc, address);
            return;
        }
        // A block stopped here has not executed: its instructions are not counted. A
        // stop request is consumed by the run it ends (exchange), so none is lost to
        // a request that arrives while the previous one is being reported.
        if (s.stop_requested.load(std::memory_order_relaxed)) [[unlikely]] {
            if (s.stop_requested.exchange(false)) {
                s.request_stop = true;
                stop_before_block(uc, address);
                return;
            }
        }
        if (s.instructions >= s.limit.load(std::memory_order_relaxed)) {
            if (s.dropping_count_hook) {  // nothing runs (Cpu::drop_count_hook)
                stop_before_block(uc, address);
                return;
            }
            if (std::exchange(s.access_stop, false) || (!s.watches.empty() && watched_value_changed(s))) {
                s.watch_stop = true;
                s.watch_change = static_cast<uint32_t>(Cpu::Impl::block_pc(s.block));
                stop_before_block(uc, address);
                return;
            }
            if (past_budget(s, address, size)) {
                s.budget_stop = true;
                stop_before_block(uc, address);
                return;
            }
        }
        if (s.watch_interrupt_window && interrupts_enabled(uc, s)) {
            s.budget_stop = true;  // the machine delivers the waiting interrupt here
            stop_before_block(uc, address);
            return;
        }
        if (s.watch_user_return) {
            const bool user = address < s.kernel_base || (s.kernel_end && address >= s.kernel_end);
            if (user && s.was_kernel) {
                s.was_kernel = false;
                s.user_return = true;
                stop_before_block(uc, address);
                return;
            }
            s.was_kernel = !user;
        }
        const Cpu::Impl::BlockInfo& info = block_info(s, address, size);
        // Port I/O refused and a misplaced lock: whichever comes first raises its fault.
        const bool io_refused = info.io_index >= 0 && !s.io_stepping && !s.owner->io_allowed();
        auto look = [&](Cpu::Impl::LookAhead kind, int before, int offset) {
            s.look_ahead = kind;
            s.look_block = address;
            s.look_size = size;
            s.look_icount = info.icount;
            s.look_before = before;
            s.look_offset = offset;
            stop_before_block(uc, address);
        };
        if (io_refused && (info.lock_ud_index < 0 || info.io_index < info.lock_ud_index))
            return look(Cpu::Impl::LookAhead::PortIo, info.io_index, info.io_offset);
        if (info.lock_ud_index >= 0 && !s.io_stepping)
            return look(Cpu::Impl::LookAhead::LockUd, info.lock_ud_index, info.lock_ud_offset);
        // Then, with no fault before it, the last instruction alone.
        if ((info.split || info.user_iret) && !s.io_stepping)
            return look(Cpu::Impl::LookAhead::LastAlone, info.icount - 1, info.last_offset);
        s.block = Cpu::Impl::block_key(address, size);
        s.instructions += info.icount;
    }

    // A guest load or store the memory hooks see (physical address): a watched one ends
    // the run at the next block boundary (stopping here would leave lazily computed
    // flags wrong), through the block hook's slow path.
    static void on_memory_access(uc_engine*, uc_mem_type type, uint64_t paddr, int size, int64_t, void* user) {
        Cpu::Impl& s = *static_cast<Cpu::Impl*>(user);
        const bool write = type == UC_MEM_WRITE;
        for (const ValueWatch& w : s.access_watches) {
            if (paddr + static_cast<uint64_t>(size) <= w.paddr || paddr >= uint64_t{w.paddr} + w.length) continue;
            if (write && w.on != WatchOn::Access) continue;
            if (!s.access_hit) s.access_hit = WatchAccess{w.paddr, write};
            s.access_stop = true;
            s.limit.store(0, std::memory_order_relaxed);
            return;
        }
    }

    // Compares the watched values with RAM; the changed ones take their new value.
    static bool watched_value_changed(Cpu::Impl& s) {
        bool changed = false;
        for (Cpu::Impl::WatchedValue& w : s.watches) {
            uint64_t v = 0;
            std::memcpy(&v, s.ram.data() + w.paddr, w.length);
            if (v != w.value) {
                w.value = v;
                changed = true;
            }
        }
        return changed;
    }

    // The slow path of the budget check: the run's budget is spent, or this block would
    // carry the count past the exact target.
    [[gnu::noinline]] static bool past_budget(Cpu::Impl& s, uint64_t address, uint32_t size) {
        if (s.instructions >= s.hard_limit) return true;
        if (s.instructions + block_info(s, address, size).icount <= s.exact_target) return false;
        s.before_target = true;
        return true;
    }

    // Ends the run before the block at `address`, which has not run, with EIP at it.
    // Unicorn does not always put EIP there: a jump to a block on the same page is
    // chained (goto_tb) and writes no EIP, and when the stop makes the block exit at
    // its start, 2.1.1's cpu_tb_exec resets EIP to the block (synchronize_from_tb)
    // only if no UC_HOOK_CODE hook exists anywhere, as code hooks write EIP before
    // their instruction. With one installed (a stop address, even one never reached),
    // EIP would stay where it was last written, often the start of an earlier block
    // that has run, and the next run would run that again. Writing EIP in a hook also
    // raises Unicorn's quit request, which together with the stop ends the run as
    // before. The code segment is flat, so the block's linear address is its EIP. The
    // write costs only on a stop.
    static void stop_before_block(uc_engine* uc, uint64_t address) {
        uint64_t eip = static_cast<uint32_t>(address);
        uc_reg_write(uc, UC_X86_REG_EIP, &eip);
        uc_emu_stop(uc);
    }

    // Unicorn reports a block's address and byte size, not its instruction count; the
    // translated block knows it. Asking costs a lookup, and finding port I/O costs a
    // decode, so both are done once per (pc, size) unless the key is ambiguous.
    // An ambiguous key never sits in the direct-mapped cache, so the fast path is one
    // compare.
    static inline const Cpu::Impl::BlockInfo& block_info(Cpu::Impl& s, uint64_t address, uint32_t size) {
        uint64_t key = Cpu::Impl::block_key(address, size);
        Cpu::Impl::CachedBlock& slot = s.cache_slot(address);
        if (slot.key == key) [[likely]]
            return slot.info;
        return block_info_miss(s, slot, key, address, size);
    }

    [[gnu::noinline]] static const Cpu::Impl::BlockInfo& block_info_miss(Cpu::Impl& s, Cpu::Impl::CachedBlock& slot,
                                                                        uint64_t key, uint64_t address, uint32_t size) {
        auto it = s.blocks.find(key);
        if (it != s.blocks.end() && !it->second.ambiguous) {
            slot = {key, it->second};
            return slot.info;
        }
        if (it != s.blocks.end()) {
            // Decoded afresh every time: the block at this key in this address space now.
            s.ambiguous_block = describe_block(s, address, size);
            s.ambiguous_block.ambiguous = true;
            return s.ambiguous_block;
        }
        auto inserted = s.blocks.emplace(key, describe_block(s, address, size)).first;
        slot = {key, inserted->second};
        return slot.info;
    }

    // The block that runs at `address` in the current address space. Its instruction
    // count is the translation's (`icount`, when the caller has it, or asked for).
    static Cpu::Impl::BlockInfo describe_block(Cpu::Impl& s, uint64_t address, uint32_t size, uint16_t icount = 0) {
        Cpu::Impl::BlockInfo info;
        uc_tb tb{};
        if (icount > 0)
            info.icount = icount;
        else if (uc_ctl_request_cache(s.uc, address, &tb) == UC_ERR_OK && tb.icount > 0)
            info.icount = tb.icount;
        const bool icount_known = icount > 0 || tb.icount > 0;
        std::vector<uint8_t> bytes(size);
        if (size > 0 && s.owner->read_code(static_cast<uint32_t>(address), bytes)) {
            BlockFacts facts = s.io_scanner.scan(bytes);
            info.io_index = static_cast<int16_t>(facts.io_index);
            info.io_offset = static_cast<int16_t>(facts.io_offset);
            info.lock_ud_index = static_cast<int16_t>(facts.lock_ud_index);
            info.lock_ud_offset = static_cast<int16_t>(facts.lock_ud_offset);
            info.last_offset = static_cast<int16_t>(facts.last_offset);
            // Capstone must read the block as QEMU does: every byte, into as many
            // instructions as the translation has. A single instruction is the block.
            bool decoded = facts.decoded_bytes == size && (!icount_known || facts.instructions == info.icount);
            if (!decoded && icount_known && info.icount == 1) {
                decoded = true;
                info.last_offset = 0;
            }
            if (!decoded) {
                // Where its last instruction starts is unknown (int n falls back on its
                // vector). Only a sysenter (0F 34) or iret (CF) there needs to know, so
                // only a block whose bytes may end in one is split: random code may loop
                // in the others, and a split costs three runs.
                info.last_offset = -1;
                info.split = bytes[size - 1] == 0xcf || ends_in_sysenter(bytes);
            }
            // Translated now, so at the CPL it runs at (a translation is made for one).
            info.user_iret = info.last_offset >= 0 && s.owner->cpl() > 0 &&
                             starts_with_iretd(std::span<const uint8_t>(bytes).subspan(info.last_offset));
        }
        info.look_ahead = info.io_index >= 0 || info.lock_ud_index >= 0 || info.user_iret || info.split;
        return info;
    }

    // Self-modifying code. Unicorn 2.1.1 checks a guest store for translated code only
    // through a TLB entry marked "not dirty"; the first such store invalidates the
    // translations it overlaps and marks the entry dirty, and from then on stores
    // through that mapping are not checked until the page is translated again at that
    // address (tb_gen_code) or the TLB entry is refilled. A page reused for other code,
    // as a new process's anonymous code page zeroed through the kernel's mapping and
    // written through the user's, kept the old process's translations, which then ran
    // (randinsn). So each new translation compares the bytes under its page's earlier
    // translations with RAM: where one differs, or where the page is not watched yet
    // (translations made before, or its record dropped), every translation on the page
    // goes before the new block runs. Translations that survive were all made from the
    // page's present bytes. Still unseen: a store, after the first, to code that then
    // runs with no new translation on its page in between.
    // Dropping translations inside this hook crashed Unicorn (SIGBUS walking a page's
    // list of blocks, on a store by the block just dropped, with a corrupted kernel from
    // test_bad_input): the run stops instead, and Cpu::run drops them between runs. Outside Cpu::run's runs (steps, look-aheads)
    // a changed page is only forgotten, so that its next translation in a run drops them.
    // [begin, end) is the new translation's part of one page.
    static void check_code_page(Cpu::Impl& s, uint64_t begin, uint64_t end) {
        const uint32_t page = static_cast<uint32_t>(begin) & ~0xfffu;
        const PagingMode mode{s.owner->reg(Reg::Cr0), s.owner->reg(Reg::Cr3), s.owner->reg(Reg::Cr4)};
        auto walk = PageWalker(s.ram).walk(mode, page);
        if (!walk || !walk->present) return;
        const uint32_t paddr = walk->paddr & ~0xfffu;
        if (!s.ram.contains(paddr, CodePage::kSize)) return;
        const uint8_t* now = s.ram.data() + paddr;
        auto it = s.code_pages.find(paddr >> 12);
        if (it != s.code_pages.end() && it->second->unchanged(now)) {
            it->second->cover(now, static_cast<uint32_t>(begin - page), static_cast<uint32_t>(end - begin));
            return;
        }
        if (!s.plain_run) {
            if (it != s.code_pages.end()) s.code_pages.erase(it);
            return;
        }
        if (it == s.code_pages.end()) {
            if (s.code_pages.size() >= Cpu::Impl::kCodePages) s.code_pages.clear();
            it = s.code_pages.emplace(paddr >> 12, std::make_unique<CodePage>()).first;
        }
        it->second->reset();
        s.stale_code.push_back(page);
        if (!s.code_stop) {
            s.code_stop = true;
            s.limit_before_code_stop = s.limit.load(std::memory_order_relaxed);
            s.limit.store(0, std::memory_order_relaxed);
        }
    }

    // Between runs: the translations check_code_page found stale, and the run's limit
    // as it was before the stop.
    static void drop_stale_code(Cpu& cpu) {
        Cpu::Impl& s = *cpu.impl_;
        for (uint32_t page : s.stale_code) cpu.invalidate_code(page, page + CodePage::kSize);
        s.stale_code.clear();
        s.code_stop = false;
        s.set_limit(s.limit_before_code_stop);
    }

    // Unicorn has just translated a block (UC_HOOK_EDGE_GENERATED runs for every new
    // translation once a block has run to its end, not left by an exception). Its pages
    // are checked for code rewritten unseen (check_code_page), and its facts recorded
    // now, before it runs; if its key already holds other facts, two blocks share the
    // key: it becomes ambiguous. Facts are only forgotten when every translation is
    // (invalidate_all_code), so no block can run under facts taken from another.
    static void on_translated(uc_engine*, uc_tb* cur, uc_tb*, void* user) {
        Cpu::Impl& s = *static_cast<Cpu::Impl*>(user);
        // A block may go on into the next page.
        const uint64_t first = static_cast<uint32_t>(cur->pc), end = first + cur->size, next = (first | 0xfff) + 1;
        check_code_page(s, first, std::min(end, next));
        if (end > next && next <= 0xffffffffu) check_code_page(s, next, end);
        uint64_t key = Cpu::Impl::block_key(cur->pc, cur->size);
        Cpu::Impl::BlockInfo fresh = describe_block(s, cur->pc, cur->size, cur->icount);
        auto [it, inserted] = s.blocks.try_emplace(key, fresh);
        if (inserted || it->second.ambiguous || fresh.same_facts(it->second)) return;
        it->second.ambiguous = true;
        Cpu::Impl::CachedBlock& slot = s.cache_slot(cur->pc);
        if (slot.key == key) slot = Cpu::Impl::CachedBlock{};
    }

    // A code hook on one stop address: runs before the instruction there.
    static void on_stop_address(uc_engine* uc, uint64_t address, uint32_t, void* user) {
        Cpu::Impl& s = *static_cast<Cpu::Impl*>(user);
        if (s.skip_stop_at && *s.skip_stop_at == address) {
            s.skip_stop_at.reset();  // resuming from this stop: run the instruction once
            return;
        }
        if (!s.stops_at(static_cast<uint32_t>(address))) return;  // an idle hook
        if (s.at_stop_address || s.have_event) return;
        // The block hook counted the whole block; only the instructions before this one ran.
        const uint64_t block_pc = Cpu::Impl::block_pc(s.block);
        uint64_t not_run = block_info(s, block_pc, Cpu::Impl::block_size(s.block)).icount;
        if (address > block_pc && address < block_pc + Cpu::Impl::block_size(s.block)) {
            if (auto ran = s.owner->instructions_between(static_cast<uint32_t>(block_pc), static_cast<uint32_t>(address)))
                not_run -= static_cast<uint64_t>(*ran);
        }
        not_run = std::min<uint64_t>(not_run, s.instructions);
        s.instructions -= not_run;
        if (s.stop_filter && !s.io_stepping) {
            s.in_stop_filter = true;
            const bool stop = s.stop_filter(static_cast<uint32_t>(address));
            s.in_stop_filter = false;
            if (!stop) {  // runs on: the block's count stands again
                s.instructions += not_run;
                return;
            }
        }
        s.at_stop_address = true;
        uc_emu_stop(uc);
    }

    static void on_interrupt(uc_engine* uc, uint32_t intno, void* user) {
        Cpu* cpu = static_cast<Cpu*>(user);
        Cpu::Impl& s = *cpu->impl_;
        if (s.in_run_delivery && !s.have_event && !s.io_stepping && !s.in_stop_filter && !s.counting &&
            deliver_in_run(*cpu, s, static_cast<uint8_t>(intno)))
            return;
        // Not delivered here: record, stop, deliver after the run (trap 2).
        if (!s.have_event) {
            s.have_event = true;
            s.event = CpuExit{};
            s.event.kind = CpuExitKind::Interrupt;
            s.event.vector = static_cast<uint8_t>(intno);
        }
        uc_emu_stop(uc);
    }

    // The event as finish_run would report it, read from the live state; handed to the
    // machine's handler. Delivered: "exception in flight" is reset (trap 3) and a fault's
    // instruction uncounted. Not: nothing has changed.
    static bool deliver_in_run(Cpu& cpu, Cpu::Impl& s, uint8_t vector) {
        CpuExit e;
        e.kind = CpuExitKind::Interrupt;
        e.vector = vector;
        int32_t code, is_int;
        uint64_t eip;
        std::memcpy(&code, s.live + s.layout.error_code, 4);
        std::memcpy(&is_int, s.live + s.layout.is_int, 4);
        std::memcpy(&eip, s.live + s.layout.eip, 8);
        e.software = is_int != 0;
        e.has_error_code = !e.software && vector_has_error_code(vector);
        e.error_code = e.has_error_code ? static_cast<uint32_t>(code) : 0;
        e.eip = e.instruction_eip = static_cast<uint32_t>(eip);
        std::memcpy(&e.cr2, s.live + s.layout.cr2, 4);
        if (!s.in_run_delivery(e)) return false;
        cpu.clear_exception_in_flight(s.live);
        if (!e.software) cpu.uncount_from(e.eip);
        return true;
    }

    static uint32_t on_in(uc_engine* uc, uint32_t port, int size, void* user) {
        Cpu* cpu = static_cast<Cpu*>(user);
        Cpu::Impl& s = *cpu->impl_;
        if (!cpu->io_allowed()) {
            raise_io_fault(uc, s);
            return size == 1 ? 0xff : size == 2 ? 0xffff : 0xffffffffu;
        }
        uint32_t value = s.ports.read(static_cast<uint16_t>(port), static_cast<unsigned>(size));
        if (s.port_observer) s.port_observer(static_cast<uint16_t>(port), false);
        return value;
    }

    static void on_out(uc_engine* uc, uint32_t port, int size, uint32_t value, void* user) {
        Cpu* cpu = static_cast<Cpu*>(user);
        Cpu::Impl& s = *cpu->impl_;
        if (!cpu->io_allowed()) {
            raise_io_fault(uc, s);
            return;
        }
        s.ports.write(static_cast<uint16_t>(port), static_cast<unsigned>(size), value);
        if (s.port_observer) s.port_observer(static_cast<uint16_t>(port), true);
    }

    // sysenter (UNICORN-NOTES.md trap 12). Unicorn 2.1.1 translates it into a call of
    // the SYSENTER hooks, after which it adds the instruction's length to an EIP it never
    // brought up to date; the lazily kept arithmetic flags are synchronised only at the
    // block's end, after the hook. This hook does what the SDM says sysenter does:
    // #GP(0) when SYSENTER_CS is null; else ring 0 with the flat CS = SYSENTER_CS and
    // SS = CS + 8 that sysenter loads without reading the GDT (as QEMU's helper does),
    // ESP and EIP from their MSRs, and VM, IF and RF clear. The ring switch writes the
    // CPU state in place: through the API an EFLAGS write would lose the flags, and an
    // EIP write would end the run. Where the state is not in place, the run ends after
    // the sysenter and Cpu::finish_sysenter switches rings between runs.
    static void on_sysenter(uc_engine* uc, void* user) {
        Cpu* cpu = static_cast<Cpu*>(user);
        Cpu::Impl& s = *cpu->impl_;
        if (s.have_event) return;
        // sysenter ends its translated block: it is the block's last instruction.
        const uint64_t pc = Cpu::Impl::block_pc(s.block);
        const uint32_t size = Cpu::Impl::block_size(s.block);
        const Cpu::Impl::BlockInfo& info = block_info(s, pc, size);
        // A block that cannot be read but ends in sysenter is split (describe_block), so
        // the sysenter runs alone. Unreadable still: a translation of bytes no longer in
        // RAM (seen on randinsn's rewritten code pages). Its sysenter is at least 0F 34:
        // the ring switch does not depend on where it starts.
        const uint32_t at = static_cast<uint32_t>(pc) +
                            (info.last_offset >= 0 ? static_cast<uint32_t>(info.last_offset) : size - std::min(size, 2u));
        const uint32_t length = static_cast<uint32_t>(pc) + size - at;
        const uint32_t sysenter_cs = cpu->sysenter_msr(kMsrSysenterCs);
        auto set_eip_before_step = [&](uint32_t eip) { set_eip_before_helper_step(uc, s, eip, length); };
        if (length > 2 && vex_encoded(*cpu, at)) {  // a plain sysenter (0F 34) pays nothing
            // A VEX prefix on sysenter: QEMU runs it, a CPU refuses it (#UD).
            cpu->uncount_from(at);
            set_eip_before_step(at);
            raise_host_event(uc, s, CpuExitKind::InvalidOpcode, 6, false, "VEX-encoded sysenter");
            return;
        }
        if ((sysenter_cs & 0xfffcu) == 0) {
            // #GP(0), a fault: the instruction does not retire.
            cpu->uncount_from(at);
            set_eip_before_step(at);
            raise_gp0(uc, s, "sysenter with SYSENTER_CS 0");
            return;
        }
        if (s.sysenter_observer) s.sysenter_observer();
        ++s.sysenters;
        if (!s.live || s.layout.segs == 0) {
            // Through saved contexts an EFLAGS write here would be lost (the block's end
            // rewrites the lazily kept flags): the run ends right after sysenter, which
            // ends its block, and Cpu::run makes the ring switch between runs.
            set_eip_before_step(at + length);
            s.sysenter_pending = true;
            uc_emu_stop(uc);
            return;
        }
        cpu->enter_sysenter_segments(s.live, sysenter_cs);
        // ESP in place when mapped (the helper that calls this hook has written the
        // guest's registers back to the state, and reloads them after it).
        const uint64_t esp = cpu->sysenter_msr(kMsrSysenterEsp);
        if (const uint32_t at = s.reg_at[static_cast<size_t>(Reg::Esp)]) {
            std::memcpy(s.live + at, &esp, 8);
        } else {
            cpu->set_reg(Reg::Esp, static_cast<uint32_t>(esp));
        }
        cpu->clear_eflags(kSysenterClears);
        set_eip_before_step(cpu->sysenter_msr(kMsrSysenterEip));
    }

    // Whether the instruction at `eip` starts, after legacy prefixes, with a VEX prefix
    // (C4 or C5: in 32-bit code a VEX prefix only when ModRM's mod would be 3).
    static bool vex_encoded(const Cpu& cpu, uint32_t eip) {
        std::array<uint8_t, 15> code{};
        const std::span<uint8_t> bytes(code.data(), std::min<size_t>(code.size(), 4096 - (eip & 0xfffu)));
        if (!cpu.read_code(eip, bytes)) return false;
        for (size_t i = 0; i + 1 < bytes.size(); ++i) {
            const uint8_t b = bytes[i];
            if (b == 0xc4 || b == 0xc5) return (bytes[i + 1] >> 6) == 3;
            if (b != 0x26 && b != 0x2e && b != 0x36 && b != 0x3e && b != 0x64 && b != 0x65 && b != 0x66 &&
                b != 0x67 && b != 0xf0 && b != 0xf2 && b != 0xf3)
                return false;
        }
        return false;
    }

    // From an instruction hook (sysenter, syscall): EIP such that Unicorn's helper,
    // which adds the instruction's `length` after the hooks, leaves it at `eip`.
    static void set_eip_before_helper_step(uc_engine* uc, Cpu::Impl& s, uint32_t eip, uint32_t length) {
        const uint64_t v = uint32_t(eip - length);
        if (s.live) {
            std::memcpy(s.live + s.layout.eip, &v, 8);
        } else {
            uc_reg_write(uc, UC_X86_REG_EIP, &v);
        }
    }

    // syscall: #UD, as on any i386 CPU (and x86-64 ones with EFER.SCE clear, which it
    // always is here): the instruction does not retire. Unicorn 2.1 would call this hook
    // and go on past it. EIP is at the instruction (Unicorn syncs it first), and syscall
    // ends its translated block, so no instruction after it has run.
    static void on_syscall(uc_engine* uc, void* user) {
        Cpu* cpu = static_cast<Cpu*>(user);
        Cpu::Impl& s = *cpu->impl_;
        if (s.have_event) return;
        const uint32_t at = cpu->reg(Reg::Eip);
        const uint64_t pc = Cpu::Impl::block_pc(s.block);
        const uint32_t length = static_cast<uint32_t>(pc) + Cpu::Impl::block_size(s.block) - at;
        cpu->uncount_from(at);
        set_eip_before_helper_step(uc, s, at, length);
        raise_host_event(uc, s, CpuExitKind::InvalidOpcode, 6, false, "syscall with EFER.SCE clear");
    }

    // Port I/O at CPL > IOPL that the look-ahead in on_block did not catch (a block
    // whose cached description is stale): the host suppresses the access and reports
    // #GP(0); EIP is then past the block, not at the instruction.
    static void raise_io_fault(uc_engine* uc, Cpu::Impl& s) { raise_gp0(uc, s, "port I/O at CPL > IOPL"); }

    // A #GP(0) the host finds (raise_host_event).
    static void raise_gp0(uc_engine* uc, Cpu::Impl& s, const char* detail) {
        raise_host_event(uc, s, CpuExitKind::Interrupt, 13, true, detail);
    }

    // An event the host found (not Unicorn: no fault state to read), ending the run;
    // `detail` says why and marks it as the host's. An error code, if any, is 0.
    static void raise_host_event(uc_engine* uc, Cpu::Impl& s, CpuExitKind kind, uint8_t vector, bool has_error_code,
                                 const char* detail) {
        if (!s.have_event) {
            s.have_event = true;
            s.event = CpuExit{};
            s.event.kind = kind;
            s.event.vector = vector;
            s.event.has_error_code = has_error_code;
            s.event.error_code = 0;
            s.event.detail = detail;
        }
        uc_emu_stop(uc);
    }

    static bool on_unmapped(uc_engine* uc, uc_mem_type type, uint64_t address, int size,
                            int64_t, void* user) {
        Cpu* cpu = static_cast<Cpu*>(user);
        Cpu::Impl& s = *cpu->impl_;
        s.memory_error = true;
        const char* what = type == UC_MEM_FETCH_UNMAPPED  ? "fetch from"
                           : type == UC_MEM_WRITE_UNMAPPED ? "write to"
                                                           : "read from";
        char buf[160];
        std::snprintf(buf, sizeof buf, "guest %s physical address 0x%llx (%d bytes) outside RAM",
                      what, static_cast<unsigned long long>(address), size);
        s.memory_detail = buf;
        (void)uc;
        return false;
    }
};

Cpu::Cpu(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) { impl_->owner = this; }

Cpu::~Cpu() {
    if (impl_->ctx) uc_context_free(impl_->ctx);
    if (impl_->uc) uc_close(impl_->uc);
}

Result<std::unique_ptr<Cpu>> Cpu::create(Ram& ram, PortBus& ports, CpuOptions options) {
    auto impl = std::make_unique<Impl>(ram, ports);
    uc_err err = uc_open(UC_ARCH_X86, UC_MODE_32, &impl->uc);
    if (err != UC_ERR_OK) return make_error(ErrorKind::Host, uc_message("cannot open Unicorn", err));
    std::unique_ptr<Cpu> cpu(new Cpu(std::move(impl)));
    Impl& s = *cpu->impl_;
    // The default translation buffer is 1 GiB; flushing it (every hook change, e.g. a
    // debugger single step) then costs up to seconds. 32 MiB holds a small kernel and its programs.
    uc_ctl_set_tcg_buffer_size(s.uc, 32u << 20);
    // Exits mode with no exit: uc_emu_start's `until` no longer stops code at address 0.
    if (uc_ctl_exits_enable(s.uc) != UC_ERR_OK)
        return make_error(ErrorKind::Host, unicorn_version() + " has no exits mode; Unicorn 2.1 is required");

    err = uc_mem_map_ptr(s.uc, 0, ram.size(), UC_PROT_ALL, ram.data());
    if (err != UC_ERR_OK) return make_error(ErrorKind::Host, uc_message("cannot map guest RAM", err));
    // Unicorn 2.1.1 leaves its translation buffer's region count at 0 after start-up
    // (fixed upstream in 2.1.2), so the first time the buffer fills it is reused for new
    // code with every old translation still listed: old blocks run over new code, and a
    // page's list of blocks can loop for ever. A flush now puts the count right; from
    // then on a full buffer is flushed (test_cpu FillingTheTranslationBufferFlushesIt).
    uc_ctl_flush_tb(s.uc);

    uc_hook h;
    Cpu* self = cpu.get();
    bool hooks_ok =
        uc_hook_add(s.uc, &h, UC_HOOK_BLOCK, reinterpret_cast<void*>(&CpuHooks::on_block), &s, 1, 0) == UC_ERR_OK &&
        uc_hook_add(s.uc, &h, UC_HOOK_EDGE_GENERATED, reinterpret_cast<void*>(&CpuHooks::on_translated), &s, 1, 0) == UC_ERR_OK &&
        uc_hook_add(s.uc, &h, UC_HOOK_INTR, reinterpret_cast<void*>(&CpuHooks::on_interrupt), self, 1, 0) == UC_ERR_OK &&
        uc_hook_add(s.uc, &h, UC_HOOK_INSN, reinterpret_cast<void*>(&CpuHooks::on_in), self, 1, 0, UC_X86_INS_IN) == UC_ERR_OK &&
        uc_hook_add(s.uc, &h, UC_HOOK_INSN, reinterpret_cast<void*>(&CpuHooks::on_out), self, 1, 0, UC_X86_INS_OUT) == UC_ERR_OK &&
        uc_hook_add(s.uc, &h, UC_HOOK_INSN, reinterpret_cast<void*>(&CpuHooks::on_sysenter), self, 1, 0,
                    UC_X86_INS_SYSENTER) == UC_ERR_OK &&
        uc_hook_add(s.uc, &h, UC_HOOK_INSN, reinterpret_cast<void*>(&CpuHooks::on_syscall), self, 1, 0,
                    UC_X86_INS_SYSCALL) == UC_ERR_OK &&
        uc_hook_add(s.uc, &h, UC_HOOK_MEM_UNMAPPED, reinterpret_cast<void*>(&CpuHooks::on_unmapped), self, 1, 0) == UC_ERR_OK;
    if (!hooks_ok) return make_error(ErrorKind::Host, "cannot install Unicorn hooks");

    if (uc_context_alloc(s.uc, &s.ctx) != UC_ERR_OK)
        return make_error(ErrorKind::Host, "cannot allocate a Unicorn context");
    s.ctx_size = uc_context_size(s.uc);
    auto layout = probe_context_layout(s);
    if (!layout) return layout.error();
    s.layout = *layout;
    if (options.state_in_place) s.live = find_live_state(s);  // may add EIP and EFLAGS to the layout
    if (s.live) {
        cpu->map_live_registers();
        cpu->map_sysenter_msrs();
    }
    s.instructions = 0;  // the probe's instructions are not the guest's
    return cpu;
}

std::string Cpu::engine_description() {
    auto ram = Ram::create(1u << 20);
    if (!ram) return unicorn_version() + ": " + ram.error().message;
    PortBus ports;
    auto cpu = Cpu::create(*ram, ports);
    if (!cpu) return cpu.error().message;
    return unicorn_version() + ((*cpu)->state_in_place()
                                    ? ", CPU state in place (events delivered inside runs)"
                                    : ", through saved contexts (live CPU state not found)");
}

void Cpu::set_port_observer(std::function<void(uint16_t, bool)> observer) { impl_->port_observer = std::move(observer); }

void Cpu::watch_interrupt_window(bool on) { impl_->watch_interrupt_window = on; }

void Cpu::set_sysenter_observer(std::function<void()> observer) { impl_->sysenter_observer = std::move(observer); }

uint64_t Cpu::sysenters() const { return impl_->sysenters; }
uint64_t Cpu::code_flushes() const { return impl_->code_flushes; }

void Cpu::lower_instruction_limit(uint64_t limit) {
    impl_->set_limit(std::min(impl_->limit.load(std::memory_order_relaxed), limit));
    impl_->hard_limit = std::min(impl_->hard_limit, limit);
}

// From any thread: the flag first, then the limit that sends the next block to the
// slow path, which consumes the flag (see Impl::set_limit for the other side).
// Never uc_emu_stop from another thread: Unicorn 2.1 looks for an exit request after
// every guest load and store of a translated block, not only at block starts, and on
// leaving it puts EIP back to the block's start, so the instructions before the store
// run twice. (A probe that stopped runs from a thread every 500 µs oopsed the kernel
// within 12 ms of boot, in a memset called with garbage arguments, with the block hook
// and without it: so --realtime keeps the hook too.)
void Cpu::request_stop() {
    impl_->stop_requested.store(true);
    impl_->limit.store(0);
}
uint64_t Cpu::instructions() const { return impl_->instructions; }
const uint64_t* Cpu::instruction_counter() const { return &impl_->instructions; }

bool Cpu::io_allowed() const {
    uint8_t cpl = this->cpl();
    if (cpl == 0) return true;  // IOPL is never below 0: skip the costly EFLAGS read
    uint32_t iopl = (reg(Reg::Eflags) >> 12) & 3;
    return cpl <= iopl;
}

bool Cpu::read_code(uint32_t linear, std::span<uint8_t> out) const {
    PagingMode mode{reg(Reg::Cr0), reg(Reg::Cr3), reg(Reg::Cr4)};
    return PageWalker(impl_->ram).read_virtual(mode, linear, out).ok();
}

template <class Edit>
void Cpu::edit_context(Edit edit) {
    if (impl_->live) {  // in place: no copy of the whole context out and back
        edit(impl_->live);
        return;
    }
    uc_context_save(impl_->uc, impl_->ctx);
    edit(reinterpret_cast<uint8_t*>(impl_->ctx));
    uc_context_restore(impl_->uc, impl_->ctx);
}

template <class Call>
void Cpu::keeping_fault_state(Call call) {
    const uint32_t cr2 = reg(Reg::Cr2);
    call();
    // Both in one context edit.
    edit_context([&](uint8_t* bytes) {
        std::memcpy(bytes + impl_->layout.cr2, &cr2, 4);
        clear_exception_in_flight(bytes);
    });
}

// Resets "exception in flight" so that the next fault is not mistaken for a double
// fault (UNICORN-NOTES.md trap 3).
void Cpu::clear_exception_in_flight(uint8_t* context) const {
    int32_t minus_one = -1;
    std::memcpy(context + impl_->layout.old_exception, &minus_one, 4);
}

Result<void> Cpu::add_stop_address(uint32_t linear) {
    Impl& s = *impl_;
    if (s.in_stop_filter)  // Unicorn would drop the translation it is running
        return make_error(ErrorKind::Host, "cannot add a stop address while the CPU runs (" + hex8(linear) + ")");
    if (auto it = s.stop_hooks.find(linear); it != s.stop_hooks.end()) {
        if (it->second.users++ == 0) --s.idle_stop_hooks;  // an idle hook back at work
        return {};
    }
    uc_hook h = 0;
    uc_err err = UC_ERR_OK;
    keeping_fault_state([&] {
        err = uc_hook_add(s.uc, &h, UC_HOOK_CODE, reinterpret_cast<void*>(&CpuHooks::on_stop_address), &s, linear,
                          linear);
    });
    if (err != UC_ERR_OK) return make_error(ErrorKind::Host, uc_message("cannot add a stop address", err));
    s.stop_hooks.emplace(linear, Impl::StopHook{h, 1});
    // Code hooks are placed at translation: blocks translated before have none.
    invalidate_all_code();
    return {};
}

void Cpu::set_value_watches(std::vector<ValueWatch> watches) {
    Impl& s = *impl_;
    s.watches.clear();
    std::vector<ValueWatch> access;
    for (const ValueWatch& w : watches) {
        if (w.length == 0 || w.length > 8 || !s.ram.contains(w.paddr, w.length)) continue;
        if (w.on != WatchOn::Change) {
            access.push_back(w);
            continue;
        }
        Impl::WatchedValue v{w.paddr, w.length, 0};
        std::memcpy(&v.value, s.ram.data() + w.paddr, w.length);
        s.watches.push_back(v);
    }
    s.watch_change.reset();
    s.access_hit.reset();
    auto same = [](const ValueWatch& a, const ValueWatch& b) {
        return a.paddr == b.paddr && a.length == b.length && a.on == b.on;
    };
    if (std::equal(access.begin(), access.end(), s.access_watches.begin(), s.access_watches.end(), same)) return;
    // Another set of read or access watches: new hooks, and translations made with them.
    keeping_fault_state([&] {
        for (uc_hook* h : {&s.read_hook, &s.write_hook})
            if (*h) uc_hook_del(s.uc, std::exchange(*h, 0));
        if (!access.empty()) {
            uint64_t lo = ~0ull, hi = 0;
            bool writes = false;
            for (const ValueWatch& w : access) {
                lo = std::min<uint64_t>(lo, w.paddr);
                hi = std::max<uint64_t>(hi, uint64_t{w.paddr} + w.length - 1);
                writes = writes || w.on == WatchOn::Access;
            }
            (void)uc_hook_add(s.uc, &s.read_hook, UC_HOOK_MEM_READ, reinterpret_cast<void*>(&CpuHooks::on_memory_access),
                              &s, lo, hi);
            if (writes)
                (void)uc_hook_add(s.uc, &s.write_hook, UC_HOOK_MEM_WRITE,
                                  reinterpret_cast<void*>(&CpuHooks::on_memory_access), &s, lo, hi);
        }
    });
    s.access_watches = std::move(access);
    invalidate_all_code();
}

std::optional<uint32_t> Cpu::take_watch_change() { return std::exchange(impl_->watch_change, std::nullopt); }

std::optional<WatchAccess> Cpu::take_watch_access() { return std::exchange(impl_->access_hit, std::nullopt); }

void Cpu::watch_user_returns(uint32_t kernel_base, uint32_t kernel_end) {
    impl_->watch_user_return = kernel_base != 0;
    impl_->kernel_base = kernel_base;
    impl_->kernel_end = kernel_end;
    impl_->was_kernel = false;
}

void Cpu::set_stop_filter(StopFilter filter) { impl_->stop_filter = std::move(filter); }

void Cpu::set_in_run_delivery(EventHandler handler) {
    impl_->in_run_delivery = impl_->live ? std::move(handler) : EventHandler();
}

bool Cpu::state_in_place() const { return impl_->live != nullptr; }
uint64_t Cpu::replayed_loads() const { return impl_->replayed_loads; }

void Cpu::clear_eflags(uint32_t mask) {
    if (impl_->live) {
        // In place: inside a run the arithmetic flags live elsewhere (QEMU's lazy
        // flags) and an API write would replace them; the system flags are here.
        uint32_t flags;
        std::memcpy(&flags, impl_->live + impl_->layout.eflags, 4);
        flags &= ~mask;
        std::memcpy(impl_->live + impl_->layout.eflags, &flags, 4);
        return;
    }
    set_reg(Reg::Eflags, reg(Reg::Eflags) & ~mask);
}

void Cpu::remove_stop_address(uint32_t linear) {
    Impl& s = *impl_;
    auto it = s.stop_hooks.find(linear);
    if (it == s.stop_hooks.end() || it->second.users == 0 || --it->second.users > 0) return;
    if (s.resume_at == linear) s.resume_at.reset();
    if (++s.idle_stop_hooks > Impl::kIdleStopHooks) delete_idle_stop_hooks();
}

// Deleting a hook removes the translations made under it, found by address through the
// current page tables (setting accessed bits there, and faulting silently where an
// address is not mapped: keeping_fault_state).
void Cpu::delete_idle_stop_hooks() {
    Impl& s = *impl_;
    if (s.idle_stop_hooks == 0 || s.in_stop_filter) return;  // idle ones go at the next removal
    for (auto i = s.stop_hooks.begin(); i != s.stop_hooks.end();) {
        if (i->second.users > 0) {
            ++i;
            continue;
        }
        keeping_fault_state([&] { uc_hook_del(s.uc, i->second.hook); });
        i = s.stop_hooks.erase(i);
    }
    s.idle_stop_hooks = 0;
    invalidate_all_code();
}

void Cpu::prepare_restore() {
    if (impl_->count_hook) drop_count_hook();
    delete_idle_stop_hooks();
}

uint32_t Cpu::begin_run(uint64_t limit, uint64_t exact_target) {
    Impl& s = *impl_;
    s.hard_limit = limit;
    s.exact_target = exact_target;
    const uint64_t window = exact_target >= kMaxBlockInstructions ? exact_target - kMaxBlockInstructions : 0;
    // With value watches every block takes the slow path, which compares them; with the
    // user-return watch too, which looks at every block's address.
    s.set_limit(s.watches.empty() && !s.watch_user_return && !s.watch_interrupt_window ? std::min(limit, window) : 0);
    s.before_target = false;
    s.budget_stop = s.request_stop = s.have_event = s.memory_error = s.at_stop_address = false;
    s.look_ahead = Impl::LookAhead::None;
    s.watch_stop = false;
    s.access_stop = false;
    s.user_return = false;
    // Resuming from a stop address: its instruction runs before the hook stops again.
    uint32_t eip = reg(Reg::Eip);
    s.skip_stop_at.reset();
    if (s.resume_at == eip) s.skip_stop_at = eip;
    s.resume_at.reset();
    return eip;
}

// uc_emu_start without a count deletes the count hook a step (or the I/O look-ahead)
// installed, and deleting a code hook removes the translations made under it, found
// by their addresses through the page tables of now: those of another address space
// (a seek back in the history, a task switch) fault there, silently. So the hook goes
// in a run of its own that stops before its first block, with the fault state put back.
void Cpu::drop_count_hook() {
    Impl& s = *impl_;
    const std::optional<uint32_t> resume_at = s.resume_at;
    keeping_fault_state([&] {
        const uint32_t eip = begin_run(s.instructions, ~0ull);
        s.set_limit(0);
        s.dropping_count_hook = true;
        (void)uc_emu_start(s.uc, eip, kNoUntil, 0, 0);
        s.dropping_count_hook = false;
        set_reg(Reg::Eip, eip);
    });
    // A stop request this empty run took is the next run's.
    if (s.request_stop) s.stop_requested.store(true);
    s.resume_at = resume_at;
    s.count_hook = false;
    s.counting = false;
    ++s.code_flushes;  // uc_emu_start dropped every translation with the hook
}

CpuExit Cpu::run(uint64_t instruction_limit, uint64_t exact_target) {
    Impl& s = *impl_;
    if (s.count_hook) drop_count_hook();
    const uint32_t eip = begin_run(instruction_limit, exact_target);
    if (s.stop_requested.exchange(false)) {
        CpuExit e;
        e.kind = CpuExitKind::StopRequested;
        e.eip = e.instruction_eip = eip;
        return e;
    }
    s.plain_run = true;
    uc_err err = uc_emu_start(s.uc, eip, kNoUntil, 0, 0);
    // A sysenter through saved contexts ended the run (CpuHooks::on_sysenter): switch
    // rings now. Stale translations stopped it (CpuHooks::check_code_page): drop them
    // now. Then go on unless something else ended the run too.
    for (;;) {
        if (std::exchange(s.sysenter_pending, false)) {
            finish_sysenter();
        } else if (s.code_stop) {
            CpuHooks::drop_stale_code(*this);
        } else {
            break;
        }
        if (err != UC_ERR_OK || s.have_event || s.memory_error) break;
        err = uc_emu_start(s.uc, reg(Reg::Eip), kNoUntil, 0, 0);
    }
    s.plain_run = false;
    s.counting = false;  // Unicorn dropped the count hook, and every translation with it
    return finish_run(err);
}

// sysenter's ring switch (CpuHooks::on_sysenter has the SDM's list): the flat CS and SS
// sysenter loads without reading the GDT, with QEMU's own helper's flags (G, D/B, P, S,
// and code (readable) or data (writable), accessed) and the hflags that go with them.
// `state` is Unicorn's live CPU state or a saved context's bytes.
void Cpu::enter_sysenter_segments(uint8_t* state, uint32_t sysenter_cs) {
    const ContextLayout& l = impl_->layout;
    auto load = [&](int reg, uint32_t selector, uint32_t flags) {
        uint8_t* cache = state + l.segs + ContextLayout::kSegmentBytes * static_cast<size_t>(reg);
        const uint64_t base = 0;
        const uint32_t limit = 0xffffffffu;
        std::memcpy(cache, &selector, 4);
        std::memcpy(cache + 8, &base, 8);
        std::memcpy(cache + 16, &limit, 4);
        std::memcpy(cache + 20, &flags, 4);
    };
    load(ContextLayout::kCs, sysenter_cs & 0xfffcu, 0x00c09b00u);
    load(ContextLayout::kSs, (sysenter_cs + 8) & 0xfffcu, 0x00c09300u);
    uint32_t hflags;
    std::memcpy(&hflags, state + l.hflags, 4);
    hflags = (hflags & ~kHfLoadBits) | kHfCs32 | kHfSs32 | (segment_bases_zero(state) ? 0u : kHfAddseg);
    std::memcpy(state + l.hflags, &hflags, 4);
}

// The same between runs, through the API and a saved context (the EFLAGS write is
// safe here: the lazily kept flags were written back at the block's end).
void Cpu::finish_sysenter() {
    const uint32_t sysenter_cs = read_msr(impl_->uc, kMsrSysenterCs);
    if (impl_->layout.segs) {
        edit_context([&](uint8_t* bytes) { enter_sysenter_segments(bytes, sysenter_cs); });
    } else if (auto r = enter_ring0(static_cast<uint16_t>((sysenter_cs + 8) & 0xfffcu),
                                    static_cast<uint16_t>(sysenter_cs & 0xfffcu));
               !r) {
        // No known segment layout: the GDT's descriptors, which a sane kernel makes
        // the flat ones sysenter would load; one that does not gets a machine fault.
        impl_->memory_error = true;
        impl_->memory_detail = "sysenter: " + r.error().message;
        return;
    }
    set_reg(Reg::Eflags, reg(Reg::Eflags) & ~kSysenterClears);
    set_reg(Reg::Esp, read_msr(impl_->uc, kMsrSysenterEsp));
    set_reg(Reg::Eip, read_msr(impl_->uc, kMsrSysenterEip));
}

CpuExit Cpu::step() {
    Impl& s = *impl_;
    // Unicorn's count stops before the second instruction only inside blocks translated
    // for the count (the first is, below); when the first instruction ends its block and
    // the next block is an older translation, the run would go on. The budget stops it
    // at that block's start instead: the first block counts at least one instruction.
    const uint32_t eip = begin_run(s.instructions + 1, ~0ull);
    s.skip_stop_at = eip;  // a step always executes its instruction
    uint64_t before = s.instructions;
    // A misplaced lock prefix: #UD before anything runs (QEMU would run most of them).
    if (lock_undefined_at(eip)) return invalid_lock_exit();
    // One instruction needs no look-ahead: a refused port access is caught in the I/O
    // hook, and the state from before the step is put back so #GP points at it.
    std::vector<uint8_t> saved = save_context();
    // Blocks translated for a normal run have no per-instruction count: Unicorn adds the
    // count hook without dropping them, and a step that calls or jumps into one runs on
    // to the next block translated with the hook (a whole function for a call). So the
    // first step after a run drops every translation; later ones keep theirs.
    if (!s.counting) {
        invalidate_all_code();
        s.counting = true;
    }
    invalidate_code(eip, eip + 1);
    const std::optional<IretImageByte> image = ignore_vm_if_iret(eip);
    s.io_stepping = true;
    uc_err err = uc_emu_start(s.uc, eip, kNoUntil, 0, 1);
    s.io_stepping = false;
    put_back(image);
    if (std::exchange(s.sysenter_pending, false)) finish_sysenter();
    s.count_hook = true;
    // The block hook counted the whole block the step started; a step is one (or
    // none, when it stopped at a stop address or on a stop request before running).
    bool ran = !s.at_stop_address && !s.request_stop;
    s.instructions = before + (ran ? 1 : 0);
    if (std::exchange(s.access_stop, false) || (!s.watches.empty() && CpuHooks::watched_value_changed(s)))
        s.watch_change = eip;
    bool io_fault = err == UC_ERR_OK && s.have_event && !s.event.detail.empty();
    CpuExit e = finish_run(err);
    if (io_fault) {
        (void)restore_context(saved);
        s.instructions = before;
        e.eip = e.instruction_eip = eip;
    }
    // A count-limited run ends like hlt does; only a real hlt is reported as one.
    if (e.kind == CpuExitKind::Halted) {
        uint8_t opcode = 0;
        bool hlt = read_code(eip, std::span<uint8_t>(&opcode, 1)) && opcode == 0xf4;
        if (!hlt) e.kind = CpuExitKind::StopRequested;
    }
    if (e.kind == CpuExitKind::Budget || e.kind == CpuExitKind::WatchChanged) e.kind = CpuExitKind::StopRequested;
    // A faulting instruction does not retire (as in a run: see uncount_from). A fault at
    // another address is the next instruction's, on its fetch (an iret or jump to a page
    // not present): the step's own instruction ran.
    if (((e.kind == CpuExitKind::Interrupt && !e.software) || e.kind == CpuExitKind::InvalidOpcode) &&
        e.instruction_eip == eip)
        s.instructions = before;
    // A step that reached a stop address has arrived there: the next run runs it.
    if (e.kind == CpuExitKind::StopRequested && s.stops_at(e.eip)) s.resume_at = e.eip;
    return e;
}

std::optional<CpuExit> Cpu::stop_address_at_eip() {
    Impl& s = *impl_;
    const uint32_t eip = reg(Reg::Eip);
    if (!s.stops_at(eip) || s.resume_at == eip) return std::nullopt;
    s.resume_at = eip;  // the next run or step executes it
    CpuExit e;
    e.kind = CpuExitKind::AtStopAddress;
    e.eip = e.instruction_eip = eip;
    e.cr2 = reg(Reg::Cr2);
    return e;
}

// Where a software interrupt's instruction starts. `int n` ends its translated block
// (QEMU ends a block at every int), so it is the block's last instruction; the vector
// alone decides only when that is unknown: int3 (CC) is vector 3, into (CE) 4, icebp
// (F1) 1, and `CD ib` any vector.
uint32_t Cpu::software_interrupt_start(uint8_t vector, uint32_t next_eip) {
    Impl& s = *impl_;
    const uint64_t block_pc = Impl::block_pc(s.block);
    const uint32_t block_size = Impl::block_size(s.block);
    if (block_pc + block_size == next_eip) {
        const Impl::BlockInfo& info = CpuHooks::block_info(s, block_pc, block_size);
        if (info.last_offset >= 0) return static_cast<uint32_t>(block_pc) + static_cast<uint32_t>(info.last_offset);
    }
    uint8_t last = 0;
    (void)read_code(next_eip - 1, std::span<uint8_t>(&last, 1));
    bool one_byte = (vector == 3 && last == 0xcc) || (vector == 4 && last == 0xce) || (vector == 1 && last == 0xf1);
    return next_eip - (one_byte ? 1 : 2);
}

CpuExit Cpu::finish_run(int uc_error) {
    Impl& s = *impl_;
    uc_err err = static_cast<uc_err>(uc_error);
    const Impl::LookAhead look_ahead = std::exchange(s.look_ahead, Impl::LookAhead::None);
    if (err == UC_ERR_OK && look_ahead != Impl::LookAhead::None && !s.have_event && !s.memory_error) {
        // Run the block's instructions before the one looked at.
        if (s.look_before > 0) {
            err = static_cast<uc_err>(run_before_looked_at());
            if (err != UC_ERR_OK || s.have_event || s.memory_error || s.at_stop_address || s.budget_stop)
                return finish_run(err);
        }
        if (look_ahead == Impl::LookAhead::LastAlone) return finish_run(run_alone());
        if (look_ahead == Impl::LookAhead::LockUd) {
            // The look-ahead found the instruction by Capstone's reading of the block;
            // EIP is where QEMU's instructions really brought it. Only there may it fault.
            const uint32_t eip = reg(Reg::Eip);
            if (lock_undefined_at(eip)) return invalid_lock_exit();
            // Another reading: a translation made from bytes that are no longer there,
            // or a boundary Capstone put elsewhere. Translate afresh, and run one
            // instruction, so the run always makes progress.
            invalidate_code(eip, eip + 1);
            const uint64_t before = s.instructions;
            const int alone = run_alone();
            if (alone == UC_ERR_OK && !s.have_event && !s.memory_error && !s.at_stop_address) {
                s.instructions = before + 1;  // the block hook counted the whole new block
                uint8_t opcode = 0;
                const bool hlt = read_code(eip, std::span<uint8_t>(&opcode, 1)) && opcode == 0xf4;
                if (!hlt) s.budget_stop = true;  // a count-limited run ends as hlt would: go on
            }
            return finish_run(alone);
        }
        // Then raise #GP on the I/O instruction.
        CpuExit e;
        e.kind = CpuExitKind::Interrupt;
        e.vector = 13;
        e.has_error_code = true;
        e.error_code = 0;
        e.eip = e.instruction_eip = reg(Reg::Eip);
        e.cr2 = reg(Reg::Cr2);
        e.detail = "port I/O at CPL > IOPL";
        return e;
    }
    CpuExit e;
    if (s.memory_error) {
        e.kind = CpuExitKind::MemoryError;
        e.detail = s.memory_detail;
    } else if (err == UC_ERR_INSN_INVALID && is_icebp_at(reg(Reg::Eip))) {
        // icebp (INT1): Unicorn stops as for an unknown opcode; the CPU raises #DB as a
        // trap (after the instruction, which has retired) that no gate DPL holds back.
        set_reg(Reg::Eip, reg(Reg::Eip) + 1);
        e.kind = CpuExitKind::Interrupt;
        e.vector = 1;
    } else if (err == UC_ERR_INSN_INVALID) {
        e.kind = CpuExitKind::InvalidOpcode;
        e.vector = 6;
        uncount_from(reg(Reg::Eip));
    } else if (err != UC_ERR_OK) {
        e.kind = CpuExitKind::HostError;
        e.detail = uc_message("Unicorn stopped", err);
    } else if (s.have_event) {
        e = s.event;
        // One context edit for both: read the hidden fault state, then reset
        // "exception in flight" in the same blob.
        edit_context([&](uint8_t* bytes) {
            if (e.detail.empty()) {  // a CPU exception or int n, not our I/O check
                int32_t code, is_int;
                std::memcpy(&code, bytes + s.layout.error_code, 4);
                std::memcpy(&is_int, bytes + s.layout.is_int, 4);
                e.software = is_int != 0;
                e.has_error_code = !e.software && vector_has_error_code(e.vector);
                e.error_code = e.has_error_code ? static_cast<uint32_t>(code) : 0;
            }
            clear_exception_in_flight(bytes);
        });
        if (!e.software && e.detail.empty()) uncount_from(reg(Reg::Eip));
    } else if (s.at_stop_address) {
        e.kind = CpuExitKind::AtStopAddress;
    } else if (s.watch_stop) {
        e.kind = CpuExitKind::WatchChanged;
    } else if (s.user_return) {
        e.kind = CpuExitKind::UserReturn;
    } else if (s.budget_stop) {
        e.kind = CpuExitKind::Budget;
        e.before_target = s.before_target;
    } else if (s.request_stop) {
        e.kind = CpuExitKind::StopRequested;
    } else {
        e.kind = CpuExitKind::Halted;
    }
    e.eip = reg(Reg::Eip);
    e.instruction_eip = e.software ? software_interrupt_start(e.vector, e.eip) : e.eip;
    e.cr2 = reg(Reg::Cr2);
    if (e.kind == CpuExitKind::AtStopAddress) s.resume_at = e.eip;
    return e;
}

bool Cpu::is_icebp_at(uint32_t eip) const {
    uint8_t byte = 0;
    return read_code(eip, std::span<uint8_t>(&byte, 1)) && byte == 0xf1;
}

// The longest instruction, or what of it lies on readable pages: a fetch past them
// faults before the CPU looks at the prefixes.
std::span<const uint8_t> Cpu::read_instruction(uint32_t eip, std::array<uint8_t, 15>& code) const {
    std::span<uint8_t> bytes(code);
    if (read_code(eip, bytes)) return bytes;
    bytes = bytes.first(std::min<size_t>(code.size(), 4096 - (eip & 0xfffu)));
    if (read_code(eip, bytes)) return bytes;
    return {};
}

bool Cpu::lock_undefined_at(uint32_t eip) const {
    std::array<uint8_t, 15> code{};
    return lock_is_undefined(read_instruction(eip, code));
}

CpuExit Cpu::invalid_lock_exit() {
    CpuExit e;
    e.kind = CpuExitKind::InvalidOpcode;
    e.vector = 6;
    e.eip = e.instruction_eip = reg(Reg::Eip);
    e.cr2 = reg(Reg::Cr2);
    e.detail = "lock prefix on an instruction that cannot take one";
    return e;
}

// The block hook counted the faulting instruction's whole block when it started; only the
// instructions before the fault ran. A fault on fetching a new block's first instruction
// is outside the last block, which ran whole. So the count is the number of retired
// instructions, whatever the block layout: a run resumed from a snapshot, stopped at
// other places, counts as the original did.
// Capstone's count of the instructions in [from, to), one block's bytes; none when
// they cannot be read.
std::optional<int> Cpu::instructions_between(uint32_t from, uint32_t to) const {
    std::vector<uint8_t> bytes(to - from);
    if (bytes.empty()) return 0;
    if (!read_code(from, bytes)) return std::nullopt;
    return impl_->io_scanner.instructions_before(bytes, bytes.size());
}

void Cpu::uncount_from(uint32_t eip) {
    Impl& s = *impl_;
    const uint64_t pc = Impl::block_pc(s.block);
    const uint32_t size = Impl::block_size(s.block);
    if (eip < pc || eip >= pc + size) return;
    const uint64_t counted = CpuHooks::block_info(s, pc, size).icount;
    const std::optional<int> ran = instructions_between(static_cast<uint32_t>(pc), eip);
    if (!ran) return;
    const uint64_t before = static_cast<uint64_t>(*ran);
    if (s.instructions < counted || before > counted) return;
    s.instructions = s.instructions - counted + before;
}

// iret at CPL > 0 ignores EFLAGS.VM in the image it pops: VM cannot change there (SDM,
// IRET: only at CPL 0 does VM in the image mean a return to virtual-8086 mode). Unicorn's
// helper enters virtual-8086 mode whatever the CPL, after which the next delivery fails.
// So before such an iret runs, VM is cleared in the image in RAM, and after it the byte
// is put back as the program wrote it: the result is the CPU's. Nothing is changed when
// the image cannot be read (the iret faults on it itself) or NT is set (a task return
// pops no image).
std::optional<Cpu::IretImageByte> Cpu::ignore_vm_if_iret(uint32_t eip) {
    Impl& s = *impl_;
    constexpr uint32_t kEflagsNt = 1u << 14;
    constexpr uint8_t kVmInByte2 = 1u << (17 - 16);
    if (cpl() == 0 || (reg(Reg::Eflags) & kEflagsNt)) return std::nullopt;
    std::array<uint8_t, 16> code{};  // the longest instruction, but not past its page
    const std::span<uint8_t> first(code.data(), std::min<size_t>(code.size(), 4096 - (eip & 0xfffu)));
    if (!read_code(eip, first) || !starts_with_iretd(first)) return std::nullopt;
    // SS's base and size from its hidden part; a flat 32-bit stack where it is unknown.
    uint32_t ss_base = 0, esp = reg(Reg::Esp);
    if (s.layout.segs) {
        const std::vector<uint8_t> saved = s.live ? std::vector<uint8_t>() : save_context();
        const uint8_t* cache = (s.live ? s.live : saved.data()) + s.layout.segs +
                               ContextLayout::kSegmentBytes * ContextLayout::kSs;
        uint32_t flags;
        std::memcpy(&ss_base, cache + 8, 4);
        std::memcpy(&flags, cache + 20, 4);
        if (!(flags & (1u << 22))) esp &= 0xffff;  // B clear: a 16-bit stack (SP)
    }
    const uint32_t linear = ss_base + esp + 8 + 2;  // EIP, CS, then EFLAGS: its byte 2 holds VM
    const PagingMode mode{reg(Reg::Cr0), reg(Reg::Cr3), reg(Reg::Cr4)};
    auto walk = PageWalker(s.ram).walk(mode, linear);
    if (!walk || !walk->present || !walk->user || !s.ram.contains(walk->paddr, 1)) return std::nullopt;
    uint8_t& byte = s.ram.data()[walk->paddr];
    if (!(byte & kVmInByte2)) return std::nullopt;
    IretImageByte original{walk->paddr, byte};
    byte = static_cast<uint8_t>(byte & ~kVmInByte2);
    return original;
}

void Cpu::put_back(const std::optional<IretImageByte>& image) {
    if (image) impl_->ram.data()[image->paddr] = image->value;
}

// The look_before instructions of the look-ahead's block before the one looked at
// (CpuHooks::on_block_slow). Where Capstone knows that instruction's offset, the run
// ends there by an exit (Unicorn's `until`, as a set of one): the block's new
// translation stops there as hlt would, and Unicorn drops that translation when the run
// ends. Otherwise it ends by Unicorn's instruction count, whose hook the next run
// without a count removes, and with it every translation (uc_emu_start): a program
// looping on a refused instruction would cost a whole translation flush each time.
int Cpu::run_before_looked_at() {
    Impl& s = *impl_;
    const uint64_t before = s.instructions;
    const uint32_t block = static_cast<uint32_t>(s.look_block);
    // The block was translated whole: drop it so that the run can stop inside it.
    invalidate_code(block, block + 1);
    s.io_stepping = true;
    s.exact_target = ~0ull;
    s.set_limit(~0ull);
    s.hard_limit = ~0ull;
    uc_err err = UC_ERR_OK;
    uint32_t from = block;  // where the instructions not run yet start
    int left = s.look_before;
    if (s.look_offset > 0 && !s.count_hook) {
        uint64_t exit = static_cast<uint32_t>(block + static_cast<uint32_t>(s.look_offset));
        if (uc_ctl_set_exits(s.uc, &exit, 1) == UC_ERR_OK) {
            s.look_exit = exit;
            s.look_base = before;
            s.set_limit(0);  // every block takes the hook's slow path, which checks it
            err = uc_emu_start(s.uc, block, kNoUntil, 0, 0);
            s.look_exit = 0;
            (void)uc_ctl_set_exits(s.uc, nullptr, 0);
            s.set_limit(~0ull);
            const uint32_t eip = reg(Reg::Eip);
            if (err != UC_ERR_OK || s.have_event || s.memory_error || s.at_stop_address || eip == exit) {
                left = 0;
            } else if (eip >= block && eip < exit) {
                // Stopped before a block inside that goes on past the exit: Capstone's
                // reading was not QEMU's. The instructions before EIP have run; the rest
                // go by count.
                const int ran = instructions_between(block, eip).value_or(0);
                from = eip;
                left = std::max(0, s.look_before - ran);
                s.instructions = before + static_cast<uint64_t>(ran);  // the count run's block counts on
                invalidate_code(eip, eip + 1);
            } else {
                s.budget_stop = true;  // elsewhere, which straight-line code cannot reach: go on from there
                left = 0;
            }
        }
    }
    if (left > 0) {
        err = uc_emu_start(s.uc, from, kNoUntil, 0, static_cast<size_t>(left));
        s.count_hook = true;
    }
    s.io_stepping = false;
    if (!s.at_stop_address && !s.budget_stop) s.instructions = before + static_cast<uint64_t>(s.look_before);
    return err;
}

// The last instruction of a block a look-ahead stopped in (CpuHooks::on_block_slow),
// alone: an iret with VM ignored, or one whose bytes Capstone does not read as QEMU
// does, in a block of its own now. The budget stops the run at the next block. An iret
// ends its translation, so the one made for it here holds it alone and needs no count
// (a count costs a translation flush later: see run_before_looked_at). Other
// instructions run with one: a translation made here could go on past the block's end,
// onto a page that is not there, and Unicorn cannot report that fault outside a run.
int Cpu::run_alone() {
    Impl& s = *impl_;
    const uint32_t at = reg(Reg::Eip);
    std::array<uint8_t, 15> code{};
    bool alone = false;
    if (!s.count_hook && starts_with_iretd(read_instruction(at, code))) {
        uc_tb tb{};
        keeping_fault_state([&] { alone = uc_ctl_request_cache(s.uc, at, &tb) == UC_ERR_OK && tb.icount == 1; });
        // Made without the count hook, the translation would run whole under a count.
        if (!alone) invalidate_code(at, at + 1);
    }
    const std::optional<IretImageByte> image = ignore_vm_if_iret(at);
    s.set_limit(s.instructions + 1);
    s.hard_limit = s.instructions + 1;
    s.exact_target = ~0ull;
    s.io_stepping = true;
    const uc_err err = uc_emu_start(s.uc, at, kNoUntil, 0, alone ? 0 : 1);
    s.io_stepping = false;
    if (!alone) s.count_hook = true;
    put_back(image);
    // A sysenter through saved contexts ended the run before its ring switch (see Cpu::run).
    if (std::exchange(s.sysenter_pending, false)) {
        finish_sysenter();
        if (err == UC_ERR_OK && !s.have_event && !s.memory_error) s.budget_stop = true;  // go on in ring 0
    }
    return err;
}

// TR and LDTR are read and written as a whole descriptor (uc_x86_mmr), not a number.
static bool is_system_segment(Reg r) { return r == Reg::Tr || r == Reg::Ldtr; }

// The registers' places in the live state, from the layout the probes found: the
// general registers before EIP (regs[8] of CPUX86State), the selectors in the segment
// caches, CR0..CR4 around CR2, then TR, GDTR and IDTR after the six segment caches
// and LDTR. Each is compared with the API's value (with distinctive values where the
// API can write them without side effects); one difference and all reads go through
// the API.
void Cpu::map_live_registers() {
    Impl& s = *impl_;
    if (s.layout.segs == 0 || s.layout.eip < 16 * 8) return;
    const size_t regs = s.layout.eip - 16 * 8;
    const size_t seg = ContextLayout::kSegmentBytes;
    std::array<uint32_t, 24> at{};
    const Reg gprs[] = {Reg::Eax, Reg::Ecx, Reg::Edx, Reg::Ebx, Reg::Esp, Reg::Ebp, Reg::Esi, Reg::Edi};
    for (size_t i = 0; i < 8; ++i) at[static_cast<size_t>(gprs[i])] = static_cast<uint32_t>(regs + 8 * i);
    at[static_cast<size_t>(Reg::Eip)] = static_cast<uint32_t>(s.layout.eip);
    const std::pair<Reg, int> sels[] = {{Reg::Es, 0}, {Reg::Cs, 1}, {Reg::Ss, 2}, {Reg::Ds, 3}, {Reg::Fs, 4}, {Reg::Gs, 5}};
    for (auto [r, i] : sels) at[static_cast<size_t>(r)] = static_cast<uint32_t>(s.layout.segs + seg * static_cast<size_t>(i));
    at[static_cast<size_t>(Reg::Tr)] = static_cast<uint32_t>(s.layout.segs + seg * 7);
    at[static_cast<size_t>(Reg::Cr0)] = static_cast<uint32_t>(s.layout.cr2 - 16);
    at[static_cast<size_t>(Reg::Cr2)] = static_cast<uint32_t>(s.layout.cr2);
    at[static_cast<size_t>(Reg::Cr3)] = static_cast<uint32_t>(s.layout.cr2 + 8);
    at[static_cast<size_t>(Reg::Cr4)] = static_cast<uint32_t>(s.layout.cr2 + 16);
    const uint32_t gdt_at = static_cast<uint32_t>(s.layout.segs + seg * 8), idt_at = gdt_at + static_cast<uint32_t>(seg);
    for (uint32_t off : at)
        if (off + seg > s.ctx_size) return;
    if (idt_at + seg > s.ctx_size) return;

    const std::vector<uint8_t> before = save_context();
    uint32_t value = 0x1357'9bdf;
    for (Reg r : gprs) set_reg(r, value += 0x0101'0101);
    set_gdtr({0x2468'0000, 0x1ff});
    set_idtr({0x1357'0000, 0x7ff});
    bool same = true;
    for (size_t i = 0; i < at.size(); ++i) {
        if (at[i] == 0) continue;
        uint32_t live;
        std::memcpy(&live, s.live + at[i], 4);
        if (static_cast<Reg>(i) >= Reg::Cs && static_cast<Reg>(i) <= Reg::Gs) live &= 0xffff;
        if (static_cast<Reg>(i) == Reg::Tr) live &= 0xffff;
        same = same && live == reg(static_cast<Reg>(i));
    }
    auto table = [&](uint32_t off) { return live_table(off); };
    same = same && table(gdt_at).base == gdtr().base && table(gdt_at).limit == gdtr().limit &&
           table(idt_at).base == idtr().base && table(idt_at).limit == idtr().limit;
    (void)restore_context(before);
    if (!same) return;
    s.reg_at = at;
    s.gdt_at = gdt_at;
    s.idt_at = idt_at;
}

// Where the live state keeps SYSENTER_CS, ESP and EIP, which every sysenter reads: found
// by writing distinctive values through the API (QEMU keeps a 32-bit CS, then ESP and
// EIP as 64-bit fields), confirmed with a second set, and the old values put back.
// Not found: the hook reads them through the API.
void Cpu::map_sysenter_msrs() {
    Impl& s = *impl_;
    const uint32_t saved[3] = {read_msr(s.uc, kMsrSysenterCs), read_msr(s.uc, kMsrSysenterEsp),
                               read_msr(s.uc, kMsrSysenterEip)};
    auto write = [&](uint32_t cs, uint32_t esp, uint32_t eip) {
        const uint32_t ids[3] = {kMsrSysenterCs, kMsrSysenterEsp, kMsrSysenterEip}, values[3] = {cs, esp, eip};
        for (int i = 0; i < 3; ++i) {
            uc_x86_msr m{ids[i], values[i]};
            uc_reg_write(s.uc, UC_X86_REG_MSR, &m);
        }
    };
    auto holds = [&](size_t at, uint32_t cs, uint32_t esp, uint32_t eip) {
        uint64_t e, i;
        uint32_t c;
        std::memcpy(&c, s.live + at - 8, 4);
        std::memcpy(&e, s.live + at, 8);
        std::memcpy(&i, s.live + at + 8, 8);
        return c == cs && e == esp && i == eip;
    };
    write(0x1234, 0x8a9b'cdef, 0x7654'3210);
    size_t found = 0;
    for (size_t at = 8; at + 16 <= s.ctx_size && !found; at += 8)
        if (holds(at, 0x1234, 0x8a9b'cdef, 0x7654'3210)) found = at;
    if (found) {
        write(0x4320, 0x1122'3344, 0x5566'7788);
        if (!holds(found, 0x4320, 0x1122'3344, 0x5566'7788)) found = 0;
    }
    write(saved[0], saved[1], saved[2]);
    s.sysenter_msrs_at = static_cast<uint32_t>(found);
}

uint32_t Cpu::sysenter_msr(uint32_t id) const {
    const Impl& s = *impl_;
    if (!s.sysenter_msrs_at) return read_msr(s.uc, id);
    uint32_t v;
    const size_t at = s.sysenter_msrs_at + (id == kMsrSysenterCs ? -8 : id == kMsrSysenterEsp ? 0 : 8);
    std::memcpy(&v, s.live + at, 4);
    return v;
}

uint32_t Cpu::reg(Reg r) const {
    if (const uint32_t at = impl_->reg_at[static_cast<size_t>(r)]) {
        uint32_t v;
        std::memcpy(&v, impl_->live + at, 4);
        // Selectors are 16 bits in a 32-bit field.
        return (r >= Reg::Cs && r <= Reg::Gs) || r == Reg::Tr ? v & 0xffffu : v;
    }
    if (is_system_segment(r)) {
        uc_x86_mmr m{};
        uc_reg_read(impl_->uc, uc_reg_id(r), &m);
        return m.selector;
    }
    uint64_t v = 0;
    uc_reg_read(impl_->uc, uc_reg_id(r), &v);
    return static_cast<uint32_t>(v);
}

void Cpu::set_reg(Reg r, uint32_t value) {
    if (is_system_segment(r)) {
        // Load the selector with the descriptor the GDT holds for it, as ltr/lldt do.
        uc_x86_mmr m{};
        m.selector = static_cast<uint16_t>(value);
        DescriptorTable gdt = gdtr();
        uint64_t at = uint64_t(gdt.base) + (value & 0xfff8u);
        if ((value | 7u) <= gdt.limit && impl_->ram.contains(at, 8)) {
            uint32_t lo = impl_->ram.load32(at), hi = impl_->ram.load32(at + 4);
            m.base = (lo >> 16) | ((hi & 0xffu) << 16) | (hi & 0xff000000u);
            m.limit = (lo & 0xffffu) | (hi & 0xf0000u);
            if (hi & (1u << 23)) m.limit = (m.limit << 12) | 0xfffu;
            m.flags = (hi >> 8) & 0xf0ffu;
        }
        uc_reg_write(impl_->uc, uc_reg_id(r), &m);
        return;
    }
    if (r == Reg::Eip && impl_->live) {
        // In place: the API's EIP write also asks Unicorn to leave a running loop.
        const uint64_t eip = value;
        std::memcpy(impl_->live + impl_->layout.eip, &eip, 8);
        return;
    }
    if (r == Reg::Cr2) {
        // Unicorn 2.1 passes a CR2 write through cpu_x86_update_cr3, which loads CR3 and
        // flushes the TLB. A real CPU's TLB does not care about CR2: write it in the
        // saved context instead (trap 4).
        edit_context([&](uint8_t* bytes) { std::memcpy(bytes + impl_->layout.cr2, &value, 4); });
        return;
    }
    uint64_t v = value;
    uc_reg_write(impl_->uc, uc_reg_id(r), &v);
}

Result<void> Cpu::load_segment(Reg seg, uint16_t selector) {
    uint64_t v = selector;
    uc_err err = uc_reg_write(impl_->uc, uc_reg_id(seg), &v);
    if (err != UC_ERR_OK) {
        char buf[96];
        std::snprintf(buf, sizeof buf, "cannot load segment selector 0x%04x", selector);
        return make_error(ErrorKind::MachineFault, buf);
    }
    return {};
}

Result<void> Cpu::enter_ring0(uint16_t ss, uint16_t cs) {
    // Set the CPL to 0 in the saved context, so that the ring-0 selectors then load
    // through the GDT as usual. Unlike a CR0 write this leaves the TLB alone: the
    // guest sees exactly the stale translations a real CPU would keep.
    edit_context([&](uint8_t* bytes) {
        uint32_t hflags;
        std::memcpy(&hflags, bytes + impl_->layout.hflags, 4);
        hflags &= ~3u;
        std::memcpy(bytes + impl_->layout.hflags, &hflags, 4);
    });
    if (auto r = load_segment(Reg::Ss, ss); !r) return r;
    return load_segment(Reg::Cs, cs);
}

// Writes the hidden state an earlier Unicorn load of the same selector and descriptor
// bytes produced, where that is exactly what a load now would produce: the descriptor's
// accessed bit is set (a load would not write it), MPX is off, and DS and ES have base 0
// (then ADDSEG follows SS alone), as they had when the state was kept.
bool Cpu::replay_loads(uint16_t cs, uint64_t cs_descriptor, bool ring_change, uint16_t ss, uint64_t ss_descriptor) {
    Impl& s = *impl_;
    if (!s.live || s.layout.segs == 0) return false;
    auto same = [](const LoadedSegment& l, uint16_t selector, uint64_t descriptor) {
        return l.valid && l.selector == selector && l.descriptor == descriptor && (descriptor & kDescriptorAccessed);
    };
    if (!same(s.loaded_cs, cs, cs_descriptor) || (ring_change && !same(s.loaded_ss, ss, ss_descriptor))) return false;
    uint32_t hflags;
    std::memcpy(&hflags, s.live + s.layout.hflags, 4);
    if ((hflags & kHfMpx) || !segment_bases_zero(s.live)) return false;
    // Without a ring change only CS loads: a 32-bit CS again leaves ADDSEG as it is.
    if (!ring_change && !((hflags & kHfCs32) && (s.loaded_cs.hflags & kHfCs32))) return false;
    auto put = [&](int reg, const LoadedSegment& l) {
        std::memcpy(s.live + s.layout.segs + ContextLayout::kSegmentBytes * static_cast<size_t>(reg), l.bytes.data(),
                    l.bytes.size());
    };
    if (ring_change) {
        put(ContextLayout::kSs, s.loaded_ss);
        hflags = (hflags & ~kHfLoadBits) | s.loaded_ss.hflags;
    } else {
        hflags = (hflags & ~kHfCs32) | (s.loaded_cs.hflags & kHfCs32);
    }
    put(ContextLayout::kCs, s.loaded_cs);
    std::memcpy(s.live + s.layout.hflags, &hflags, 4);
    return true;
}

bool Cpu::segment_bases_zero(const uint8_t* state) const {
    const ContextLayout& l = impl_->layout;
    uint64_t es_base, ds_base;
    std::memcpy(&es_base, state + l.segs + ContextLayout::kSegmentBytes * ContextLayout::kEs + 8, 8);
    std::memcpy(&ds_base, state + l.segs + ContextLayout::kSegmentBytes * ContextLayout::kDs + 8, 8);
    return es_base == 0 && ds_base == 0;
}

Result<void> Cpu::load_for_delivery(uint16_t cs, uint64_t cs_descriptor, bool ring_change, uint16_t ss,
                                    uint64_t ss_descriptor) {
    Impl& s = *impl_;
    if (replay_loads(cs, cs_descriptor, ring_change, ss, ss_descriptor)) {
        ++s.replayed_loads;
        return {};
    }
    if (ring_change) {
        if (auto r = enter_ring0(ss, cs); !r) return r;
    } else if (auto r = load_segment(Reg::Cs, cs); !r) {
        return r;
    }
    if (!s.live || s.layout.segs == 0) return {};
    // Keep what the load made, for the next time these descriptors load.
    uint32_t hflags;
    std::memcpy(&hflags, s.live + s.layout.hflags, 4);
    const bool keep = segment_bases_zero(s.live) && !(hflags & kHfMpx);
    auto take = [&](LoadedSegment& l, int reg, uint16_t selector, uint64_t descriptor) {
        l.valid = keep;
        l.selector = selector;
        l.descriptor = descriptor;
        std::memcpy(l.bytes.data(), s.live + s.layout.segs + ContextLayout::kSegmentBytes * static_cast<size_t>(reg),
                    l.bytes.size());
        l.hflags = hflags & kHfLoadBits;
    };
    take(s.loaded_cs, ContextLayout::kCs, cs, cs_descriptor);
    if (ring_change) take(s.loaded_ss, ContextLayout::kSs, ss, ss_descriptor);
    return {};
}

static DescriptorTable read_table(uc_engine* uc, int id) {
    uc_x86_mmr m{};
    uc_reg_read(uc, id, &m);
    return DescriptorTable{static_cast<uint32_t>(m.base), static_cast<uint16_t>(m.limit)};
}

static void write_table(uc_engine* uc, int id, DescriptorTable t) {
    uc_x86_mmr m{0, t.base, t.limit, 0};
    uc_reg_write(uc, id, &m);
}

DescriptorTable Cpu::gdtr() const {
    if (impl_->gdt_at) return live_table(impl_->gdt_at);
    return read_table(impl_->uc, UC_X86_REG_GDTR);
}
DescriptorTable Cpu::idtr() const {
    if (impl_->idt_at) return live_table(impl_->idt_at);
    return read_table(impl_->uc, UC_X86_REG_IDTR);
}

// A descriptor table register in the live state (a segment cache: base, limit).
DescriptorTable Cpu::live_table(uint32_t at) const {
    uint32_t base, limit;
    std::memcpy(&base, impl_->live + at + 8, 4);
    std::memcpy(&limit, impl_->live + at + 16, 4);
    return DescriptorTable{base, static_cast<uint16_t>(limit)};
}
void Cpu::set_gdtr(DescriptorTable t) { write_table(impl_->uc, UC_X86_REG_GDTR, t); }
void Cpu::set_idtr(DescriptorTable t) { write_table(impl_->uc, UC_X86_REG_IDTR, t); }

CpuRegisters Cpu::registers() const {
    CpuRegisters r{};
    r.eax = reg(Reg::Eax); r.ecx = reg(Reg::Ecx); r.edx = reg(Reg::Edx); r.ebx = reg(Reg::Ebx);
    r.esp = reg(Reg::Esp); r.ebp = reg(Reg::Ebp); r.esi = reg(Reg::Esi); r.edi = reg(Reg::Edi);
    r.eip = reg(Reg::Eip); r.eflags = reg(Reg::Eflags);
    r.cs = static_cast<uint16_t>(reg(Reg::Cs)); r.ss = static_cast<uint16_t>(reg(Reg::Ss));
    r.ds = static_cast<uint16_t>(reg(Reg::Ds)); r.es = static_cast<uint16_t>(reg(Reg::Es));
    r.fs = static_cast<uint16_t>(reg(Reg::Fs)); r.gs = static_cast<uint16_t>(reg(Reg::Gs));
    r.cr0 = reg(Reg::Cr0); r.cr2 = reg(Reg::Cr2); r.cr3 = reg(Reg::Cr3); r.cr4 = reg(Reg::Cr4);
    r.gdtr = gdtr();
    r.idtr = idtr();
    return r;
}

void Cpu::flush_tlb() { uc_ctl_flush_tlb(impl_->uc); }

void Cpu::invalidate_code(uint32_t begin, uint32_t end) {
    keeping_fault_state([&] { uc_ctl_remove_cache(impl_->uc, begin, end); });
    // The block facts stay: a new translation under a key is compared with them.
}

void Cpu::invalidate_all_code() {
    uc_ctl_flush_tb(impl_->uc);
    ++impl_->code_flushes;
    impl_->forget_blocks();
}

bool Cpu::interrupt_shadow() const {
    constexpr uint32_t kHfInhibitIrq = 1u << 3;
    uint32_t hflags;
    if (impl_->live) {
        std::memcpy(&hflags, impl_->live + impl_->layout.hflags, 4);
    } else {
        const std::vector<uint8_t> ctx = save_context();
        std::memcpy(&hflags, ctx.data() + impl_->layout.hflags, 4);
    }
    return hflags & kHfInhibitIrq;
}

std::vector<uint8_t> Cpu::save_context() const {
    uc_context_save(impl_->uc, impl_->ctx);
    auto* b = reinterpret_cast<const uint8_t*>(impl_->ctx);
    std::vector<uint8_t> blob(b, b + impl_->ctx_size);
    return blob;
}

CpuSnapshot Cpu::snapshot() const {
    CpuSnapshot snap;
    snap.context = save_context();
    // Between runs no exception is in flight; a host call (a hook added, cache removed)
    // may have left Unicorn's field set, which would make the restored CPU's next fault
    // a double fault (trap 3).
    clear_exception_in_flight(snap.context.data());
    snap.instructions = impl_->instructions;
    snap.resume_at = impl_->resume_at;
    snap.was_kernel = impl_->was_kernel;
    snap.sysenters = impl_->sysenters;
    return snap;
}

Result<void> Cpu::restore(const CpuSnapshot& snap) {
    if (auto r = restore_context(snap.context); !r) return r;
    impl_->instructions = snap.instructions;
    impl_->resume_at = snap.resume_at;
    impl_->was_kernel = snap.was_kernel;
    impl_->sysenters = snap.sysenters;
    impl_->block = 0;
    invalidate_all_code();  // code under the translations may have changed
    return {};
}

void Cpu::skip_stop_address_at_eip() { impl_->resume_at = reg(Reg::Eip); }

Result<void> Cpu::restore_context(const std::vector<uint8_t>& blob) {
    if (blob.size() != impl_->ctx_size) return make_error(ErrorKind::Usage, "snapshot is from another CPU");
    std::memcpy(reinterpret_cast<uint8_t*>(impl_->ctx), blob.data(), blob.size());
    uc_context_restore(impl_->uc, impl_->ctx);
    uc_ctl_flush_tlb(impl_->uc);  // restoring does not flush the TLB (trap 14)
    return {};
}

}  // namespace forkscope

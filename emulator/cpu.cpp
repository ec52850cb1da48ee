// The Unicorn wrapper. Everything Unicorn-specific, and every workaround for it
// (UNICORN-NOTES.md), lives in this file.
#include "emulator/cpu.h"

#include <unicorn/unicorn.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <unordered_map>

#include "devices/port_bus.h"
#include "emulator/io_scan.h"
#include "base/log.h"
#include "emulator/page_walker.h"
#include "emulator/ram.h"

namespace forkscope {

bool vector_has_error_code(uint8_t vector) {
    // #DF, #TS, #NP, #SS, #GP, #PF, #AC, #CP, #VC, #SX
    return vector == 8 || (vector >= 10 && vector <= 14) || vector == 17 || vector == 21 || vector == 29 ||
           vector == 30;
}

namespace {

// uc_emu_start's `until`. Any address other than 0 made Unicorn probe that address's
// page at translation time and leave a page-fault state behind, so that the guest's next
// real #PF arrived as #DF (see UNICORN-NOTES.md trap 10). The price of 0: execution that
// reaches linear address 0 stops there, reported as CpuExitKind::AtAddressZero.
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

// Where, inside a saved uc_context, Unicorn keeps the x86 fault state that it never
// exposes: the pending error code, whether the event came from `int n`, and the
// "exception in flight" field that turns the second fault into #DF (upstream #1883).
struct FaultStateOffsets {
    size_t error_code = 0;
    size_t is_int = 0;
    size_t old_exception = 0;
    // The hidden flags word whose low two bits are the CPL (QEMU's hflags, HF_CPL_MASK).
    size_t hflags = 0;
};

struct Cpu::Impl {
    uc_engine* uc = nullptr;
    Ram& ram;
    PortBus& ports;
    Cpu* owner = nullptr;
    uc_context* ctx = nullptr;
    size_t ctx_size = 0;
    FaultStateOffsets offsets;

    // The hot state of the block hook, kept together in one object.
    std::atomic<bool> stop_requested{false};
    uint64_t instructions = 0;
    // Per-run bookkeeping written by hooks.
    uint64_t limit = 0;
    bool budget_stop = false;
    bool request_stop = false;
    bool have_event = false;
    CpuExit event;
    bool memory_error = false;
    std::string memory_detail;

    std::function<void(uint16_t, bool)> port_observer;

    // What we know of each translated block, by (pc, size); see block_info.
    struct BlockInfo {
        uint16_t icount = 1;
        int16_t io_index = -1;  // instructions before its first port-I/O instruction
    };
    std::unordered_map<uint64_t, BlockInfo> blocks;
    // The block hook runs for every executed block: a direct-mapped cache in front of
    // the map keeps its cost to a multiply and a compare.
    struct CachedBlock {
        uint64_t key = ~0ull;
        BlockInfo info;
    };
    static constexpr size_t kBlockCacheSize = 1u << 12;
    std::array<CachedBlock, kBlockCacheSize> block_cache{};
    void forget_blocks() {
        blocks.clear();
        block_cache.fill(CachedBlock{});
    }
    IoScanner io_scanner;

    // A block with port I/O about to run at CPL > IOPL: it runs only up to the I/O
    // instruction (see finish_run), which then raises #GP.
    bool io_lookahead = false;
    bool io_stepping = false;
    uint64_t io_block = 0;
    int io_before = 0;

    Impl(Ram& r, PortBus& p) : ram(r), ports(p) {}
};

// Hook trampolines (C callbacks) with access to Cpu internals.
struct CpuHooks {
    static void on_block(uc_engine* uc, uint64_t address, uint32_t size, void* user) {
        Cpu::Impl& s = *static_cast<Cpu::Impl*>(user);
        // A block stopped here has not executed: its instructions are not counted.
        if (s.stop_requested.load(std::memory_order_relaxed)) [[unlikely]] {
            s.request_stop = true;
            uc_emu_stop(uc);
            return;
        }
        if (s.instructions >= s.limit) [[unlikely]] {
            s.budget_stop = true;
            uc_emu_stop(uc);
            return;
        }
        const Cpu::Impl::BlockInfo& info = block_info(s, address, size);
        if (info.io_index >= 0 && !s.io_stepping && !s.owner->io_allowed()) [[unlikely]] {
            s.io_lookahead = true;
            s.io_block = address;
            s.io_before = info.io_index;
            uc_emu_stop(uc);
            return;
        }
        s.instructions += info.icount;
    }

    // Unicorn reports a block's address and byte size, not its instruction count; the
    // translated block knows it. Asking costs a lookup, and finding port I/O costs a
    // decode, so both are done once per (pc, size).
    static inline const Cpu::Impl::BlockInfo& block_info(Cpu::Impl& s, uint64_t address, uint32_t size) {
        uint64_t key = (address << 16) ^ size;
        Cpu::Impl::CachedBlock& slot = s.block_cache[(address ^ (address >> 12)) & (Cpu::Impl::kBlockCacheSize - 1)];
        if (slot.key == key) [[likely]]
            return slot.info;
        return block_info_miss(s, slot, key, address, size);
    }

    [[gnu::noinline]] static const Cpu::Impl::BlockInfo& block_info_miss(Cpu::Impl& s, Cpu::Impl::CachedBlock& slot,
                                                                        uint64_t key, uint64_t address, uint32_t size) {
        auto it = s.blocks.find(key);
        if (it != s.blocks.end()) {
            slot = {key, it->second};
            return slot.info;
        }
        Cpu::Impl::BlockInfo info;
        uc_tb tb{};
        if (uc_ctl_request_cache(s.uc, address, &tb) == UC_ERR_OK && tb.icount > 0) info.icount = tb.icount;
        std::vector<uint8_t> bytes(size);
        PagingMode mode{s.owner->reg(Reg::Cr0), s.owner->reg(Reg::Cr3), s.owner->reg(Reg::Cr4)};
        if (size > 0 && PageWalker(s.ram).read_virtual(mode, static_cast<uint32_t>(address), bytes).ok())
            info.io_index = static_cast<int16_t>(s.io_scanner.instructions_before_io(bytes));
        s.blocks.emplace(key, info);
        slot = {key, info};
        return slot.info;
    }

    static void on_interrupt(uc_engine* uc, uint32_t intno, void* user) {
        Cpu* cpu = static_cast<Cpu*>(user);
        Cpu::Impl& s = *cpu->impl_;
        // Registers are not changed here (trap 2): record, stop, deliver afterwards.
        if (!s.have_event) {
            s.have_event = true;
            s.event = CpuExit{};
            s.event.kind = CpuExitKind::Interrupt;
            s.event.vector = static_cast<uint8_t>(intno);
        }
        uc_emu_stop(uc);
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

    // Port I/O at CPL > IOPL that the look-ahead in on_block did not catch (a block
    // whose cached description is stale): the host suppresses the access and reports
    // #GP(0); EIP is then past the block, not at the instruction.
    static void raise_io_fault(uc_engine* uc, Cpu::Impl& s) {
        if (!s.have_event) {
            s.have_event = true;
            s.event = CpuExit{};
            s.event.kind = CpuExitKind::Interrupt;
            s.event.vector = 13;
            s.event.has_error_code = true;
            s.event.error_code = 0;
            s.event.detail = "port I/O at CPL > IOPL";
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

namespace {

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

}  // namespace

// Finds where the saved context keeps the CPL: the one word whose value goes from x to
// x|3 when SS is reloaded from a ring-0 to a ring-3 descriptor (loading SS is what sets
// the CPL in QEMU's cpu_x86_load_seg_cache). To get to ring 3 the probe loads SS once
// with EFLAGS.VM set (a virtual-8086 load is unchecked and has DPL 3). The probe then
// confirms the word: clearing its low bits must make a ring-0 SS loadable again.
Result<size_t> probe_cpl_word(Cpu::Impl& s) {
    auto save = [&](std::vector<uint8_t>& out) {
        uc_context_save(s.uc, s.ctx);
        out.assign(reinterpret_cast<const uint8_t*>(s.ctx),
                   reinterpret_cast<const uint8_t*>(s.ctx) + s.ctx_size);
    };
    auto restore = [&](const std::vector<uint8_t>& blob) {
        std::memcpy(reinterpret_cast<uint8_t*>(s.ctx), blob.data(), blob.size());
        uc_context_restore(s.uc, s.ctx);
    };
    auto write = [&](int id, uint64_t value) { return uc_reg_write(s.uc, id, &value) == UC_ERR_OK; };
    constexpr uint32_t kProbeGdt = 0x1000;
    constexpr uint16_t kRing0Data = 0x08, kRing3Data = 0x13;
    const uint64_t gdt_entries[] = {0, 0x00cf92000000ffffull, 0x00cff2000000ffffull};
    std::vector<uint8_t> saved_ram(s.ram.data() + kProbeGdt, s.ram.data() + kProbeGdt + sizeof gdt_entries);
    std::memcpy(s.ram.data() + kProbeGdt, gdt_entries, sizeof gdt_entries);
    std::vector<uint8_t> before, ring0, ring3;
    save(before);
    uc_x86_mmr gdt{0, kProbeGdt, sizeof gdt_entries - 1, 0};
    uc_reg_write(s.uc, UC_X86_REG_GDTR, &gdt);
    bool ok = write(UC_X86_REG_EFLAGS, 0x2) && write(UC_X86_REG_SS, kRing0Data);
    save(ring0);
    ok = ok && write(UC_X86_REG_EFLAGS, 0x20002) && write(UC_X86_REG_SS, kRing3Data) &&
         write(UC_X86_REG_EFLAGS, 0x2) && write(UC_X86_REG_SS, kRing3Data);
    save(ring3);
    size_t found = 0;
    int candidates = 0;
    for (size_t at = 0; ok && at + 4 <= ring0.size(); at += 4) {
        uint32_t a = blob_get<uint32_t>(ring0, at), b = blob_get<uint32_t>(ring3, at);
        if ((a & 3) == 0 && b == (a | 3)) {
            found = at;
            ++candidates;
        }
    }
    ok = ok && candidates == 1;
    if (ok) {
        // At CPL 3 a ring-0 SS is refused; with the word's CPL cleared it loads.
        ok = !write(UC_X86_REG_SS, kRing0Data);
        std::vector<uint8_t> patched = ring3;
        blob_set<uint32_t>(patched, found, blob_get<uint32_t>(ring3, found) & ~3u);
        restore(patched);
        ok = ok && write(UC_X86_REG_SS, kRing0Data);
    }
    std::memcpy(s.ram.data() + kProbeGdt, saved_ram.data(), saved_ram.size());
    restore(before);
    uc_ctl_flush_tlb(s.uc);  // the GDT reads above cached a translation of the probe's page
    if (!ok) return make_error(ErrorKind::Host, "Unicorn context layout not recognised (CPL not found)");
    return found;
}

// Finds FaultStateOffsets by probing, never by hard-coding: DR0 and DR1 get known
// values and are searched for in the saved blob. In Unicorn's CPUX86State the error
// code and the is-int flag sit just before dr[0] (int, int, 8-byte next_eip), and
// old_exception right after dr[0..7] and four breakpoint pointers. A deliberate
// #GP(0x1234) then confirms the layout: the error code and vector 13 must be found
// exactly there, or the Cpu refuses to start.
Result<FaultStateOffsets> probe_fault_state(Cpu::Impl& s) {
    auto save = [&](std::vector<uint8_t>& out) {
        uc_context_save(s.uc, s.ctx);
        out.assign(reinterpret_cast<const uint8_t*>(s.ctx),
                   reinterpret_cast<const uint8_t*>(s.ctx) + s.ctx_size);
    };
    uint64_t dr0 = 0x8badf00dull, dr1 = 0x1badb002ull;
    uc_reg_write(s.uc, UC_X86_REG_DR0, &dr0);
    uc_reg_write(s.uc, UC_X86_REG_DR1, &dr1);
    std::vector<uint8_t> blob;
    save(blob);
    size_t found = 0;
    for (size_t off = 16; off + 16 <= blob.size(); off += 4) {
        if (blob_get<uint64_t>(blob, off) == dr0 && blob_get<uint64_t>(blob, off + 8) == dr1) {
            found = off;
            break;
        }
    }
    uint64_t zero = 0;
    uc_reg_write(s.uc, UC_X86_REG_DR0, &zero);
    uc_reg_write(s.uc, UC_X86_REG_DR1, &zero);
    if (found == 0) return make_error(ErrorKind::Host, "Unicorn context layout not recognised (DR0 not found)");
    FaultStateOffsets off;
    off.error_code = found - 16;
    off.is_int = found - 12;
    off.old_exception = found + 8 * 8 + 4 * sizeof(void*);
    if (off.old_exception + 4 > blob.size())
        return make_error(ErrorKind::Host, "Unicorn context layout not recognised (too small)");

    // Confirm: load selector 0x1234 into DS with a GDT that holds only the null entry.
    constexpr uint32_t kProbeCode = 0x1000;
    const uint8_t code[] = {0x66, 0xb8, 0x34, 0x12, 0x8e, 0xd8, 0xf4};  // mov ax,0x1234; mov ds,ax; hlt
    std::vector<uint8_t> saved_ram(s.ram.data() + kProbeCode, s.ram.data() + kProbeCode + sizeof code);
    std::memcpy(s.ram.data() + kProbeCode, code, sizeof code);
    std::vector<uint8_t> before;
    save(before);
    uc_x86_mmr gdt{0, 0, 7, 0};
    uc_reg_write(s.uc, UC_X86_REG_GDTR, &gdt);
    s.have_event = false;
    s.limit = ~0ull;
    uc_err err = uc_emu_start(s.uc, kProbeCode, kNoUntil, 0, 0);
    std::vector<uint8_t> after;
    save(after);
    bool ok = err == UC_ERR_OK && s.have_event && s.event.vector == 13 &&
              blob_get<int32_t>(after, off.error_code) == 0x1234 &&
              blob_get<int32_t>(after, off.old_exception) == 13 &&
              blob_get<int32_t>(after, off.is_int) == 0;
    std::memcpy(s.ram.data() + kProbeCode, saved_ram.data(), saved_ram.size());
    std::memcpy(reinterpret_cast<uint8_t*>(s.ctx), before.data(), before.size());
    uc_context_restore(s.uc, s.ctx);
    uc_ctl_remove_cache(s.uc, kProbeCode, kProbeCode + 0x1000);
    s.have_event = false;
    s.forget_blocks();
    if (!ok) return make_error(ErrorKind::Host, "Unicorn context layout not recognised (probe fault mismatch)");
    auto hflags = probe_cpl_word(s);
    if (!hflags) return hflags.error();
    off.hflags = *hflags;
    return off;
}

Cpu::Cpu(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) { impl_->owner = this; }

Cpu::~Cpu() {
    if (impl_->ctx) uc_context_free(impl_->ctx);
    if (impl_->uc) uc_close(impl_->uc);
}

Result<std::unique_ptr<Cpu>> Cpu::create(Ram& ram, PortBus& ports) {
    auto impl = std::make_unique<Impl>(ram, ports);
    uc_err err = uc_open(UC_ARCH_X86, UC_MODE_32, &impl->uc);
    if (err != UC_ERR_OK) return make_error(ErrorKind::Host, uc_message("cannot open Unicorn", err));
    std::unique_ptr<Cpu> cpu(new Cpu(std::move(impl)));
    Impl& s = *cpu->impl_;
    // The default translation buffer is 1 GiB; flushing it (every hook change, e.g. a
    // debugger single step) then costs up to seconds. 32 MiB holds a small kernel and its programs.
    uc_ctl_set_tcg_buffer_size(s.uc, 32u << 20);

    err = uc_mem_map_ptr(s.uc, 0, ram.size(), UC_PROT_ALL, ram.data());
    if (err != UC_ERR_OK) return make_error(ErrorKind::Host, uc_message("cannot map guest RAM", err));

    uc_hook h;
    Cpu* self = cpu.get();
    bool hooks_ok =
        uc_hook_add(s.uc, &h, UC_HOOK_BLOCK, reinterpret_cast<void*>(&CpuHooks::on_block), &s, 1, 0) == UC_ERR_OK &&
        uc_hook_add(s.uc, &h, UC_HOOK_INTR, reinterpret_cast<void*>(&CpuHooks::on_interrupt), self, 1, 0) == UC_ERR_OK &&
        uc_hook_add(s.uc, &h, UC_HOOK_INSN, reinterpret_cast<void*>(&CpuHooks::on_in), self, 1, 0, UC_X86_INS_IN) == UC_ERR_OK &&
        uc_hook_add(s.uc, &h, UC_HOOK_INSN, reinterpret_cast<void*>(&CpuHooks::on_out), self, 1, 0, UC_X86_INS_OUT) == UC_ERR_OK &&
        uc_hook_add(s.uc, &h, UC_HOOK_MEM_UNMAPPED, reinterpret_cast<void*>(&CpuHooks::on_unmapped), self, 1, 0) == UC_ERR_OK;
    if (!hooks_ok) return make_error(ErrorKind::Host, "cannot install Unicorn hooks");

    if (uc_context_alloc(s.uc, &s.ctx) != UC_ERR_OK)
        return make_error(ErrorKind::Host, "cannot allocate a Unicorn context");
    s.ctx_size = uc_context_size(s.uc);
    auto offsets = probe_fault_state(s);
    if (!offsets) return offsets.error();
    s.offsets = *offsets;
    cpu->impl_->instructions = 0;  // the probe's instructions are not the guest's
    return cpu;
}

void Cpu::set_port_observer(std::function<void(uint16_t, bool)> observer) { impl_->port_observer = std::move(observer); }

void Cpu::lower_instruction_limit(uint64_t limit) { impl_->limit = std::min(impl_->limit, limit); }

void Cpu::request_stop() { impl_->stop_requested.store(true, std::memory_order_relaxed); }
uint64_t Cpu::instructions() const { return impl_->instructions; }
const uint64_t* Cpu::instruction_counter() const { return &impl_->instructions; }

bool Cpu::io_allowed() const {
    uint8_t cpl = this->cpl();
    if (cpl == 0) return true;  // IOPL is never below 0: skip the costly EFLAGS read
    uint32_t iopl = (reg(Reg::Eflags) >> 12) & 3;
    return cpl <= iopl;
}

// Reads the hidden fault state, then resets "exception in flight" so that the next
// fault is not mistaken for a double fault (UNICORN-NOTES.md trap 3).
void Cpu::clear_fault_state() {
    Impl& s = *impl_;
    uc_context_save(s.uc, s.ctx);
    auto* bytes = reinterpret_cast<uint8_t*>(s.ctx);
    int32_t minus_one = -1;
    std::memcpy(bytes + s.offsets.old_exception, &minus_one, 4);
    uc_context_restore(s.uc, s.ctx);
}

CpuExit Cpu::run(uint64_t instruction_limit) {
    Impl& s = *impl_;
    s.limit = instruction_limit;
    s.budget_stop = s.request_stop = s.have_event = s.memory_error = s.io_lookahead = false;
    if (impl_->stop_requested.exchange(false)) {
        CpuExit e;
        e.kind = CpuExitKind::StopRequested;
        e.eip = reg(Reg::Eip);
        return e;
    }
    uint32_t eip = reg(Reg::Eip);
    uc_err err = uc_emu_start(s.uc, eip, kNoUntil, 0, 0);
    return finish_run(err);
}

CpuExit Cpu::step() {
    Impl& s = *impl_;
    s.limit = ~0ull;
    s.budget_stop = s.request_stop = s.have_event = s.memory_error = s.io_lookahead = false;
    uint32_t eip = reg(Reg::Eip);
    uint64_t before = impl_->instructions;
    // One instruction needs no look-ahead: a refused port access is caught in the I/O
    // hook, and the state from before the step is put back so #GP points at it.
    std::vector<uint8_t> saved = save_context();
    // A block translated for a normal run has no per-instruction stop: drop it.
    invalidate_code(eip, eip + 1);
    s.io_stepping = true;
    uc_err err = uc_emu_start(s.uc, eip, kNoUntil, 0, 1);
    s.io_stepping = false;
    // The block hook counted the whole block the step started; a step is one.
    impl_->instructions = before + 1;
    bool io_fault = err == UC_ERR_OK && s.have_event && !s.event.detail.empty();
    CpuExit e = finish_run(err);
    if (io_fault) {
        (void)restore_context(saved);
        impl_->instructions = before;
        e.eip = eip;
    }
    // A count-limited run ends like hlt does; only a real hlt is reported as one.
    if (e.kind == CpuExitKind::Halted) {
        uint8_t opcode = 0;
        PagingMode mode{reg(Reg::Cr0), reg(Reg::Cr3), reg(Reg::Cr4)};
        bool hlt = PageWalker(s.ram).read_virtual(mode, eip, std::span<uint8_t>(&opcode, 1)).ok() && opcode == 0xf4;
        if (!hlt) e.kind = CpuExitKind::StopRequested;
    }
    if (e.kind == CpuExitKind::Budget) e.kind = CpuExitKind::StopRequested;
    return e;
}

CpuExit Cpu::finish_run(int uc_error) {
    Impl& s = *impl_;
    uc_err err = static_cast<uc_err>(uc_error);
    if (err == UC_ERR_OK && s.io_lookahead && !s.have_event && !s.memory_error) {
        // Run the block's instructions before the I/O one, then raise #GP on it.
        s.io_lookahead = false;
        if (s.io_before > 0) {
            uint64_t before = impl_->instructions;
            // The block was translated without per-instruction counting: drop it so
            // that the count below can stop inside it.
            invalidate_code(static_cast<uint32_t>(s.io_block), static_cast<uint32_t>(s.io_block) + 1);
            s.io_stepping = true;
            s.limit = ~0ull;
            err = uc_emu_start(s.uc, s.io_block, kNoUntil, 0, static_cast<size_t>(s.io_before));
            s.io_stepping = false;
            impl_->instructions = before + static_cast<uint64_t>(s.io_before);
            if (err != UC_ERR_OK || s.have_event || s.memory_error) return finish_run(err);
        }
        CpuExit e;
        e.kind = CpuExitKind::Interrupt;
        e.vector = 13;
        e.has_error_code = true;
        e.error_code = 0;
        e.eip = reg(Reg::Eip);
        e.cr2 = reg(Reg::Cr2);
        e.detail = "port I/O at CPL > IOPL";
        return e;
    }
    s.io_lookahead = false;
    CpuExit e;
    if (s.memory_error) {
        e.kind = CpuExitKind::MemoryError;
        e.detail = s.memory_detail;
    } else if (err == UC_ERR_INSN_INVALID) {
        e.kind = CpuExitKind::InvalidOpcode;
        e.vector = 6;
    } else if (err != UC_ERR_OK) {
        e.kind = CpuExitKind::HostError;
        e.detail = uc_message("Unicorn stopped", err);
    } else if (s.have_event) {
        e = s.event;
        // One save for both: read the hidden fault state, then reset "exception in
        // flight" in the same blob (see clear_fault_state).
        Impl& st = s;
        uc_context_save(st.uc, st.ctx);
        auto* bytes = reinterpret_cast<uint8_t*>(st.ctx);
        if (e.detail.empty()) {  // a CPU exception or int n, not our I/O check
            int32_t code, is_int;
            std::memcpy(&code, bytes + st.offsets.error_code, 4);
            std::memcpy(&is_int, bytes + st.offsets.is_int, 4);
            e.software = is_int != 0;
            e.has_error_code = !e.software && vector_has_error_code(e.vector);
            e.error_code = e.has_error_code ? static_cast<uint32_t>(code) : 0;
        }
        int32_t minus_one = -1;
        std::memcpy(bytes + st.offsets.old_exception, &minus_one, 4);
        uc_context_restore(st.uc, st.ctx);
    } else if (s.budget_stop) {
        e.kind = CpuExitKind::Budget;
    } else if (s.request_stop) {
        e.kind = CpuExitKind::StopRequested;
        impl_->stop_requested.store(false);
    } else if (reg(Reg::Eip) == 0) {
        e.kind = CpuExitKind::AtAddressZero;  // hlt leaves EIP after itself, never at 0
    } else {
        e.kind = CpuExitKind::Halted;
    }
    e.eip = reg(Reg::Eip);
    e.cr2 = reg(Reg::Cr2);
    return e;
}

// TR and LDTR are read and written as a whole descriptor (uc_x86_mmr), not a number.
static bool is_system_segment(Reg r) { return r == Reg::Tr || r == Reg::Ldtr; }

uint32_t Cpu::reg(Reg r) const {
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
    uint64_t v = value;
    if (r == Reg::Cr2) {
        // Unicorn 2.1 passes a CR2 write through cpu_x86_update_cr3, so CR3 takes the
        // value too: put CR3 back (that also flushes the TLB, as a CR3 load does).
        uint64_t cr3 = 0;
        uc_reg_read(impl_->uc, UC_X86_REG_CR3, &cr3);
        uc_reg_write(impl_->uc, UC_X86_REG_CR2, &v);
        uc_reg_write(impl_->uc, UC_X86_REG_CR3, &cr3);
        return;
    }
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
    Impl& s = *impl_;
    uc_context_save(s.uc, s.ctx);
    auto* bytes = reinterpret_cast<uint8_t*>(s.ctx);
    uint32_t hflags;
    std::memcpy(&hflags, bytes + s.offsets.hflags, 4);
    hflags &= ~3u;
    std::memcpy(bytes + s.offsets.hflags, &hflags, 4);
    uc_context_restore(s.uc, s.ctx);
    if (auto r = load_segment(Reg::Ss, ss); !r) return r;
    return load_segment(Reg::Cs, cs);
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

DescriptorTable Cpu::gdtr() const { return read_table(impl_->uc, UC_X86_REG_GDTR); }
DescriptorTable Cpu::idtr() const { return read_table(impl_->uc, UC_X86_REG_IDTR); }
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
    // Removing cache can walk page tables and leave fault state behind (trap 10).
    uint32_t cr2 = reg(Reg::Cr2);
    uc_ctl_remove_cache(impl_->uc, begin, end);
    set_reg(Reg::Cr2, cr2);
    clear_fault_state();
    impl_->forget_blocks();
}

void Cpu::invalidate_all_code() {
    uc_ctl_flush_tb(impl_->uc);
    impl_->forget_blocks();
}

std::vector<uint8_t> Cpu::save_context() const {
    uc_context_save(impl_->uc, impl_->ctx);
    auto* b = reinterpret_cast<const uint8_t*>(impl_->ctx);
    std::vector<uint8_t> blob(b, b + impl_->ctx_size);
    return blob;
}

Result<void> Cpu::restore_context(const std::vector<uint8_t>& blob) {
    if (blob.size() != impl_->ctx_size) return make_error(ErrorKind::Usage, "snapshot is from another CPU");
    std::memcpy(reinterpret_cast<uint8_t*>(impl_->ctx), blob.data(), blob.size());
    uc_context_restore(impl_->uc, impl_->ctx);
    uc_ctl_flush_tlb(impl_->uc);  // restoring does not flush the TLB (trap 12)
    return {};
}

}  // namespace forkscope

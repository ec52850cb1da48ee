// Finds, once at start-up, where Unicorn's saved CPU context keeps the state the Cpu
// must read or write behind its API (UNICORN-NOTES.md traps 3 and 4): never hard-coded,
// always found by a probe and then confirmed by a second, independent observation. A
// Unicorn build whose layout does not match is refused with a message naming it.
#include <cstdio>

#include "emulator/cpu_impl.h"
#include "emulator/ram.h"

namespace forkscope {

std::string unicorn_version() {
    unsigned v = uc_version(nullptr, nullptr);
    char buf[48];
    std::snprintf(buf, sizeof buf, "Unicorn %u.%u.%u", (v >> 24) & 0xff, (v >> 16) & 0xff, (v >> 8) & 0xff);
    return buf;
}

namespace {

constexpr uint64_t kNoUntil = 0;

Error layout_error(const std::string& field) {
    return make_error(ErrorKind::Host, unicorn_version() + ": its saved-context layout is not the one forkscope knows (" +
                                           field + "); Unicorn 2.1 is required");
}

// Guest RAM the probes borrow, put back as it was when the probe ends.
class BorrowedRam {
public:
    BorrowedRam(Ram& ram, uint32_t at, size_t n) : ram_(ram), at_(at), saved_(ram.data() + at, ram.data() + at + n) {}
    ~BorrowedRam() { std::memcpy(ram_.data() + at_, saved_.data(), saved_.size()); }
    BorrowedRam(const BorrowedRam&) = delete;
    BorrowedRam& operator=(const BorrowedRam&) = delete;

private:
    Ram& ram_;
    uint32_t at_;
    std::vector<uint8_t> saved_;
};

// Runs `code` at physical 0x1000 (paging is off at start-up) until it raises an event
// or halts; returns the saved context after it and whether the interrupt hook saw an
// event with `vector`. The CPU state and RAM are put back afterwards.
bool run_probe_code(Cpu::Impl& s, const std::vector<uint8_t>& code, uint8_t vector, std::vector<uint8_t>& after) {
    constexpr uint32_t kProbeCode = 0x1000;
    BorrowedRam borrowed(s.ram, kProbeCode, code.size());
    std::memcpy(s.ram.data() + kProbeCode, code.data(), code.size());
    std::vector<uint8_t> before = s.save_blob();
    uc_x86_mmr gdt{0, 0, 7, 0};  // only the null entry: any selector load faults
    uc_reg_write(s.uc, UC_X86_REG_GDTR, &gdt);
    s.have_event = false;
    s.limit = ~0ull;
    uc_err err = uc_emu_start(s.uc, kProbeCode, kNoUntil, 0, 0);
    after = s.save_blob();
    bool seen = err == UC_ERR_OK && s.have_event && s.event.vector == vector;
    s.restore_blob(before);
    // The probe's blocks are the only translations yet: dropping them (not a whole
    // flush, which resets the 32 MiB code buffer at every start) lets their facts go.
    uc_ctl_remove_cache(s.uc, kProbeCode, kProbeCode + 0x1000);
    s.have_event = false;
    s.forget_blocks();
    return seen;
}

// The fault state: DR0 and DR1 get known values and are searched for in the saved
// blob. In Unicorn's CPUX86State the error code, the is-int flag and the 8-byte next
// EIP sit just before dr[0], and old_exception right after dr[0..7] and four breakpoint
// pointers. Then a #GP(0x1234) (loading selector 0x1234 with an empty GDT) must show
// that error code, vector 13 in flight and is-int 0; and an `int 0x80` must show is-int
// 1 and the next EIP after it.
Result<void> probe_fault_state(Cpu::Impl& s, ContextLayout& out) {
    uint64_t dr0 = 0x8badf00dull, dr1 = 0x1badb002ull, zero = 0;
    uc_reg_write(s.uc, UC_X86_REG_DR0, &dr0);
    uc_reg_write(s.uc, UC_X86_REG_DR1, &dr1);
    std::vector<uint8_t> blob = s.save_blob();
    uc_reg_write(s.uc, UC_X86_REG_DR0, &zero);
    uc_reg_write(s.uc, UC_X86_REG_DR1, &zero);
    size_t found = 0;
    for (size_t off = 16; off + 16 <= blob.size(); off += 4) {
        if (blob_get<uint64_t>(blob, off) == dr0 && blob_get<uint64_t>(blob, off + 8) == dr1) {
            found = off;
            break;
        }
    }
    if (found == 0) return layout_error("DR0 not found");
    out.error_code = found - 16;
    out.is_int = found - 12;
    const size_t next_eip = found - 8;
    out.old_exception = found + 8 * 8 + 4 * sizeof(void*);
    if (out.old_exception + 4 > blob.size()) return layout_error("context too small");

    std::vector<uint8_t> after;
    // mov ax,0x1234; mov ds,ax; hlt
    bool ok = run_probe_code(s, {0x66, 0xb8, 0x34, 0x12, 0x8e, 0xd8, 0xf4}, 13, after) &&
              blob_get<int32_t>(after, out.error_code) == 0x1234 && blob_get<int32_t>(after, out.old_exception) == 13 &&
              blob_get<int32_t>(after, out.is_int) == 0;
    if (!ok) return layout_error("error code and exception in flight not where a #GP puts them");
    // nop; int 0x80; hlt
    ok = run_probe_code(s, {0x90, 0xcd, 0x80, 0xf4}, 0x80, after) && blob_get<int32_t>(after, out.is_int) == 1 &&
         blob_get<uint64_t>(after, next_eip) == 0x1000 + 3;
    if (!ok) return layout_error("is-int flag not where int 0x80 sets it");
    return {};
}

// The CPL: the one word whose value goes from x to x|3 when SS is reloaded from a
// ring-0 to a ring-3 descriptor (loading SS is what sets the CPL in QEMU's
// cpu_x86_load_seg_cache). To get to ring 3 the probe loads SS once with EFLAGS.VM set
// (no privilege checks), then clears VM and loads SS again. A check confirms the word:
// clearing its low bits must make a ring-0 SS loadable again.
Result<void> probe_cpl_word(Cpu::Impl& s, ContextLayout& out) {
    auto write = [&](int id, uint64_t value) { return uc_reg_write(s.uc, id, &value) == UC_ERR_OK; };
    constexpr uint32_t kProbeGdt = 0x1000;
    constexpr uint16_t kRing0Data = 0x08, kRing3Data = 0x13;
    const uint64_t gdt_entries[] = {0, 0x00cf92000000ffffull, 0x00cff2000000ffffull};
    BorrowedRam borrowed(s.ram, kProbeGdt, sizeof gdt_entries);
    std::memcpy(s.ram.data() + kProbeGdt, gdt_entries, sizeof gdt_entries);
    std::vector<uint8_t> before = s.save_blob();
    uc_x86_mmr gdt{0, kProbeGdt, sizeof gdt_entries - 1, 0};
    uc_reg_write(s.uc, UC_X86_REG_GDTR, &gdt);
    bool ok = write(UC_X86_REG_EFLAGS, 0x2) && write(UC_X86_REG_SS, kRing0Data);
    std::vector<uint8_t> ring0 = s.save_blob();
    ok = ok && write(UC_X86_REG_EFLAGS, 0x20002) && write(UC_X86_REG_SS, kRing3Data) &&
         write(UC_X86_REG_EFLAGS, 0x2) && write(UC_X86_REG_SS, kRing3Data);
    std::vector<uint8_t> ring3 = s.save_blob();
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
        s.restore_blob(patched);
        ok = ok && write(UC_X86_REG_SS, kRing0Data);
    }
    s.restore_blob(before);
    uc_ctl_flush_tlb(s.uc);  // the GDT reads above cached a translation of the probe's page
    if (!ok) return layout_error("CPL not found in the hidden flags");
    out.hflags = found;
    return {};
}

// CR2: CR3 gets a known value and is found in the blob; CR2 is the control register
// before it (cr[0..4] in CPUX86State). Confirmed twice: a CR2 write through the API
// (which loads CR3 too, trap 4) shows in both words, and CR2 written in the blob reads
// back through the API with CR3 unchanged.
Result<void> probe_cr2(Cpu::Impl& s, ContextLayout& out) {
    std::vector<uint8_t> before = s.save_blob();
    const uint64_t cr3 = 0x7b5a3000, cr2 = 0x13579000, patched_cr2 = 0x2468a000;
    uc_reg_write(s.uc, UC_X86_REG_CR3, &cr3);
    std::vector<uint8_t> blob = s.save_blob();
    size_t found = 0;
    int candidates = 0;
    for (size_t off = sizeof(uint64_t); off + 8 <= blob.size(); off += 4) {
        if (blob_get<uint64_t>(blob, off) == cr3) {
            found = off;
            ++candidates;
        }
    }
    bool ok = candidates == 1;
    const size_t at = found - sizeof(uint64_t);
    if (ok) {
        uc_reg_write(s.uc, UC_X86_REG_CR2, &cr2);
        blob = s.save_blob();
        ok = blob_get<uint64_t>(blob, at) == cr2 && blob_get<uint64_t>(blob, found) == cr2;
    }
    if (ok) {
        std::vector<uint8_t> patched = before;
        blob_set<uint64_t>(patched, at, patched_cr2);
        s.restore_blob(patched);
        uint64_t got2 = 0, got3 = 0, old3 = blob_get<uint64_t>(before, found);
        uc_reg_read(s.uc, UC_X86_REG_CR2, &got2);
        uc_reg_read(s.uc, UC_X86_REG_CR3, &got3);
        ok = got2 == patched_cr2 && got3 == old3;
    }
    s.restore_blob(before);
    uc_ctl_flush_tlb(s.uc);
    if (!ok) return layout_error("CR2 not found before CR3");
    out.cr2 = at;
    return {};
}

}  // namespace

Result<ContextLayout> probe_context_layout(Cpu::Impl& s) {
    ContextLayout layout;
    if (auto r = probe_fault_state(s, layout); !r) return r.error();
    if (auto r = probe_cpl_word(s, layout); !r) return r.error();
    if (auto r = probe_cr2(s, layout); !r) return r.error();
    return layout;
}

}  // namespace forkscope

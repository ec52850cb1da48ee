// Finds, once at start-up, where Unicorn's saved CPU context keeps the state the Cpu
// must read or write behind its API (UNICORN-NOTES.md traps 3 and 4): never hard-coded,
// always found by a probe and then confirmed by a second, independent observation. A
// Unicorn build whose layout does not match is refused with a message naming it.
#include <cstdio>
#include <fstream>
#include <sstream>

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
    s.set_limit(~0ull);
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
    constexpr uint16_t kRing0Data = 0x08, kRing3Data = 0x13, kRing0Code = 0x18;
    const uint64_t gdt_entries[] = {0, 0x00cf92000000ffffull, 0x00cff2000000ffffull, 0x00cf9a000000ffffull};
    BorrowedRam borrowed(s.ram, kProbeGdt, sizeof gdt_entries);
    std::memcpy(s.ram.data() + kProbeGdt, gdt_entries, sizeof gdt_entries);
    std::vector<uint8_t> before = s.save_blob();
    uc_x86_mmr gdt{0, kProbeGdt, sizeof gdt_entries - 1, 0};
    uc_reg_write(s.uc, UC_X86_REG_GDTR, &gdt);
    bool ok = write(UC_X86_REG_EFLAGS, 0x2) && write(UC_X86_REG_SS, kRing0Data) && write(UC_X86_REG_CS, kRing0Code);
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
    // The segment registers' hidden state (QEMU's SegmentCache: selector, base, limit,
    // flags) follows the flags words, in the order ES, CS, SS: the selectors loaded
    // above must be there, with the descriptors' limit and flags (the load set their
    // accessed bit).
    const size_t segs = found + 8;
    constexpr uint32_t kAccessed = 0x100;
    auto entry = [&](const std::vector<uint8_t>& blob, int reg, size_t field) {
        return blob_get<uint32_t>(blob, segs + ContextLayout::kSegmentBytes * static_cast<size_t>(reg) + field);
    };
    const bool segs_ok = ok && segs + 3 * ContextLayout::kSegmentBytes <= ring0.size() &&
                         entry(ring0, 1, 0) == kRing0Code && entry(ring0, 2, 0) == kRing0Data &&
                         entry(ring3, 2, 0) == kRing3Data && entry(ring0, 2, 16) == 0xffffffffu &&
                         entry(ring0, 2, 20) == (uint32_t(gdt_entries[1] >> 32) | kAccessed) &&
                         entry(ring0, 1, 20) == (uint32_t(gdt_entries[3] >> 32) | kAccessed);
    s.restore_blob(before);
    uc_ctl_flush_tlb(s.uc);  // the GDT reads above cached a translation of the probe's page
    if (!ok) return layout_error("CPL not found in the hidden flags");
    out.hflags = found;
    if (segs_ok) out.segs = segs;  // else segments always load through Unicorn
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

// The address ranges of this process that can be read, from /proc/self/maps.
struct Readable {
    uintptr_t lo = 0, hi = 0;
};
std::vector<Readable> readable_ranges() {
    std::vector<Readable> out;
    std::ifstream maps("/proc/self/maps");
    std::string line;
    while (std::getline(maps, line)) {
        std::istringstream in(line);
        std::string range, perms;
        in >> range >> perms;
        const size_t dash = range.find('-');
        if (dash == std::string::npos || perms.size() < 1 || perms[0] != 'r') continue;
        out.push_back({std::stoull(range.substr(0, dash), nullptr, 16), std::stoull(range.substr(dash + 1), nullptr, 16)});
    }
    return out;
}

// The readable bytes from `p` on, at most `n`, within one mapping.
size_t readable_from(const std::vector<Readable>& ranges, uintptr_t p, size_t n) {
    for (const Readable& r : ranges)
        if (p >= r.lo && p < r.hi) return std::min<size_t>(n, r.hi - p);
    return 0;
}

// The search reads memory this program does not own (the engine's struct and the
// heap around the pointers in it), only where /proc/self/maps says it can be read and
// outside the address sanitizer's view: it is not ours to track.
[[gnu::no_sanitize_address]] uintptr_t load_word(uintptr_t at) {
    return *reinterpret_cast<const volatile uintptr_t*>(at);
}

// The first 8-byte aligned place in [start + from, start + n) holding `size` bytes equal
// to `needle`, or null.
[[gnu::no_sanitize_address]] const uint8_t* find_words(uintptr_t start, size_t n, const uint8_t* needle, size_t size,
                                                       size_t from) {
    uint64_t first;
    std::memcpy(&first, needle, 8);
    for (size_t at = from; at + size <= n; at += 8) {
        const auto* here = reinterpret_cast<const volatile uint8_t*>(start + at);
        if (*reinterpret_cast<const volatile uint64_t*>(here) != first) continue;
        size_t i = 8;
        while (i < size && here[i] == needle[i]) ++i;
        if (i == size) return const_cast<const uint8_t*>(here);
    }
    return nullptr;
}

}  // namespace

// A saved context is a header and then a byte copy of Unicorn's CPUX86State (the
// engine's CPU object holds it; the engine holds a pointer to that object). The search
// follows each pointer in the engine's first bytes to a window of readable memory and
// looks there for the bytes of a context just saved, with distinctive values in the
// general registers. A copy (a saved context, this very vector) matches too; the live
// state is the one place that then follows a register written through the API, and
// whose bytes written in place the API reads back.
uint8_t* find_live_state(Cpu::Impl& s) {
    constexpr size_t kEngineBytes = 4096;   // uc_struct holds its CPU pointer well inside this
    constexpr size_t kWindow = 256 * 1024;  // the CPU object holds its state well inside this
    const std::vector<Readable> ranges = readable_ranges();
    const auto engine = reinterpret_cast<uintptr_t>(s.uc);
    const size_t engine_bytes = readable_from(ranges, engine, kEngineBytes) & ~size_t{7};
    if (engine_bytes == 0) return nullptr;

    std::vector<uint8_t> before = s.save_blob();
    const int gprs[] = {UC_X86_REG_EAX, UC_X86_REG_ECX, UC_X86_REG_EDX, UC_X86_REG_EBX,
                        UC_X86_REG_EBP, UC_X86_REG_ESI, UC_X86_REG_EDI};
    uint64_t mark = 0x5eed0000f00dull, eax = 0;
    for (int id : gprs) {
        uint64_t v = static_cast<uint32_t>(mark++ * 0x9e3779b1u);
        if (id == UC_X86_REG_EAX) eax = v;
        uc_reg_write(s.uc, id, &v);
    }
    std::vector<uint8_t> blob = s.save_blob();
    // The copy starts after uc_context's own fields, with regs[R_EAX]: where EAX is.
    size_t header = 0;
    while (header + 8 <= blob.size() && blob_get<uint64_t>(blob, header) != eax) header += 4;
    const size_t state_size = blob_get<size_t>(blob, 0);  // uc_context's context_size
    if (header + state_size > blob.size()) {
        s.restore_blob(before);
        return nullptr;
    }
    const uint8_t* needle = blob.data() + header;

    uint8_t* found = nullptr;
    const auto* blob_begin = blob.data();
    const auto* ctx_begin = reinterpret_cast<const uint8_t*>(s.ctx);
    for (size_t off = 0; off < engine_bytes && !found; off += sizeof(uintptr_t)) {
        const uintptr_t p = load_word(engine + off);
        const uintptr_t start = (p + 7) & ~uintptr_t{7};  // the state is 8-byte aligned
        const size_t n = readable_from(ranges, start, kWindow + state_size);
        for (size_t at = 0; !found;) {
            const uint8_t* hit = find_words(start, n, needle, state_size, at);
            if (!hit) break;
            at = static_cast<size_t>(hit - reinterpret_cast<const uint8_t*>(start)) + 8;
            if ((hit >= blob_begin && hit < blob_begin + blob.size()) || (hit >= ctx_begin && hit < ctx_begin + s.ctx_size))
                continue;  // our own copies
            // The live state follows the API (a copy does not), and only then is it
            // written: the API must read back what is written there.
            uint64_t probe = 0x600dcafe, back = 0;
            uc_reg_write(s.uc, UC_X86_REG_EAX, &probe);
            const bool follows = load_word(reinterpret_cast<uintptr_t>(hit)) == probe;  // regs[R_EAX]
            if (follows) {
                auto* live = const_cast<uint8_t*>(hit);
                uint64_t poke = 0x0ddba11;
                std::memcpy(live + 8 * 3, &poke, 8);  // regs[R_EBX]
                uc_reg_read(s.uc, UC_X86_REG_EBX, &back);
                if (back == poke) found = live;
            }
            s.restore_blob(blob);
        }
    }
    s.restore_blob(before);
    if (!found) return nullptr;
    // EIP and EFLAGS follow the registers (regs[16], eip, eflags in CPUX86State):
    // confirmed through the API before they are used.
    const size_t eip_at = 16 * 8, eflags_at = eip_at + 8;
    uint64_t eip = 0x0bad1dea, flags = 0x246, got_eip = 0, got_flags = 0;
    uc_reg_write(s.uc, UC_X86_REG_EIP, &eip);
    uc_reg_write(s.uc, UC_X86_REG_EFLAGS, &flags);
    std::memcpy(&got_eip, found + eip_at, 8);
    std::memcpy(&got_flags, found + eflags_at, 8);
    s.restore_blob(before);
    if (got_eip != eip || (got_flags & 0x200) == 0) return nullptr;
    s.layout.eip = header + eip_at;
    s.layout.eflags = header + eflags_at;
    // The layout's offsets count from the start of a saved context: the live state's
    // bytes sit `header` bytes further on, so the base is taken that far before it
    // (an address only offsets of at least `header` are ever added to).
    return reinterpret_cast<uint8_t*>(reinterpret_cast<uintptr_t>(found) - header);
}

Result<ContextLayout> probe_context_layout(Cpu::Impl& s) {
    ContextLayout layout;
    if (auto r = probe_fault_state(s, layout); !r) return r.error();
    if (auto r = probe_cpl_word(s, layout); !r) return r.error();
    if (auto r = probe_cr2(s, layout); !r) return r.error();
    return layout;
}

}  // namespace forkscope

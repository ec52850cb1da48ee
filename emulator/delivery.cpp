#include "emulator/delivery.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <span>
#include <string>

#include "emulator/cpu.h"
#include "emulator/page_walker.h"
#include "emulator/ram.h"

namespace forkscope {

namespace {

constexpr uint32_t kEflagsTf = 1u << 8;
constexpr uint32_t kEflagsIf = 1u << 9;
constexpr uint32_t kEflagsNt = 1u << 14;
constexpr uint32_t kEflagsRf = 1u << 16;
constexpr uint32_t kEflagsVm = 1u << 17;

constexpr uint8_t kGateInterrupt32 = 0xe;
constexpr uint8_t kGateTrap32 = 0xf;
constexpr uint8_t kGateTask = 0x5;
constexpr uint8_t kGateInterrupt16 = 0x6;
constexpr uint8_t kGateTrap16 = 0x7;

const char* vector_name(uint8_t v) {
    static const char* names[32] = {"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
                                    "#DF", "CSO", "#TS", "#NP", "#SS", "#GP", "#PF", "#15",
                                    "#MF", "#AC", "#MC", "#XM", "#VE", "#21", "#22", "#23",
                                    "#24", "#25", "#26", "#27", "#28", "#29", "#SX", "#31"};
    return v < 32 ? names[v] : "INT";
}

bool contributory(uint8_t v) { return v == 0 || (v >= 10 && v <= 13); }

// CR2 for a fault on the page of byte `a` of an access that starts at `start`: the
// access's first byte on that page, as Unicorn (like QEMU) reports for instructions.
uint32_t first_byte_on_page(uint32_t start, uint32_t a) { return std::max(start, a & ~0xfffu); }

// A fault met while delivering: delivered next, or merged into #DF.
struct Fault {
    uint8_t vector = 0;
    uint32_t error_code = 0;
    uint32_t cr2 = 0;
};

struct Descriptor {
    uint32_t lo = 0, hi = 0;
    uint64_t raw() const { return uint64_t{hi} << 32 | lo; }
    bool present() const { return hi & 0x8000u; }
    uint8_t dpl() const { return (hi >> 13) & 3u; }
    uint8_t type() const { return (hi >> 8) & 0xfu; }
    bool system() const { return !(hi & 0x1000u); }
    // Segment descriptors
    uint32_t base() const { return (lo >> 16) | ((hi & 0xffu) << 16) | (hi & 0xff000000u); }
    // The last valid offset; with G = 1 the limit counts 4 KiB pages.
    uint32_t limit() const {
        uint32_t raw = (lo & 0xffffu) | (hi & 0xf0000u);
        return (hi & 0x800000u) ? (raw << 12) | 0xfffu : raw;
    }
    bool code() const { return !system() && (type() & 0x8u); }
    bool conforming() const { return code() && (type() & 0x4u); }
    bool writable_data() const { return !system() && !(type() & 0x8u) && (type() & 0x2u); }
    bool expand_down() const { return !system() && !(type() & 0x8u) && (type() & 0x4u); }
    bool big() const { return hi & 0x400000u; }  // D/B: 32-bit
    // Whether the bytes offset .. offset + size - 1 lie inside the segment (SDM vol. 3, 5.3).
    // An expand-down segment holds the offsets above its limit, up to 0xffff or (B = 1)
    // 0xffffffff. Wrapping around a 4 GiB segment is implementation-specific: allowed here.
    bool holds(uint32_t offset, uint32_t size) const {
        const uint64_t last = uint64_t(offset) + size - 1;
        if (expand_down()) return offset > limit() && last <= (big() ? 0xffffffffu : 0xffffu);
        return limit() == 0xffffffffu || last <= limit();
    }
    // Gate descriptors
    uint16_t gate_selector() const { return static_cast<uint16_t>(lo >> 16); }
    uint32_t gate_offset() const { return (lo & 0xffffu) | (hi & 0xffff0000u); }
};

// One delivery attempt. Either it completes (registers written) or it reports the first
// fault met; nothing in the guest changes before every check has passed.
class Attempt {
public:
    Attempt(Cpu& cpu, PageWalker& walker, const InterruptEvent& ev)
        : cpu_(cpu), walker_(walker), ev_(ev) {
        mode_ = PagingMode{cpu.reg(Reg::Cr0), cpu.reg(Reg::Cr3), cpu.reg(Reg::Cr4)};
        // EXT (SDM vol. 3, 6.13): the fault was met while delivering an event external to
        // the program (an interrupt or an earlier exception), not an int n, int3 or into.
        ext_ = ev.source == EventSource::Software ? 0u : 1u;
        gdt_ = cpu.gdtr();
    }

    // Ok(true): delivered. Ok(false): `fault` holds what went wrong. Error: unsupported.
    Result<bool> run(DeliveryRecord& record, Fault& fault);

private:
    // Reads `size` bytes (8, 4 or 2) as an implicit supervisor access (IDT, GDT, TSS).
    Result<bool> read_system(uint32_t linear, uint8_t* out, uint32_t size, Fault& fault);
    Result<bool> read_system(uint32_t linear, uint32_t& out, Fault& fault, uint32_t size = 4);
    Result<bool> read_descriptor(uint32_t table_base, uint32_t index, Descriptor& d, Fault& fault);
    // A selector outside the GDT raises `outside` (#GP, or #TS for SS0) with the selector.
    Result<bool> read_gdt(uint16_t selector, uint8_t outside, Descriptor& d, Fault& fault);
    Fault gp(uint32_t code) const { return Fault{13, code | ext_}; }

    Cpu& cpu_;
    PageWalker& walker_;
    const InterruptEvent& ev_;
    PagingMode mode_;
    DescriptorTable gdt_;  // read once: a delivery reads up to three descriptors
    uint32_t ext_ = 0;
};

Result<bool> Attempt::read_system(uint32_t linear, uint8_t* out, uint32_t size, Fault& fault) {
    // The first byte's page, then the last byte's if that is another: each translated once.
    const uint32_t last = linear + size - 1;
    const uint32_t split = (linear >> 12) == (last >> 12) ? size : 0x1000u - (linear & 0xfffu);
    if (split == size)
        if (auto paddr = walker_.cached_translation(mode_, linear, Access::Read, false)) {
            std::memcpy(out, walker_.ram().data() + *paddr, size);  // a whole page of RAM is there
            return true;
        }
    for (uint32_t a : {linear, last}) {
        const bool first = a == linear;
        if (!first && split == size) break;
        auto t = walker_.translate(mode_, a, Access::Read, false);
        if (!t) return t.error();
        if (!t->ok) {
            fault = Fault{14, t->fault_error_code, first_byte_on_page(linear, a)};
            return false;
        }
        const uint32_t paddr = first ? t->paddr : t->paddr & ~0xfffu;
        const uint32_t n = first ? split : size - split;
        // translate() checked the page's first byte; the piece stays on that page, but
        // RAM may end inside it.
        if (!walker_.ram().contains(paddr, n)) return make_error(ErrorKind::MachineFault, "a descriptor table is outside RAM");
        std::memcpy(out + (first ? 0 : split), walker_.ram().data() + paddr, n);
    }
    return true;
}

Result<bool> Attempt::read_system(uint32_t linear, uint32_t& out, Fault& fault, uint32_t size) {
    uint8_t b[4] = {};
    if (auto r = read_system(linear, b, size, fault); !r || !*r) return r;
    out = uint32_t(b[0]) | uint32_t(b[1]) << 8 | uint32_t(b[2]) << 16 | uint32_t(b[3]) << 24;
    return true;
}

// One 8-byte access, as the CPU reads a descriptor.
Result<bool> Attempt::read_descriptor(uint32_t table_base, uint32_t index, Descriptor& d, Fault& fault) {
    uint8_t b[8];
    if (auto r = read_system(table_base + index * 8, b, 8, fault); !r || !*r) return r;
    std::memcpy(&d.lo, b, 4);
    std::memcpy(&d.hi, b + 4, 4);
    return true;
}

Result<bool> Attempt::read_gdt(uint16_t selector, uint8_t outside, Descriptor& d, Fault& fault) {
    const DescriptorTable& gdt = gdt_;
    // No LDT is modelled: a TI=1 selector is outside its table, like one past the GDT limit.
    if ((selector & 4u) || (selector | 7u) > gdt.limit) {
        fault = Fault{outside, (selector & 0xfffcu) | ext_};
        return false;
    }
    return read_descriptor(gdt.base, selector >> 3, d, fault);
}

Result<bool> Attempt::run(DeliveryRecord& record, Fault& fault) {
    const uint8_t vector = ev_.vector;
    const uint32_t idt_error = (uint32_t(vector) << 3) | 2u | ext_;
    char msg[160];

    // Delivery from virtual-8086 mode pushes the data segments and loads null ones; the
    // guest can only get there by an iret at CPL 0 (at CPL 3 VM is ignored: Cpu::run_alone).
    if (cpu_.reg(Reg::Eflags) & kEflagsVm) {
        std::snprintf(msg, sizeof msg, "vector %u arrives in virtual-8086 mode, which forkscope does not model",
                      vector);
        return make_error(ErrorKind::MachineFault, msg);
    }

    // The gate.
    DescriptorTable idt = cpu_.idtr();
    if (uint32_t(vector) * 8 + 7 > idt.limit) {
        fault = Fault{13, idt_error};
        return false;
    }
    Descriptor gate;
    if (auto r = read_descriptor(idt.base, vector, gate, fault); !r || !*r) return r;
    // A code or data descriptor (S = 1) is no gate, whatever its type bits say.
    const uint8_t type = gate.type();
    const bool is_gate = gate.system() && (type == kGateTask || type == kGateInterrupt16 || type == kGateTrap16 ||
                                           type == kGateInterrupt32 || type == kGateTrap32);
    if (!is_gate) {
        fault = Fault{13, idt_error};
        return false;
    }
    const uint8_t cpl = cpu_.cpl();
    // int n may only use gates the caller's privilege reaches; exceptions and IRQs may not fail here.
    if (ev_.source == EventSource::Software && gate.dpl() < cpl) {
        fault = Fault{13, (uint32_t(vector) << 3) | 2u};
        return false;
    }
    if (!gate.present()) {
        fault = Fault{11, idt_error};
        return false;
    }
    // Only now does the kind of gate matter (SDM, INT n).
    if (type == kGateTask) {
        std::snprintf(msg, sizeof msg, "vector %u uses a task gate, which forkscope does not model", vector);
        return make_error(ErrorKind::MachineFault, msg);
    }
    if (type == kGateInterrupt16 || type == kGateTrap16) {
        std::snprintf(msg, sizeof msg, "vector %u uses a 16-bit gate, which forkscope does not model", vector);
        return make_error(ErrorKind::MachineFault, msg);
    }

    // The handler's code segment.
    const uint16_t cs = gate.gate_selector();
    if ((cs & 0xfffcu) == 0) {
        fault = gp(0);
        return false;
    }
    Descriptor code;
    if (auto r = read_gdt(cs, 13, code, fault); !r || !*r) return r;
    if (!code.code() || code.dpl() > cpl) {
        fault = gp(cs & 0xfffcu);
        return false;
    }
    if (!code.present()) {
        fault = Fault{11, (cs & 0xfffcu) | ext_};
        return false;
    }
    const uint8_t new_cpl = code.conforming() ? cpl : code.dpl();
    const bool ring_change = new_cpl < cpl;
    if (ring_change && new_cpl != 0) {
        std::snprintf(msg, sizeof msg, "vector %u enters ring %u; forkscope models rings 0 and 3", vector, new_cpl);
        return make_error(ErrorKind::MachineFault, msg);
    }

    // The stack: the TSS's SS0:ESP0 on a ring change, else the current one.
    uint32_t old_esp = cpu_.reg(Reg::Esp);
    uint16_t old_ss = static_cast<uint16_t>(cpu_.reg(Reg::Ss));
    uint16_t new_ss = old_ss;
    uint32_t new_esp = old_esp;
    Descriptor stack;
    if (ring_change) {
        uint32_t tss_base = 0, esp0 = 0, ss0 = 0;
        {
            // The CPU uses TR's cached base and limit; the Cpu does not expose them, so
            // they are read from the GDT, which is the same unless the guest edited it since ltr.
            uint16_t tr = static_cast<uint16_t>(cpu_.reg(Reg::Tr));
            Descriptor tss;
            if (auto r = read_gdt(tr, 13, tss, fault); !r || !*r) return r;
            tss_base = tss.base();
            if ((tr & 0xfffcu) == 0) {
                fault = Fault{10, ext_};
                return false;
            }
            // ESP0 and SS0 are bytes 4..9 of a 32-bit TSS.
            if (tss.limit() < 9) {
                fault = Fault{10, (tr & 0xfffcu) | ext_};
                return false;
            }
        }
        if (auto r = read_system(tss_base + 4, esp0, fault); !r || !*r) return r;
        if (auto r = read_system(tss_base + 8, ss0, fault, 2); !r || !*r) return r;  // a word
        new_ss = static_cast<uint16_t>(ss0);
        new_esp = esp0;
        if ((new_ss & 0xfffcu) == 0 || (new_ss & 3u) != new_cpl) {
            fault = Fault{10, (new_ss & 0xfffcu) | ext_};
            return false;
        }
        // Outside the table: #TS (SDM, INT n). A page fault reading the descriptor stays #PF.
        if (auto r = read_gdt(new_ss, 10, stack, fault); !r || !*r) return r;
        if (!stack.writable_data() || stack.dpl() != new_cpl) {
            fault = Fault{10, (new_ss & 0xfffcu) | ext_};
            return false;
        }
        if (!stack.present()) {
            fault = Fault{12, (new_ss & 0xfffcu) | ext_};
            return false;
        }
    } else {
        if (auto r = read_gdt(old_ss, 13, stack, fault); !r || !*r) return r;
    }

    // The frame: [SS, ESP,] EFLAGS, CS, EIP [, error code], highest address first.
    uint32_t eflags = cpu_.reg(Reg::Eflags);
    uint32_t frame[6];
    int n = 0;
    if (ring_change) {
        frame[n++] = old_ss;
        frame[n++] = old_esp;
    }
    frame[n++] = eflags;
    frame[n++] = cpu_.reg(Reg::Cs) & 0xffffu;
    frame[n++] = ev_.return_eip;
    if (ev_.has_error_code) frame[n++] = ev_.error_code;

    // The stack must have room for the whole frame: #SS(SS0) on the new stack, #SS with a
    // null selector on the current one.
    const uint32_t frame_size = 4u * static_cast<uint32_t>(n);
    if (!stack.holds(new_esp - frame_size, frame_size)) {
        fault = Fault{12, (ring_change ? (new_ss & 0xfffcu) : 0u) | ext_};
        return false;
    }
    // The handler must start inside its code segment.
    if (gate.gate_offset() > code.limit()) {
        fault = gp(0);
        return false;
    }

    // Each push is checked from the highest down, its first byte's page and then its
    // last byte's, as the pushes would meet a fault; the frame covers at most two pages,
    // each translated once. Nothing is written before every push has passed.
    const uint32_t frame_linear = stack.base() + new_esp - frame_size;
    struct Page {
        uint32_t paddr = 0;
        bool done = false;
    } pages[2];
    for (int i = 0; i < n; ++i) {
        const uint32_t linear = stack.base() + new_esp - 4u * static_cast<uint32_t>(i + 1);
        for (uint32_t a : {linear, linear + 3}) {
            Page& page = pages[(a >> 12) == (frame_linear >> 12) ? 0 : 1];
            if (page.done) continue;
            if (auto paddr = walker_.cached_translation(mode_, a, Access::Write, new_cpl == 3)) {
                page = {*paddr & ~0xfffu, true};
                continue;
            }
            auto t = walker_.translate(mode_, a, Access::Write, new_cpl == 3);
            if (!t) return t.error();
            if (!t->ok) {
                fault = Fault{14, t->fault_error_code, first_byte_on_page(linear, a)};
                return false;
            }
            if (!walker_.ram().contains(t->paddr & ~0xfffu, 0x1000))
                return make_error(ErrorKind::MachineFault, "a stack page is outside RAM");
            page = {t->paddr & ~0xfffu, true};
        }
    }
    // Every check has passed: write the frame, then the registers.
    uint8_t* ram = walker_.ram().data();
    auto page_of = [&](uint32_t a) -> uint8_t* {
        return ram + (pages[(a >> 12) == (frame_linear >> 12) ? 0 : 1].paddr | (a & 0xfffu));
    };
    for (int i = 0; i < n; ++i) {
        const uint32_t linear = frame_linear + frame_size - 4u * static_cast<uint32_t>(i + 1);
        if ((linear >> 12) == ((linear + 3) >> 12)) {
            std::memcpy(page_of(linear), &frame[i], 4);  // little-endian host, like the guest
            continue;
        }
        for (uint32_t k = 0; k < 4; ++k) *page_of(linear + k) = static_cast<uint8_t>(frame[i] >> (8 * k));
    }
    const uint32_t esp = new_esp - frame_size;
    // CS.RPL becomes the new CPL; the RPL in the gate's selector is ignored.
    const uint16_t new_cs = static_cast<uint16_t>((cs & 0xfffcu) | new_cpl);
    if (auto r = cpu_.load_for_delivery(new_cs, code.raw(), ring_change, new_ss, stack.raw()); !r) return r.error();
    cpu_.set_reg(Reg::Esp, esp);
    cpu_.clear_eflags(kEflagsTf | kEflagsNt | kEflagsRf | kEflagsVm | (type == kGateInterrupt32 ? kEflagsIf : 0u));
    cpu_.set_reg(Reg::Eip, gate.gate_offset());

    record.vector = vector;
    record.has_error_code = ev_.has_error_code;
    record.error_code = ev_.error_code;
    record.privilege_change = ring_change;
    record.frame_esp = esp;
    return true;
}

std::string describe(const InterruptEvent& ev) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "vector %u (%s", ev.vector, vector_name(ev.vector));
    std::string s = buf;
    if (ev.has_error_code) {
        std::snprintf(buf, sizeof buf, ", error 0x%x", ev.error_code);
        s += buf;
    }
    if (ev.vector == 14) {
        std::snprintf(buf, sizeof buf, ", CR2 0x%08x", ev.cr2);
        s += buf;
    }
    return s + ")";
}

}  // namespace

InterruptEvent event_for_exit(const CpuExit& exit) {
    InterruptEvent ev;
    ev.vector = exit.kind == CpuExitKind::InvalidOpcode ? 6 : exit.vector;
    ev.source = exit.software ? EventSource::Software : EventSource::Exception;
    ev.has_error_code = exit.has_error_code;
    ev.error_code = exit.error_code;
    ev.cr2 = exit.cr2;
    ev.return_eip = exit.eip;
    ev.instruction_eip = exit.instruction_eip;
    return ev;
}

Result<bool> try_deliver(Cpu& cpu, PageWalker& walker, const InterruptEvent& event, DeliveryRecord& record) {
    Fault fault;
    Attempt attempt(cpu, walker, event);
    return attempt.run(record, fault);
}

Result<DeliveryRecord> deliver_interrupt(Cpu& cpu, PageWalker& walker, const InterruptEvent& event) {
    InterruptEvent current = event;
    std::string history;  // the events so far, for a triple fault's message; built only on a nested fault
    DeliveryRecord record;
    for (int nested = 0;; ++nested) {
        Fault fault;
        Attempt attempt(cpu, walker, current);
        auto r = attempt.run(record, fault);
        if (!r) return r.error();
        if (*r) {
            record.nested_faults = nested;
            return record;
        }
        // The CPU loads CR2 when it detects a page fault, whatever becomes of it next
        // (delivered, merged into #DF, or a triple fault).
        if (fault.vector == 14) cpu.set_reg(Reg::Cr2, fault.cr2);
        InterruptEvent next;
        next.source = EventSource::Exception;
        // A software interrupt that cannot be delivered faults on the int instruction.
        next.return_eip = event.source == EventSource::Software ? event.instruction_eip : event.return_eip;
        next.instruction_eip = next.return_eip;
        const bool was_exception = current.source == EventSource::Exception;
        const bool double_fault =
            was_exception && ((contributory(current.vector) && contributory(fault.vector)) ||
                              (current.vector == 14 && (contributory(fault.vector) || fault.vector == 14)));
        InterruptEvent faulting;
        faulting.vector = fault.vector;
        faulting.has_error_code = vector_has_error_code(fault.vector);
        faulting.error_code = fault.error_code;
        faulting.cr2 = fault.cr2;
        if (history.empty()) history = describe(event);
        if ((was_exception && current.vector == 8) || nested >= 4) {
            char buf[64];
            std::snprintf(buf, sizeof buf, " at EIP 0x%08x", event.return_eip);
            return make_error(ErrorKind::MachineFault,
                              "triple fault: " + describe(faulting) + " while delivering #DF; events: " +
                                  history + buf);
        }
        if (double_fault) {
            next.vector = 8;
            next.has_error_code = true;
            next.error_code = 0;
        } else {
            next.vector = fault.vector;
            next.has_error_code = faulting.has_error_code;
            next.error_code = fault.error_code;
            next.cr2 = fault.cr2;
        }
        history += " -> " + describe(faulting);
        current = next;
    }
}

}  // namespace forkscope

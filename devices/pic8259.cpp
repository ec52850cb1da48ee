#include "devices/pic8259.h"

#include <spdlog/spdlog.h>

#include "base/log.h"

namespace forkscope {

namespace {

uint8_t bit(unsigned ir) { return static_cast<uint8_t>(1u << (ir & 7)); }

// ICW1
constexpr uint8_t kIcw1Ic4 = 0x01;
constexpr uint8_t kIcw1Single = 0x02;
constexpr uint8_t kIcw1Ltim = 0x08;
constexpr uint8_t kIcw1 = 0x10;  // D4 tells ICW1 from OCW2/OCW3
// ICW4
constexpr uint8_t kIcw4Mode8086 = 0x01;
constexpr uint8_t kIcw4Aeoi = 0x02;
constexpr uint8_t kIcw4Buffered = 0x08;
constexpr uint8_t kIcw4Sfnm = 0x10;
// OCW3
constexpr uint8_t kOcw3 = 0x08;  // D3 tells OCW3 from OCW2
constexpr uint8_t kOcw3Ris = 0x01;
constexpr uint8_t kOcw3Rr = 0x02;
constexpr uint8_t kOcw3Poll = 0x04;
constexpr uint8_t kOcw3Smm = 0x20;
constexpr uint8_t kOcw3Esmm = 0x40;

}  // namespace

// ---------------------------------------------------------------------------------------
// One chip

Pic8259::Pic8259(bool is_master) : master_(is_master), log_(logger("pic")) { reset(); }

void Pic8259::reset() {
    const uint8_t lines = s_.lines;  // the wires keep their level across a reset
    s_ = Pic8259State{};
    s_.lines = lines;
    s_.icw3 = master_ ? bit(Pic8259Cascade::kCascadeIr) : Pic8259Cascade::kCascadeIr;
}

unsigned Pic8259::best_rank(uint8_t mask) const {
    for (unsigned rank = 0; rank < 8; ++rank) {
        if (mask & bit(ir_of_rank(rank))) return rank;
    }
    return 8;
}

int Pic8259::pending() const {
    const unsigned request = best_rank(s_.irr & ~s_.imr);
    if (request == 8) return -1;
    uint8_t in_service = s_.isr;
    // Special mask mode: a masked level in service does not hold off other levels.
    if (s_.special_mask) in_service &= ~s_.imr;
    // SFNM: a slave in service does not hold off a further, higher request from it.
    if (s_.sfnm && master_ && !s_.single) in_service &= ~s_.icw3;
    if (request < best_rank(in_service)) return static_cast<int>(ir_of_rank(request));
    return -1;
}

bool Pic8259::has_slave_on(unsigned ir) const {
    return master_ && !s_.single && ir < 8 && (s_.icw3 & bit(ir));
}

void Pic8259::set_input(unsigned ir, bool high) {
    if (ir >= 8) return;
    const uint8_t b = bit(ir);
    const bool was_high = s_.lines & b;
    if (high) {
        s_.lines |= b;
    } else {
        s_.lines &= ~b;
    }
    if (s_.level_triggered) {
        // Level mode: the request is the line.
        if (high) {
            s_.irr |= b;
        } else {
            s_.irr &= ~b;
        }
    } else if (high && !was_high) {
        s_.irr |= b;  // rising edge latches; the latch survives the line falling
    }
}

void Pic8259::acknowledge(unsigned ir) {
    const uint8_t b = bit(ir);
    if (s_.auto_eoi) {
        // AEOI: the ISR bit is set and cleared within INTA; only rotation is visible.
        if (s_.rotate_on_aeoi) s_.highest = (ir + 1) & 7;
    } else {
        s_.isr |= b;
    }
    // A level-triggered request stays while the line is high; ISR holds it off.
    if (!s_.level_triggered) s_.irr &= ~b;
}

uint8_t Pic8259::read(unsigned a0) {
    if (s_.poll) {
        // The datasheet's poll: this read is the INTA; either port returns the byte.
        s_.poll = false;
        return poll_read();
    }
    if (a0 & 1) return s_.imr;
    return s_.read_isr ? s_.isr : s_.irr;
}

uint8_t Pic8259::poll_read() {
    const int ir = pending();
    if (ir < 0) return 0x00;
    acknowledge(static_cast<unsigned>(ir));
    return static_cast<uint8_t>(0x80 | ir);
}

void Pic8259::write(unsigned a0, uint8_t value) {
    if (a0 & 1) {
        write_data(value);
    } else {
        write_command(value);
    }
}

void Pic8259::write_command(uint8_t value) {
    if (value & kIcw1) {
        icw1(value);
    } else if (value & kOcw3) {
        ocw3(value);
    } else {
        ocw2(value);
    }
}

void Pic8259::icw1(uint8_t value) {
    // ICW1 starts initialisation over: IMR cleared, IR7 lowest, special mask off, status
    // read set to IRR, ICW4 functions zeroed. The edge detector is reset, so a request
    // needs a new low-to-high transition after initialisation.
    const uint8_t lines = s_.lines;
    const uint8_t icw3 = s_.icw3;
    s_ = Pic8259State{};
    s_.lines = lines;
    s_.icw3 = icw3;
    s_.mode_8086 = false;  // ICW4 (or its absence) decides
    s_.icw4_expected = value & kIcw1Ic4;
    s_.single = value & kIcw1Single;
    s_.level_triggered = value & kIcw1Ltim;
    if (s_.level_triggered) s_.irr = s_.lines;
    s_.init_step = 2;
    log_->debug("{}: ICW1 {:#04x} ({}, {}, {})", who(), value,
                s_.icw4_expected ? "ICW4 follows" : "no ICW4", s_.single ? "single" : "cascade",
                s_.level_triggered ? "level triggered" : "edge triggered");
}

void Pic8259::write_data(uint8_t value) {
    switch (s_.init_step) {
    case 0:  // OCW1
        s_.imr = value;
        log_->trace("{}: IMR {:#04x}", who(), value);
        return;
    case 2:  // ICW2
        s_.vector_base = value & 0xF8;
        log_->debug("{}: ICW2 vector base {:#04x}", who(), s_.vector_base);
        s_.init_step = !s_.single ? 3 : s_.icw4_expected ? 4 : 0;
        break;
    case 3:  // ICW3
        s_.icw3 = value;
        log_->debug("{}: ICW3 {:#04x}", who(), value);
        if (master_ && value != bit(Pic8259Cascade::kCascadeIr)) {
            log_->warn("master: ICW3 {:#04x}, but the PC has its slave on IR2 only", value);
        } else if (!master_ && value != Pic8259Cascade::kCascadeIr) {
            log_->warn("slave: ICW3 id {:#04x}, but the PC wires it to master IR2", value);
        }
        s_.init_step = s_.icw4_expected ? 4 : 0;
        break;
    case 4:  // ICW4
        s_.mode_8086 = value & kIcw4Mode8086;
        s_.auto_eoi = value & kIcw4Aeoi;
        s_.sfnm = value & kIcw4Sfnm;
        log_->debug("{}: ICW4 {:#04x}{}{}", who(), value, s_.auto_eoi ? " AEOI" : "",
                    s_.sfnm ? " SFNM" : "");
        if (value & kIcw4Buffered) log_->debug("{}: buffered mode has no effect here", who());
        s_.init_step = 0;
        break;
    default:
        s_.init_step = 0;
        break;
    }
    if (s_.init_step == 0 && !s_.mode_8086) {
        log_->warn("{}: MCS-80/85 mode (no ICW4 or ICW4.uPM=0) is not emulated; "
                   "vectors are delivered as in 8086 mode", who());
    }
}

void Pic8259::ocw2(uint8_t value) {
    const unsigned level = value & 7;
    switch (value >> 5) {
    case 0:  // clear rotate in AEOI mode
        s_.rotate_on_aeoi = false;
        break;
    case 4:  // set rotate in AEOI mode
        s_.rotate_on_aeoi = true;
        break;
    case 1:    // non-specific EOI: the highest-priority level in service ends
    case 5: {  // ... and becomes the lowest priority
        const unsigned rank = best_rank(s_.isr);
        if (rank == 8) {
            log_->trace("{}: EOI with nothing in service", who());
            break;
        }
        const unsigned ir = ir_of_rank(rank);
        s_.isr &= ~bit(ir);
        if (value >> 5 == 5) s_.highest = (ir + 1) & 7;
        log_->trace("{}: EOI IR{}", who(), ir);
        break;
    }
    case 3:  // specific EOI
    case 7:  // rotate on specific EOI
        s_.isr &= ~bit(level);
        if (value >> 5 == 7) s_.highest = (level + 1) & 7;
        log_->trace("{}: specific EOI IR{}", who(), level);
        break;
    case 6:  // set priority: level becomes the lowest
        s_.highest = (level + 1) & 7;
        break;
    default:  // 2: no operation
        break;
    }
}

void Pic8259::ocw3(uint8_t value) {
    if (value & kOcw3Rr) s_.read_isr = value & kOcw3Ris;
    if (value & kOcw3Poll) s_.poll = true;
    if (value & kOcw3Esmm) s_.special_mask = value & kOcw3Smm;
}

// ---------------------------------------------------------------------------------------
// The PC/AT cascade

Pic8259Cascade::Pic8259Cascade() : log_(logger("pic")) {}

void Pic8259Cascade::reset() {
    master_.reset();
    slave_.reset();
    sync_cascade();
}

uint8_t Pic8259Cascade::read_byte(uint16_t port) {
    switch (port) {
    case kMasterPort:
    case kMasterPort + 1:
        return master_.read(port & 1);
    case kSlavePort:
    case kSlavePort + 1: {
        const uint8_t value = slave_.read(port & 1);
        sync_cascade();  // a poll read acknowledges
        return value;
    }
    default:
        return 0xFF;  // not ours (the tail of a wide access)
    }
}

void Pic8259Cascade::write_byte(uint16_t port, uint8_t value) {
    switch (port) {
    case kMasterPort:
    case kMasterPort + 1:
        master_.write(port & 1, value);
        break;
    case kSlavePort:
    case kSlavePort + 1:
        slave_.write(port & 1, value);
        sync_cascade();
        break;
    default:
        break;
    }
}

uint32_t Pic8259Cascade::port_read(uint16_t port, unsigned size) {
    uint32_t value = 0;
    for (unsigned i = 0; i < size && i < 4; ++i) {
        value |= uint32_t{read_byte(static_cast<uint16_t>(port + i))} << (8 * i);
    }
    return value;
}

void Pic8259Cascade::port_write(uint16_t port, unsigned size, uint32_t value) {
    for (unsigned i = 0; i < size && i < 4; ++i) {
        write_byte(static_cast<uint16_t>(port + i), static_cast<uint8_t>(value >> (8 * i)));
    }
}

void Pic8259Cascade::set_irq_level(unsigned irq, bool high) {
    if (irq >= 16 || irq == kCascadeIr) {
        log_->warn("IRQ {} {} ignored: {}", irq, high ? "raised" : "lowered",
                   irq == kCascadeIr ? "IRQ 2 is the cascade input" : "no such line");
        return;
    }
    if (irq < 8) {
        master_.set_input(irq, high);
    } else {
        slave_.set_input(irq - 8, high);
        sync_cascade();
    }
}

uint8_t Pic8259Cascade::acknowledge() {
    const int ir = master_.pending();
    if (ir < 0) {
        // INTR was withdrawn before INTA: the master answers with its IR7 vector and
        // sets no ISR bit, like the real part.
        const uint8_t vector = master_.state().vector_base | 7;
        log_->debug("spurious IRQ 7 (vector {:#04x})", vector);
        return vector;
    }
    const unsigned mir = static_cast<unsigned>(ir);
    if (!master_.has_slave_on(mir)) {
        master_.acknowledge(mir);
        const uint8_t vector = static_cast<uint8_t>(master_.state().vector_base + mir);
        log_->trace("INTA IRQ {} vector {:#04x}", mir, vector);
        return vector;
    }

    // The slave supplies the vector; the master still marks IR2 in service.
    uint8_t vector;
    const int sir = slave_.pending();
    if (sir >= 0) {
        slave_.acknowledge(static_cast<unsigned>(sir));
        vector = static_cast<uint8_t>(slave_.state().vector_base + sir);
        log_->trace("INTA IRQ {} vector {:#04x}", 8 + sir, vector);
    } else {
        vector = slave_.state().vector_base | 7;
        log_->debug("spurious IRQ 15 (vector {:#04x}); master IR2 stays in service", vector);
    }
    master_.acknowledge(mir);
    // The slave's INT falls during INTA and rises again if a request remains (e.g. a
    // second one in AEOI mode): a fresh edge for the master's IR2.
    master_.set_input(kCascadeIr, false);
    sync_cascade();
    return vector;
}

}  // namespace forkscope

#include "devices/uart16550.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "base/log.h"

namespace forkscope {

using namespace uart;

namespace {

}  // namespace

Uart16550::Uart16550(IrqLine irq, std::function<void(uint8_t)> tx, const Clock* clock)
    : irq_(irq), tx_(std::move(tx)), clock_(clock), log_(logger("uart")) {
    reset();
}

void Uart16550::reset() {
    s_ = Uart16550State{};
    s_.msr = modem_inputs();
    update_irq();
}

// ---------------------------------------------------------------------------------------
// Port access

uint32_t Uart16550::port_read(uint16_t port, unsigned size) {
    // A character timeout that has fallen due shows in IIR and LSR at once, whenever the
    // run loop last advanced the device: what the guest reads depends on guest time only.
    if (clock_) advance_to(clock_->now_ns());
    uint32_t value = 0;
    for (unsigned i = 0; i < size && i < 4; ++i) {
        const unsigned offset = (port & 7u) + i;
        const uint8_t byte = offset < kPortCount ? read_reg(offset) : 0xFF;
        value |= uint32_t{byte} << (8 * i);
    }
    return value;
}

void Uart16550::port_write(uint16_t port, unsigned size, uint32_t value) {
    if (clock_) advance_to(clock_->now_ns());
    for (unsigned i = 0; i < size && i < 4; ++i) {
        const unsigned offset = (port & 7u) + i;
        if (offset < kPortCount) write_reg(offset, static_cast<uint8_t>(value >> (8 * i)));
    }
}

uint8_t Uart16550::read_reg(unsigned offset) {
    const bool dlab = s_.lcr & kLcrDlab;
    switch (offset) {
    case kRbrThr:
        if (dlab) return static_cast<uint8_t>(s_.divisor & 0xFF);
        if (s_.rx_count > 0) {
            s_.rbr = pop_rx();
            update_irq();
        }
        return s_.rbr;
    case kIer:
        if (dlab) return static_cast<uint8_t>(s_.divisor >> 8);
        return s_.ier;
    case kIirFcr: {
        const uint8_t iir = current_iir();
        // Reading IIR while it shows THRE is the acknowledgement of that interrupt.
        if ((iir & 0x0F) == kIirThre) {
            s_.thre_pending = false;
            update_irq();
        }
        return iir;
    }
    case kLcr:
        return s_.lcr;
    case kMcr:
        return s_.mcr;
    case kLsr: {
        const uint8_t lsr = s_.lsr;
        // Reading LSR clears the error bits and with them the line status interrupt.
        if (s_.lsr & kLsrErrors) {
            s_.lsr &= ~kLsrErrors;
            update_irq();
        }
        return lsr;
    }
    case kMsr: {
        const uint8_t msr = s_.msr;
        if (s_.msr & kMsrDeltas) {
            s_.msr &= ~kMsrDeltas;
            update_irq();
        }
        return msr;
    }
    default:  // kScr
        return s_.scr;
    }
}

void Uart16550::write_reg(unsigned offset, uint8_t value) {
    const bool dlab = s_.lcr & kLcrDlab;
    switch (offset) {
    case kRbrThr:
        if (dlab) {
            s_.divisor = static_cast<uint16_t>((s_.divisor & 0xFF00) | value);
            log_divisor();
        } else {
            transmit(value);
        }
        break;
    case kIer:
        if (dlab) {
            s_.divisor = static_cast<uint16_t>((s_.divisor & 0x00FF) | (value << 8));
            log_divisor();
        } else {
            const uint8_t changed = (s_.ier ^ value) & 0x0F;
            s_.ier = value & 0x0F;
            // Enabling THRE with the holding register empty raises it at once.
            if (changed & kIerThre) s_.thre_pending = (s_.ier & kIerThre) && (s_.lsr & kLsrThre);
            update_irq();
        }
        break;
    case kIirFcr:
        write_fcr(value);
        break;
    case kLcr:
        s_.lcr = value;
        log_->debug("LCR {:#04x}: {} data bits, {} stop, parity {}{}", value,
                    5 + (value & kLcrWordLen), (value & kLcrStop) ? 2 : 1,
                    (value & kLcrParity) ? "on" : "off", (value & kLcrDlab) ? ", DLAB" : "");
        break;
    case kMcr:
        write_mcr(value);
        break;
    case kLsr:
    case kMsr:
        break;  // factory test registers: writes ignored, as by QEMU
    default:  // kScr
        s_.scr = value;
        break;
    }
}

void Uart16550::log_divisor() const {
    log_->debug("divisor {} ({} baud)", s_.divisor, kBaudBase / std::max<uint32_t>(s_.divisor, 1));
}

void Uart16550::write_fcr(uint8_t value) {
    const bool enable = value & kFcrEnable;
    // Switching FIFO mode on or off empties both FIFOs.
    if (enable != fifo_enabled()) clear_rx();
    if (!enable) {
        // With FCR0 = 0 the other bits are not programmed.
        s_.fcr = 0;
    } else {
        if (value & kFcrClearRx) clear_rx();
        // kFcrClearTx: the transmitter is always empty here, nothing to clear.
        s_.fcr = value & (kFcrEnable | kFcrDmaMode | kFcrTrigger);
        log_->debug("FIFOs on, RX trigger {}", rx_trigger_level());
    }
    update_irq();
}

void Uart16550::write_mcr(uint8_t value) {
    const uint8_t old_inputs = modem_inputs();
    const bool was_loop = s_.mcr & kMcrLoop;
    s_.mcr = value & 0x1F;
    if (was_loop != bool(s_.mcr & kMcrLoop)) {
        log_->debug("loopback {}", (s_.mcr & kMcrLoop) ? "on" : "off");
    }
    update_msr_deltas(old_inputs);
    update_irq();
}

unsigned Uart16550::rx_trigger_level() const {
    static constexpr unsigned kLevels[4] = {1, 4, 8, 14};
    return fifo_enabled() ? kLevels[s_.fcr >> 6] : 1;
}

// ---------------------------------------------------------------------------------------
// Transmitter and receiver

void Uart16550::transmit(uint8_t byte) {
    // Writing THR clears the THRE interrupt; the byte leaves at once and THR is empty
    // again, which re-arms it. The two updates give an edge-triggered PIC a new edge.
    s_.thre_pending = false;
    s_.lsr &= ~(kLsrThre | kLsrTemt);
    update_irq();
    if (s_.mcr & kMcrLoop) {
        push_rx(byte);  // loopback: TX is wired to RX internally, the host sees nothing
    } else if (tx_) {
        tx_(byte);
    }
    s_.lsr |= kLsrThre | kLsrTemt;
    s_.thre_pending = true;
    update_irq();
}

bool Uart16550::receive(uint8_t byte) {
    if (s_.mcr & kMcrLoop) {
        log_->trace("host byte {:#04x} dropped: loopback disconnects the serial input", byte);
        return false;
    }
    const bool ok = push_rx(byte);
    if (clock_) s_.rx_line_free_ns = clock_->now_ns() + char_time_ns();
    update_irq();
    return ok;
}

size_t Uart16550::fifo_room() const {
    if (s_.mcr & kMcrLoop) return 0;
    const unsigned capacity = fifo_enabled() ? kFifoSize : 1;
    return capacity - s_.rx_count;
}

size_t Uart16550::rx_space() const {
    if (clock_ && s_.rx_line_free_ns && clock_->now_ns() < *s_.rx_line_free_ns) return 0;
    return fifo_room();
}

bool Uart16550::push_rx(uint8_t byte) {
    bool ok = true;
    if (!fifo_enabled()) {
        // 16450 mode: one holding register; a new byte overwrites an unread one.
        if (s_.rx_count > 0) {
            s_.lsr |= kLsrOe;
            ok = false;
            log_->debug("overrun: unread byte {:#04x} overwritten", s_.rx[s_.rx_head]);
        }
        s_.rx[s_.rx_head] = byte;
        s_.rx_count = 1;
    } else if (s_.rx_count == kFifoSize) {
        // The byte in the shift register is lost; the FIFO keeps its contents.
        s_.lsr |= kLsrOe;
        ok = false;
        log_->debug("overrun: RX FIFO full, byte {:#04x} lost", byte);
    } else {
        s_.rx[(s_.rx_head + s_.rx_count) % kFifoSize] = byte;
        ++s_.rx_count;
    }
    s_.lsr |= kLsrDr;
    restart_timeout();
    return ok;
}

uint8_t Uart16550::pop_rx() {
    const uint8_t byte = s_.rx[s_.rx_head];
    s_.rx_head = (s_.rx_head + 1) % kFifoSize;
    --s_.rx_count;
    if (s_.rx_count == 0) {
        s_.lsr &= ~kLsrDr;
        s_.rx_head = 0;
    }
    // Reading RBR clears a character timeout and starts the next one.
    s_.timeout_pending = false;
    restart_timeout();
    return byte;
}

void Uart16550::clear_rx() {
    s_.rx_head = 0;
    s_.rx_count = 0;
    s_.lsr &= ~kLsrDr;
    s_.timeout_pending = false;
    s_.timeout_deadline_ns.reset();
}

// ---------------------------------------------------------------------------------------
// Character timeout

uint64_t Uart16550::char_time_ns() const {
    const unsigned data_bits = 5 + (s_.lcr & kLcrWordLen);
    const unsigned parity_bits = (s_.lcr & kLcrParity) ? 1 : 0;
    const unsigned stop_bits = (s_.lcr & kLcrStop) ? 2 : 1;  // 1.5 for 5-bit words: 2 here
    const unsigned bits = 1 + data_bits + parity_bits + stop_bits;
    const uint64_t divisor = s_.divisor ? s_.divisor : 1;
    return uint64_t{bits} * divisor * 1'000'000'000ull / kBaudBase;
}

void Uart16550::restart_timeout() {
    s_.timeout_deadline_ns.reset();
    if (!fifo_enabled() || s_.rx_count == 0) return;
    if (clock_) {
        s_.timeout_deadline_ns = clock_->now_ns() + 4 * char_time_ns();
    } else {
        s_.timeout_pending = true;  // no time to wait with: the timeout is immediate
    }
}

std::optional<uint64_t> Uart16550::next_deadline_ns() const {
    std::optional<uint64_t> d = s_.timeout_deadline_ns;
    if (s_.host_waiting && fifo_room() > 0 && clock_) {
        // The host's next byte: when the line is free (now, if it is already).
        const uint64_t line = std::max(s_.rx_line_free_ns.value_or(0), clock_->now_ns());
        if (!d || line < *d) d = line;
    }
    return d;
}

void Uart16550::advance_to(uint64_t now_ns) {
    if (!s_.timeout_deadline_ns || now_ns < *s_.timeout_deadline_ns) return;
    s_.timeout_deadline_ns.reset();
    if (fifo_enabled() && s_.rx_count > 0) {
        s_.timeout_pending = true;
        update_irq();
    }
}

// ---------------------------------------------------------------------------------------
// Modem status and interrupts

uint8_t Uart16550::modem_inputs() const {
    if (!(s_.mcr & kMcrLoop)) return kMsrCts | kMsrDsr | kMsrDcd;  // a connected terminal
    // Loopback: RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD.
    uint8_t in = 0;
    if (s_.mcr & kMcrRts) in |= kMsrCts;
    if (s_.mcr & kMcrDtr) in |= kMsrDsr;
    if (s_.mcr & kMcrOut1) in |= kMsrRi;
    if (s_.mcr & kMcrOut2) in |= kMsrDcd;
    return in;
}

void Uart16550::update_msr_deltas(uint8_t old_inputs) {
    const uint8_t in = modem_inputs();
    const uint8_t changed = old_inputs ^ in;
    uint8_t deltas = s_.msr & kMsrDeltas;
    if (changed & kMsrCts) deltas |= kMsrDcts;
    if (changed & kMsrDsr) deltas |= kMsrDdsr;
    if ((old_inputs & kMsrRi) && !(in & kMsrRi)) deltas |= kMsrTeri;  // trailing edge only
    if (changed & kMsrDcd) deltas |= kMsrDdcd;
    s_.msr = static_cast<uint8_t>((in & 0xF0) | deltas);
}

uint8_t Uart16550::current_iir() const {
    uint8_t id = kIirNone;
    const bool rx_at_trigger = s_.rx_count >= rx_trigger_level();
    if ((s_.ier & kIerRls) && (s_.lsr & kLsrErrors)) {
        id = kIirRls;
    } else if ((s_.ier & kIerRda) && s_.rx_count > 0 && rx_at_trigger) {
        id = kIirRda;
    } else if ((s_.ier & kIerRda) && s_.timeout_pending) {
        id = kIirTimeout;
    } else if ((s_.ier & kIerThre) && s_.thre_pending) {
        id = kIirThre;
    } else if ((s_.ier & kIerMs) && (s_.msr & kMsrDeltas)) {
        id = kIirMs;
    }
    return static_cast<uint8_t>(id | (fifo_enabled() ? kIirFifos : 0));
}

void Uart16550::update_irq() {
    // PC wiring: INTR reaches the PIC only while the OUT2 pin is active, and loopback
    // forces the pin inactive.
    const bool out2_pin = (s_.mcr & kMcrOut2) && !(s_.mcr & kMcrLoop);
    irq_.set(interrupt_pending() && out2_pin);
}

}  // namespace forkscope

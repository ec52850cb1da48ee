// Intel 8254 PIT behaviour. See pit8254.h for the model and the choices made; the
// mode descriptions below follow the 82C54 datasheet ("Mode 0: interrupt on terminal
// count" etc.).
#include "devices/pit8254.h"

#include <algorithm>
#include <memory>

#include <spdlog/spdlog.h>

#include "base/log.h"

namespace forkscope {
namespace {

spdlog::logger& pit_log() {
    static const std::shared_ptr<spdlog::logger> log = logger("pit");
    return *log;
}

constexpr uint64_t kNsPerSecond = 1'000'000'000;

// ---- Counting arithmetic -----------------------------------------------------------

uint32_t modulus(const PitChannel& c) { return c.bcd ? 10000 : 65536; }

uint32_t bcd_to_binary(uint16_t v) {
    return ((v >> 12) & 0xF) * 1000u + ((v >> 8) & 0xF) * 100u + ((v >> 4) & 0xF) * 10u + (v & 0xF);
}

uint16_t binary_to_bcd(uint32_t v) {
    v %= 10000;
    return static_cast<uint16_t>((v / 1000) << 12 | (v / 100 % 10) << 8 | (v / 10 % 10) << 4 | v % 10);
}

// What the guest reads for a CE value.
uint16_t encode_count(const PitChannel& c, uint32_t value) {
    return c.bcd ? binary_to_bcd(value) : static_cast<uint16_t>(value);
}

// The CR as a number of clocks: 0 stands for the largest count (2^16, or 10^4 in BCD).
uint32_t initial_count(const PitChannel& c) {
    const uint32_t n = c.bcd ? bcd_to_binary(c.reload) % 10000 : c.reload;
    return n == 0 ? modulus(c) : n;
}

struct Span {
    int64_t start;  // tick at which the CE held n
    uint32_t n;
};

// The count that is running at tick t (a pending reload may have taken over).
Span span_at(const PitChannel& c, int64_t t) {
    if (c.pending && t >= c.pending_tick) return {c.pending_start, c.pending_value};
    return {c.start_tick, c.start_value};
}

uint64_t elapsed(const Span& s, int64_t t) { return t > s.start ? static_cast<uint64_t>(t - s.start) : 0; }

// CE value (binary, 0..modulus-1) at tick t.
uint32_t count_at(const PitChannel& c, int64_t t) {
    if (c.run != PitRun::Running) return c.held;
    const Span s = span_at(c, t);
    const uint64_t d = elapsed(s, t);
    const uint64_t n = s.n;
    const uint64_t m = modulus(c);
    uint64_t v = 0;
    switch (c.mode) {
    case 2:  // N, N-1, ..., 1, reload
        v = n - d % n;
        break;
    case 3: {
        // Even N: N, N-2, ..., 2 in each half. Odd N: N-1 is loaded and counted down by
        // two; the high half lasts one clock longer (it also shows 0), the low half ends at 2.
        const uint64_t p = d % n;
        if (n % 2 == 0) {
            v = p < n / 2 ? n - 2 * p : n - 2 * (p - n / 2);
        } else {
            const uint64_t high = (n + 1) / 2;
            v = p < high ? (n - 1) - 2 * p : (n - 1) - 2 * (p - high);
        }
        break;
    }
    default:  // modes 0, 1, 4, 5 count down and wrap around after terminal count
        v = n + m - d % m;
        break;
    }
    return static_cast<uint32_t>(v % m);
}

// OUT pin at tick t.
bool out_at(const PitChannel& c, int64_t t) {
    switch (c.run) {
    case PitRun::Idle:
        return c.mode != 0;  // mode 0 OUT goes low on the control word; all others high
    case PitRun::Frozen:
        return c.mode == 0 ? c.terminal_seen : true;  // modes 2/3: GATE low forces OUT high
    case PitRun::Running:
        break;
    }
    const Span s = span_at(c, t);
    const uint64_t d = elapsed(s, t);
    const uint64_t n = s.n;
    switch (c.mode) {
    case 0: return c.terminal_seen || d >= n;  // low until terminal count, then high
    case 1: return d >= n;                     // low during the one-shot
    case 2: return d % n != n - 1;             // low for one clock when the count is 1
    case 3: return d % n < (n + 1) / 2;        // high half first
    default: return c.terminal_seen || d != n; // 4, 5: low for one clock at terminal count
    }
}

// First rising OUT edge strictly after tick `after` of one running count.
std::optional<int64_t> span_edge_after(const PitChannel& c, const Span& s, int64_t after) {
    const int64_t n = s.n;
    int64_t edge = 0;
    switch (c.mode) {
    case 0:
        if (c.terminal_seen) return std::nullopt;
        edge = s.start + n;
        break;
    case 1:
        edge = s.start + n;
        break;
    case 2:
    case 3:
        if (n < 2) return std::nullopt;  // illegal count: OUT never toggles
        if (after < s.start) return s.start + n;
        return s.start + ((after - s.start) / n + 1) * n;
    default:  // 4, 5
        if (c.terminal_seen) return std::nullopt;
        edge = s.start + n + 1;
        break;
    }
    if (edge > after) return edge;
    return std::nullopt;
}

std::optional<int64_t> next_edge_after(const PitChannel& c, int64_t after) {
    if (c.run != PitRun::Running) return std::nullopt;
    const Span current{c.start_tick, c.start_value};
    if (!c.pending) return span_edge_after(c, current, after);
    if (after < c.pending_tick) {
        const auto edge = span_edge_after(c, current, after);
        if (edge && *edge <= c.pending_tick) return edge;
    }
    return span_edge_after(c, Span{c.pending_start, c.pending_value}, std::max(after, c.pending_tick));
}

// Make a pending reload that is due by tick t the running count.
void settle(PitChannel& c, int64_t t) {
    if (c.pending && t >= c.pending_tick) {
        c.start_tick = c.pending_start;
        c.start_value = c.pending_value;
        c.pending = false;
    }
}

bool null_count_at(const PitChannel& c, int64_t t) { return c.null_count || (c.pending && t < c.pending_tick); }

uint8_t status_at(const PitChannel& c, int64_t t) {
    return static_cast<uint8_t>((out_at(c, t) ? pit::kStatusOut : 0) |
                                (null_count_at(c, t) ? pit::kStatusNullCount : 0) | c.control);
}

void latch_count(PitChannel& c, int64_t t) {
    if (c.count_latched) return;  // a latched count stays until it has been read
    c.latched_count = encode_count(c, count_at(c, t));
    c.count_latched = true;
}

void latch_status(PitChannel& c, int64_t t) {
    if (c.status_latched) return;
    c.latched_status = status_at(c, t);
    c.status_latched = true;
}

// Put n into the CE at tick t; it counts only while GATE is high.
void start_or_freeze(PitChannel& c, int64_t t, uint32_t n) {
    if (c.gate) {
        c.run = PitRun::Running;
        c.start_tick = t;
        c.start_value = n;
    } else {
        c.run = PitRun::Frozen;
        c.held = n % modulus(c);
    }
}

// Modes 2/3: a count written while counting is loaded at the end of the current
// period (mode 3: the current half-cycle).
void schedule_reload(PitChannel& c, int64_t t, uint32_t n) {
    settle(c, t);
    if (!c.pending) {
        const int64_t period = c.start_value;
        const int64_t d = t - c.start_tick;
        const int64_t cycle_start = c.start_tick + (d / period) * period;
        c.pending_mid = c.mode == 3 && d % period < (period + 1) / 2;
        c.pending_tick = cycle_start + (c.pending_mid ? (period + 1) / 2 : period);
        c.pending = true;
    }
    c.pending_value = n;
    // Starting in the low half means the new count's high half is already behind it.
    c.pending_start = c.pending_mid ? c.pending_tick - static_cast<int64_t>((n + 1) / 2) : c.pending_tick;
}

}  // namespace

// ---- Time --------------------------------------------------------------------------

uint64_t Pit8254::ticks_at_ns(uint64_t ns) {
    // floor(ns * F / 1e9) without overflow: whole seconds and the remainder separately.
    return ns / kNsPerSecond * pit::kInputHz + ns % kNsPerSecond * pit::kInputHz / kNsPerSecond;
}

uint64_t Pit8254::ns_at_tick(uint64_t tick) {
    // ceil(tick * 1e9 / F), the inverse of ticks_at_ns.
    const uint64_t seconds = tick / pit::kInputHz;
    const uint64_t rest = tick % pit::kInputHz;
    return seconds * kNsPerSecond + (rest * kNsPerSecond + pit::kInputHz - 1) / pit::kInputHz;
}

int64_t Pit8254::tick_now() const {
    return std::max(static_cast<int64_t>(ticks_at_ns(clock_.now_ns())), synced_tick_);
}

// ---- Setup -------------------------------------------------------------------------

Pit8254::Pit8254(const Clock& clock, IrqLine irq0) : clock_(clock), irq0_(irq0) {
    synced_tick_ = static_cast<int64_t>(ticks_at_ns(clock_.now_ns()));
    // As the BIOS leaves it: channel 0 rate generator at 18.2 Hz, the others in mode 3
    // with count 0; channel 2's gate (port 0x61 bit 0) is low.
    for (unsigned i = 0; i < ch_.size(); ++i) {
        PitChannel& c = ch_[i];
        c.mode = i == 0 ? 2 : 3;
        c.access = pit::kAccessLoHi;
        c.control = static_cast<uint8_t>(c.access << 4 | c.mode << 1);
        c.gate = i != 2;
        c.reload = 0;
        c.reload_valid = true;
        c.null_count = false;
        start_or_freeze(c, synced_tick_, initial_count(c));
    }
    update_irq();
}

// ---- IRQ 0 -------------------------------------------------------------------------

std::optional<uint64_t> Pit8254::next_deadline_ns() const {
    const auto edge = next_edge_after(ch_[0], synced_tick_);
    if (!edge) return std::nullopt;
    return ns_at_tick(static_cast<uint64_t>(*edge));
}

void Pit8254::advance_to(uint64_t now_ns) { sync_to(static_cast<int64_t>(ticks_at_ns(now_ns))); }

void Pit8254::sync_to(int64_t tick) {
    tick = std::max(tick, synced_tick_);
    const auto edge = next_edge_after(ch_[0], synced_tick_);
    const bool edge_due = edge && *edge <= tick;
    for (PitChannel& c : ch_) settle(c, tick);
    synced_tick_ = tick;
    if (edge_due) {
        // OUT went low and came back up since the last update: show the PIC that edge
        // even if both updates saw OUT high.
        irq0_.lower();
        irq0_.raise();
    }
    update_irq();
}

void Pit8254::update_irq() { irq0_.set(out_at(ch_[0], synced_tick_)); }

// ---- Ports -------------------------------------------------------------------------

uint32_t Pit8254::port_read(uint16_t port, unsigned size) {
    uint32_t result = 0;
    for (unsigned i = 0; i < size; ++i) {
        const unsigned p = port + i;
        uint8_t byte = 0xFF;  // the control register is write only; nothing else is ours
        if (p >= pit::kPortCounter0 && p <= pit::kPortCounter2) {
            byte = read_counter(ch_[p - pit::kPortCounter0], tick_now());
        }
        result |= static_cast<uint32_t>(byte) << (8 * i);
    }
    return result;
}

void Pit8254::port_write(uint16_t port, unsigned size, uint32_t value) {
    for (unsigned i = 0; i < size; ++i) {
        const unsigned p = port + i;
        const auto byte = static_cast<uint8_t>(value >> (8 * i));
        if (p < pit::kPortCounter0 || p > pit::kPortControl) continue;
        // Deliver what was due under the old programming before changing it.
        sync_to(tick_now());
        if (p == pit::kPortControl) {
            write_control(byte, synced_tick_);
        } else {
            write_counter(ch_[p - pit::kPortCounter0], byte, synced_tick_);
        }
        update_irq();
    }
}

uint8_t Pit8254::read_counter(PitChannel& c, int64_t t) {
    if (c.status_latched) {  // a latched status is read before a latched count
        c.status_latched = false;
        return c.latched_status;
    }
    const uint16_t value = c.count_latched ? c.latched_count : encode_count(c, count_at(c, t));
    const auto lsb = static_cast<uint8_t>(value & 0xFF);
    const auto msb = static_cast<uint8_t>(value >> 8);
    switch (c.access) {
    case pit::kAccessLoByte:
        c.count_latched = false;
        return lsb;
    case pit::kAccessHiByte:
        c.count_latched = false;
        return msb;
    default:  // lo/hi: the read flip-flop picks the byte; a latch lasts for both
        if (!c.read_msb_next) {
            c.read_msb_next = true;
            return lsb;
        }
        c.read_msb_next = false;
        c.count_latched = false;
        return msb;
    }
}

void Pit8254::write_counter(PitChannel& c, uint8_t value, int64_t t) {
    switch (c.access) {
    case pit::kAccessLoByte:
        c.reload = value;
        break;
    case pit::kAccessHiByte:
        c.reload = static_cast<uint16_t>(value << 8);
        break;
    default:
        if (!c.write_msb_next) {
            c.write_lsb = value;
            c.write_msb_next = true;
            // Mode 0: writing the first byte stops the count and drives OUT low.
            if (c.mode == 0 && c.run != PitRun::Idle) {
                c.held = count_at(c, t);
                c.run = PitRun::Idle;
                c.terminal_seen = false;
            }
            c.null_count = true;
            return;
        }
        c.write_msb_next = false;
        c.reload = static_cast<uint16_t>(c.write_lsb | value << 8);
        break;
    }
    pit_log().trace("counter {} count {:#06x} (mode {})", &c - ch_.data(), c.reload, c.mode);
    load_count(c, t);
}

void Pit8254::load_count(PitChannel& c, int64_t t) {
    const uint32_t n = initial_count(c);
    c.reload_valid = true;
    switch (c.mode) {
    case 0:
    case 4:  // software triggered: the count starts now (if GATE allows)
        c.pending = false;
        c.terminal_seen = false;
        c.null_count = false;
        start_or_freeze(c, t, n);
        break;
    case 1:
    case 5:  // hardware triggered: the CR waits for the next GATE rising edge
        c.null_count = true;
        break;
    default:  // 2, 3
        if (c.run == PitRun::Running) {
            c.null_count = false;  // reported from `pending` until the reload happens
            schedule_reload(c, t, n);
        } else {
            c.null_count = false;
            start_or_freeze(c, t, n);
        }
        break;
    }
}

void Pit8254::write_control(uint8_t value, int64_t t) {
    const unsigned select = value >> 6;
    if (select == 3) {  // read-back command
        for (unsigned i = 0; i < ch_.size(); ++i) {
            if (!(value & (2u << i))) continue;
            if (!(value & pit::kReadBackNoStatus)) latch_status(ch_[i], t);
            if (!(value & pit::kReadBackNoCount)) latch_count(ch_[i], t);
        }
        return;
    }
    PitChannel& c = ch_[select];
    const auto access = static_cast<uint8_t>((value >> 4) & 3);
    if (access == pit::kAccessLatch) {
        latch_count(c, t);
        return;
    }
    // A control word resets the channel's control logic: the CE stops where it is,
    // the flip-flops and latches reset, and the channel waits for a new count.
    c.held = count_at(c, t);
    c.control = value & 0x3F;
    c.access = access;
    c.mode = (value >> 1) & 7;
    if (c.mode > 5) c.mode -= 4;  // 6 and 7 are 2 and 3
    c.bcd = (value & 1) != 0;
    c.held %= modulus(c);
    c.run = PitRun::Idle;
    c.reload_valid = false;
    c.null_count = true;
    c.terminal_seen = false;
    c.pending = false;
    c.write_msb_next = false;
    c.read_msb_next = false;
    c.count_latched = false;
    c.status_latched = false;
    pit_log().debug("counter {} mode {} access {} {}", select, c.mode, c.access, c.bcd ? "bcd" : "binary");
}

// ---- GATE --------------------------------------------------------------------------

void Pit8254::set_gate(unsigned channel, bool high) {
    PitChannel& c = ch_.at(channel);
    sync_to(tick_now());
    const int64_t t = synced_tick_;
    if (c.gate == high) return;
    c.gate = high;
    if (high) {
        switch (c.mode) {
        case 0:
        case 4:  // resume counting where it stopped
            if (c.run == PitRun::Frozen) start_or_freeze(c, t, c.held == 0 ? modulus(c) : c.held);
            break;
        case 1:
        case 5:  // trigger (or retrigger): load the CR and start
            if (c.reload_valid) {
                c.terminal_seen = false;
                c.null_count = false;
                start_or_freeze(c, t, initial_count(c));
            }
            break;
        default:  // 2, 3: a rising GATE reloads the CR and restarts the period
            if (c.run == PitRun::Frozen && c.reload_valid) {
                c.pending = false;
                start_or_freeze(c, t, initial_count(c));
            }
            break;
        }
    } else if (c.run == PitRun::Running) {
        switch (c.mode) {
        case 0:
        case 4: {  // counting pauses; OUT keeps its level
            const Span s = span_at(c, t);
            c.terminal_seen = c.terminal_seen || elapsed(s, t) >= s.n;
            c.held = count_at(c, t);
            c.run = PitRun::Frozen;
            break;
        }
        case 2:
        case 3:  // counting stops and OUT goes high at once
            c.held = count_at(c, t);
            c.pending = false;
            c.run = PitRun::Frozen;
            break;
        default:  // 1, 5: GATE low does not affect a running one-shot
            break;
        }
    }
    pit_log().trace("counter {} gate {}", channel, high ? 1 : 0);
    if (channel == 0) update_irq();
}

// ---- Inspectors --------------------------------------------------------------------

bool Pit8254::out(unsigned channel) const { return out_at(ch_.at(channel), tick_now()); }

uint32_t Pit8254::count(unsigned channel) const { return count_at(ch_.at(channel), tick_now()); }

// ---- Port 0x61 ---------------------------------------------------------------------

uint32_t PitPort61::port_read(uint16_t port, unsigned size) {
    uint32_t result = 0;
    for (unsigned i = 0; i < size; ++i) {
        uint8_t byte = 0xFF;
        if (port + i == pit::kPortSystemB) {
            const uint64_t ticks = Pit8254::ticks_at_ns(clock_.now_ns());
            byte = static_cast<uint8_t>((pit_.gate(2) ? pit::kPort61Gate2 : 0) |
                                        (bits_ & (pit::kPort61Speaker | pit::kPort61Checks)) |
                                        ((ticks / 18) % 2 ? pit::kPort61Refresh : 0) |
                                        (pit_.out(2) ? pit::kPort61Out2 : 0));
        }
        result |= static_cast<uint32_t>(byte) << (8 * i);
    }
    return result;
}

void PitPort61::port_write(uint16_t port, unsigned size, uint32_t value) {
    for (unsigned i = 0; i < size; ++i) {
        if (port + i != pit::kPortSystemB) continue;
        const auto byte = static_cast<uint8_t>(value >> (8 * i));
        bits_ = byte & (pit::kPort61Speaker | pit::kPort61Checks);
        pit_.set_gate(2, (byte & pit::kPort61Gate2) != 0);
    }
}

}  // namespace forkscope

// Intel 8254 programmable interval timer (PIT), as wired in a PC: input clock
// 1 193 182 Hz, channel 0 OUT on IRQ 0, channel 2 gate and OUT on port 0x61.
//
// The counters are not stepped tick by tick. Each channel remembers when its count
// element (CE) was loaded and with what, and every read computes the count and the OUT
// pin for the current guest time from that (like QEMU's hw/timer/i8254.c). Time is
// counted in whole PIT input clocks since reset, with exact integer conversion from the
// clock's nanoseconds, so periods keep their phase over any length of guest time.
//
// Choices where the datasheet leaves room or the PC wiring decides:
//  - A count written in modes 0 and 4 is loaded into the CE at the write (no extra
//    clock), so mode 0 OUT rises exactly N clocks after the count is written.
//  - Modes 1 and 5 start only on a rising GATE edge. Channels 0 and 1 have GATE tied
//    high on a PC, so in these modes they never trigger (OUT stays high, no IRQ 0).
//    Channel 2's gate is bit 0 of port 0x61 (PitPort61) or set_gate().
//  - In modes 2 and 3 a new count written while counting takes effect at the end of
//    the current period (mode 3: current half-cycle), as the datasheet says.
//  - Count 1 is illegal in modes 2 and 3: mode 2 then keeps OUT low, mode 3 keeps it
//    high, and neither raises IRQ 0.
//  - Power-on state is what a PC BIOS leaves (SeaBIOS under QEMU): channel 0 in mode 2
//    with count 0 (18.2 Hz), channels 1 and 2 in mode 3 with count 0; channel 2's gate
//    is low.
//  - IRQ 0 follows channel 0's OUT level at each update; a period whose short low pulse
//    fell between two updates is delivered as a low-high transition, so the
//    edge-triggered PIC sees one request per due edge (several missed periods coalesce).
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "devices/clock.h"
#include "devices/irq.h"
#include "devices/port_device.h"

namespace forkscope {

// ---- Register map -----------------------------------------------------------------
namespace pit {
inline constexpr uint64_t kInputHz = 1'193'182;
inline constexpr uint16_t kPortCounter0 = 0x40;  // counter 0 data (count / latched count / status)
inline constexpr uint16_t kPortCounter1 = 0x41;
inline constexpr uint16_t kPortCounter2 = 0x42;
inline constexpr uint16_t kPortControl = 0x43;   // control word, write only
inline constexpr uint16_t kPortSystemB = 0x61;   // PC system control port B (PitPort61)

// Control word: SC1 SC0 | RW1 RW0 | M2 M1 M0 | BCD.
//   SC = 3 is the read-back command: 1 1 /COUNT /STATUS CNT2 CNT1 CNT0 0.
//   RW = 0 is the counter latch command for counter SC.
inline constexpr uint8_t kAccessLatch = 0;
inline constexpr uint8_t kAccessLoByte = 1;
inline constexpr uint8_t kAccessHiByte = 2;
inline constexpr uint8_t kAccessLoHi = 3;
inline constexpr uint8_t kReadBackNoCount = 0x20;   // /COUNT: 0 = latch the count
inline constexpr uint8_t kReadBackNoStatus = 0x10;  // /STATUS: 0 = latch the status

// Status byte (read-back): OUT | NULL COUNT | RW1 RW0 M2 M1 M0 BCD (as programmed).
inline constexpr uint8_t kStatusOut = 0x80;
inline constexpr uint8_t kStatusNullCount = 0x40;

// Port 0x61 bits.
inline constexpr uint8_t kPort61Gate2 = 0x01;     // channel 2 GATE (read/write)
inline constexpr uint8_t kPort61Speaker = 0x02;   // speaker data enable (read/write)
inline constexpr uint8_t kPort61Checks = 0x0C;    // parity / channel check disables (stored)
inline constexpr uint8_t kPort61Refresh = 0x10;   // refresh request toggle (read only)
inline constexpr uint8_t kPort61Out2 = 0x20;      // channel 2 OUT (read only)
}  // namespace pit

// ---- State ------------------------------------------------------------------------
enum class PitRun : uint8_t {
    Idle,     // no count in the CE since the control word (or mode 1/5 not triggered)
    Running,  // counting from start_tick
    Frozen,   // GATE low stops counting (modes 0, 2, 3, 4); CE holds `held`
};

struct PitChannel {
    // Programmed by the control word.
    uint8_t control = 0;  // its low six bits (RW, mode, BCD): the status byte reports them
    uint8_t access = pit::kAccessLoHi;
    uint8_t mode = 0;     // 0..5 (6 and 7 are aliases of 2 and 3)
    bool bcd = false;

    // Count register (CR) as the guest wrote it, and the write flip-flop.
    uint16_t reload = 0;
    bool reload_valid = false;    // a complete count was written since the control word
    bool write_msb_next = false;  // lo/hi access: the next write is the high byte
    uint8_t write_lsb = 0;

    // Output latch and the read flip-flop (lo/hi access: the next read is the high byte).
    bool read_msb_next = false;
    bool count_latched = false;
    uint16_t latched_count = 0;  // as the guest reads it (BCD-encoded in BCD mode)
    bool status_latched = false;
    uint8_t latched_status = 0;

    // Count element.
    PitRun run = PitRun::Idle;
    bool gate = true;
    bool null_count = true;      // CR written but not yet loaded into the CE
    uint32_t held = 0;           // CE value while Idle or Frozen
    int64_t start_tick = 0;      // Running: the tick at which the CE held start_value
    uint32_t start_value = 0;    // modes 0/1/4/5: clocks to terminal count; 2/3: the period
    bool terminal_seen = false;  // modes 0/4: terminal count passed before a GATE pause

    // Modes 2/3: a count written while running, loaded at pending_tick (end of the
    // current period, or of the current half-cycle in mode 3).
    bool pending = false;
    bool pending_mid = false;     // mode 3: loaded at the end of the high half
    int64_t pending_tick = 0;
    int64_t pending_start = 0;    // start_tick of the new count (mode 3 may begin mid-period)
    uint32_t pending_value = 0;
};

// ---- Device -----------------------------------------------------------------------
class Pit8254 : public PortDevice, public TimedDevice {
public:
    Pit8254(const Clock& clock, IrqLine irq0);

    // Ports 0x40-0x43. Wider accesses are split into byte accesses of consecutive ports.
    uint32_t port_read(uint16_t port, unsigned size) override;
    void port_write(uint16_t port, unsigned size, uint32_t value) override;
    std::string_view name() const override { return "pit"; }

    // The guest time of channel 0's next rising OUT edge (IRQ 0), or nullopt.
    std::optional<uint64_t> next_deadline_ns() const override;
    void advance_to(uint64_t now_ns) override;

    // GATE input of a channel (on a PC only channel 2's is wired, through port 0x61).
    void set_gate(unsigned channel, bool high);

    // Inspectors for tests and the UI; all evaluated at the clock's current time.
    bool gate(unsigned channel) const { return ch_.at(channel).gate; }
    bool out(unsigned channel) const;
    // The CE value as a number: 0..65535 in binary mode, 0..9999 in BCD mode.
    uint32_t count(unsigned channel) const;
    uint8_t mode(unsigned channel) const { return ch_.at(channel).mode; }
    uint8_t access_mode(unsigned channel) const { return ch_.at(channel).access; }
    bool bcd(unsigned channel) const { return ch_.at(channel).bcd; }
    // The count register (CR) as written by the guest.
    uint16_t reload(unsigned channel) const { return ch_.at(channel).reload; }
    const PitChannel& channel(unsigned channel) const { return ch_.at(channel); }

    // Exact conversions between guest nanoseconds and PIT input clocks.
    static uint64_t ticks_at_ns(uint64_t ns);      // clocks completed by time ns
    static uint64_t ns_at_tick(uint64_t tick);     // first ns at which tick has completed

    // Snapshots (record/replay): the channels, the IRQ bookkeeping and the OUT 0 line.
    struct Snapshot {
        std::array<PitChannel, 3> ch;
        int64_t synced_tick;
        bool irq0;
    };
    Snapshot snapshot() const { return {ch_, synced_tick_, irq0_.level()}; }
    void restore(const Snapshot& s) {
        ch_ = s.ch;
        synced_tick_ = s.synced_tick;
        irq0_.restore_level(s.irq0);
    }

private:
    int64_t tick_now() const;
    void sync_to(int64_t tick);
    void update_irq();
    uint8_t read_counter(PitChannel& c, int64_t t);
    void write_counter(PitChannel& c, uint8_t value, int64_t t);
    void write_control(uint8_t value, int64_t t);
    void load_count(PitChannel& c, int64_t t);

    const Clock& clock_;
    IrqLine irq0_;
    std::array<PitChannel, 3> ch_{};
    int64_t synced_tick_ = 0;  // IRQ 0 is up to date to this tick
};

// PC system control port B (0x61), the part that belongs to the PIT: bit 0 channel 2
// GATE, bit 1 speaker enable, bit 4 the refresh toggle (flips every 18 PIT clocks,
// ~15 us, which old delay loops poll), bit 5 channel 2 OUT. Bits 2-3 are stored,
// bits 6-7 (parity / I/O check errors) read 0. The machine maps it at 0x61.
class PitPort61 : public PortDevice {
public:
    PitPort61(Pit8254& pit, const Clock& clock) : pit_(pit), clock_(clock) {}

    uint32_t port_read(uint16_t port, unsigned size) override;
    void port_write(uint16_t port, unsigned size, uint32_t value) override;
    std::string_view name() const override { return "port61"; }

    bool speaker_enabled() const { return (bits_ & pit::kPort61Speaker) != 0; }
    uint8_t snapshot() const { return bits_; }
    void restore(uint8_t bits) { bits_ = bits; }

private:
    Pit8254& pit_;
    const Clock& clock_;
    uint8_t bits_ = 0;  // speaker enable and check-disable bits as last written
};

}  // namespace forkscope

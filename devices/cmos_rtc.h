// Motorola MC146818 real-time clock and CMOS RAM, as in a PC: index port 0x70 (bit 7
// is the NMI disable, not part of the index), data port 0x71, IRQ 8.
//
// The time of day is not stepped. The device keeps the RTC time (Unix seconds, UTC, no
// time zone) that held at one second of its divider chain, and computes the registers
// for any guest time from the clock. The divider chain is modelled in exact 32 768 Hz
// steps from a phase origin: second updates fall on whole seconds of it, the periodic
// interrupt on multiples of the selected rate, and UIP is set for the 8 steps
// (244.1 us) before each update. Register C's flags are brought up to date lazily at
// every port access and at advance_to(), so polling works without interrupts.
//
// Choices where the datasheet leaves room:
//  - The day of week is derived from the date (1 = Sunday). A value written while SET
//    reads back until SET is cleared; after that the derived value shows.
//  - Out-of-range values written to time registers are normalised like mktime() does
//    (e.g. 31 April becomes 1 May) instead of reproducing the chip's undefined counting.
//  - Changing DM or 24/12 while the clock runs shows the same time in the new format
//    (the chip would need the time rewritten; the guest must rewrite it anyway).
//  - DSE (daylight saving) is stored but no daylight-saving jumps are made.
//  - Divider bits 000-010 run the clock, 11x holds the chain in reset (time stops, no
//    periodic interrupt); leaving reset puts the first update 500 ms later.
//  - Rates 1 and 2 give 256 Hz and 128 Hz, the same as rates 8 and 9 (datasheet table
//    for a 32.768 kHz time base).
//  - IRQF = PF·PIE + AF·AIE + UF·UIE (as the datasheet's logic); IRQ 8 follows it, so
//    the line rises when IRQF becomes set and falls when register C is read.
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
namespace rtc {
inline constexpr uint16_t kPortIndex = 0x70;  // write: bit 7 NMI disable, bits 6-0 index
inline constexpr uint16_t kPortData = 0x71;
inline constexpr uint8_t kIndexMask = 0x7F;
inline constexpr uint8_t kNmiDisable = 0x80;

inline constexpr uint8_t kRegSeconds = 0x00;
inline constexpr uint8_t kRegAlarmSeconds = 0x01;
inline constexpr uint8_t kRegMinutes = 0x02;
inline constexpr uint8_t kRegAlarmMinutes = 0x03;
inline constexpr uint8_t kRegHours = 0x04;  // 12-hour mode: bit 7 = PM
inline constexpr uint8_t kRegAlarmHours = 0x05;
inline constexpr uint8_t kRegDayOfWeek = 0x06;  // 1 = Sunday
inline constexpr uint8_t kRegDayOfMonth = 0x07;
inline constexpr uint8_t kRegMonth = 0x08;
inline constexpr uint8_t kRegYear = 0x09;  // 0-99
inline constexpr uint8_t kRegA = 0x0A;
inline constexpr uint8_t kRegB = 0x0B;
inline constexpr uint8_t kRegC = 0x0C;
inline constexpr uint8_t kRegD = 0x0D;
inline constexpr uint8_t kRegCentury = 0x32;  // PC convention, same format as the year
// PC memory-size bytes (little endian pairs) and the checksum of 0x10-0x2D.
inline constexpr uint8_t kRegBaseMemLo = 0x15;  // base memory in KiB (640)
inline constexpr uint8_t kRegBaseMemHi = 0x16;
inline constexpr uint8_t kRegExtMemLo = 0x17;   // KiB above 1 MiB, at most 65535
inline constexpr uint8_t kRegExtMemHi = 0x18;
inline constexpr uint8_t kRegChecksumHi = 0x2E;
inline constexpr uint8_t kRegChecksumLo = 0x2F;
inline constexpr uint8_t kRegExtMem2Lo = 0x30;  // copy of 0x17/0x18
inline constexpr uint8_t kRegExtMem2Hi = 0x31;
inline constexpr uint8_t kRegHighMemLo = 0x34;  // 64 KiB units above 16 MiB
inline constexpr uint8_t kRegHighMemHi = 0x35;

// Register A: UIP | DV2 DV1 DV0 | RS3 RS2 RS1 RS0.
inline constexpr uint8_t kAUip = 0x80;
inline constexpr uint8_t kADividerMask = 0x70;
inline constexpr uint8_t kARateMask = 0x0F;
// Register B.
inline constexpr uint8_t kBSet = 0x80;
inline constexpr uint8_t kBPie = 0x40;
inline constexpr uint8_t kBAie = 0x20;
inline constexpr uint8_t kBUie = 0x10;
inline constexpr uint8_t kBSqwe = 0x08;
inline constexpr uint8_t kBBinary = 0x04;  // DM: 1 = binary, 0 = BCD
inline constexpr uint8_t kB24Hour = 0x02;
inline constexpr uint8_t kBDse = 0x01;
// Register C (read only, cleared by reading). Flag bits line up with B's enables.
inline constexpr uint8_t kCIrqf = 0x80;
inline constexpr uint8_t kCPf = 0x40;
inline constexpr uint8_t kCAf = 0x20;
inline constexpr uint8_t kCUf = 0x10;
// Register D (read only).
inline constexpr uint8_t kDVrt = 0x80;

inline constexpr uint8_t kResetA = 0x26;  // 32.768 kHz divider, rate 6 (1024 Hz)
inline constexpr uint8_t kResetB = 0x02;  // BCD, 24-hour, no interrupts
inline constexpr uint32_t kDividerHz = 32768;
inline constexpr uint32_t kUipSteps = 8;  // 8 / 32768 s = 244.1 us
}  // namespace rtc

// ---- State ------------------------------------------------------------------------
struct CmosRtcState {
    // CMOS RAM. The time registers (0x00, 0x02, 0x04, 0x06-0x09, 0x32) live here only
    // while SET freezes them; otherwise they are computed from the time base.
    std::array<uint8_t, 128> ram{};
    uint8_t index = 0;
    bool nmi_disabled = false;
    uint8_t reg_a = rtc::kResetA;
    uint8_t reg_b = rtc::kResetB;
    uint8_t reg_c = 0;

    // Time base: updates happen at divider_origin_ns + k seconds; RTC time base_time
    // held during divider second base_second. While the divider is in reset, base_time
    // is the stopped time.
    int64_t divider_origin_ns = 0;
    int64_t base_time = 0;
    int64_t base_second = 0;
    int64_t synced_ns = 0;  // register C flags are up to date to this guest time
};

// ---- Device -----------------------------------------------------------------------
class CmosRtc : public PortDevice, public TimedDevice {
public:
    // The time of day is unix_time_at_reset at the clock's current time.
    CmosRtc(const Clock& clock, IrqLine irq8, int64_t unix_time_at_reset);

    // Ports 0x70-0x71. Wider accesses are split into byte accesses of consecutive ports.
    uint32_t port_read(uint16_t port, unsigned size) override;
    void port_write(uint16_t port, unsigned size, uint32_t value) override;
    std::string_view name() const override { return "rtc"; }

    // The next periodic / update-ended / alarm event whose interrupt is enabled, while
    // IRQF is clear (with IRQF set no further edge can happen until C is read).
    std::optional<uint64_t> next_deadline_ns() const override;
    void advance_to(uint64_t now_ns) override;

    // Fill the PC memory-size bytes (0x15-0x18, 0x30-0x31, 0x34-0x35) and the checksum.
    void set_memory_size(uint64_t bytes);

    // Inspectors; evaluated at the clock's current time, without side effects.
    uint8_t peek(uint8_t reg) const;  // a register as the guest would read it (C is not cleared)
    int64_t unix_time() const;        // the RTC time (while SET: the time the registers hold)
    uint8_t index() const { return s_.index; }
    bool nmi_disabled() const { return s_.nmi_disabled; }
    bool irq_level() const { return irq8_.level(); }
    const CmosRtcState& state() const { return s_; }

    // Snapshots (record/replay): registers, CMOS RAM, time base and the IRQ 8 line.
    struct Snapshot {
        CmosRtcState s;
        bool irq8;
    };
    Snapshot snapshot() const { return {s_, irq8_.level()}; }
    void restore(const Snapshot& s) {
        s_ = s.s;
        irq8_.restore_level(s.irq8);
    }

private:
    int64_t now() const;
    bool divider_running() const;
    bool ticking() const;
    int64_t second_index(int64_t t) const;
    int64_t divider_steps(int64_t t) const;
    int64_t ns_at_divider_step(int64_t step) const;
    uint32_t periodic_steps() const;
    bool update_in_progress(int64_t t) const;
    int64_t running_time(int64_t t) const;
    int64_t current_time(int64_t t) const;
    std::optional<int64_t> next_alarm_after(int64_t time) const;
    uint8_t flags_due(int64_t from, int64_t to) const;
    void catch_up(int64_t t);
    void update_irq();

    uint8_t encode(int value) const;
    int decode(uint8_t value) const;
    uint8_t encode_hours(int hours) const;
    int decode_hours(uint8_t value) const;
    void store_time(std::array<uint8_t, 128>& ram, int64_t time) const;
    int64_t load_time(const std::array<uint8_t, 128>& ram) const;
    uint8_t time_register(uint8_t reg, int64_t time) const;

    uint8_t read_register(uint8_t reg, int64_t t) const;
    void write_register(uint8_t reg, uint8_t value, int64_t t);

    const Clock& clock_;
    IrqLine irq8_;
    CmosRtcState s_;
};

}  // namespace forkscope

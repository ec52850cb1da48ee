// MC146818 RTC behaviour. See cmos_rtc.h for the model and the choices made; register
// semantics follow the MC146818A datasheet.
#include "devices/cmos_rtc.h"

#include <algorithm>
#include <memory>

#include <spdlog/spdlog.h>

#include "base/log.h"

namespace forkscope {
namespace {

spdlog::logger& rtc_log() {
    static const std::shared_ptr<spdlog::logger> log = logger("rtc");
    return *log;
}

constexpr int64_t kNsPerSecond = 1'000'000'000;
constexpr int64_t kSecondsPerDay = 86'400;
constexpr int64_t kDividerHz = rtc::kDividerHz;

int64_t floor_div(int64_t a, int64_t b) {
    int64_t q = a / b;
    if (a % b != 0 && (a < 0) != (b < 0)) --q;
    return q;
}

int64_t floor_mod(int64_t a, int64_t b) { return a - floor_div(a, b) * b; }

// ---- Proleptic Gregorian calendar ---------------------------------------------------
// Days are counted in 400-year eras (146097 days each) of years that start on 1 March,
// so the leap day is the last day of its counting year.

constexpr int64_t kDaysMarch0ToEpoch = 719'468;  // 0000-03-01 .. 1970-01-01

int64_t days_from_civil(int64_t year, int month, int day) {
    const int64_t y = month <= 2 ? year - 1 : year;
    const int64_t era = floor_div(y, 400);
    const int64_t year_of_era = y - era * 400;
    const int64_t month_from_march = month <= 2 ? month + 9 : month - 3;
    const int64_t day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + day_of_era - kDaysMarch0ToEpoch;
}

struct DateTime {
    int64_t year;
    int month, day, hour, minute, second;
    int weekday;  // 1 = Sunday .. 7 = Saturday
};

DateTime date_time_of(int64_t time) {
    const int64_t days = floor_div(time, kSecondsPerDay);
    const int64_t second_of_day = time - days * kSecondsPerDay;

    const int64_t z = days + kDaysMarch0ToEpoch;
    const int64_t era = floor_div(z, 146097);
    const int64_t day_of_era = z - era * 146097;
    const int64_t year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    const int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    const int64_t month_from_march = (5 * day_of_year + 2) / 153;

    DateTime dt{};
    dt.day = static_cast<int>(day_of_year - (153 * month_from_march + 2) / 5 + 1);
    dt.month = static_cast<int>(month_from_march < 10 ? month_from_march + 3 : month_from_march - 9);
    dt.year = era * 400 + year_of_era + (dt.month <= 2 ? 1 : 0);
    dt.hour = static_cast<int>(second_of_day / 3600);
    dt.minute = static_cast<int>(second_of_day / 60 % 60);
    dt.second = static_cast<int>(second_of_day % 60);
    dt.weekday = static_cast<int>(floor_mod(days + 4, 7)) + 1;  // 1970-01-01 was a Thursday
    return dt;
}

// Out-of-range fields carry over the way mktime() normalises them.
int64_t time_of(int64_t year, int month, int day, int hour, int minute, int second) {
    const int64_t month0 = month - 1;
    year += floor_div(month0, 12);
    const int first_of_month = static_cast<int>(floor_mod(month0, 12)) + 1;
    const int64_t days = days_from_civil(year, first_of_month, 1) + day - 1;
    return days * kSecondsPerDay + hour * 3600 + minute * 60 + second;
}

bool is_time_register(uint8_t reg) {
    switch (reg) {
    case rtc::kRegSeconds:
    case rtc::kRegMinutes:
    case rtc::kRegHours:
    case rtc::kRegDayOfWeek:
    case rtc::kRegDayOfMonth:
    case rtc::kRegMonth:
    case rtc::kRegYear:
    case rtc::kRegCentury:
        return true;
    default:
        return false;
    }
}

struct Range {
    int lo, hi;
};

}  // namespace

// ---- Setup -------------------------------------------------------------------------

CmosRtc::CmosRtc(const Clock& clock, IrqLine irq8, int64_t unix_time_at_reset)
    : clock_(clock), irq8_(irq8) {
    const auto t = static_cast<int64_t>(clock_.now_ns());
    s_.divider_origin_ns = t;  // the first update comes one second after reset
    s_.base_time = unix_time_at_reset;
    s_.base_second = 0;
    s_.synced_ns = t;
}

void CmosRtc::set_memory_size(uint64_t bytes) {
    constexpr uint64_t kKiB = 1024, kMiB = 1024 * 1024;
    auto put16 = [this](uint8_t lo_reg, uint8_t hi_reg, uint64_t value) {
        s_.ram[lo_reg] = static_cast<uint8_t>(value & 0xFF);
        s_.ram[hi_reg] = static_cast<uint8_t>(value >> 8);
    };
    const uint64_t base_kib = std::min<uint64_t>(640, bytes / kKiB);
    const uint64_t ext_kib = bytes > kMiB ? std::min<uint64_t>((bytes - kMiB) / kKiB, 0xFFFF) : 0;
    const uint64_t high_64k = bytes > 16 * kMiB ? std::min<uint64_t>((bytes - 16 * kMiB) / (64 * kKiB), 0xFFFF) : 0;
    put16(rtc::kRegBaseMemLo, rtc::kRegBaseMemHi, base_kib);
    put16(rtc::kRegExtMemLo, rtc::kRegExtMemHi, ext_kib);
    put16(rtc::kRegExtMem2Lo, rtc::kRegExtMem2Hi, ext_kib);
    put16(rtc::kRegHighMemLo, rtc::kRegHighMemHi, high_64k);
    // The AT BIOS checksum covers 0x10-0x2D and is stored high byte first.
    uint16_t sum = 0;
    for (unsigned reg = 0x10; reg <= 0x2D; ++reg) sum = static_cast<uint16_t>(sum + s_.ram[reg]);
    s_.ram[rtc::kRegChecksumHi] = static_cast<uint8_t>(sum >> 8);
    s_.ram[rtc::kRegChecksumLo] = static_cast<uint8_t>(sum & 0xFF);
    rtc_log().debug("memory size {} KiB: base {} KiB, extended {} KiB, above 16 MiB {} x 64 KiB",
                    bytes / kKiB, base_kib, ext_kib, high_64k);
}

// ---- Time base ---------------------------------------------------------------------

int64_t CmosRtc::now() const { return std::max(static_cast<int64_t>(clock_.now_ns()), s_.synced_ns); }

bool CmosRtc::divider_running() const { return ((s_.reg_a & rtc::kADividerMask) >> 4) <= 2; }

bool CmosRtc::ticking() const { return divider_running() && !(s_.reg_b & rtc::kBSet); }

int64_t CmosRtc::second_index(int64_t t) const { return floor_div(t - s_.divider_origin_ns, kNsPerSecond); }

int64_t CmosRtc::divider_steps(int64_t t) const {
    const int64_t x = std::max<int64_t>(0, t - s_.divider_origin_ns);
    return x / kNsPerSecond * kDividerHz + x % kNsPerSecond * kDividerHz / kNsPerSecond;
}

// First guest time at which divider step `step` has passed (inverse of divider_steps).
int64_t CmosRtc::ns_at_divider_step(int64_t step) const {
    return s_.divider_origin_ns + step / kDividerHz * kNsPerSecond +
           (step % kDividerHz * kNsPerSecond + kDividerHz - 1) / kDividerHz;
}

// Periodic interrupt period in divider steps, 0 when off. Rate r gives 32768 >> (r-1)
// Hz; rates 1 and 2 are the 256 Hz and 128 Hz of rates 8 and 9.
uint32_t CmosRtc::periodic_steps() const {
    unsigned rate = s_.reg_a & rtc::kARateMask;
    if (rate == 0) return 0;
    if (rate <= 2) rate += 7;
    return 1u << (rate - 1);
}

bool CmosRtc::update_in_progress(int64_t t) const {
    return ticking() && divider_steps(t) % kDividerHz >= kDividerHz - rtc::kUipSteps;
}

int64_t CmosRtc::running_time(int64_t t) const { return s_.base_time + second_index(t) - s_.base_second; }

int64_t CmosRtc::current_time(int64_t t) const {
    if (s_.reg_b & rtc::kBSet) return load_time(s_.ram);
    return divider_running() ? running_time(t) : s_.base_time;
}

// ---- Register encoding -------------------------------------------------------------

uint8_t CmosRtc::encode(int value) const {
    if (s_.reg_b & rtc::kBBinary) return static_cast<uint8_t>(value);
    return static_cast<uint8_t>((value / 10) << 4 | value % 10);
}

int CmosRtc::decode(uint8_t value) const {
    if (s_.reg_b & rtc::kBBinary) return value;
    return (value >> 4) * 10 + (value & 0x0F);
}

// 12-hour mode: 12, 1, ..., 11 with bit 7 set for PM (midnight is 12 AM, noon 12 PM).
uint8_t CmosRtc::encode_hours(int hours) const {
    if (s_.reg_b & rtc::kB24Hour) return encode(hours);
    const int h12 = hours % 12 == 0 ? 12 : hours % 12;
    return static_cast<uint8_t>(encode(h12) | (hours >= 12 ? 0x80 : 0));
}

int CmosRtc::decode_hours(uint8_t value) const {
    if (s_.reg_b & rtc::kB24Hour) return decode(value);
    return decode(value & 0x7F) % 12 + ((value & 0x80) ? 12 : 0);
}

uint8_t CmosRtc::time_register(uint8_t reg, int64_t time) const {
    const DateTime dt = date_time_of(time);
    switch (reg) {
    case rtc::kRegSeconds: return encode(dt.second);
    case rtc::kRegMinutes: return encode(dt.minute);
    case rtc::kRegHours: return encode_hours(dt.hour);
    case rtc::kRegDayOfWeek: return encode(dt.weekday);
    case rtc::kRegDayOfMonth: return encode(dt.day);
    case rtc::kRegMonth: return encode(dt.month);
    case rtc::kRegYear: return encode(static_cast<int>(floor_mod(dt.year, 100)));
    case rtc::kRegCentury: return encode(static_cast<int>(floor_mod(floor_div(dt.year, 100), 100)));
    default: return s_.ram[reg];
    }
}

void CmosRtc::store_time(std::array<uint8_t, 128>& ram, int64_t time) const {
    for (uint8_t reg : {rtc::kRegSeconds, rtc::kRegMinutes, rtc::kRegHours, rtc::kRegDayOfWeek,
                        rtc::kRegDayOfMonth, rtc::kRegMonth, rtc::kRegYear, rtc::kRegCentury}) {
        ram[reg] = time_register(reg, time);
    }
}

int64_t CmosRtc::load_time(const std::array<uint8_t, 128>& ram) const {
    const int64_t year = int64_t{decode(ram[rtc::kRegCentury])} * 100 + decode(ram[rtc::kRegYear]);
    return time_of(year, decode(ram[rtc::kRegMonth]), decode(ram[rtc::kRegDayOfMonth]),
                   decode_hours(ram[rtc::kRegHours]), decode(ram[rtc::kRegMinutes]),
                   decode(ram[rtc::kRegSeconds]));
}

// ---- Events ------------------------------------------------------------------------

// The first RTC time after `time` whose seconds, minutes and hours match the alarm
// registers. 0xC0-0xFF is "don't care"; like the chip, which compares bytes, a value
// that is not a valid time in the current format never matches.
std::optional<int64_t> CmosRtc::next_alarm_after(int64_t time) const {
    auto range = [this](uint8_t byte, int limit, bool hours) -> std::optional<Range> {
        if ((byte & 0xC0) == 0xC0) return Range{0, limit - 1};
        const int value = hours ? decode_hours(byte) : decode(byte);
        if (value < 0 || value >= limit) return std::nullopt;
        if ((hours ? encode_hours(value) : encode(value)) != byte) return std::nullopt;
        return Range{value, value};
    };
    const auto seconds = range(s_.ram[rtc::kRegAlarmSeconds], 60, false);
    const auto minutes = range(s_.ram[rtc::kRegAlarmMinutes], 60, false);
    const auto hours = range(s_.ram[rtc::kRegAlarmHours], 24, true);
    if (!seconds || !minutes || !hours) return std::nullopt;

    const int64_t day_start = floor_div(time, kSecondsPerDay) * kSecondsPerDay;
    const int64_t now_of_day = time - day_start;
    // Candidates in increasing order, today then tomorrow; whole hours and minutes that
    // are already past are skipped, so this stays short.
    for (int64_t day = 0; day < 2; ++day) {
        for (int h = hours->lo; h <= hours->hi; ++h) {
            if (day == 0 && h * 3600 + 3599 <= now_of_day) continue;
            for (int m = minutes->lo; m <= minutes->hi; ++m) {
                if (day == 0 && h * 3600 + m * 60 + 59 <= now_of_day) continue;
                for (int s = seconds->lo; s <= seconds->hi; ++s) {
                    const int64_t candidate = day * kSecondsPerDay + h * 3600 + m * 60 + s;
                    if (candidate > now_of_day) return day_start + candidate;
                }
            }
        }
    }
    return std::nullopt;
}

// Register C flags raised by events in (from, to], with the configuration unchanged.
uint8_t CmosRtc::flags_due(int64_t from, int64_t to) const {
    if (to <= from) return 0;
    uint8_t flags = 0;
    if (divider_running()) {
        const int64_t period = periodic_steps();
        if (period != 0 && divider_steps(to) / period > divider_steps(from) / period) flags |= rtc::kCPf;
    }
    if (ticking() && second_index(to) > second_index(from)) {
        flags |= rtc::kCUf;
        const auto alarm = next_alarm_after(running_time(from));
        if (alarm && *alarm <= running_time(to)) flags |= rtc::kCAf;
    }
    return flags;
}

void CmosRtc::catch_up(int64_t t) {
    t = std::max(t, s_.synced_ns);
    s_.reg_c |= flags_due(s_.synced_ns, t);
    s_.synced_ns = t;
    update_irq();
}

// IRQF = PF·PIE + AF·AIE + UF·UIE, and IRQ 8 follows it.
void CmosRtc::update_irq() {
    const bool irqf = (s_.reg_c & s_.reg_b & (rtc::kCPf | rtc::kCAf | rtc::kCUf)) != 0;
    s_.reg_c = static_cast<uint8_t>((s_.reg_c & ~rtc::kCIrqf) | (irqf ? rtc::kCIrqf : 0));
    irq8_.set(irqf);
}

std::optional<uint64_t> CmosRtc::next_deadline_ns() const {
    if (s_.reg_c & rtc::kCIrqf) return std::nullopt;  // no new edge until C is read
    const int64_t from = s_.synced_ns;
    std::optional<int64_t> best;
    auto consider = [&best](int64_t t) {
        if (!best || t < *best) best = t;
    };
    if ((s_.reg_b & rtc::kBPie) && divider_running()) {
        const int64_t period = periodic_steps();
        if (period != 0) consider(ns_at_divider_step((divider_steps(from) / period + 1) * period));
    }
    if (ticking()) {
        const int64_t second = second_index(from);
        if (s_.reg_b & rtc::kBUie) consider(s_.divider_origin_ns + (second + 1) * kNsPerSecond);
        if (s_.reg_b & rtc::kBAie) {
            const int64_t time = running_time(from);
            if (const auto alarm = next_alarm_after(time)) {
                consider(s_.divider_origin_ns + (second + (*alarm - time)) * kNsPerSecond);
            }
        }
    }
    if (!best) return std::nullopt;
    return static_cast<uint64_t>(*best);
}

void CmosRtc::advance_to(uint64_t now_ns) { catch_up(static_cast<int64_t>(now_ns)); }

// ---- Ports -------------------------------------------------------------------------

uint32_t CmosRtc::port_read(uint16_t port, unsigned size) {
    uint32_t result = 0;
    for (unsigned i = 0; i < size; ++i) {
        uint8_t byte = 0xFF;  // the index port is write only
        if (port + i == rtc::kPortData) {
            catch_up(now());
            const int64_t t = s_.synced_ns;
            if (s_.index == rtc::kRegC) {
                // Reading C returns the flags and clears them, which drops IRQ 8.
                byte = s_.reg_c;
                s_.reg_c = 0;
                update_irq();
            } else {
                byte = read_register(s_.index, t);
            }
        }
        result |= static_cast<uint32_t>(byte) << (8 * i);
    }
    return result;
}

void CmosRtc::port_write(uint16_t port, unsigned size, uint32_t value) {
    for (unsigned i = 0; i < size; ++i) {
        const auto byte = static_cast<uint8_t>(value >> (8 * i));
        if (port + i == rtc::kPortIndex) {
            s_.index = byte & rtc::kIndexMask;
            s_.nmi_disabled = (byte & rtc::kNmiDisable) != 0;
        } else if (port + i == rtc::kPortData) {
            catch_up(now());
            write_register(s_.index, byte, s_.synced_ns);
        }
    }
}

uint8_t CmosRtc::read_register(uint8_t reg, int64_t t) const {
    if (is_time_register(reg)) {
        if (s_.reg_b & rtc::kBSet) return s_.ram[reg];  // frozen, possibly guest-written
        return time_register(reg, current_time(t));
    }
    switch (reg) {
    case rtc::kRegA:
        return static_cast<uint8_t>(s_.reg_a | (update_in_progress(t) ? rtc::kAUip : 0));
    case rtc::kRegB:
        return s_.reg_b;
    case rtc::kRegC: {
        const uint8_t flags = static_cast<uint8_t>((s_.reg_c | flags_due(s_.synced_ns, t)) & 0x70);
        return static_cast<uint8_t>(flags | ((flags & s_.reg_b) ? rtc::kCIrqf : 0));
    }
    case rtc::kRegD:
        return rtc::kDVrt;  // the battery is always good
    default:
        return s_.ram[reg];
    }
}

void CmosRtc::write_register(uint8_t reg, uint8_t value, int64_t t) {
    if (is_time_register(reg)) {
        if (s_.reg_b & rtc::kBSet) {
            s_.ram[reg] = value;  // takes effect when SET is cleared
        } else {
            // A running clock takes the new field at once and counts on from it.
            std::array<uint8_t, 128> fields = s_.ram;
            store_time(fields, current_time(t));
            fields[reg] = value;
            s_.base_time = load_time(fields);
            s_.base_second = second_index(t);
        }
        rtc_log().trace("time register {:#04x} = {:#04x}", reg, value);
        return;
    }
    switch (reg) {
    case rtc::kRegA: {
        const bool was_running = divider_running();
        const int64_t time = current_time(t);
        s_.reg_a = value & static_cast<uint8_t>(~rtc::kAUip);  // UIP is read only
        const bool running = divider_running();
        if (was_running && !running && !(s_.reg_b & rtc::kBSet)) s_.base_time = time;
        if (!was_running && running) {
            // Leaving divider reset: the first update comes 500 ms later.
            s_.divider_origin_ns = t - kNsPerSecond / 2;
            s_.base_second = second_index(t);
        }
        rtc_log().debug("register A = {:#04x}", s_.reg_a);
        break;
    }
    case rtc::kRegB: {
        const bool was_set = (s_.reg_b & rtc::kBSet) != 0;
        const bool set = (value & rtc::kBSet) != 0;
        if (set) value &= static_cast<uint8_t>(~rtc::kBUie);  // setting SET clears UIE
        const int64_t time = current_time(t);
        s_.reg_b = value;
        if (!was_set && set) store_time(s_.ram, time);  // freeze, in the new format
        if (was_set && !set) {
            // Counting resumes from the registers; the divider phase is unchanged, so
            // the next update comes at the next divider second.
            s_.base_time = load_time(s_.ram);
            s_.base_second = second_index(t);
        }
        update_irq();
        rtc_log().debug("register B = {:#04x}", s_.reg_b);
        break;
    }
    case rtc::kRegC:
    case rtc::kRegD:
        break;  // read only
    default:
        s_.ram[reg] = value;
        break;
    }
}

// ---- Inspectors --------------------------------------------------------------------

uint8_t CmosRtc::peek(uint8_t reg) const { return read_register(reg & rtc::kIndexMask, now()); }

int64_t CmosRtc::unix_time() const { return current_time(now()); }

}  // namespace forkscope

// Unit tests for the MC146818 RTC / CMOS: every register, BCD and binary, 12/24 hour,
// date rollover, SET, UIP timing, periodic / update-ended / alarm interrupts and the
// IRQ 8 line, memory-size bytes, the NMI bit of the index port.
#include "devices/cmos_rtc.h"

#include <gtest/gtest.h>

#include "tests/unit/device_fixtures.h"

#include <memory>
#include <optional>
#include <vector>

namespace forkscope {
namespace {


constexpr uint64_t kSecond = 1'000'000'000;
constexpr uint64_t kMs = 1'000'000;
constexpr int64_t k20240228_235958 = 1'709'164'798;  // a Wednesday, in a leap year

class RtcTest : public ::testing::Test {
protected:
    // A fresh device starting at `time` (the fixture starts at k20240228_235958).
    void restart(int64_t time) {
        rtc.reset();
        clock.now = 0;
        irq = IrqRecorder{8};
        rtc = std::make_unique<CmosRtc>(clock, IrqLine(&irq, 8), time);
    }
    void at(uint64_t ns) { clock.now = ns; }
    void advance(uint64_t ns) {
        clock.now = ns;
        rtc->advance_to(ns);
    }
    uint8_t reg(uint8_t index) {
        rtc->port_write(rtc::kPortIndex, 1, index);
        return static_cast<uint8_t>(rtc->port_read(rtc::kPortData, 1));
    }
    void set_reg(uint8_t index, uint8_t value) {
        rtc->port_write(rtc::kPortIndex, 1, index);
        rtc->port_write(rtc::kPortData, 1, value);
    }
    std::optional<uint64_t> deadline() const { return rtc->next_deadline_ns(); }

    FakeClock clock;
    IrqRecorder irq{8};
    std::unique_ptr<CmosRtc> rtc = std::make_unique<CmosRtc>(clock, IrqLine(&irq, 8), k20240228_235958);
};

// ---- Registers at reset ------------------------------------------------------------

TEST_F(RtcTest, StatusRegistersAtReset) {
    EXPECT_EQ(reg(rtc::kRegA), 0x26);  // 32.768 kHz divider, 1024 Hz rate
    EXPECT_EQ(reg(rtc::kRegB), 0x02);  // BCD, 24-hour
    EXPECT_EQ(reg(rtc::kRegC), 0x00);
    EXPECT_EQ(reg(rtc::kRegD), 0x80);  // VRT
    EXPECT_FALSE(irq.level);
    EXPECT_FALSE(deadline().has_value());
    EXPECT_EQ(rtc->name(), "rtc");
}

TEST_F(RtcTest, ReadsTimeInBcd) {
    EXPECT_EQ(reg(rtc::kRegSeconds), 0x58);
    EXPECT_EQ(reg(rtc::kRegMinutes), 0x59);
    EXPECT_EQ(reg(rtc::kRegHours), 0x23);
    EXPECT_EQ(reg(rtc::kRegDayOfWeek), 0x04);  // Wednesday (1 = Sunday)
    EXPECT_EQ(reg(rtc::kRegDayOfMonth), 0x28);
    EXPECT_EQ(reg(rtc::kRegMonth), 0x02);
    EXPECT_EQ(reg(rtc::kRegYear), 0x24);
    EXPECT_EQ(reg(rtc::kRegCentury), 0x20);
    EXPECT_EQ(rtc->unix_time(), k20240228_235958);
}

TEST_F(RtcTest, ReadsTimeInBinary) {
    set_reg(rtc::kRegB, rtc::kB24Hour | rtc::kBBinary);
    EXPECT_EQ(reg(rtc::kRegSeconds), 58);
    EXPECT_EQ(reg(rtc::kRegMinutes), 59);
    EXPECT_EQ(reg(rtc::kRegHours), 23);
    EXPECT_EQ(reg(rtc::kRegDayOfWeek), 4);
    EXPECT_EQ(reg(rtc::kRegDayOfMonth), 28);
    EXPECT_EQ(reg(rtc::kRegMonth), 2);
    EXPECT_EQ(reg(rtc::kRegYear), 24);
    EXPECT_EQ(reg(rtc::kRegCentury), 20);
}

TEST_F(RtcTest, TimeAdvancesWithTheGuestClockOnWholeSeconds) {
    at(kSecond - 1);
    EXPECT_EQ(reg(rtc::kRegSeconds), 0x58);
    at(kSecond);
    EXPECT_EQ(reg(rtc::kRegSeconds), 0x59);
    at(2 * kSecond);  // 2024-02-29 00:00:00, Thursday
    EXPECT_EQ(reg(rtc::kRegSeconds), 0x00);
    EXPECT_EQ(reg(rtc::kRegMinutes), 0x00);
    EXPECT_EQ(reg(rtc::kRegHours), 0x00);
    EXPECT_EQ(reg(rtc::kRegDayOfWeek), 0x05);
    EXPECT_EQ(reg(rtc::kRegDayOfMonth), 0x29);
    EXPECT_EQ(reg(rtc::kRegMonth), 0x02);
    at(3'600 * kSecond + 2 * kSecond);  // an hour later: no drift
    EXPECT_EQ(reg(rtc::kRegHours), 0x01);
    EXPECT_EQ(reg(rtc::kRegMinutes), 0x00);
    EXPECT_EQ(reg(rtc::kRegSeconds), 0x00);
}

// ---- 12-hour mode ------------------------------------------------------------------

TEST_F(RtcTest, TwelveHourModeBcdAroundMidnight) {
    set_reg(rtc::kRegB, 0x00);  // BCD, 12-hour
    EXPECT_EQ(reg(rtc::kRegHours), 0x91);  // 11 PM
    at(2 * kSecond);
    EXPECT_EQ(reg(rtc::kRegHours), 0x12);  // midnight is 12 AM
    at(3'602 * kSecond);
    EXPECT_EQ(reg(rtc::kRegHours), 0x01);  // 1 AM
}

TEST_F(RtcTest, TwelveHourModeAroundNoon) {
    restart(1'710'503'999);  // 2024-03-15 11:59:59
    set_reg(rtc::kRegB, 0x00);
    EXPECT_EQ(reg(rtc::kRegHours), 0x11);  // 11 AM
    at(kSecond);
    EXPECT_EQ(reg(rtc::kRegHours), 0x92);  // noon is 12 PM
    at(3'601 * kSecond);
    EXPECT_EQ(reg(rtc::kRegHours), 0x81);  // 1 PM
    set_reg(rtc::kRegB, rtc::kBBinary);    // binary, 12-hour
    EXPECT_EQ(reg(rtc::kRegHours), 0x81);
    at(kSecond + 3'600 * kSecond * 11);
    EXPECT_EQ(reg(rtc::kRegHours), 0x8B);  // 11 PM
    at(kSecond + 3'600 * kSecond * 12);
    EXPECT_EQ(reg(rtc::kRegHours), 0x0C);  // midnight, binary 12
}

TEST_F(RtcTest, TwelveHourWriteReadsBackIn24HourMode) {
    set_reg(rtc::kRegB, rtc::kBSet);  // SET, BCD, 12-hour
    set_reg(rtc::kRegHours, 0x81);    // 1 PM
    set_reg(rtc::kRegB, 0x00);
    set_reg(rtc::kRegB, rtc::kB24Hour);
    EXPECT_EQ(reg(rtc::kRegHours), 0x13);
    set_reg(rtc::kRegB, rtc::kBSet);
    set_reg(rtc::kRegHours, 0x12);  // 12 AM
    set_reg(rtc::kRegB, 0x00);
    set_reg(rtc::kRegB, rtc::kB24Hour);
    EXPECT_EQ(reg(rtc::kRegHours), 0x00);
    // Like the chip, bytes written while SET are read in the format in force when SET
    // is cleared: 0x12 cleared straight into 24-hour mode is noon.
    set_reg(rtc::kRegB, rtc::kBSet);
    set_reg(rtc::kRegHours, 0x12);
    set_reg(rtc::kRegB, rtc::kB24Hour);
    EXPECT_EQ(reg(rtc::kRegHours), 0x12);
}

// ---- Date rollover -----------------------------------------------------------------

struct Rollover {
    int64_t start;  // one second before the rollover
    uint8_t day, month, year, century, weekday;
};

class RtcRolloverTest : public RtcTest, public ::testing::WithParamInterface<Rollover> {};

TEST_P(RtcRolloverTest, NextSecond) {
    const Rollover r = GetParam();
    restart(r.start);
    EXPECT_EQ(reg(rtc::kRegSeconds), 0x59);
    at(kSecond);
    EXPECT_EQ(reg(rtc::kRegSeconds), 0x00);
    EXPECT_EQ(reg(rtc::kRegMinutes), 0x00);
    EXPECT_EQ(reg(rtc::kRegHours), 0x00);
    EXPECT_EQ(reg(rtc::kRegDayOfMonth), r.day);
    EXPECT_EQ(reg(rtc::kRegMonth), r.month);
    EXPECT_EQ(reg(rtc::kRegYear), r.year);
    EXPECT_EQ(reg(rtc::kRegCentury), r.century);
    EXPECT_EQ(reg(rtc::kRegDayOfWeek), r.weekday);
}

INSTANTIATE_TEST_SUITE_P(
    MonthEndsLeapYearsCenturies, RtcRolloverTest,
    ::testing::Values(Rollover{1'677'628'799, 0x01, 0x03, 0x23, 0x20, 4},   // 2023-02-28, not leap
                      Rollover{1'709'251'199, 0x01, 0x03, 0x24, 0x20, 6},   // 2024-02-29
                      Rollover{1'714'521'599, 0x01, 0x05, 0x24, 0x20, 4},   // 2024-04-30
                      Rollover{951'782'399, 0x29, 0x02, 0x00, 0x20, 3},     // 2000-02-28, leap
                      Rollover{4'107'542'399, 0x01, 0x03, 0x00, 0x21, 2},   // 2100-02-28, not leap
                      Rollover{946'684'799, 0x01, 0x01, 0x00, 0x20, 7},     // 1999-12-31
                      Rollover{4'102'444'799, 0x01, 0x01, 0x00, 0x21, 6})); // 2099-12-31

TEST_F(RtcTest, CenturyRolloverInBinary) {
    restart(4'102'444'799);  // 2099-12-31 23:59:59
    set_reg(rtc::kRegB, rtc::kB24Hour | rtc::kBBinary);
    EXPECT_EQ(reg(rtc::kRegYear), 99);
    EXPECT_EQ(reg(rtc::kRegCentury), 20);
    at(kSecond);
    EXPECT_EQ(reg(rtc::kRegYear), 0);
    EXPECT_EQ(reg(rtc::kRegCentury), 21);
}

// ---- SET, writes -------------------------------------------------------------------

TEST_F(RtcTest, SetFreezesTimeAndAcceptsNewTime) {
    at(300 * kMs);
    set_reg(rtc::kRegB, rtc::kBSet | rtc::kB24Hour);
    at(5 * kSecond);
    EXPECT_EQ(reg(rtc::kRegSeconds), 0x58);  // frozen
    set_reg(rtc::kRegSeconds, 0x30);
    set_reg(rtc::kRegMinutes, 0x15);
    set_reg(rtc::kRegHours, 0x10);
    set_reg(rtc::kRegDayOfWeek, 0x07);
    set_reg(rtc::kRegDayOfMonth, 0x01);
    set_reg(rtc::kRegMonth, 0x06);
    set_reg(rtc::kRegYear, 0x25);
    set_reg(rtc::kRegCentury, 0x20);
    at(5 * kSecond + 900 * kMs);
    EXPECT_EQ(reg(rtc::kRegSeconds), 0x30);
    EXPECT_EQ(reg(rtc::kRegMinutes), 0x15);
    EXPECT_EQ(reg(rtc::kRegHours), 0x10);
    EXPECT_EQ(reg(rtc::kRegDayOfWeek), 0x07);  // as written while SET
    EXPECT_EQ(reg(rtc::kRegDayOfMonth), 0x01);
    EXPECT_EQ(reg(rtc::kRegMonth), 0x06);
    EXPECT_EQ(reg(rtc::kRegYear), 0x25);
    EXPECT_EQ(rtc->unix_time(), 1'748'772'930);  // 2025-06-01 10:15:30
    EXPECT_EQ(reg(rtc::kRegA) & rtc::kAUip, 0);  // no update cycle while SET
    EXPECT_EQ(reg(rtc::kRegC), rtc::kCPf);       // periodic flags only, no update-ended

    set_reg(rtc::kRegB, rtc::kB24Hour);
    EXPECT_EQ(reg(rtc::kRegSeconds), 0x30);
    EXPECT_EQ(reg(rtc::kRegDayOfWeek), 0x01);  // derived from the date: a Sunday
    at(6 * kSecond - 1);  // the divider phase did not move
    EXPECT_EQ(reg(rtc::kRegSeconds), 0x30);
    at(6 * kSecond);
    EXPECT_EQ(reg(rtc::kRegSeconds), 0x31);
    EXPECT_EQ(rtc->unix_time(), 1'748'772'931);
}

TEST_F(RtcTest, SetClearsUpdateInterruptEnable) {
    set_reg(rtc::kRegB, rtc::kBUie | rtc::kB24Hour);
    EXPECT_EQ(reg(rtc::kRegB), 0x12);
    set_reg(rtc::kRegB, rtc::kBSet | rtc::kBUie | rtc::kB24Hour);
    EXPECT_EQ(reg(rtc::kRegB), 0x82);
}

TEST_F(RtcTest, WritingTimeWhileRunningTakesEffect) {
    at(500 * kMs);
    set_reg(rtc::kRegMinutes, 0x10);
    EXPECT_EQ(reg(rtc::kRegMinutes), 0x10);
    EXPECT_EQ(reg(rtc::kRegSeconds), 0x58);
    EXPECT_EQ(reg(rtc::kRegHours), 0x23);
    at(kSecond);
    EXPECT_EQ(reg(rtc::kRegSeconds), 0x59);
    EXPECT_EQ(reg(rtc::kRegMinutes), 0x10);
}

TEST_F(RtcTest, FormatSwitchWhileRunningShowsSameTime) {
    EXPECT_EQ(reg(rtc::kRegMinutes), 0x59);
    set_reg(rtc::kRegB, rtc::kB24Hour | rtc::kBBinary);
    EXPECT_EQ(reg(rtc::kRegMinutes), 59);
    set_reg(rtc::kRegB, rtc::kB24Hour);
    EXPECT_EQ(reg(rtc::kRegMinutes), 0x59);
}

// ---- UIP ---------------------------------------------------------------------------

TEST_F(RtcTest, UpdateInProgressFor244MicrosecondsBeforeEachUpdate) {
    // 8 steps of 32768 Hz before the second: 999 755 859.375 ns.
    at(999'755'859);
    EXPECT_EQ(reg(rtc::kRegA), 0x26);
    at(999'755'860);
    EXPECT_EQ(reg(rtc::kRegA), 0xA6);
    EXPECT_EQ(reg(rtc::kRegSeconds), 0x58);  // not updated yet
    at(kSecond - 1);
    EXPECT_EQ(reg(rtc::kRegA), 0xA6);
    at(kSecond);
    EXPECT_EQ(reg(rtc::kRegA), 0x26);
    EXPECT_EQ(reg(rtc::kRegSeconds), 0x59);
    at(kSecond + 999'755'860);
    EXPECT_EQ(reg(rtc::kRegA), 0xA6);
}

TEST_F(RtcTest, RegisterAUipBitIsReadOnly) {
    set_reg(rtc::kRegA, 0xA6);
    EXPECT_EQ(reg(rtc::kRegA), 0x26);
}

TEST_F(RtcTest, DividerResetStopsTimeAndRestartsHalfASecondLater) {
    at(300 * kMs);
    set_reg(rtc::kRegA, 0x76);  // DV = 111: divider chain in reset
    at(5 * kSecond);
    EXPECT_EQ(reg(rtc::kRegSeconds), 0x58);
    EXPECT_EQ(reg(rtc::kRegC), 0x40);  // PF from before the reset only
    set_reg(rtc::kRegB, rtc::kBPie | rtc::kB24Hour);
    EXPECT_FALSE(deadline().has_value());  // no periodic interrupt in reset
    set_reg(rtc::kRegB, rtc::kB24Hour);
    set_reg(rtc::kRegA, 0x26);
    at(5 * kSecond + 500 * kMs - 1);
    EXPECT_EQ(reg(rtc::kRegSeconds), 0x58);
    at(5 * kSecond + 500 * kMs);
    EXPECT_EQ(reg(rtc::kRegSeconds), 0x59);
}

// ---- Periodic interrupt ------------------------------------------------------------

TEST_F(RtcTest, PeriodicInterruptAtDefault1024Hz) {
    set_reg(rtc::kRegB, rtc::kBPie | rtc::kB24Hour);
    EXPECT_EQ(deadline(), 976'563u);  // 976.5625 us
    advance(976'562);
    EXPECT_EQ(irq.rising, 0);
    advance(976'563);
    EXPECT_EQ(irq.rising, 1);
    EXPECT_TRUE(irq.level);
    EXPECT_EQ(reg(rtc::kRegC), rtc::kCIrqf | rtc::kCPf);
    EXPECT_FALSE(irq.level);  // reading C lowers IRQ 8
    EXPECT_EQ(reg(rtc::kRegC), 0x00);
    // 1024 periods are exactly one second.
    for (int k = 2; k <= 1024; ++k) {
        const auto next = deadline();
        ASSERT_TRUE(next.has_value());
        ASSERT_EQ(*next, (k * 1'953'125ull + 1) / 2) << k;
        advance(*next);
        ASSERT_EQ(reg(rtc::kRegC) & ~rtc::kCUf, rtc::kCIrqf | rtc::kCPf) << k;  // UF at 1 s
    }
    EXPECT_EQ(clock.now, kSecond);
    EXPECT_EQ(irq.rising, 1024);
}

TEST_F(RtcTest, PeriodicRatesFollowTheDatasheet) {
    // Rate -> Hz with a 32.768 kHz time base; rates 1 and 2 equal rates 8 and 9.
    const uint32_t hz[16] = {0, 256, 128, 8192, 4096, 2048, 1024, 512, 256, 128, 64, 32, 16, 8, 4, 2};
    for (uint8_t rate = 0; rate < 16; ++rate) {
        restart(k20240228_235958);
        set_reg(rtc::kRegA, static_cast<uint8_t>(0x20 | rate));
        set_reg(rtc::kRegB, rtc::kBPie | rtc::kB24Hour);
        if (rate == 0) {
            EXPECT_FALSE(deadline().has_value());
            continue;
        }
        EXPECT_EQ(deadline(), (kSecond + hz[rate] - 1) / hz[rate]) << "rate " << int{rate};
        advance(*deadline());
        EXPECT_EQ(irq.rising, 1) << "rate " << int{rate};
    }
}

TEST_F(RtcTest, PeriodicFlagIsSetWithoutPieButNoInterrupt) {
    at(1 * kMs);
    EXPECT_EQ(reg(rtc::kRegC), rtc::kCPf);  // polled, IRQF clear
    EXPECT_EQ(reg(rtc::kRegC), 0x00);       // cleared by the read
    advance(3 * kMs);
    EXPECT_EQ(irq.rising, 0);
    EXPECT_EQ(reg(rtc::kRegC), rtc::kCPf);
}

TEST_F(RtcTest, NoFurtherEdgesUntilRegisterCIsRead) {
    set_reg(rtc::kRegB, rtc::kBPie | rtc::kB24Hour);
    advance(*deadline());
    EXPECT_EQ(irq.rising, 1);
    EXPECT_FALSE(deadline().has_value());  // IRQF set: nothing new can happen
    advance(20 * kMs);
    EXPECT_EQ(irq.rising, 1);
    EXPECT_TRUE(irq.level);
    EXPECT_EQ(reg(rtc::kRegC), rtc::kCIrqf | rtc::kCPf);
    EXPECT_FALSE(irq.level);
    EXPECT_EQ(deadline(), 20'507'813u);  // period 21 at 1024 Hz
    advance(*deadline());
    EXPECT_EQ(irq.rising, 2);
}

TEST_F(RtcTest, EnablingPieWithPfPendingRaisesAtOnceAndDisablingLowers) {
    at(2 * kMs);
    set_reg(rtc::kRegB, rtc::kBPie | rtc::kB24Hour);
    EXPECT_EQ(irq.rising, 1);
    EXPECT_TRUE(irq.level);
    EXPECT_EQ(rtc->peek(rtc::kRegC), rtc::kCIrqf | rtc::kCPf);
    set_reg(rtc::kRegB, rtc::kB24Hour);
    EXPECT_FALSE(irq.level);
    EXPECT_EQ(reg(rtc::kRegC), rtc::kCPf);
}

// ---- Update-ended and alarm interrupts ---------------------------------------------

TEST_F(RtcTest, UpdateEndedInterruptOncePerSecond) {
    set_reg(rtc::kRegA, 0x20);  // no periodic flag, to keep C simple
    set_reg(rtc::kRegB, rtc::kBUie | rtc::kB24Hour);
    EXPECT_EQ(deadline(), kSecond);
    advance(kSecond - 1);
    EXPECT_EQ(irq.rising, 0);
    advance(kSecond);
    EXPECT_EQ(irq.rising, 1);
    EXPECT_EQ(reg(rtc::kRegSeconds), 0x59);
    EXPECT_EQ(reg(rtc::kRegC), rtc::kCIrqf | rtc::kCUf);
    at(1500 * kMs);
    EXPECT_EQ(reg(rtc::kRegC), 0x00);
    EXPECT_EQ(deadline(), 2 * kSecond);
    advance(2 * kSecond);
    EXPECT_EQ(irq.rising, 2);
}

TEST_F(RtcTest, UpdateFlagCanBePolledWithoutAdvance) {
    set_reg(rtc::kRegA, 0x20);
    at(1200 * kMs);
    EXPECT_EQ(reg(rtc::kRegC), rtc::kCUf);
    EXPECT_EQ(irq.rising, 0);
}

TEST_F(RtcTest, AlarmInterruptAtMatchingTime) {
    set_reg(rtc::kRegA, 0x20);
    set_reg(rtc::kRegAlarmSeconds, 0x05);
    set_reg(rtc::kRegAlarmMinutes, 0x00);
    set_reg(rtc::kRegAlarmHours, 0x00);
    EXPECT_EQ(reg(rtc::kRegAlarmSeconds), 0x05);
    EXPECT_EQ(reg(rtc::kRegAlarmMinutes), 0x00);
    EXPECT_EQ(reg(rtc::kRegAlarmHours), 0x00);
    set_reg(rtc::kRegB, rtc::kBAie | rtc::kB24Hour);
    EXPECT_EQ(deadline(), 7 * kSecond);  // 23:59:58 -> 00:00:05
    advance(7 * kSecond - 1);
    EXPECT_EQ(irq.rising, 0);
    advance(7 * kSecond);
    EXPECT_EQ(irq.rising, 1);
    EXPECT_EQ(reg(rtc::kRegC), rtc::kCIrqf | rtc::kCAf | rtc::kCUf);
    EXPECT_EQ(deadline(), (7 + 86'400) * kSecond);  // tomorrow
}

TEST_F(RtcTest, AlarmDontCareValues) {
    set_reg(rtc::kRegA, 0x20);
    set_reg(rtc::kRegAlarmSeconds, 0xC0);
    set_reg(rtc::kRegAlarmMinutes, 0xFF);
    set_reg(rtc::kRegAlarmHours, 0xC5);
    set_reg(rtc::kRegB, rtc::kBAie | rtc::kB24Hour);
    EXPECT_EQ(deadline(), kSecond);  // every second
    set_reg(rtc::kRegAlarmSeconds, 0x00);
    EXPECT_EQ(deadline(), 2 * kSecond);  // every minute, at :00
    advance(2 * kSecond);
    EXPECT_EQ(reg(rtc::kRegC), rtc::kCIrqf | rtc::kCAf | rtc::kCUf);
    EXPECT_EQ(deadline(), 62 * kSecond);
    set_reg(rtc::kRegAlarmMinutes, 0x30);  // every hour at :30:00
    EXPECT_EQ(deadline(), (2 + 30 * 60) * kSecond);
}

TEST_F(RtcTest, AlarmFlagIsSetWithoutAie) {
    set_reg(rtc::kRegA, 0x20);
    set_reg(rtc::kRegAlarmSeconds, 0x00);
    set_reg(rtc::kRegAlarmMinutes, 0x00);
    set_reg(rtc::kRegAlarmHours, 0x00);
    EXPECT_FALSE(deadline().has_value());
    at(3 * kSecond);
    EXPECT_EQ(reg(rtc::kRegC), rtc::kCAf | rtc::kCUf);
    EXPECT_EQ(irq.rising, 0);
}

TEST_F(RtcTest, InvalidAlarmNeverMatches) {
    set_reg(rtc::kRegA, 0x20);
    set_reg(rtc::kRegAlarmSeconds, 0x5A);  // not BCD
    set_reg(rtc::kRegAlarmMinutes, 0xC0);
    set_reg(rtc::kRegAlarmHours, 0xC0);
    set_reg(rtc::kRegB, rtc::kBAie | rtc::kB24Hour);
    EXPECT_FALSE(deadline().has_value());
    advance(100 * kSecond);
    EXPECT_EQ(reg(rtc::kRegC), rtc::kCUf);
}

TEST_F(RtcTest, AlarmInTwelveHourMode) {
    set_reg(rtc::kRegA, 0x20);
    set_reg(rtc::kRegAlarmSeconds, 0x00);
    set_reg(rtc::kRegAlarmMinutes, 0x00);
    set_reg(rtc::kRegAlarmHours, 0x12);  // 12 AM
    set_reg(rtc::kRegB, rtc::kBAie);     // BCD, 12-hour
    EXPECT_EQ(deadline(), 2 * kSecond);
    set_reg(rtc::kRegAlarmHours, 0x92);  // 12 PM
    EXPECT_EQ(deadline(), (2 + 12 * 3600) * kSecond);
}

TEST_F(RtcTest, NoDeadlineWithoutEnabledInterrupts) {
    set_reg(rtc::kRegB, rtc::kB24Hour);
    EXPECT_FALSE(deadline().has_value());
    set_reg(rtc::kRegB, rtc::kBSet | rtc::kBAie | rtc::kB24Hour);
    EXPECT_FALSE(deadline().has_value());  // SET: no update cycles, so no alarm
}

// ---- RAM, index port, read-only registers ------------------------------------------

TEST_F(RtcTest, MemorySizeBytes) {
    rtc->set_memory_size(32ull << 20);
    EXPECT_EQ(reg(rtc::kRegBaseMemLo), 0x80);  // 640 KiB
    EXPECT_EQ(reg(rtc::kRegBaseMemHi), 0x02);
    EXPECT_EQ(reg(rtc::kRegExtMemLo), 0x00);  // 31 MiB = 31744 KiB
    EXPECT_EQ(reg(rtc::kRegExtMemHi), 0x7C);
    EXPECT_EQ(reg(rtc::kRegExtMem2Lo), 0x00);
    EXPECT_EQ(reg(rtc::kRegExtMem2Hi), 0x7C);
    EXPECT_EQ(reg(rtc::kRegHighMemLo), 0x00);  // 16 MiB = 256 x 64 KiB
    EXPECT_EQ(reg(rtc::kRegHighMemHi), 0x01);
    EXPECT_EQ(reg(rtc::kRegChecksumHi), 0x00);  // 0x80 + 0x02 + 0x00 + 0x7C
    EXPECT_EQ(reg(rtc::kRegChecksumLo), 0xFE);

    rtc->set_memory_size(4ull << 30);
    EXPECT_EQ(reg(rtc::kRegExtMemLo), 0xFF);  // capped at 65535 KiB
    EXPECT_EQ(reg(rtc::kRegExtMemHi), 0xFF);
    EXPECT_EQ(reg(rtc::kRegExtMem2Lo), 0xFF);
    EXPECT_EQ(reg(rtc::kRegExtMem2Hi), 0xFF);
    EXPECT_EQ(reg(rtc::kRegHighMemLo), 0x00);  // 65280 x 64 KiB
    EXPECT_EQ(reg(rtc::kRegHighMemHi), 0xFF);

    rtc->set_memory_size(512ull << 10);
    EXPECT_EQ(reg(rtc::kRegBaseMemLo), 0x00);  // 512 KiB
    EXPECT_EQ(reg(rtc::kRegBaseMemHi), 0x02);
    EXPECT_EQ(reg(rtc::kRegExtMemLo), 0x00);
    EXPECT_EQ(reg(rtc::kRegExtMemHi), 0x00);
    EXPECT_EQ(reg(rtc::kRegHighMemHi), 0x00);
}

TEST_F(RtcTest, NmiDisableBitIsMaskedOffTheIndex) {
    rtc->port_write(rtc::kPortIndex, 1, rtc::kNmiDisable | 0x0F);
    EXPECT_EQ(rtc->index(), 0x0F);
    EXPECT_TRUE(rtc->nmi_disabled());
    rtc->port_write(rtc::kPortData, 1, 0xAB);
    rtc->port_write(rtc::kPortIndex, 1, 0x0F);
    EXPECT_FALSE(rtc->nmi_disabled());
    EXPECT_EQ(rtc->port_read(rtc::kPortData, 1), 0xABu);
    rtc->port_write(rtc::kPortIndex, 1, rtc::kNmiDisable | rtc::kRegA);
    EXPECT_EQ(rtc->port_read(rtc::kPortData, 1), 0x26u);
    EXPECT_EQ(rtc->port_read(rtc::kPortIndex, 1), 0xFFu);  // the index port is write only
}

TEST_F(RtcTest, WordWriteSetsIndexThenData) {
    rtc->port_write(rtc::kPortIndex, 2, 0x5A40);  // index 0x40, data 0x5A
    EXPECT_EQ(reg(0x40), 0x5A);
}

TEST_F(RtcTest, GeneralCmosRamHoldsBytes) {
    for (unsigned i = 0x0E; i < 0x80; ++i) {
        if (i == rtc::kRegCentury) continue;
        set_reg(static_cast<uint8_t>(i), static_cast<uint8_t>(i * 7 + 3));
    }
    for (unsigned i = 0x0E; i < 0x80; ++i) {
        if (i == rtc::kRegCentury) continue;
        EXPECT_EQ(reg(static_cast<uint8_t>(i)), static_cast<uint8_t>(i * 7 + 3)) << i;
    }
}

TEST_F(RtcTest, RegistersCAndDAreReadOnly) {
    set_reg(rtc::kRegC, 0xFF);
    set_reg(rtc::kRegD, 0x00);
    EXPECT_EQ(reg(rtc::kRegC), 0x00);
    EXPECT_EQ(reg(rtc::kRegD), 0x80);
    EXPECT_FALSE(irq.level);
}

TEST_F(RtcTest, DseBitIsStoredWithoutDaylightSaving) {
    set_reg(rtc::kRegB, rtc::kB24Hour | rtc::kBDse | rtc::kBSqwe);
    EXPECT_EQ(reg(rtc::kRegB), 0x0B);
    EXPECT_EQ(reg(rtc::kRegHours), 0x23);
}

TEST_F(RtcTest, PeekHasNoSideEffects) {
    at(5 * kMs);
    EXPECT_EQ(rtc->peek(rtc::kRegC), rtc::kCPf);
    EXPECT_EQ(rtc->peek(rtc::kRegC), rtc::kCPf);
    EXPECT_EQ(rtc->peek(rtc::kRegSeconds), 0x58);
    EXPECT_EQ(reg(rtc::kRegC), rtc::kCPf);
    EXPECT_EQ(rtc->peek(rtc::kRegC), 0x00);
}

TEST_F(RtcTest, SameInputsGiveSameState) {
    auto script = [](CmosRtc& r, FakeClock& c) {
        std::vector<uint32_t> seen;
        r.port_write(rtc::kPortIndex, 1, rtc::kRegB);
        r.port_write(rtc::kPortData, 1, rtc::kBPie | rtc::kBUie | rtc::kB24Hour);
        for (uint64_t ns = 0; ns < 3 * kSecond; ns += 7'654'321) {
            c.now = ns;
            r.advance_to(ns);
            r.port_write(rtc::kPortIndex, 1, rtc::kRegC);
            seen.push_back(r.port_read(rtc::kPortData, 1));
            seen.push_back(static_cast<uint32_t>(r.next_deadline_ns().value_or(0)));
        }
        return seen;
    };
    FakeClock clock2;
    IrqRecorder irq2{8};
    CmosRtc other(clock2, IrqLine(&irq2, 8), k20240228_235958);
    EXPECT_EQ(script(*rtc, clock), script(other, clock2));
    EXPECT_EQ(irq.rising, irq2.rising);
}

}  // namespace
}  // namespace forkscope

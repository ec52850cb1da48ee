// Unit tests for the 8254 PIT: every mode's OUT / IRQ 0 timing and count values, access
// modes and flip-flops, latch and read-back, BCD, count 0, GATE, port 0x61.
#include "devices/pit8254.h"

#include <gtest/gtest.h>

#include "tests/unit/device_fixtures.h"

#include <optional>
#include <vector>

namespace forkscope {
namespace {


constexpr uint8_t kLoByte = pit::kAccessLoByte;
constexpr uint8_t kHiByte = pit::kAccessHiByte;
constexpr uint8_t kLoHi = pit::kAccessLoHi;

class PitTest : public ::testing::Test {
protected:
    void SetUp() override { irq.rising = 0; }  // forget the power-on level of IRQ 0

    // Put the clock at the start of PIT input clock `tick`.
    void at(uint64_t tick) { clock.now = Pit8254::ns_at_tick(tick); }
    void advance(uint64_t tick) {
        at(tick);
        pit.advance_to(clock.now);
    }
    void outb(uint16_t port, uint8_t value) { pit.port_write(port, 1, value); }
    uint8_t inb(uint16_t port) { return static_cast<uint8_t>(pit.port_read(port, 1)); }

    void control(unsigned ch, unsigned access, unsigned mode, bool bcd = false) {
        outb(pit::kPortControl, static_cast<uint8_t>(ch << 6 | access << 4 | mode << 1 | (bcd ? 1 : 0)));
    }
    void write16(unsigned ch, uint16_t count) {
        outb(static_cast<uint16_t>(pit::kPortCounter0 + ch), count & 0xFF);
        outb(static_cast<uint16_t>(pit::kPortCounter0 + ch), count >> 8);
    }
    void program(unsigned ch, unsigned mode, uint16_t count, bool bcd = false) {
        control(ch, kLoHi, mode, bcd);
        write16(ch, count);
    }
    uint16_t read16(unsigned ch) {
        const uint8_t lo = inb(static_cast<uint16_t>(pit::kPortCounter0 + ch));
        const uint8_t hi = inb(static_cast<uint16_t>(pit::kPortCounter0 + ch));
        return static_cast<uint16_t>(lo | hi << 8);
    }
    uint16_t latched16(unsigned ch) {
        outb(pit::kPortControl, static_cast<uint8_t>(ch << 6));  // counter latch command
        return read16(ch);
    }
    uint8_t status(unsigned ch) {
        outb(pit::kPortControl, static_cast<uint8_t>(0xC0 | pit::kReadBackNoCount | 2u << ch));
        return inb(static_cast<uint16_t>(pit::kPortCounter0 + ch));
    }
    bool out_bit(unsigned ch) { return (status(ch) & pit::kStatusOut) != 0; }
    std::optional<uint64_t> deadline_tick() const {
        const auto ns = pit.next_deadline_ns();
        if (!ns) return std::nullopt;
        return Pit8254::ticks_at_ns(*ns);
    }

    FakeClock clock;
    IrqRecorder irq{0};
    Pit8254 pit{clock, IrqLine(&irq, 0)};
};

// ---- Time conversion ---------------------------------------------------------------

TEST(PitTime, ExactConversionBothWays) {
    EXPECT_EQ(Pit8254::ticks_at_ns(0), 0u);
    EXPECT_EQ(Pit8254::ticks_at_ns(1'000'000'000), 1'193'182u);
    EXPECT_EQ(Pit8254::ticks_at_ns(838), 0u);  // one clock is 838.095 ns
    EXPECT_EQ(Pit8254::ticks_at_ns(839), 1u);
    EXPECT_EQ(Pit8254::ns_at_tick(1), 839u);
    EXPECT_EQ(Pit8254::ns_at_tick(1'193'182), 1'000'000'000u);
    // Ten hours of guest time: no drift.
    EXPECT_EQ(Pit8254::ticks_at_ns(36'000ull * 1'000'000'000), 36'000ull * 1'193'182);
    EXPECT_EQ(Pit8254::ns_at_tick(36'000ull * 1'193'182), 36'000ull * 1'000'000'000);
    // A year of guest time, and the inverse is the first ns of each tick.
    for (uint64_t tick : {1ull, 2ull, 65'535ull, 65'536ull, 1'193'181ull, 123'456'789'012ull,
                          37'627'787'527'000ull}) {
        const uint64_t ns = Pit8254::ns_at_tick(tick);
        EXPECT_EQ(Pit8254::ticks_at_ns(ns), tick) << tick;
        EXPECT_EQ(Pit8254::ticks_at_ns(ns - 1), tick - 1) << tick;
    }
}

// ---- Power-on state ----------------------------------------------------------------

TEST_F(PitTest, PowerOnStateIsWhatTheBiosLeaves) {
    EXPECT_EQ(pit.mode(0), 2);
    EXPECT_EQ(pit.reload(0), 0);
    EXPECT_EQ(pit.access_mode(0), kLoHi);
    EXPECT_EQ(pit.mode(1), 3);
    EXPECT_EQ(pit.mode(2), 3);
    EXPECT_TRUE(pit.gate(0));
    EXPECT_TRUE(pit.gate(1));
    EXPECT_FALSE(pit.gate(2));
    EXPECT_TRUE(irq.level);  // mode 2 OUT is high
    EXPECT_EQ(pit.count(0), 0u);  // count 0 = 65536 just loaded
    at(1);
    EXPECT_EQ(pit.count(0), 65535u);
    EXPECT_EQ(deadline_tick(), 65536u);  // 18.2 Hz
    advance(65536);
    EXPECT_EQ(irq.rising, 1);
}

// ---- Mode 0 ------------------------------------------------------------------------

TEST_F(PitTest, Mode0InterruptOnTerminalCount) {
    at(100);
    program(0, 0, 1000);
    EXPECT_FALSE(irq.level);  // the control word drove OUT low
    EXPECT_EQ(pit.count(0), 1000u);
    EXPECT_EQ(pit.reload(0), 1000);
    EXPECT_EQ(pit.mode(0), 0);
    at(600);
    EXPECT_EQ(latched16(0), 500);
    EXPECT_FALSE(out_bit(0));
    EXPECT_EQ(deadline_tick(), 1100u);
    advance(1099);
    EXPECT_EQ(irq.rising, 0);
    EXPECT_EQ(read16(0), 1);
    advance(1100);
    EXPECT_EQ(irq.rising, 1);
    EXPECT_TRUE(irq.level);
    EXPECT_TRUE(out_bit(0));
    EXPECT_EQ(read16(0), 0);
    at(1101);
    EXPECT_EQ(read16(0), 0xFFFF);  // the count wraps around and keeps going
    EXPECT_FALSE(pit.next_deadline_ns().has_value());
    advance(200'000);
    EXPECT_EQ(irq.rising, 1);  // one edge only
    EXPECT_TRUE(out_bit(0));   // OUT stays high until reprogrammed
}

TEST_F(PitTest, Mode0FirstByteStopsCountSecondByteRestarts) {
    program(0, 0, 1000);
    at(400);
    outb(pit::kPortCounter0, 0xD0);  // low byte of 2000
    at(450);
    EXPECT_EQ(pit.count(0), 600u);  // stopped at 1000 - 400
    EXPECT_EQ(status(0), pit::kStatusNullCount | 0x30);
    EXPECT_FALSE(pit.next_deadline_ns().has_value());
    at(500);
    outb(pit::kPortCounter0, 0x07);  // high byte: 2000 starts now
    EXPECT_EQ(pit.count(0), 2000u);
    EXPECT_EQ(deadline_tick(), 2500u);
    advance(1000);
    EXPECT_EQ(irq.rising, 0);  // the old terminal count never comes
    advance(2500);
    EXPECT_EQ(irq.rising, 1);
}

TEST_F(PitTest, Mode0NewCountAfterTerminalLowersOutAndFiresAgain) {
    program(0, 0, 100);
    advance(100);
    EXPECT_EQ(irq.rising, 1);
    at(150);
    write16(0, 200);  // oneshot re-armed, as a tickless kernel does
    EXPECT_FALSE(irq.level);
    EXPECT_EQ(deadline_tick(), 350u);
    advance(350);
    EXPECT_EQ(irq.rising, 2);
}

// ---- Mode 2 ------------------------------------------------------------------------

TEST_F(PitTest, Mode2RateGeneratorCountsAndOut) {
    program(0, 2, 1000);
    const std::vector<std::pair<uint64_t, uint16_t>> expected = {
        {0, 1000}, {1, 999}, {500, 500}, {998, 2}, {999, 1}, {1000, 1000}, {1500, 500}, {2999, 1}};
    for (const auto& [tick, count] : expected) {
        at(tick);
        EXPECT_EQ(latched16(0), count) << "tick " << tick;
    }
    at(3998);
    EXPECT_TRUE(out_bit(0));
    at(3999);
    EXPECT_FALSE(out_bit(0));  // low for the one clock at count 1
    at(4000);
    EXPECT_TRUE(out_bit(0));
}

TEST_F(PitTest, Mode2OneEdgePerPeriodAtExactDeadlines) {
    program(0, 2, 1000);
    for (int k = 1; k <= 5; ++k) {
        EXPECT_EQ(deadline_tick(), 1000u * k);
        EXPECT_EQ(pit.next_deadline_ns(), Pit8254::ns_at_tick(1000u * k));
        pit.advance_to(*pit.next_deadline_ns() - 1);
        EXPECT_EQ(irq.rising, k - 1);
        pit.advance_to(*pit.next_deadline_ns());
        EXPECT_EQ(irq.rising, k);
    }
}

TEST_F(PitTest, Mode2KeepsPhaseOverLongRuns) {
    constexpr uint64_t kPeriod = 11932;  // ~100 Hz
    program(0, 2, kPeriod);
    constexpr int kPeriods = 100'000;  // ~1000 s of guest time
    for (int k = 1; k <= kPeriods; ++k) {
        const auto deadline = pit.next_deadline_ns();
        ASSERT_TRUE(deadline.has_value());
        ASSERT_EQ(*deadline, Pit8254::ns_at_tick(kPeriod * k));
        clock.now = *deadline;
        pit.advance_to(clock.now);
    }
    EXPECT_EQ(irq.rising, kPeriods);
    EXPECT_EQ(deadline_tick(), kPeriod * (kPeriods + 1));
}

TEST_F(PitTest, Mode2MissedPeriodsCoalesceAndKeepPhase) {
    program(0, 2, 1000);
    advance(10'500);
    EXPECT_EQ(irq.rising, 1);
    EXPECT_EQ(deadline_tick(), 11'000u);
    advance(11'000);
    EXPECT_EQ(irq.rising, 2);
}

TEST_F(PitTest, Mode2NewCountLoadsAtEndOfPeriod) {
    program(0, 2, 1000);
    at(1500);
    write16(0, 300);  // the write delivers the edge due at 1000 first
    EXPECT_EQ(irq.rising, 1);
    EXPECT_EQ(pit.reload(0), 300);
    EXPECT_TRUE(status(0) & pit::kStatusNullCount);
    at(1600);
    EXPECT_EQ(latched16(0), 400);  // still the old count
    EXPECT_EQ(deadline_tick(), 2000u);
    advance(2000);
    EXPECT_EQ(irq.rising, 2);
    EXPECT_EQ(latched16(0), 300);
    EXPECT_FALSE(status(0) & pit::kStatusNullCount);
    EXPECT_EQ(deadline_tick(), 2300u);
    advance(2300);
    EXPECT_EQ(deadline_tick(), 2600u);
    EXPECT_EQ(irq.rising, 3);
}

TEST_F(PitTest, Mode2CountOneIsIllegalAndRaisesNothing) {
    program(0, 2, 1);
    EXPECT_FALSE(pit.next_deadline_ns().has_value());
    advance(1000);
    EXPECT_EQ(irq.rising, 0);
}

TEST_F(PitTest, Mode6IsMode2AndStatusShowsProgrammedBits) {
    outb(pit::kPortControl, 0x3C);  // counter 0, lo/hi, mode 6, binary
    write16(0, 500);
    EXPECT_EQ(pit.mode(0), 2);
    EXPECT_EQ(status(0), pit::kStatusOut | 0x3C);
    EXPECT_EQ(deadline_tick(), 500u);
}

// ---- Mode 3 ------------------------------------------------------------------------

TEST_F(PitTest, Mode3SquareWaveEvenCount) {
    program(0, 3, 1000);
    EXPECT_EQ(deadline_tick(), 1000u);
    advance(500);
    EXPECT_FALSE(irq.level);  // IRQ 0 follows OUT
    advance(1000);
    EXPECT_EQ(irq.rising, 1);
    EXPECT_EQ(deadline_tick(), 2000u);
    program(0, 3, 1000);  // restart at tick 1000 and look at one period
    const std::vector<std::tuple<uint64_t, uint16_t, bool>> expected = {
        {0, 1000, true}, {1, 998, true}, {499, 2, true}, {500, 1000, false},
        {501, 998, false}, {999, 2, false}, {1000, 1000, true}};
    for (const auto& [tick, count, out] : expected) {
        at(1000 + tick);
        EXPECT_EQ(latched16(0), count) << "tick " << tick;
        EXPECT_EQ(out_bit(0), out) << "tick " << tick;
    }
}

TEST_F(PitTest, Mode3SquareWaveOddCountIsHighOneClockLonger) {
    program(0, 3, 5);
    EXPECT_EQ(deadline_tick(), 5u);
    const std::vector<std::tuple<uint64_t, uint16_t, bool>> expected = {
        {0, 4, true}, {1, 2, true}, {2, 0, true}, {3, 4, false}, {4, 2, false}, {5, 4, true}};
    for (const auto& [tick, count, out] : expected) {
        at(tick);
        EXPECT_EQ(latched16(0), count) << "tick " << tick;
        EXPECT_EQ(out_bit(0), out) << "tick " << tick;
    }
    EXPECT_EQ(irq.rising, 1);  // the latch commands deliver the edge at 5
    EXPECT_EQ(deadline_tick(), 10u);
}

TEST_F(PitTest, Mode3NewCountLoadsAtEndOfHalfCycle) {
    program(0, 3, 1000);
    at(200);  // in the high half
    write16(0, 400);
    at(499);
    EXPECT_TRUE(out_bit(0));
    EXPECT_EQ(latched16(0), 2);
    at(500);  // the new count starts with its low half
    EXPECT_FALSE(out_bit(0));
    EXPECT_EQ(latched16(0), 400);
    at(600);
    EXPECT_EQ(latched16(0), 200);
    EXPECT_EQ(deadline_tick(), 700u);
    advance(700);
    EXPECT_EQ(irq.rising, 1);
    EXPECT_TRUE(out_bit(0));
    EXPECT_EQ(deadline_tick(), 1100u);
    advance(1100);
    EXPECT_EQ(deadline_tick(), 1500u);
    EXPECT_EQ(irq.rising, 2);
}

TEST_F(PitTest, Mode3NewCountInLowHalfLoadsAtEndOfPeriod) {
    program(0, 3, 1000);
    at(700);
    write16(0, 400);
    EXPECT_EQ(deadline_tick(), 1000u);
    advance(1000);
    EXPECT_EQ(irq.rising, 1);
    EXPECT_EQ(latched16(0), 400);
    EXPECT_EQ(deadline_tick(), 1400u);
}

// ---- Modes 1, 4, 5 -----------------------------------------------------------------

TEST_F(PitTest, Mode1OneShotStartsOnGateAndRetriggers) {
    program(2, 1, 100);  // channel 2's gate is low at power-on
    EXPECT_TRUE(pit.out(2));
    EXPECT_TRUE(status(2) & pit::kStatusNullCount);  // waiting for a trigger
    at(50);
    pit.set_gate(2, true);
    EXPECT_FALSE(pit.out(2));
    EXPECT_FALSE(status(2) & pit::kStatusNullCount);
    EXPECT_EQ(pit.count(2), 100u);
    at(100);
    EXPECT_EQ(pit.count(2), 50u);
    at(149);
    EXPECT_FALSE(pit.out(2));
    EXPECT_EQ(pit.count(2), 1u);
    at(150);
    EXPECT_TRUE(pit.out(2));
    EXPECT_EQ(pit.count(2), 0u);
    at(151);
    EXPECT_EQ(pit.count(2), 0xFFFFu);
    // GATE low does not matter; the next rising edge retriggers.
    at(200);
    pit.set_gate(2, false);
    EXPECT_TRUE(pit.out(2));
    at(210);
    pit.set_gate(2, true);
    EXPECT_FALSE(pit.out(2));
    // Retriggered during the count: starts over.
    at(250);
    pit.set_gate(2, false);
    at(260);
    pit.set_gate(2, true);
    at(359);
    EXPECT_FALSE(pit.out(2));
    at(360);
    EXPECT_TRUE(pit.out(2));
}

TEST_F(PitTest, Mode1OnChannel0NeverTriggersWithGateTiedHigh) {
    program(0, 1, 100);
    EXPECT_FALSE(pit.next_deadline_ns().has_value());
    advance(100'000);
    EXPECT_EQ(irq.rising, 0);
    EXPECT_TRUE(pit.out(0));
}

TEST_F(PitTest, Mode1OnChannel0InterruptsAfterGateTrigger) {
    program(0, 1, 100);
    at(10);
    pit.set_gate(0, false);
    pit.set_gate(0, true);
    EXPECT_FALSE(irq.level);
    EXPECT_EQ(deadline_tick(), 110u);
    advance(110);
    EXPECT_EQ(irq.rising, 1);
    EXPECT_FALSE(pit.next_deadline_ns().has_value());
}

TEST_F(PitTest, Mode4SoftwareTriggeredStrobe) {
    program(0, 4, 100);
    EXPECT_TRUE(pit.out(0));
    EXPECT_EQ(deadline_tick(), 101u);
    at(99);
    EXPECT_TRUE(out_bit(0));
    EXPECT_EQ(latched16(0), 1);
    at(100);
    EXPECT_FALSE(out_bit(0));  // low for one clock at terminal count
    EXPECT_EQ(latched16(0), 0);
    advance(100);
    EXPECT_FALSE(irq.level);
    advance(101);
    EXPECT_EQ(irq.rising, 1);
    EXPECT_TRUE(out_bit(0));
    EXPECT_EQ(latched16(0), 0xFFFF);
    EXPECT_FALSE(pit.next_deadline_ns().has_value());
    advance(70'000);
    EXPECT_EQ(irq.rising, 1);
}

TEST_F(PitTest, Mode5HardwareTriggeredStrobe) {
    program(2, 5, 50);
    at(100);
    EXPECT_TRUE(pit.out(2));  // nothing happens without a trigger
    pit.set_gate(2, true);
    at(149);
    EXPECT_TRUE(pit.out(2));
    EXPECT_EQ(pit.count(2), 1u);
    at(150);
    EXPECT_FALSE(pit.out(2));
    at(151);
    EXPECT_TRUE(pit.out(2));
    // Retrigger.
    pit.set_gate(2, false);
    at(160);
    pit.set_gate(2, true);
    at(210);
    EXPECT_FALSE(pit.out(2));
}

// ---- GATE --------------------------------------------------------------------------

TEST_F(PitTest, GateLowPausesMode0) {
    pit.set_gate(2, true);
    program(2, 0, 100);
    at(30);
    pit.set_gate(2, false);
    EXPECT_EQ(pit.count(2), 70u);
    at(80);
    EXPECT_EQ(pit.count(2), 70u);
    EXPECT_FALSE(pit.out(2));
    pit.set_gate(2, true);
    at(149);
    EXPECT_FALSE(pit.out(2));
    at(150);
    EXPECT_TRUE(pit.out(2));
    // Paused after terminal count: OUT stays high.
    at(160);
    pit.set_gate(2, false);
    at(170);
    EXPECT_TRUE(pit.out(2));
    pit.set_gate(2, true);
    at(171);
    EXPECT_TRUE(pit.out(2));
}

TEST_F(PitTest, GateLowStopsMode2AndRisingEdgeReloads) {
    pit.set_gate(2, true);
    program(2, 2, 100);
    at(50);
    pit.set_gate(2, false);
    at(120);
    EXPECT_EQ(pit.count(2), 50u);
    EXPECT_TRUE(pit.out(2));
    pit.set_gate(2, true);
    EXPECT_EQ(pit.count(2), 100u);
    at(218);
    EXPECT_TRUE(pit.out(2));
    at(219);
    EXPECT_FALSE(pit.out(2));
}

TEST_F(PitTest, GateLowForcesMode3OutHigh) {
    pit.set_gate(2, true);
    program(2, 3, 100);
    at(60);
    EXPECT_FALSE(pit.out(2));
    pit.set_gate(2, false);
    EXPECT_TRUE(pit.out(2));
}

// ---- Access modes and flip-flops ---------------------------------------------------

TEST_F(PitTest, LowByteOnlyAccess) {
    control(0, kLoByte, 2);
    outb(pit::kPortCounter0, 0x80);
    EXPECT_EQ(pit.reload(0), 0x0080);  // the high byte is 0
    EXPECT_EQ(pit.access_mode(0), kLoByte);
    EXPECT_EQ(inb(pit::kPortCounter0), 0x80);
    EXPECT_EQ(inb(pit::kPortCounter0), 0x80);  // every read is the low byte
    at(10);
    EXPECT_EQ(inb(pit::kPortCounter0), 0x76);
    EXPECT_EQ(deadline_tick(), 128u);
}

TEST_F(PitTest, HighByteOnlyAccess) {
    control(0, kHiByte, 2);
    outb(pit::kPortCounter0, 0x02);
    EXPECT_EQ(pit.reload(0), 0x0200);  // the low byte is 0
    EXPECT_EQ(inb(pit::kPortCounter0), 0x02);
    at(1);
    EXPECT_EQ(inb(pit::kPortCounter0), 0x01);  // 0x01FF
    EXPECT_EQ(deadline_tick(), 512u);
}

TEST_F(PitTest, LoHiUnlatchedReadsTakeEachByteWhenRead) {
    program(0, 2, 0x1234);
    at(0x10);
    EXPECT_EQ(inb(pit::kPortCounter0), 0x24);  // 0x1224
    at(0x300);
    EXPECT_EQ(inb(pit::kPortCounter0), 0x0F);  // 0x0F34
}

TEST_F(PitTest, ReadAndWriteFlipFlopsAreSeparate) {
    program(0, 2, 0x1000);
    at(16);
    outb(pit::kPortCounter0, 0x00);            // write: low byte of 0x0800
    EXPECT_EQ(inb(pit::kPortCounter0), 0xF0);  // read: low byte of 0x0FF0
    outb(pit::kPortCounter0, 0x08);            // write: high byte
    EXPECT_EQ(inb(pit::kPortCounter0), 0x0F);  // read: high byte
    EXPECT_EQ(pit.reload(0), 0x0800);
    EXPECT_EQ(latched16(0), 0x0FF0);           // both flip-flops back at the low byte
    at(0x1000);
    EXPECT_EQ(latched16(0), 0x0800);
}

TEST_F(PitTest, ControlWordResetsFlipFlops) {
    program(0, 2, 0x1000);
    EXPECT_EQ(inb(pit::kPortCounter0), 0x00);  // low byte read; next would be high
    outb(pit::kPortCounter0, 0x34);            // low byte written; next would be high
    program(0, 2, 0x2000);
    EXPECT_EQ(pit.reload(0), 0x2000);
    EXPECT_EQ(read16(0), 0x2000);
}

// ---- Count 0, BCD -----------------------------------------------------------------

TEST_F(PitTest, CountZeroIs65536InBinary) {
    program(0, 2, 0);
    EXPECT_EQ(read16(0), 0);
    at(1);
    EXPECT_EQ(read16(0), 0xFFFF);
    EXPECT_EQ(deadline_tick(), 65536u);
    program(0, 0, 0);
    EXPECT_EQ(deadline_tick(), 1u + 65536u);
}

TEST_F(PitTest, CountZeroIs10000InBcd) {
    program(0, 2, 0, true);
    EXPECT_EQ(read16(0), 0x0000);
    at(1);
    EXPECT_EQ(read16(0), 0x9999);
    EXPECT_EQ(pit.count(0), 9999u);
    EXPECT_EQ(deadline_tick(), 10'000u);
}

TEST_F(PitTest, BcdCounting) {
    program(0, 2, 0x1234, true);
    EXPECT_TRUE(pit.bcd(0));
    EXPECT_EQ(status(0) & 1, 1);
    EXPECT_EQ(read16(0), 0x1234);
    at(35);
    EXPECT_EQ(read16(0), 0x1199);
    at(1233);
    EXPECT_EQ(read16(0), 0x0001);
    EXPECT_EQ(deadline_tick(), 1234u);  // decimal 1234 clocks
    at(2000);
    program(0, 0, 0x0010, true);
    at(2010);
    EXPECT_EQ(read16(0), 0x0000);
    at(2011);
    EXPECT_EQ(read16(0), 0x9999);  // wraps in decimal
}

// ---- Latch and read-back -----------------------------------------------------------

TEST_F(PitTest, CounterLatchHoldsUntilRead) {
    program(0, 2, 1000);
    at(100);
    outb(pit::kPortControl, 0x00);
    at(300);
    EXPECT_EQ(read16(0), 900);
    EXPECT_EQ(read16(0), 700);  // live again
    at(400);
    outb(pit::kPortControl, 0x00);
    at(500);
    outb(pit::kPortControl, 0x00);  // ignored: a count is already latched
    at(600);
    EXPECT_EQ(inb(pit::kPortCounter0), 600 & 0xFF);
    at(650);
    outb(pit::kPortControl, 0x00);  // still ignored between the two bytes
    EXPECT_EQ(inb(pit::kPortCounter0), 600 >> 8);
    at(700);
    EXPECT_EQ(read16(0), 300);
}

TEST_F(PitTest, CounterLatchWithSingleByteAccess) {
    control(1, kLoByte, 2);
    outb(pit::kPortCounter1, 200);
    at(50);
    outb(pit::kPortControl, 0x40);  // latch counter 1
    at(80);
    EXPECT_EQ(inb(pit::kPortCounter1), 150);
    EXPECT_EQ(inb(pit::kPortCounter1), 120);  // one read releases the latch
}

TEST_F(PitTest, ReadBackLatchesCountsOfSeveralChannels) {
    program(0, 2, 1000);
    program(1, 3, 500);
    pit.set_gate(2, true);
    program(2, 0, 300);
    at(100);
    outb(pit::kPortControl, 0xC0 | pit::kReadBackNoStatus | 0x02 | 0x08);  // counts of 0 and 2
    at(250);
    EXPECT_EQ(read16(0), 900);
    EXPECT_EQ(read16(2), 200);
    EXPECT_EQ(read16(1), 500);  // not latched: live (mode 3, low half starts)
    EXPECT_EQ(read16(0), 750);
}

TEST_F(PitTest, ReadBackStatusBytes) {
    control(1, kLoHi, 3);
    EXPECT_EQ(status(1), pit::kStatusOut | pit::kStatusNullCount | 0x36);
    write16(1, 500);
    EXPECT_EQ(status(1), pit::kStatusOut | 0x36);
    control(0, kLoHi, 0);
    EXPECT_EQ(status(0), pit::kStatusNullCount | 0x30);  // OUT low, no count yet
    write16(0, 10);
    EXPECT_EQ(status(0), 0x30);
    at(10);
    EXPECT_EQ(status(0), pit::kStatusOut | 0x30);
    control(2, kLoByte, 4, true);
    EXPECT_EQ(status(2), pit::kStatusOut | pit::kStatusNullCount | 0x19);
}

TEST_F(PitTest, ReadBackStatusComesBeforeCount) {
    program(0, 2, 1000);
    at(100);
    outb(pit::kPortControl, 0xC2);  // count and status of counter 0
    at(200);
    outb(pit::kPortControl, 0xE2);  // status again: ignored, one is latched
    EXPECT_EQ(inb(pit::kPortCounter0), pit::kStatusOut | 0x34);
    EXPECT_EQ(read16(0), 900);
    EXPECT_EQ(read16(0), 800);
}

TEST_F(PitTest, ReadBackOfAllThreeStatuses) {
    program(0, 2, 100);
    program(1, 0, 100);
    outb(pit::kPortControl, 0xE0 | 0x0E);  // status of all three
    EXPECT_EQ(inb(pit::kPortCounter0), pit::kStatusOut | 0x34);
    EXPECT_EQ(inb(pit::kPortCounter1), 0x30);
    EXPECT_EQ(inb(pit::kPortCounter2), pit::kStatusOut | 0x36);  // power-on mode 3
}

// ---- Ports and IRQ edges -----------------------------------------------------------

TEST_F(PitTest, ControlPortIsWriteOnlyAndWideAccessesSplit) {
    EXPECT_EQ(inb(pit::kPortControl), 0xFF);
    program(2, 2, 0x1234);
    EXPECT_EQ(pit.port_read(pit::kPortCounter2, 2), 0xFF34u);  // 0x42 then 0x43
    control(0, kLoHi, 2);
    control(1, kLoHi, 2);
    pit.port_write(pit::kPortCounter0, 2, 0x0201);  // 0x40 gets 0x01, 0x41 gets 0x02
    EXPECT_EQ(pit.channel(0).write_lsb, 0x01);
    EXPECT_EQ(pit.channel(1).write_lsb, 0x02);
    EXPECT_TRUE(pit.channel(0).write_msb_next);
    EXPECT_TRUE(pit.channel(1).write_msb_next);
}

TEST_F(PitTest, SwitchingFromLowOutToMode2RaisesIrqLikeTheHardware) {
    program(0, 0, 1000);
    EXPECT_FALSE(irq.level);
    at(10);
    control(0, kLoHi, 2);  // mode 2 OUT is high at once
    EXPECT_TRUE(irq.level);
    EXPECT_EQ(irq.rising, 1);
    EXPECT_FALSE(pit.next_deadline_ns().has_value());  // no count yet
}

TEST_F(PitTest, SameInputsGiveSameState) {
    FakeClock clock2;
    IrqRecorder irq2{0};
    Pit8254 other(clock2, IrqLine(&irq2, 0));
    auto script = [](Pit8254& p, FakeClock& c) {
        std::vector<uint32_t> seen;
        p.port_write(pit::kPortControl, 1, 0x36);
        p.port_write(pit::kPortCounter0, 1, 0x9C);
        p.port_write(pit::kPortCounter0, 1, 0x2E);
        for (uint64_t ns = 0; ns < 50'000'000; ns += 1'234'567) {
            c.now = ns;
            p.advance_to(ns);
            seen.push_back(p.port_read(pit::kPortCounter0, 1));
            seen.push_back(static_cast<uint32_t>(p.next_deadline_ns().value_or(0)));
        }
        return seen;
    };
    EXPECT_EQ(script(pit, clock), script(other, clock2));
    EXPECT_EQ(irq.rising + 1, irq2.rising);  // `irq` was reset after power-on
}

// ---- Port 0x61 ---------------------------------------------------------------------

TEST_F(PitTest, Port61GateSpeakerOut2AndRefresh) {
    PitPort61 port61(pit, clock);
    EXPECT_EQ(port61.name(), "port61");
    EXPECT_EQ(port61.port_read(pit::kPortSystemB, 1), pit::kPort61Out2);  // gate low, OUT2 high
    // Timer calibration as Linux does it: gate on, speaker off, mode 0, poll OUT2.
    port61.port_write(pit::kPortSystemB, 1, pit::kPort61Gate2);
    EXPECT_TRUE(pit.gate(2));
    outb(pit::kPortControl, 0xB0);
    write16(2, 1000);
    at(999);
    EXPECT_EQ(port61.port_read(pit::kPortSystemB, 1) & pit::kPort61Out2, 0u);
    at(1000);
    EXPECT_EQ(port61.port_read(pit::kPortSystemB, 1) & pit::kPort61Out2, pit::kPort61Out2);
    EXPECT_EQ(port61.port_read(pit::kPortSystemB, 1) & pit::kPort61Gate2, pit::kPort61Gate2);
    // Speaker enable and check bits are stored.
    port61.port_write(pit::kPortSystemB, 1, 0x0F);
    EXPECT_TRUE(port61.speaker_enabled());
    EXPECT_EQ(port61.port_read(pit::kPortSystemB, 1) & 0x0F, 0x0Fu);
    EXPECT_EQ(port61.port_read(pit::kPortSystemB, 1) & 0xC0, 0u);
    // The refresh bit flips every 18 clocks.
    at(18 * 100);
    const uint32_t before = port61.port_read(pit::kPortSystemB, 1) & pit::kPort61Refresh;
    at(18 * 101);
    const uint32_t after = port61.port_read(pit::kPortSystemB, 1) & pit::kPort61Refresh;
    EXPECT_NE(before, after);
    at(18 * 101 + 17);
    EXPECT_EQ(port61.port_read(pit::kPortSystemB, 1) & pit::kPort61Refresh, after);
    // Gate low again pauses channel 2's count.
    port61.port_write(pit::kPortSystemB, 1, 0x00);
    EXPECT_FALSE(pit.gate(2));
}

}  // namespace
}  // namespace forkscope

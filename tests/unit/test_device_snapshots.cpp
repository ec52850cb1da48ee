// Device snapshots for record/replay: a device put back to a snapshot, with the clock
// put back too, behaves from there exactly as it did the first time. And what the guest
// reads depends on guest time and port accesses only, not on when the run loop last
// advanced the device.
#include <gtest/gtest.h>

#include <vector>

#include "devices/cmos_rtc.h"
#include "devices/pic8259.h"
#include "devices/pit8254.h"
#include "devices/uart16550.h"
#include "tests/unit/device_fixtures.h"

namespace forkscope {
namespace {

// A PIC pair that records nothing: the devices' lines end on it.
struct PicSink : IrqSink {
    Pic8259Cascade pic;
    void set_irq_level(unsigned irq, bool high) override { pic.set_irq_level(irq, high); }
};

TEST(DeviceSnapshots, PitRunsOnFromASnapshotAsTheFirstTime) {
    FakeClock clock;
    IrqRecorder irq(0);
    Pit8254 pit(clock, IrqLine(&irq, 0));
    pit.port_write(pit::kPortControl, 1, 0x34);  // channel 0, lo/hi, mode 2
    pit.port_write(pit::kPortCounter0, 1, 0x9b);
    pit.port_write(pit::kPortCounter0, 1, 0x2e);  // 11931: ~10 ms
    clock.now = 3'333'333;
    pit.advance_to(clock.now);
    const auto snap = pit.snapshot();
    const int edges_at_snapshot = irq.rising;

    auto run = [&] {
        std::vector<uint32_t> seen;
        for (uint64_t t = 3'333'333; t < 60'000'000; t += 1'700'001) {
            clock.now = t;
            pit.advance_to(t);
            seen.push_back(pit.count(0));
            seen.push_back(static_cast<uint32_t>(irq.rising));
            if (auto d = pit.next_deadline_ns()) seen.push_back(static_cast<uint32_t>(*d));
        }
        return seen;
    };
    const auto first = run();
    clock.now = 3'333'333;
    pit.restore(snap);
    irq.rising = edges_at_snapshot;
    irq.level = snap.irq0;
    EXPECT_EQ(run(), first);
}

TEST(DeviceSnapshots, PicRestoresBothChips) {
    Pic8259Cascade pic;
    const std::pair<uint16_t, uint8_t> init[] = {{0x20, 0x11}, {0x21, 0x20}, {0x21, 0x04}, {0x21, 0x01}, {0x21, 0x00},
                                                 {0xa0, 0x11}, {0xa1, 0x28}, {0xa1, 0x02}, {0xa1, 0x01}, {0xa1, 0x00}};
    for (auto [port, v] : init) pic.port_write(port, 1, v);
    pic.set_irq_level(0, true);
    pic.set_irq_level(8, true);
    const auto snap = pic.snapshot();
    EXPECT_EQ(pic.acknowledge(), 0x20);
    EXPECT_EQ(pic.isr(PicChip::Master), 0x01);
    pic.port_write(0x20, 1, 0x20);  // EOI
    EXPECT_EQ(pic.acknowledge(), 0x28);
    pic.restore(snap);
    EXPECT_EQ(pic.isr(PicChip::Master), 0);
    EXPECT_EQ(pic.irr(PicChip::Slave), 0x01);
    EXPECT_EQ(pic.acknowledge(), 0x20);  // the same order again
}

TEST(DeviceSnapshots, UartRestoresFifoAndPendingInterrupts) {
    FakeClock clock;
    IrqRecorder irq(4);
    std::vector<uint8_t> sent;
    Uart16550 uart(IrqLine(&irq, 4), [&](uint8_t b) { sent.push_back(b); }, &clock);
    uart.port_write(0x3f8 + uart::kIirFcr, 1, uart::kFcrEnable);
    uart.port_write(0x3f8 + uart::kIer, 1, 0x01);
    uart.port_write(0x3f8 + uart::kMcr, 1, 0x08);  // OUT2: the line reaches the PIC
    uart.receive('a');
    uart.receive('b');
    const auto snap = uart.snapshot();
    EXPECT_EQ(uart.port_read(0x3f8, 1), 'a');
    EXPECT_EQ(uart.port_read(0x3f8, 1), 'b');
    uart.restore(snap);
    EXPECT_EQ(uart.state().rx_count, 2u);
    EXPECT_EQ(uart.port_read(0x3f8, 1), 'a');
}

TEST(DeviceSnapshots, UartTimeoutShowsAtItsTimeWithoutAnAdvance) {
    FakeClock clock;
    IrqRecorder irq(4);
    Uart16550 uart(IrqLine(&irq, 4), [](uint8_t) {}, &clock);
    uart.port_write(0x3f8 + uart::kIirFcr, 1, uart::kFcrEnable | 0xC0);  // trigger level 14
    uart.port_write(0x3f8 + uart::kIer, 1, 0x01);
    uart.receive('x');
    // Below the trigger level: no interrupt until the character timeout.
    EXPECT_EQ(uart.port_read(0x3f8 + uart::kIirFcr, 1) & 0x0f, uart::kIirNone);
    clock.now = *uart.next_deadline_ns();
    // No advance_to() by the run loop: the guest's read sees the timeout all the same.
    EXPECT_EQ(uart.port_read(0x3f8 + uart::kIirFcr, 1) & 0x0f, uart::kIirTimeout);
}

TEST(DeviceSnapshots, RtcRunsOnFromASnapshotAsTheFirstTime) {
    FakeClock clock;
    PicSink sink;
    CmosRtc rtc(clock, IrqLine(&sink, 8), 1'000'000'000);
    rtc.port_write(rtc::kPortIndex, 1, 0x0b);
    rtc.port_write(rtc::kPortData, 1, 0x42);  // periodic interrupt on, 24-hour
    clock.now = 123'456'789;
    rtc.advance_to(clock.now);
    const auto snap = rtc.snapshot();
    auto run = [&] {
        std::vector<uint64_t> seen;
        for (uint64_t t = 123'456'789; t < 3'000'000'000ull; t += 77'777'777) {
            clock.now = t;
            rtc.advance_to(t);
            rtc.port_write(rtc::kPortIndex, 1, 0x0c);
            seen.push_back(rtc.port_read(rtc::kPortData, 1));
            seen.push_back(static_cast<uint64_t>(rtc.unix_time()));
            seen.push_back(rtc.next_deadline_ns().value_or(0));
        }
        return seen;
    };
    const auto first = run();
    clock.now = 123'456'789;
    rtc.restore(snap);
    EXPECT_EQ(run(), first);
}

}  // namespace
}  // namespace forkscope

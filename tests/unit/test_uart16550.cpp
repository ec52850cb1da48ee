#include "devices/uart16550.h"

#include <gtest/gtest.h>

#include <vector>

#include "devices/port_bus.h"

namespace forkscope {
namespace {

using namespace uart;

// Records the IRQ line level and counts rising edges.
class FakePic : public IrqSink {
public:
    void set_irq_level(unsigned irq, bool high) override {
        last_irq = irq;
        if (high && !level) ++rising_edges;
        level = high;
    }
    bool level = false;
    unsigned rising_edges = 0;
    unsigned last_irq = 99;
};

class FakeClock : public Clock {
public:
    uint64_t now_ns() const override { return now; }
    uint64_t now = 1'000'000;
};

constexpr uint16_t kBase = kCom1Port;

class UartTest : public ::testing::Test {
protected:
    FakePic pic;
    FakeClock clock;
    std::vector<uint8_t> sent;
    Uart16550 uart{IrqLine(&pic, kCom1Irq), [this](uint8_t b) { sent.push_back(b); }, &clock};

    void out(unsigned offset, uint8_t value) {
        uart.port_write(static_cast<uint16_t>(kBase + offset), 1, value);
    }
    uint8_t in(unsigned offset) {
        return static_cast<uint8_t>(uart.port_read(static_cast<uint16_t>(kBase + offset), 1));
    }
    uint8_t iir() { return in(kIirFcr); }

    // What a driver does: 8N1, divisor, FIFOs, DTR|RTS|OUT2, interrupts.
    void init(uint8_t fcr = 0x00, uint8_t ier = 0x00, uint16_t divisor = 1) {
        out(kIer, 0x00);
        out(kLcr, kLcrDlab);
        out(kRbrThr, static_cast<uint8_t>(divisor));
        out(kIer, static_cast<uint8_t>(divisor >> 8));
        out(kLcr, 0x03);
        out(kIirFcr, fcr);
        out(kMcr, kMcrDtr | kMcrRts | kMcrOut2);
        out(kIer, ier);
    }

    // Let the last character received finish on the line (receive pacing).
    void line_idle() { clock.now += 1'000'000'000; }

    // Move the clock past the character timeout and tell the UART.
    void let_timeout_expire() {
        auto d = uart.next_deadline_ns();
        ASSERT_TRUE(d.has_value());
        clock.now = *d;
        uart.advance_to(clock.now);
    }
};

TEST_F(UartTest, ResetValues) {
    EXPECT_EQ(in(kIer), 0x00);
    EXPECT_EQ(iir(), 0x01);
    EXPECT_EQ(in(kLcr), 0x00);
    EXPECT_EQ(in(kMcr), 0x00);
    EXPECT_EQ(in(kLsr), kLsrThre | kLsrTemt);
    EXPECT_EQ(in(kMsr), kMsrCts | kMsrDsr | kMsrDcd);  // a connected terminal, no deltas
    EXPECT_EQ(in(kScr), 0x00);
    out(kLcr, kLcrDlab);
    EXPECT_EQ(in(kRbrThr), 12);  // 9600 baud
    EXPECT_EQ(in(kIer), 0);
    EXPECT_FALSE(pic.level);
    EXPECT_EQ(uart.name(), "uart");
    EXPECT_FALSE(uart.next_deadline_ns().has_value());
    EXPECT_EQ(uart.rx_space(), 1u);  // 16450 mode: one holding register
}

TEST_F(UartTest, TransmitGoesToTheHostAtOnce) {
    init();
    for (uint8_t c : {'h', 'i', '\n'}) out(kRbrThr, c);
    EXPECT_EQ(sent, (std::vector<uint8_t>{'h', 'i', '\n'}));
    EXPECT_EQ(in(kLsr) & (kLsrThre | kLsrTemt), kLsrThre | kLsrTemt);
}

TEST_F(UartTest, DlabSwitchesOffsets0And1ToTheDivisorLatch) {
    out(kIer, 0x05);
    out(kLcr, 0x83);
    out(kRbrThr, 0x34);  // DLL: not transmitted
    out(kIer, 0x12);     // DLM: IER unchanged
    EXPECT_TRUE(sent.empty());
    EXPECT_EQ(in(kRbrThr), 0x34);
    EXPECT_EQ(in(kIer), 0x12);
    EXPECT_EQ(uart.state().divisor, 0x1234);
    EXPECT_EQ(in(kLcr), 0x83);
    out(kLcr, 0x03);
    EXPECT_EQ(in(kIer), 0x05);
    EXPECT_EQ(uart.state().divisor, 0x1234);
    out(kRbrThr, 'x');
    EXPECT_EQ(sent, (std::vector<uint8_t>{'x'}));
    // DLAB does not hide the other registers.
    out(kLcr, 0x80);
    out(kScr, 0x77);
    EXPECT_EQ(in(kScr), 0x77);
    EXPECT_EQ(in(kLsr), kLsrThre | kLsrTemt);
}

TEST_F(UartTest, DlabHidesReceivedData) {
    init();
    ASSERT_TRUE(uart.receive('a'));
    out(kLcr, 0x83);
    EXPECT_EQ(in(kRbrThr), 1);  // DLL, not the byte
    EXPECT_EQ(in(kLsr) & kLsrDr, kLsrDr);
    out(kLcr, 0x03);
    EXPECT_EQ(in(kRbrThr), 'a');
}

TEST_F(UartTest, IerKeepsOnlyTheLowNibble) {
    out(kIer, 0xFF);
    EXPECT_EQ(in(kIer), 0x0F);
}

TEST_F(UartTest, ScratchRegister) {
    for (uint8_t v : {0x00, 0x55, 0xAA, 0xFF}) {
        out(kScr, v);
        EXPECT_EQ(in(kScr), v);
    }
}

TEST_F(UartTest, LineAndModemControlRegisters) {
    out(kLcr, 0x1F);
    EXPECT_EQ(in(kLcr), 0x1F);
    out(kMcr, 0xFF);
    EXPECT_EQ(in(kMcr), 0x1F);  // bits 5-7 are always 0 on a 16550
    out(kMcr, 0x0B);
    EXPECT_EQ(in(kMcr), 0x0B);
}

TEST_F(UartTest, LsrAndMsrWritesAreIgnored) {
    out(kLsr, 0xFF);
    out(kMsr, 0xFF);
    EXPECT_EQ(in(kLsr), kLsrThre | kLsrTemt);
    EXPECT_EQ(in(kMsr), 0xB0);
}

TEST_F(UartTest, ReceiveWithoutFifos) {
    init();
    EXPECT_EQ(uart.rx_space(), 1u);
    ASSERT_TRUE(uart.receive('q'));
    EXPECT_EQ(uart.rx_space(), 0u);
    EXPECT_EQ(in(kLsr) & kLsrDr, kLsrDr);
    EXPECT_EQ(in(kRbrThr), 'q');
    EXPECT_EQ(in(kLsr) & kLsrDr, 0);
    EXPECT_EQ(in(kRbrThr), 'q');  // an empty RBR reads its last byte again
    line_idle();
    EXPECT_EQ(uart.rx_space(), 1u);
}

TEST_F(UartTest, OverrunWithoutFifosOverwrites) {
    init();
    ASSERT_TRUE(uart.receive('1'));
    EXPECT_FALSE(uart.receive('2'));
    EXPECT_EQ(in(kLsr), kLsrDr | kLsrOe | kLsrThre | kLsrTemt);
    EXPECT_EQ(in(kLsr), kLsrDr | kLsrThre | kLsrTemt);  // reading LSR cleared OE
    EXPECT_EQ(in(kRbrThr), '2');
}

TEST_F(UartTest, FifoHoldsSixteenBytesThenOverruns) {
    init(kFcrEnable);
    EXPECT_TRUE(uart.fifo_enabled());
    EXPECT_EQ(uart.rx_space(), 16u);
    for (int i = 0; i < 16; ++i) ASSERT_TRUE(uart.receive(static_cast<uint8_t>('a' + i)));
    EXPECT_EQ(uart.rx_space(), 0u);
    EXPECT_FALSE(uart.receive('!'));
    EXPECT_EQ(in(kLsr) & (kLsrOe | kLsrDr), kLsrOe | kLsrDr);
    for (int i = 0; i < 16; ++i) EXPECT_EQ(in(kRbrThr), 'a' + i);  // '!' was lost
    EXPECT_EQ(in(kLsr) & kLsrDr, 0);
    line_idle();
    EXPECT_EQ(uart.rx_space(), 16u);
}

TEST_F(UartTest, FifoWrapsAround) {
    init(kFcrEnable);
    for (int round = 0; round < 5; ++round) {
        for (int i = 0; i < 11; ++i) {
            ASSERT_TRUE(uart.receive(static_cast<uint8_t>(round * 11 + i)));
        }
        for (int i = 0; i < 11; ++i) ASSERT_EQ(in(kRbrThr), round * 11 + i);
    }
}

TEST_F(UartTest, FcrEnableShowsInIirAndClears) {
    EXPECT_EQ(iir() & kIirFifos, 0);
    out(kIirFcr, kFcrEnable);
    EXPECT_EQ(iir(), kIirFifos | kIirNone);  // how Linux tells a 16550A
    uart.receive('x');
    uart.receive('y');
    out(kIirFcr, kFcrEnable | kFcrClearRx | kFcrClearTx);
    EXPECT_EQ(in(kLsr) & kLsrDr, 0);
    line_idle();
    EXPECT_EQ(uart.rx_space(), 16u);
    EXPECT_EQ(uart.state().fcr, kFcrEnable);  // the clear bits self-clear
    uart.receive('z');
    out(kIirFcr, 0x00);  // disabling empties the FIFO too
    EXPECT_EQ(in(kLsr) & kLsrDr, 0);
    EXPECT_EQ(iir(), kIirNone);
    out(kIirFcr, kFcrTrigger);  // FCR0 = 0: the other bits are not programmed
    EXPECT_EQ(uart.state().fcr, 0);
    EXPECT_EQ(uart.rx_trigger_level(), 1u);
}

TEST_F(UartTest, FifoTriggerLevels) {
    const struct {
        uint8_t fcr;
        unsigned level;
    } cases[] = {{0x01, 1}, {0x41, 4}, {0x81, 8}, {0xC1, 14}};
    for (const auto& c : cases) {
        init(c.fcr, kIerRda);
        EXPECT_EQ(uart.rx_trigger_level(), c.level);
        for (unsigned i = 1; i < c.level; ++i) {
            uart.receive(static_cast<uint8_t>(i));
            EXPECT_EQ(iir(), kIirFifos | kIirNone) << c.level << " " << i;
            EXPECT_FALSE(pic.level);
        }
        uart.receive(0xEE);
        EXPECT_EQ(iir(), kIirFifos | kIirRda) << c.level;
        EXPECT_TRUE(pic.level);
        // One byte below the trigger level, the RDA interrupt goes away.
        (void)in(kRbrThr);
        if (c.level > 1) {
            EXPECT_EQ(iir(), kIirFifos | kIirNone);
            EXPECT_FALSE(pic.level);
        }
        out(kIirFcr, c.fcr | kFcrClearRx);
    }
}

TEST_F(UartTest, CharacterTimeoutBelowTheTriggerLevel) {
    init(0xC1, kIerRda, 1);  // trigger 14, 115200 baud 8N1
    uart.receive('a');
    uart.receive('b');
    EXPECT_EQ(iir(), kIirFifos | kIirNone);
    // 4 character times of 10 bits at 115200 baud.
    const uint64_t char_ns = 10ull * 1'000'000'000ull / 115200;
    ASSERT_TRUE(uart.next_deadline_ns().has_value());
    EXPECT_EQ(*uart.next_deadline_ns(), clock.now + 4 * char_ns);
    uart.advance_to(*uart.next_deadline_ns() - 1);
    EXPECT_EQ(iir(), kIirFifos | kIirNone);
    let_timeout_expire();
    EXPECT_EQ(iir(), kIirFifos | kIirTimeout);
    EXPECT_TRUE(pic.level);
    EXPECT_FALSE(uart.next_deadline_ns().has_value());
    // Reading a byte clears the timeout and starts a new one for the rest.
    EXPECT_EQ(in(kRbrThr), 'a');
    EXPECT_EQ(iir(), kIirFifos | kIirNone);
    EXPECT_FALSE(pic.level);
    let_timeout_expire();
    EXPECT_EQ(iir(), kIirFifos | kIirTimeout);
    EXPECT_EQ(in(kRbrThr), 'b');
    EXPECT_EQ(iir(), kIirFifos | kIirNone);
    EXPECT_FALSE(uart.next_deadline_ns().has_value());  // empty: nothing to time out
}

TEST_F(UartTest, CharacterTimeoutFollowsLineSettings) {
    init(0xC1, kIerRda, 12);  // 9600 baud
    out(kLcr, 0x0F);           // 8 data bits, parity, 2 stop bits: 12 bits
    uart.receive('a');
    const uint64_t char_ns = 12ull * 12 * 1'000'000'000ull / 115200;
    EXPECT_EQ(*uart.next_deadline_ns(), clock.now + 4 * char_ns);
}

TEST_F(UartTest, CharacterTimeoutIsMaskedByIerRda) {
    init(0xC1, 0x00);
    uart.receive('a');
    let_timeout_expire();
    EXPECT_EQ(iir(), kIirFifos | kIirNone);
    out(kIer, kIerRda);
    EXPECT_EQ(iir(), kIirFifos | kIirTimeout);
}

TEST_F(UartTest, HostBytesArriveAtTheBaudRate) {
    init(0xC1, kIerRda, 1);  // FIFOs, 115200 baud 8N1: 10 bits a character
    const uint64_t char_ns = 10ull * 1'000'000'000ull / 115200;
    EXPECT_EQ(uart.rx_space(), kFifoSize);
    uart.receive('a');
    // The next character is on the line for one character time.
    EXPECT_EQ(uart.rx_space(), 0u);
    clock.now += char_ns - 1;
    EXPECT_EQ(uart.rx_space(), 0u);
    clock.now += 1;
    EXPECT_EQ(uart.rx_space(), kFifoSize - 1);
    // Slower lines take longer: 9600 baud, 12 bits (parity, 2 stop bits).
    out(kLcr, kLcrDlab);
    out(kRbrThr, 12);
    out(kLcr, 0x0F);
    uart.receive('b');
    clock.now += 12ull * 12 * 1'000'000'000ull / 115200 - 1;
    EXPECT_EQ(uart.rx_space(), 0u);
    clock.now += 1;
    EXPECT_EQ(uart.rx_space(), kFifoSize - 2);
}

TEST_F(UartTest, AWaitingHostMakesTheFreeLineADeadline) {
    init(0x01, kIerRda, 1);  // FIFOs, trigger 1
    const uint64_t char_ns = 10ull * 1'000'000'000ull / 115200;
    EXPECT_FALSE(uart.next_deadline_ns().has_value());
    uart.set_host_waiting(true);  // a free line: the host may send now
    ASSERT_TRUE(uart.next_deadline_ns().has_value());
    EXPECT_EQ(*uart.next_deadline_ns(), clock.now);
    const uint64_t sent_at = clock.now;
    uart.receive('a');
    EXPECT_EQ(*uart.next_deadline_ns(), sent_at + char_ns);  // before the character timeout
    EXPECT_EQ(in(kRbrThr), 'a');                              // empty again: no timeout
    clock.now += 3 * char_ns;  // a late look: the line has been free for a while
    EXPECT_EQ(*uart.next_deadline_ns(), clock.now);
    uart.set_host_waiting(false);
    EXPECT_FALSE(uart.next_deadline_ns().has_value());
    // A full FIFO takes nothing, however long the host waits: only the character
    // timeout is a deadline until the guest reads.
    uart.set_host_waiting(true);
    for (unsigned i = 0; i < kFifoSize; ++i) uart.receive(static_cast<uint8_t>('b' + i));
    const uint64_t timeout = clock.now + 4 * char_ns;
    clock.now += char_ns;
    EXPECT_EQ(uart.rx_space(), 0u);
    EXPECT_EQ(*uart.next_deadline_ns(), timeout);
    EXPECT_EQ(in(kRbrThr), 'b');
    EXPECT_EQ(*uart.next_deadline_ns(), clock.now);
    EXPECT_EQ(uart.rx_space(), 1u);
}

TEST_F(UartTest, CharacterTimeoutIsImmediateWithoutAClock) {
    FakePic pic2;
    Uart16550 u(IrqLine(&pic2, 4), nullptr);
    u.port_write(kBase + kIirFcr, 1, 0xC1);
    u.port_write(kBase + kMcr, 1, kMcrOut2);
    u.port_write(kBase + kIer, 1, kIerRda);
    EXPECT_TRUE(u.receive('a'));  // no tx callback either: fine
    EXPECT_EQ(u.port_read(kBase + kIirFcr, 1), kIirFifos | kIirTimeout);
    EXPECT_TRUE(pic2.level);
    EXPECT_FALSE(u.next_deadline_ns().has_value());
    u.port_write(kBase + kRbrThr, 1, 'z');  // transmit with no host: dropped
}

TEST_F(UartTest, IirPriorityOrder) {
    init(kFcrEnable, 0x0F);
    // THRE is pending since IER.THRE was enabled with THR empty.
    EXPECT_EQ(iir() & 0x0F, kIirThre);  // ... and this read acknowledges it
    out(kIer, 0x0D);
    out(kIer, 0x0F);                    // re-arm THRE
    out(kMcr, kMcrLoop | kMcrOut2);     // loopback: modem inputs change -> MSR deltas
    out(kMcr, kMcrDtr | kMcrRts | kMcrOut2);  // back, more deltas
    uart.receive('a');
    for (int i = 0; i < 16; ++i) uart.receive('b');  // overrun -> OE
    EXPECT_EQ(iir() & 0x0F, kIirRls);
    (void)in(kLsr);                     // clears OE
    EXPECT_EQ(iir() & 0x0F, kIirRda);
    out(kIirFcr, kFcrEnable | kFcrClearRx);
    EXPECT_EQ(iir() & 0x0F, kIirThre);  // reading it while shown clears it
    EXPECT_EQ(iir() & 0x0F, kIirMs);
    (void)in(kMsr);
    EXPECT_EQ(iir() & 0x0F, kIirNone);
    EXPECT_FALSE(pic.level);
}

TEST_F(UartTest, ReadingIirClearsThreOnlyWhenShown) {
    init(0x00, kIerThre | kIerRda);
    uart.receive('a');
    EXPECT_EQ(iir(), kIirRda);  // THRE is hidden behind RDA and stays pending
    (void)in(kRbrThr);
    EXPECT_EQ(iir(), kIirThre);
    EXPECT_EQ(iir(), kIirNone);
}

TEST_F(UartTest, ThreInterruptOnEnable) {
    init();
    EXPECT_FALSE(pic.level);
    out(kIer, kIerThre);
    EXPECT_TRUE(pic.level);
    EXPECT_EQ(iir(), kIirThre);
    EXPECT_FALSE(pic.level);  // the IIR read acknowledged it
    EXPECT_EQ(iir(), kIirNone);
    out(kIer, kIerThre);  // no change of IER.THRE: nothing new
    EXPECT_EQ(iir(), kIirNone);
    out(kIer, 0x00);
    out(kIer, kIerThre);  // toggling it re-arms (Windows and Linux rely on it)
    EXPECT_EQ(iir(), kIirThre);
}

TEST_F(UartTest, ThreInterruptAfterEachTransmit) {
    init(kFcrEnable, kIerThre);
    EXPECT_EQ(pic.rising_edges, 1u);
    EXPECT_EQ(iir() & 0x0F, kIirThre);
    EXPECT_FALSE(pic.level);
    out(kRbrThr, 'a');
    EXPECT_TRUE(pic.level);
    EXPECT_EQ(pic.rising_edges, 2u);
    // Writing THR while THRE is still pending gives a fresh edge too: the condition
    // clears with the write and comes back when the byte has gone.
    out(kRbrThr, 'b');
    EXPECT_EQ(pic.rising_edges, 3u);
    EXPECT_EQ(sent, (std::vector<uint8_t>{'a', 'b'}));
}

TEST_F(UartTest, ThreIsNotReportedWhileDisabled) {
    init();
    out(kRbrThr, 'a');
    EXPECT_EQ(iir(), kIirNone);
    EXPECT_FALSE(pic.level);
    EXPECT_EQ(pic.rising_edges, 0u);
}

TEST_F(UartTest, ReceiveInterruptAndOverrun) {
    init(0x00, kIerRda | kIerRls);
    EXPECT_FALSE(pic.level);
    uart.receive('x');
    EXPECT_TRUE(pic.level);
    EXPECT_EQ(pic.last_irq, 4u);
    EXPECT_EQ(iir(), kIirRda);
    uart.receive('y');  // overrun
    EXPECT_EQ(iir(), kIirRls);
    EXPECT_EQ(in(kLsr) & kLsrOe, kLsrOe);
    EXPECT_EQ(iir(), kIirRda);
    EXPECT_TRUE(pic.level);
    EXPECT_EQ(in(kRbrThr), 'y');
    EXPECT_EQ(iir(), kIirNone);
    EXPECT_FALSE(pic.level);
}

TEST_F(UartTest, OverrunWithoutRlsEnabledIsOnlyInLsr) {
    init(0x00, kIerRda);
    uart.receive('x');
    uart.receive('y');
    EXPECT_EQ(iir(), kIirRda);
    EXPECT_EQ(in(kLsr) & kLsrOe, kLsrOe);
}

TEST_F(UartTest, IrqLineIsGatedByOut2) {
    out(kIer, kIerRda);
    uart.receive('a');
    EXPECT_TRUE(uart.interrupt_pending());
    EXPECT_EQ(iir(), kIirRda);
    EXPECT_FALSE(pic.level);  // OUT2 = 0: the PC's IRQ driver is off
    out(kMcr, kMcrOut2);
    EXPECT_TRUE(pic.level);
    EXPECT_TRUE(uart.irq_level());
    out(kMcr, kMcrDtr | kMcrRts);
    EXPECT_FALSE(pic.level);
    out(kMcr, kMcrOut2);
    EXPECT_TRUE(pic.level);
    (void)in(kRbrThr);
    EXPECT_FALSE(pic.level);  // the line follows the condition
    EXPECT_FALSE(uart.interrupt_pending());
}

TEST_F(UartTest, LoopbackForcesTheIrqLineLow) {
    init(0x00, kIerRda);
    out(kMcr, kMcrLoop | kMcrOut2);
    out(kRbrThr, 'L');
    EXPECT_TRUE(uart.interrupt_pending());
    EXPECT_EQ(iir(), kIirRda);
    EXPECT_FALSE(pic.level);
    out(kMcr, kMcrOut2);  // out of loopback: the byte is still there, the line rises
    EXPECT_TRUE(pic.level);
}

TEST_F(UartTest, LoopbackReturnsTransmittedBytes) {
    init(kFcrEnable);
    out(kMcr, kMcrLoop);
    out(kRbrThr, 0xAE);
    out(kRbrThr, 0x55);
    EXPECT_TRUE(sent.empty());  // nothing to the host
    EXPECT_EQ(in(kLsr) & kLsrDr, kLsrDr);
    EXPECT_EQ(in(kRbrThr), 0xAE);
    EXPECT_EQ(in(kRbrThr), 0x55);
    // The host is disconnected in loopback.
    EXPECT_EQ(uart.rx_space(), 0u);
    EXPECT_FALSE(uart.receive('h'));
    EXPECT_EQ(in(kLsr) & (kLsrDr | kLsrOe), 0);
    out(kMcr, kMcrDtr | kMcrRts | kMcrOut2);
    out(kRbrThr, 'k');
    EXPECT_EQ(sent, (std::vector<uint8_t>{'k'}));
    EXPECT_TRUE(uart.receive('h'));
}

TEST_F(UartTest, LoopbackOverrunWithoutFifos) {
    init();
    out(kMcr, kMcrLoop);
    out(kRbrThr, 1);
    out(kRbrThr, 2);
    EXPECT_EQ(in(kLsr) & kLsrOe, kLsrOe);
    EXPECT_EQ(in(kRbrThr), 2);
}

TEST_F(UartTest, LoopbackMsrReflectsMcr) {
    const struct {
        uint8_t mcr;
        uint8_t status;
    } cases[] = {
        {kMcrDtr, kMsrDsr},   {kMcrRts, kMsrCts}, {kMcrOut1, kMsrRi},
        {kMcrOut2, kMsrDcd},  {0x0F, 0xF0},       {0x00, 0x00},
        {kMcrRts | kMcrOut2, 0x90},  // what Linux's autoconfig checks for
    };
    for (const auto& c : cases) {
        out(kMcr, kMcrLoop | c.mcr);
        EXPECT_EQ(in(kMsr) & 0xF0, c.status) << int(c.mcr);
    }
    out(kMcr, 0x00);
    EXPECT_EQ(in(kMsr) & 0xF0, 0xB0);  // the terminal again
}

TEST_F(UartTest, MsrDeltaBits) {
    // Into loopback with all four outputs on: CTS, DSR, DCD were already high from the
    // terminal, and RI rising is no event. No deltas.
    out(kMcr, kMcrLoop | 0x0F);
    EXPECT_EQ(in(kMsr), 0xF0);
    out(kMcr, kMcrLoop | kMcrOut1);  // CTS, DSR, DCD fall
    EXPECT_EQ(in(kMsr), 0x40 | kMsrDcts | kMsrDdsr | kMsrDdcd);
    EXPECT_EQ(in(kMsr), 0x40);  // reading cleared the deltas
    out(kMcr, kMcrLoop | 0x0F);
    (void)in(kMsr);
    out(kMcr, kMcrLoop | kMcrDtr | kMcrRts | kMcrOut2);  // RI falls: trailing edge
    EXPECT_EQ(in(kMsr), 0xB0 | kMsrTeri);
    out(kMcr, kMcrLoop | 0x0F);  // RI rises: no TERI
    EXPECT_EQ(in(kMsr), 0xF0);
    out(kMcr, kMcrLoop | kMcrOut1);  // CTS, DSR, DCD fall
    EXPECT_EQ(in(kMsr), 0x40 | kMsrDcts | kMsrDdsr | kMsrDdcd);
    out(kMcr, kMcrLoop | kMcrOut1 | kMcrRts);
    out(kMcr, kMcrLoop | kMcrOut1);  // two changes of CTS before a read: one delta
    EXPECT_EQ(in(kMsr), 0x40 | kMsrDcts);
}

TEST_F(UartTest, ModemStatusInterrupt) {
    init(0x00, kIerMs);
    EXPECT_EQ(iir(), kIirNone);
    out(kMcr, kMcrLoop | kMcrOut2);  // CTS, DSR fall (DCD follows OUT2, stays high)
    EXPECT_EQ(iir(), kIirMs);
    EXPECT_FALSE(pic.level);  // loopback gates the line
    EXPECT_EQ(in(kMsr), kMsrDcd | kMsrDcts | kMsrDdsr);
    EXPECT_EQ(iir(), kIirNone);
    out(kMcr, kMcrDtr | kMcrRts | kMcrOut2);  // out of loopback: CTS, DSR rise
    EXPECT_EQ(iir(), kIirMs);
    EXPECT_TRUE(pic.level);
    (void)in(kMsr);
    EXPECT_FALSE(pic.level);
}

TEST_F(UartTest, WideAccessesAreSplitIntoBytes) {
    out(kLcr, 0x80);
    uart.port_write(kBase, 2, 0x0180);  // DLL = 0x80, DLM = 0x01
    EXPECT_EQ(uart.state().divisor, 0x0180);
    EXPECT_EQ(uart.port_read(kBase, 2), 0x0180u);
    out(kLcr, 0x03);
    uart.port_write(kBase + kScr, 2, 0xAB42);  // the second byte is past the UART
    EXPECT_EQ(in(kScr), 0x42);
    EXPECT_EQ(uart.port_read(kBase + kMsr, 4), 0xFFFF42B0u);
    EXPECT_EQ(uart.port_read(kBase + kLcr, 4), 0xB0600003u);  // LCR MCR LSR MSR
}

TEST_F(UartTest, ThroughThePortBusAtCom1) {
    PortBus bus;
    ASSERT_TRUE(bus.map(kCom1Port, kPortCount, &uart).ok());
    bus.write(0x3FB, 1, 0x80);
    bus.write(0x3F8, 1, 0x03);  // 38400 baud
    bus.write(0x3F9, 1, 0x00);
    bus.write(0x3FB, 1, 0x03);
    bus.write(0x3FA, 1, 0xC7);
    bus.write(0x3FC, 1, 0x0B);
    EXPECT_EQ(bus.read(0x3FA, 1), 0xC1u);
    bus.write(0x3F8, 1, 'A');
    EXPECT_EQ(sent, (std::vector<uint8_t>{'A'}));
    EXPECT_EQ(bus.read(0x3FD, 1), 0x60u);
    EXPECT_EQ(uart.state().divisor, 3);
}

TEST_F(UartTest, ResetClearsEverything) {
    init(0xC1, 0x0F, 3);
    out(kScr, 9);
    uart.receive('a');
    uart.reset();
    EXPECT_EQ(in(kIer), 0);
    EXPECT_EQ(iir(), kIirNone);
    EXPECT_EQ(in(kLsr), 0x60);
    EXPECT_EQ(in(kScr), 0);
    EXPECT_FALSE(pic.level);
    EXPECT_FALSE(uart.next_deadline_ns().has_value());
}

}  // namespace
}  // namespace forkscope

// National Semiconductor PC16550D UART (the 16550A of PC serial ports), COM1 style.
//
// Register map (offset from the base port, e.g. 0x3F8; the base must be 8-aligned):
//   off  DLAB  read                         write
//   0    0     RBR  receive buffer          THR  transmit holding
//   0    1     DLL  divisor latch low       DLL
//   1    0     IER  interrupt enable        IER  (bits 0-3: RDA, THRE, RLS, MS)
//   1    1     DLM  divisor latch high      DLM
//   2    -     IIR  interrupt identification FCR  FIFO control
//   3    -     LCR  line control (bit 7 = DLAB)
//   4    -     MCR  modem control (DTR, RTS, OUT1, OUT2, LOOP)
//   5    -     LSR  line status (DR OE PE FE BI THRE TEMT RXFE); writes ignored
//   6    -     MSR  modem status (DCTS DDSR TERI DDCD CTS DSR RI DCD); writes ignored
//   7    -     SCR  scratch
//
// IIR sources, highest priority first (a source counts only if its IER bit is set):
//   0x06 receiver line status (OE/PE/FE/BI)       cleared by reading LSR
//   0x04 received data available (>= trigger)    cleared when below the trigger level
//   0x0C character timeout (FIFO mode)           cleared by reading RBR
//   0x02 THR empty                               cleared by reading IIR (when it is the
//                                                source shown) or writing THR
//   0x00 modem status (MSR delta bits)           cleared by reading MSR
// Bit 0 = 1: nothing pending. Bits 7-6 = 11 when the FIFOs are enabled.
//
// Choices:
// - Transmission is instantaneous: a THR write hands the byte to the host (or, in
//   loopback, to the receiver) at once; THRE and TEMT are set again right away. The THRE
//   interrupt condition clears and re-arms within the write, so the IRQ line falls and
//   rises (one new edge for an edge-triggered PIC) when THRE is the only source.
// - Enabling IER.THRE while THR is empty raises a THRE interrupt (QEMU and Bochs do this,
//   drivers rely on it).
// - IRQ output: as on a PC serial card, the UART's INTR reaches the PIC only through
//   the OUT2 pin. MCR.OUT2 = 0 holds the IRQ line low, and so does loopback mode, which
//   forces the OUT2 *pin* inactive (datasheet); in loopback the interrupt sources still
//   work and are visible in IIR and through interrupt_pending(). (QEMU ignores OUT2.)
// - The line follows the interrupt condition: high while a source is pending and OUT2
//   lets it through, low otherwise.
// - Host side: the modem inputs are a connected terminal (CTS, DSR, DCD high, RI low).
//   In loopback the host is disconnected: receive() drops bytes and rx_space() is 0.
// - Overrun: with FIFOs the 17th byte is lost (the FIFO keeps its contents); without
//   FIFOs a new byte overwrites the unread one (datasheet). Either sets LSR.OE and
//   receive() returns false.
// - Receiving takes time too: with a Clock, a character occupies the line for one
//   character time (from LCR and the divisor), so host bytes arrive no faster than the
//   baud rate; rx_space() is 0 while one is on the line. The host side keeps flow
//   control (as RTS/CTS would): it sends only while the FIFO has room, and nothing is
//   lost. While the host has bytes waiting (set_host_waiting), next_deadline_ns()
//   includes the moment the line is free again.
// - Character timeout needs time: with a Clock, the timeout fires 4 character times
//   (from LCR and the divisor) after the last byte in or out of the RX FIFO, through
//   TimedDevice::advance_to(). Without a Clock it counts as elapsed at once, so bytes
//   below the trigger level are never stranded.
// - Wider port accesses are split into byte accesses at consecutive offsets; bytes past
//   offset 7 read 0xFF and are not written.
// - The divisor latch resets to 12 (9600 baud, what PC BIOSes program).
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>

#include "devices/clock.h"
#include "devices/irq.h"
#include "devices/port_device.h"

namespace spdlog { class logger; }

namespace forkscope {

namespace uart {
// Register offsets
constexpr unsigned kRbrThr = 0, kIer = 1, kIirFcr = 2, kLcr = 3, kMcr = 4, kLsr = 5, kMsr = 6,
                   kScr = 7;
// IER
constexpr uint8_t kIerRda = 0x01, kIerThre = 0x02, kIerRls = 0x04, kIerMs = 0x08;
// IIR
constexpr uint8_t kIirNone = 0x01, kIirMs = 0x00, kIirThre = 0x02, kIirRda = 0x04,
                  kIirRls = 0x06, kIirTimeout = 0x0C, kIirFifos = 0xC0;
// FCR
constexpr uint8_t kFcrEnable = 0x01, kFcrClearRx = 0x02, kFcrClearTx = 0x04,
                  kFcrDmaMode = 0x08, kFcrTrigger = 0xC0;
// LCR
constexpr uint8_t kLcrWordLen = 0x03, kLcrStop = 0x04, kLcrParity = 0x08, kLcrDlab = 0x80;
// MCR
constexpr uint8_t kMcrDtr = 0x01, kMcrRts = 0x02, kMcrOut1 = 0x04, kMcrOut2 = 0x08,
                  kMcrLoop = 0x10;
// LSR
constexpr uint8_t kLsrDr = 0x01, kLsrOe = 0x02, kLsrPe = 0x04, kLsrFe = 0x08, kLsrBi = 0x10,
                  kLsrThre = 0x20, kLsrTemt = 0x40, kLsrRxFifoError = 0x80;
constexpr uint8_t kLsrErrors = kLsrOe | kLsrPe | kLsrFe | kLsrBi;
// MSR
constexpr uint8_t kMsrDcts = 0x01, kMsrDdsr = 0x02, kMsrTeri = 0x04, kMsrDdcd = 0x08,
                  kMsrCts = 0x10, kMsrDsr = 0x20, kMsrRi = 0x40, kMsrDcd = 0x80;
constexpr uint8_t kMsrDeltas = 0x0F;

constexpr unsigned kFifoSize = 16;
constexpr uint16_t kCom1Port = 0x3F8;
constexpr uint16_t kPortCount = 8;
constexpr unsigned kCom1Irq = 4;
constexpr uint32_t kBaudBase = 115200;  // 1.8432 MHz / 16
}  // namespace uart

struct Uart16550State {
    uint8_t ier = 0;
    uint8_t fcr = 0;    // as written (0 while FIFOs are disabled)
    uint8_t lcr = 0;
    uint8_t mcr = 0;
    uint8_t lsr = uart::kLsrThre | uart::kLsrTemt;
    uint8_t msr = uart::kMsrCts | uart::kMsrDsr | uart::kMsrDcd;  // status + delta bits
    uint8_t scr = 0;
    uint16_t divisor = 12;
    uint8_t rbr = 0;    // the byte last moved to RBR (what an empty RBR reads back)
    // RX: a ring of kFifoSize; without FIFOs only one byte (the RBR) is used.
    std::array<uint8_t, uart::kFifoSize> rx{};
    unsigned rx_head = 0;   // next byte to read
    unsigned rx_count = 0;
    bool thre_pending = false;      // THRE interrupt armed (cleared by IIR read / THR write)
    bool timeout_pending = false;   // character timeout interrupt
    std::optional<uint64_t> timeout_deadline_ns;
    std::optional<uint64_t> rx_line_free_ns;   // when the character on the line has arrived
    bool host_waiting = false;      // the host has bytes for the line
};

class Uart16550 : public PortDevice, public TimedDevice {
public:
    // irq: the line to the PIC (IRQ 4 for COM1). tx: receives every byte the guest
    // transmits (not called in loopback). clock: for the character timeout; optional.
    Uart16550(IrqLine irq, std::function<void(uint8_t)> tx, const Clock* clock = nullptr);

    void reset();

    // PortDevice
    uint32_t port_read(uint16_t port, unsigned size) override;
    void port_write(uint16_t port, unsigned size, uint32_t value) override;
    std::string_view name() const override { return "uart"; }

    // TimedDevice: the character timeout, and the line free again for the host's bytes.
    std::optional<uint64_t> next_deadline_ns() const override;
    void advance_to(uint64_t now_ns) override;

    // Host input, one byte as if it arrived on the serial line. Returns false when the
    // byte could not be taken: overrun (sets LSR.OE) or loopback (host disconnected).
    bool receive(uint8_t byte);
    // Bytes receive() can take now without an overrun: 0 while a character is on the line.
    size_t rx_space() const;
    // Whether the host has bytes to send (its queue is not empty).
    void set_host_waiting(bool waiting) { s_.host_waiting = waiting; }

    // The chip's INTR output before the OUT2 gate; IIR's current source.
    bool interrupt_pending() const { return (current_iir() & uart::kIirNone) == 0; }
    bool irq_level() const { return irq_.level(); }
    const Uart16550State& state() const { return s_; }

    // Snapshots (record/replay): registers, FIFO, pending interrupts and the IRQ line.
    struct Snapshot {
        Uart16550State s;
        bool irq;
    };
    Snapshot snapshot() const { return {s_, irq_.level()}; }
    void restore(const Snapshot& s) {
        s_ = s.s;
        irq_.restore_level(s.irq);
    }
    bool fifo_enabled() const { return s_.fcr & uart::kFcrEnable; }
    unsigned rx_trigger_level() const;

private:
    uint8_t read_reg(unsigned offset);
    void write_reg(unsigned offset, uint8_t value);
    void write_fcr(uint8_t value);
    void write_mcr(uint8_t value);
    void log_divisor() const;
    void transmit(uint8_t byte);
    // Put a byte into RBR / the RX FIFO (from the host or loopback).
    bool push_rx(uint8_t byte);
    uint8_t pop_rx();
    void clear_rx();
    size_t fifo_room() const;
    // The modem inputs: from the host terminal, or from MCR in loopback.
    uint8_t modem_inputs() const;
    // Latch delta bits for a change of the modem inputs from old_inputs.
    void update_msr_deltas(uint8_t old_inputs);
    void restart_timeout();
    uint64_t char_time_ns() const;
    uint8_t current_iir() const;
    void update_irq();

    IrqLine irq_;
    std::function<void(uint8_t)> tx_;
    const Clock* clock_;
    Uart16550State s_;
    std::shared_ptr<spdlog::logger> log_;
};

}  // namespace forkscope

// Intel 8259A programmable interrupt controller, as a PC/AT wires two of them.
//
// Register map (A0 is port bit 0):
//   port        A0  write                               read
//   0x20 / 0xA0  0  ICW1 (D4=1), OCW2 (D4=0,D3=0),       IRR or ISR (OCW3 RR/RIS);
//                   OCW3 (D4=0,D3=1)                     poll byte after OCW3 P=1
//   0x21 / 0xA1  1  ICW2, ICW3, ICW4 while initialising, IMR (or poll byte)
//                   otherwise OCW1 (IMR)
//
// ICW1: D0 IC4 (ICW4 follows), D1 SNGL (no ICW3), D2 ADI and D5-7 (8080 only, ignored),
//       D3 LTIM (level triggered; supported), D4 = 1.
// ICW2: vector base (D7-3; D2-0 come from the IR number).
// ICW3: master: bit n set = a slave on IR n; slave: its id (the master IR it hangs on).
// ICW4: D0 uPM (1 = 8086; 8080 mode is logged and treated as 8086), D1 AEOI,
//       D2-3 buffered mode (ignored), D4 SFNM (supported).
// OCW2: D7-5 R/SL/EOI: 001 non-specific EOI, 011 specific EOI, 101 rotate on
//       non-specific EOI, 111 rotate on specific EOI, 100/000 set/clear rotate in AEOI,
//       110 set priority, 010 no-op. D2-0: the IR for specific commands.
// OCW3: D6 ESMM, D5 SMM (special mask mode), D3 = 1, D2 P (poll), D1 RR, D0 RIS.
//
// Edge triggering (the PC default) follows QEMU's i8259: a rising edge on an IR input sets
// the IRR bit and it stays set until the request is acknowledged (INTA or poll), even if
// the line falls first. Real 8259As drop such a request and answer with a spurious IR7;
// here spurious vectors come out when the request has been masked (IMR) or withdrawn by
// re-initialisation between INTR and INTA. Keeping the latch is what makes
// IrqLine::pulse() (low-high-low) deliver exactly one interrupt. A line held high gives
// one interrupt; only a new rising edge gives another.
//
// Level triggering (ICW1.LTIM): IRR follows the line; INTA does not clear it, the ISR
// bit blocks it until EOI.
//
// Wider (16/32-bit) port accesses are split into byte accesses at consecutive ports, as
// the ISA bus does; bytes that fall outside 0x20/0x21/0xA0/0xA1 read 0xFF and are not
// written.
#pragma once
#include <cstdint>
#include <memory>
#include <string_view>

#include "devices/irq.h"
#include "devices/port_device.h"

namespace spdlog { class logger; }

namespace forkscope {

// Everything that is programmer-visible or affects behaviour in one 8259A.
struct Pic8259State {
    uint8_t irr = 0;           // interrupt request register
    uint8_t isr = 0;           // in-service register
    uint8_t imr = 0;           // interrupt mask register (OCW1)
    uint8_t lines = 0;         // current level of the IR0-7 inputs (edge detection)
    uint8_t vector_base = 0;   // ICW2 & 0xF8
    uint8_t icw3 = 0;          // master: slave bitmap; slave: id
    uint8_t highest = 0;       // IR with the highest priority (rotation moves it)
    uint8_t init_step = 0;     // 0 ready; 2, 3, 4: the ICW the data port expects next
    bool icw4_expected = false;
    bool single = false;           // ICW1.SNGL
    bool level_triggered = false;  // ICW1.LTIM
    bool mode_8086 = true;         // ICW4.uPM
    bool auto_eoi = false;         // ICW4.AEOI
    bool sfnm = false;             // ICW4.SFNM: special fully nested mode
    bool rotate_on_aeoi = false;   // OCW2 100/000
    bool read_isr = false;         // OCW3 RIS: command port reads ISR (else IRR)
    bool poll = false;             // OCW3 P: the next read is a poll
    bool special_mask = false;     // OCW3 SMM
};

// One 8259A chip. Knows nothing of the other chip: the cascade wires them together.
class Pic8259 {
public:
    explicit Pic8259(bool is_master);

    // Power-on state as after ICW1(IC4)/ICW2(0)/ICW3(PC wiring)/ICW4(8086), like QEMU's
    // reset: vector base 0, IMR 0, no requests.
    void reset();

    // CPU side. a0 is address bit 0 (0: command port, 1: data port).
    uint8_t read(unsigned a0);
    void write(unsigned a0, uint8_t value);

    // Level of input pin IR0-7.
    void set_input(unsigned ir, bool high);

    // The IR this chip would present on INTA, or -1: the highest-priority unmasked
    // request that outranks everything in service (special mask and SFNM considered).
    int pending() const;
    bool output() const { return pending() >= 0; }  // the INT pin

    // The INTA bookkeeping for ir: ISR bit set (unless AEOI), edge request cleared.
    void acknowledge(unsigned ir);

    // Master only: ICW3 puts a slave on ir (and ICW1 did not say single).
    bool has_slave_on(unsigned ir) const;

    bool is_master() const { return master_; }
    const Pic8259State& state() const { return s_; }
    void restore(const Pic8259State& s) { s_ = s; }

private:
    void write_command(uint8_t value);
    void write_data(uint8_t value);
    void icw1(uint8_t value);
    void ocw2(uint8_t value);
    void ocw3(uint8_t value);
    uint8_t poll_read();
    // Priority rank (0 best) of the best bit set in mask, or 8 if none.
    unsigned best_rank(uint8_t mask) const;
    unsigned ir_of_rank(unsigned rank) const { return (rank + s_.highest) & 7; }
    const char* who() const { return master_ ? "master" : "slave"; }

    bool master_;
    Pic8259State s_;
    std::shared_ptr<spdlog::logger> log_;
};

enum class PicChip : unsigned { Master = 0, Slave = 1 };

// The PC/AT pair: master at 0x20/0x21, slave at 0xA0/0xA1, the slave's INT on master IR2.
// IRQs 0-7 go to master IR0-7, IRQs 8-15 to slave IR0-7. IRQ 2 is the cascade input and
// cannot be raised by a device (logged and ignored).
class Pic8259Cascade : public PortDevice, public IrqSink {
public:
    static constexpr uint16_t kMasterPort = 0x20;  // and 0x21
    static constexpr uint16_t kSlavePort = 0xA0;   // and 0xA1
    static constexpr uint16_t kPortCount = 2;      // ports per chip
    static constexpr unsigned kCascadeIr = 2;      // master input the slave drives

    Pic8259Cascade();
    void reset();

    // PortDevice
    uint32_t port_read(uint16_t port, unsigned size) override;
    void port_write(uint16_t port, unsigned size, uint32_t value) override;
    std::string_view name() const override { return "pic"; }

    // IrqSink: irq 0-15.
    void set_irq_level(unsigned irq, bool high) override;

    // The master's INT output: the CPU should take an interrupt (if EFLAGS.IF allows).
    bool intr() const { return master_.output(); }

    // The INTA cycle: returns the vector and moves the request from IRR to ISR on the
    // master and, through IR2, the slave. With no request left: master base + 7 (no ISR
    // change); a slave with nothing left gives slave base + 7 with master ISR bit 2 set.
    uint8_t acknowledge();

    // Inspectors for tests and the UI.
    uint8_t irr(PicChip c) const { return chip(c).state().irr; }
    uint8_t isr(PicChip c) const { return chip(c).state().isr; }
    uint8_t imr(PicChip c) const { return chip(c).state().imr; }
    uint8_t vector_base(PicChip c) const { return chip(c).state().vector_base; }
    const Pic8259& chip(PicChip c) const { return c == PicChip::Master ? master_ : slave_; }

    // Snapshots (record/replay): both chips' whole state.
    struct Snapshot {
        Pic8259State master, slave;
    };
    Snapshot snapshot() const { return {master_.state(), slave_.state()}; }
    void restore(const Snapshot& s) {
        master_.restore(s.master);
        slave_.restore(s.slave);
    }

private:
    uint8_t read_byte(uint16_t port);
    void write_byte(uint16_t port, uint8_t value);
    // Drive master IR2 from the slave's INT output. Called after every slave change.
    void sync_cascade() { master_.set_input(kCascadeIr, slave_.output()); }

    Pic8259 master_{true};
    Pic8259 slave_{false};
    std::shared_ptr<spdlog::logger> log_;
};

}  // namespace forkscope

#include "devices/pic8259.h"

#include <gtest/gtest.h>

#include "devices/port_bus.h"

namespace forkscope {
namespace {

constexpr auto M = PicChip::Master;
constexpr auto S = PicChip::Slave;

class PicTest : public ::testing::Test {
protected:
    Pic8259Cascade pic;

    void out(uint16_t port, uint8_t value) { pic.port_write(port, 1, value); }
    uint8_t in(uint16_t port) { return static_cast<uint8_t>(pic.port_read(port, 1)); }

    // Linux's init_8259A(): mask all, ICW1-4 on both chips, vectors 0x20/0x28, then the
    // cached masks.
    void init_like_linux(uint8_t master_mask = 0x00, uint8_t slave_mask = 0x00) {
        out(0x21, 0xFF);
        out(0xA1, 0xFF);
        out(0x20, 0x11);  // ICW1: edge, cascade, ICW4 follows
        out(0x21, 0x20);  // ICW2
        out(0x21, 0x04);  // ICW3: slave on IR2
        out(0x21, 0x01);  // ICW4: 8086, normal EOI
        out(0xA0, 0x11);
        out(0xA1, 0x28);
        out(0xA1, 0x02);  // ICW3: slave id 2
        out(0xA1, 0x01);
        out(0x21, master_mask);
        out(0xA1, slave_mask);
    }

    // xv6's picinit(): auto EOI, then OCW3 0x68 (special mask mode) and 0x0a (read IRR).
    void init_like_xv6() {
        out(0x21, 0xFF);
        out(0xA1, 0xFF);
        out(0x20, 0x11);
        out(0x21, 0x20);
        out(0x21, 0x04);
        out(0x21, 0x03);  // 8086 + AEOI
        out(0xA0, 0x11);
        out(0xA1, 0x28);
        out(0xA1, 0x02);
        out(0xA1, 0x03);
        out(0x20, 0x68);
        out(0x20, 0x0A);
        out(0xA0, 0x68);
        out(0xA0, 0x0A);
        out(0x21, 0x00);
        out(0xA1, 0x00);
    }

    void raise(unsigned irq) { pic.set_irq_level(irq, true); }
    void lower(unsigned irq) { pic.set_irq_level(irq, false); }
    void pulse(unsigned irq) { raise(irq); lower(irq); }
    void eoi_master() { out(0x20, 0x20); }
    void eoi_slave() { out(0xA0, 0x20); }
};

TEST_F(PicTest, ResetState) {
    for (auto c : {M, S}) {
        EXPECT_EQ(pic.irr(c), 0);
        EXPECT_EQ(pic.isr(c), 0);
        EXPECT_EQ(pic.imr(c), 0);
        EXPECT_EQ(pic.vector_base(c), 0);
    }
    EXPECT_FALSE(pic.intr());
    EXPECT_EQ(pic.name(), "pic");
    EXPECT_TRUE(pic.chip(M).is_master());
    EXPECT_FALSE(pic.chip(S).is_master());
    EXPECT_EQ(pic.chip(M).state().icw3, 0x04);
    EXPECT_EQ(pic.chip(S).state().icw3, 0x02);
}

TEST_F(PicTest, LinuxInitialisationRemapsBothChips) {
    init_like_linux(0xFB, 0xFF);
    EXPECT_EQ(pic.vector_base(M), 0x20);
    EXPECT_EQ(pic.vector_base(S), 0x28);
    EXPECT_EQ(pic.imr(M), 0xFB);
    EXPECT_EQ(pic.imr(S), 0xFF);
    EXPECT_EQ(in(0x21), 0xFB);
    EXPECT_EQ(in(0xA1), 0xFF);
    for (auto c : {M, S}) {
        const auto& st = pic.chip(c).state();
        EXPECT_EQ(st.init_step, 0);
        EXPECT_TRUE(st.mode_8086);
        EXPECT_FALSE(st.auto_eoi);
        EXPECT_FALSE(st.single);
        EXPECT_FALSE(st.level_triggered);
    }
    EXPECT_EQ(pic.chip(M).state().icw3, 0x04);
    EXPECT_EQ(pic.chip(S).state().icw3, 0x02);
}

TEST_F(PicTest, Icw2KeepsOnlyTheVectorBaseBits) {
    out(0x20, 0x11);
    out(0x21, 0x27);
    out(0x21, 0x04);
    out(0x21, 0x01);
    EXPECT_EQ(pic.vector_base(M), 0x20);
}

TEST_F(PicTest, Icw1ClearsMaskInServiceAndRequests) {
    init_like_linux(0x00, 0x00);
    raise(3);
    EXPECT_EQ(pic.acknowledge(), 0x23);
    raise(4);
    out(0x21, 0x55);
    out(0x20, 0x11);  // re-initialise the master
    EXPECT_EQ(pic.imr(M), 0x00);
    EXPECT_EQ(pic.isr(M), 0x00);
    EXPECT_EQ(pic.irr(M), 0x00);
    EXPECT_EQ(pic.chip(M).state().init_step, 2);
    out(0x21, 0x40);
    out(0x21, 0x04);
    out(0x21, 0x01);
    // IRQ 4 is still high, but after ICW1 only a new rising edge counts.
    EXPECT_FALSE(pic.intr());
    lower(4);
    raise(4);
    EXPECT_EQ(pic.acknowledge(), 0x44);
}

TEST_F(PicTest, Icw1WithoutIc4SkipsIcw4) {
    out(0x20, 0x10);  // cascade, no ICW4
    out(0x21, 0x20);
    out(0x21, 0x04);  // ICW3; initialisation ends here
    EXPECT_EQ(pic.chip(M).state().init_step, 0);
    EXPECT_FALSE(pic.chip(M).state().mode_8086);  // ICW4 functions are zeroed
    out(0x21, 0x3C);  // OCW1
    EXPECT_EQ(pic.imr(M), 0x3C);
    EXPECT_EQ(pic.vector_base(M), 0x20);
}

TEST_F(PicTest, SingleModeSkipsIcw3AndHasNoSlave) {
    out(0x20, 0x13);  // single, ICW4 follows
    out(0x21, 0x50);
    out(0x21, 0x01);  // this is ICW4, not ICW3
    EXPECT_EQ(pic.chip(M).state().init_step, 0);
    EXPECT_TRUE(pic.chip(M).state().single);
    EXPECT_TRUE(pic.chip(M).state().mode_8086);
    out(0x21, 0x00);
    EXPECT_EQ(pic.imr(M), 0x00);
    // The slave still drives IR2, but the master no longer treats it as a slave: it
    // answers with its own IR2 vector.
    raise(9);
    ASSERT_TRUE(pic.intr());
    EXPECT_EQ(pic.acknowledge(), 0x52);
    EXPECT_EQ(pic.isr(M), 0x04);
    EXPECT_EQ(pic.isr(S), 0x00);
}

TEST_F(PicTest, MasterIcw3WithoutSlaveOnIr2UsesMasterVector) {
    out(0x20, 0x11);
    out(0x21, 0x20);
    out(0x21, 0x00);  // no slaves
    out(0x21, 0x01);
    init_like_linux();  // the slave
    out(0x20, 0x11);
    out(0x21, 0x20);
    out(0x21, 0x00);
    out(0x21, 0x01);
    raise(8);
    EXPECT_EQ(pic.acknowledge(), 0x22);
}

TEST_F(PicTest, ImrReadWriteThroughDataPorts) {
    init_like_linux();
    for (unsigned v : {0x00u, 0xFFu, 0xA5u, 0x5Au}) {
        out(0x21, static_cast<uint8_t>(v));
        out(0xA1, static_cast<uint8_t>(~v));
        EXPECT_EQ(in(0x21), v);
        EXPECT_EQ(in(0xA1), static_cast<uint8_t>(~v));
        EXPECT_EQ(pic.imr(M), v);
        EXPECT_EQ(pic.imr(S), static_cast<uint8_t>(~v));
    }
}

TEST_F(PicTest, MaskedRequestIsLatchedButNotSignalled) {
    init_like_linux(0x01, 0x00);  // IRQ 0 masked
    raise(0);
    EXPECT_EQ(pic.irr(M), 0x01);
    EXPECT_FALSE(pic.intr());
    out(0x21, 0x00);  // unmask
    EXPECT_TRUE(pic.intr());
    EXPECT_EQ(pic.acknowledge(), 0x20);
}

TEST_F(PicTest, MaskingSlaveLinesAndTheCascadeLine) {
    init_like_linux(0x00, 0x10);  // IRQ 12 masked
    raise(12);
    EXPECT_EQ(pic.irr(S), 0x10);
    EXPECT_FALSE(pic.intr());
    out(0xA1, 0x00);
    EXPECT_TRUE(pic.intr());
    out(0x21, 0x04);  // masking IR2 on the master masks every slave IRQ
    EXPECT_FALSE(pic.intr());
    out(0x21, 0x00);
    EXPECT_EQ(pic.acknowledge(), 0x2C);
}

TEST_F(PicTest, FixedPriorityLowestNumberFirst) {
    init_like_linux();
    raise(5);
    raise(3);
    raise(6);
    raise(1);
    EXPECT_EQ(pic.irr(M), 0x6A);
    EXPECT_EQ(pic.acknowledge(), 0x21);
    EXPECT_EQ(pic.isr(M), 0x02);
    EXPECT_FALSE(pic.intr());  // 3, 5, 6 wait for the EOI of 1
    eoi_master();
    EXPECT_EQ(pic.acknowledge(), 0x23);
    eoi_master();
    EXPECT_EQ(pic.acknowledge(), 0x25);
    eoi_master();
    EXPECT_EQ(pic.acknowledge(), 0x26);
    eoi_master();
    EXPECT_FALSE(pic.intr());
    EXPECT_EQ(pic.isr(M), 0x00);
    EXPECT_EQ(pic.irr(M), 0x00);
}

TEST_F(PicTest, SlaveIrqsRankAtMasterIr2) {
    init_like_linux();
    raise(3);
    raise(8);
    raise(15);
    raise(1);
    EXPECT_EQ(pic.acknowledge(), 0x21);  // IRQ 1 beats everything on the slave
    eoi_master();
    EXPECT_EQ(pic.acknowledge(), 0x28);  // IRQ 8 beats IRQ 3
    eoi_slave();
    eoi_master();
    EXPECT_EQ(pic.acknowledge(), 0x2F);  // IRQ 15 still beats IRQ 3 (it is a real one)
    EXPECT_EQ(pic.isr(S), 0x80);
    eoi_slave();
    eoi_master();
    EXPECT_EQ(pic.acknowledge(), 0x23);
}

TEST_F(PicTest, NestedInterrupts) {
    init_like_linux();
    raise(4);
    EXPECT_EQ(pic.acknowledge(), 0x24);
    raise(6);  // lower priority: waits
    EXPECT_FALSE(pic.intr());
    raise(0);  // higher priority: nests
    EXPECT_TRUE(pic.intr());
    EXPECT_EQ(pic.acknowledge(), 0x20);
    EXPECT_EQ(pic.isr(M), 0x11);
    eoi_master();  // ends IRQ 0, the highest in service
    EXPECT_EQ(pic.isr(M), 0x10);
    EXPECT_FALSE(pic.intr());
    eoi_master();
    EXPECT_EQ(pic.isr(M), 0x00);
    EXPECT_EQ(pic.acknowledge(), 0x26);
}

TEST_F(PicTest, SameLevelDoesNotNestWithoutEoi) {
    init_like_linux();
    raise(3);
    EXPECT_EQ(pic.acknowledge(), 0x23);
    lower(3);
    raise(3);
    EXPECT_EQ(pic.irr(M), 0x08);
    EXPECT_FALSE(pic.intr());
    eoi_master();
    EXPECT_EQ(pic.acknowledge(), 0x23);
}

TEST_F(PicTest, NonSpecificEoiWithNothingInServiceIsHarmless) {
    init_like_linux();
    eoi_master();
    eoi_slave();
    EXPECT_EQ(pic.isr(M), 0);
    EXPECT_FALSE(pic.intr());
}

TEST_F(PicTest, SpecificEoiClearsTheNamedLevel) {
    init_like_linux();
    raise(5);
    EXPECT_EQ(pic.acknowledge(), 0x25);
    raise(2 + 1);
    EXPECT_EQ(pic.acknowledge(), 0x23);
    EXPECT_EQ(pic.isr(M), 0x28);
    out(0x20, 0x65);  // specific EOI for IR5, though IR3 ranks higher
    EXPECT_EQ(pic.isr(M), 0x08);
    out(0x20, 0x67);  // specific EOI for a level not in service: no change
    EXPECT_EQ(pic.isr(M), 0x08);
    out(0x20, 0x63);
    EXPECT_EQ(pic.isr(M), 0x00);
}

TEST_F(PicTest, Ocw3SelectsIrrOrIsrOnTheCommandPort) {
    init_like_linux();
    raise(1);
    raise(6);
    raise(13);
    EXPECT_EQ(in(0x20), 0x46);  // IRR by default: 1, 6 and the cascade IR2
    EXPECT_EQ(in(0xA0), 0x20);
    EXPECT_EQ(pic.acknowledge(), 0x21);
    out(0x20, 0x0B);  // read ISR
    out(0xA0, 0x0B);
    EXPECT_EQ(in(0x20), 0x02);
    EXPECT_EQ(in(0x20), 0x02);  // the selection sticks
    EXPECT_EQ(in(0xA0), 0x00);
    out(0x20, 0x08);  // RR = 0: selection unchanged
    EXPECT_EQ(in(0x20), 0x02);
    out(0x20, 0x0A);  // read IRR
    EXPECT_EQ(in(0x20), 0x44);
    EXPECT_EQ(in(0x21), 0x00);  // the data port still reads IMR
}

TEST_F(PicTest, PollMode) {
    init_like_linux();
    out(0x20, 0x0C);  // poll
    EXPECT_EQ(in(0x20), 0x00);  // nothing pending
    EXPECT_EQ(in(0x20), 0x00);  // back to reading IRR
    raise(5);
    raise(7);
    out(0x20, 0x0C);
    EXPECT_EQ(in(0x21), 0x85);  // either port answers the poll; it acknowledges
    EXPECT_EQ(pic.isr(M), 0x20);
    EXPECT_EQ(pic.irr(M), 0x80);
    EXPECT_EQ(in(0x21), 0x00);  // next read is IMR again
    eoi_master();
    // Polling a slave IRQ: the master reports IR2, then the slave is polled.
    raise(11);
    out(0x20, 0x0C);
    EXPECT_EQ(in(0x20), 0x82);
    out(0xA0, 0x0C);
    EXPECT_EQ(in(0xA0), 0x83);
    EXPECT_EQ(pic.isr(S), 0x08);
    EXPECT_EQ(pic.isr(M), 0x04);
}

TEST_F(PicTest, CascadeDeliversIrq8To15ThroughIr2) {
    init_like_linux();
    for (unsigned irq = 8; irq < 16; ++irq) {
        raise(irq);
        ASSERT_TRUE(pic.intr()) << irq;
        EXPECT_EQ(pic.irr(M), 0x04);
        EXPECT_EQ(pic.acknowledge(), 0x28 + (irq - 8)) << irq;
        EXPECT_EQ(pic.isr(M), 0x04);
        EXPECT_EQ(pic.isr(S), 1u << (irq - 8));
        EXPECT_EQ(pic.irr(S), 0x00);
        EXPECT_EQ(pic.irr(M), 0x00);
        eoi_slave();
        eoi_master();
        lower(irq);
        EXPECT_FALSE(pic.intr());
    }
}

TEST_F(PicTest, CascadeNeedsEoiOnBothChips) {
    init_like_linux();
    raise(10);
    raise(12);
    raise(5);
    EXPECT_EQ(pic.acknowledge(), 0x2A);
    EXPECT_FALSE(pic.intr());  // IRQ 5 ranks below IR2, IRQ 12 below IRQ 10
    eoi_slave();
    EXPECT_FALSE(pic.intr());  // master IR2 is still in service
    EXPECT_EQ(pic.irr(M) & 0x04, 0x04);  // the slave's request waits on the master
    eoi_master();
    EXPECT_EQ(pic.acknowledge(), 0x2C);
    eoi_slave();
    eoi_master();
    EXPECT_EQ(pic.acknowledge(), 0x25);
}

TEST_F(PicTest, HigherSlaveIrqWaitsForMasterEoiWithoutSfnm) {
    init_like_linux();
    raise(12);
    EXPECT_EQ(pic.acknowledge(), 0x2C);
    raise(9);  // higher than 12 on the slave, but the master has IR2 in service
    EXPECT_FALSE(pic.intr());
    EXPECT_EQ(pic.irr(M), 0x04);
    eoi_slave();  // ends IRQ 12 on the slave
    eoi_master();
    EXPECT_EQ(pic.acknowledge(), 0x29);
}

TEST_F(PicTest, SpecialFullyNestedModeLetsHigherSlaveIrqsNest) {
    init_like_linux();
    out(0x20, 0x11);
    out(0x21, 0x20);
    out(0x21, 0x04);
    out(0x21, 0x11);  // 8086 + SFNM
    EXPECT_TRUE(pic.chip(M).state().sfnm);
    raise(12);
    EXPECT_EQ(pic.acknowledge(), 0x2C);
    raise(9);
    ASSERT_TRUE(pic.intr());
    EXPECT_EQ(pic.acknowledge(), 0x29);
    EXPECT_EQ(pic.isr(S), 0x12);
    raise(13);  // lower than both in service on the slave: the slave holds it
    EXPECT_FALSE(pic.intr());
}

TEST_F(PicTest, SpuriousIrq7WhenTheRequestIsGoneAtInta) {
    init_like_linux();
    raise(3);
    ASSERT_TRUE(pic.intr());
    out(0x21, 0x08);  // masked between INTR and INTA
    EXPECT_EQ(pic.acknowledge(), 0x27);
    EXPECT_EQ(pic.isr(M), 0x00);  // a spurious IRQ 7 sets no ISR bit
    EXPECT_EQ(pic.irr(M), 0x08);  // the masked request is still latched
    out(0x21, 0x00);
    EXPECT_EQ(pic.acknowledge(), 0x23);
}

TEST_F(PicTest, AcknowledgeWithNothingPendingIsSpurious7) {
    init_like_linux();
    EXPECT_FALSE(pic.intr());
    EXPECT_EQ(pic.acknowledge(), 0x27);
    EXPECT_EQ(pic.isr(M), 0x00);
}

TEST_F(PicTest, SpuriousIrq15SetsMasterIr2InService) {
    init_like_linux();
    raise(10);
    ASSERT_TRUE(pic.intr());
    out(0xA1, 0x04);  // slave masks IRQ 10; the master's IR2 request is latched
    EXPECT_TRUE(pic.intr());
    EXPECT_EQ(pic.acknowledge(), 0x2F);
    EXPECT_EQ(pic.isr(M), 0x04);  // the OS must EOI the master, not the slave
    EXPECT_EQ(pic.isr(S), 0x00);
    eoi_master();
    EXPECT_EQ(pic.isr(M), 0x00);
    out(0xA1, 0x00);
    EXPECT_TRUE(pic.intr());
    EXPECT_EQ(pic.acknowledge(), 0x2A);
}

TEST_F(PicTest, RealIrq7And15AreNotSpurious) {
    init_like_linux();
    raise(7);
    EXPECT_EQ(pic.acknowledge(), 0x27);
    EXPECT_EQ(pic.isr(M), 0x80);
    eoi_master();
    raise(15);
    EXPECT_EQ(pic.acknowledge(), 0x2F);
    EXPECT_EQ(pic.isr(S), 0x80);
}

TEST_F(PicTest, AutoEoiLeavesIsrClear) {
    init_like_xv6();
    EXPECT_TRUE(pic.chip(M).state().auto_eoi);
    EXPECT_TRUE(pic.chip(S).state().auto_eoi);
    raise(0);
    EXPECT_EQ(pic.acknowledge(), 0x20);
    EXPECT_EQ(pic.isr(M), 0x00);
    lower(0);
    raise(0);
    EXPECT_EQ(pic.acknowledge(), 0x20);  // no EOI needed for the next one
    raise(14);
    EXPECT_EQ(pic.acknowledge(), 0x2E);
    EXPECT_EQ(pic.isr(M), 0x00);
    EXPECT_EQ(pic.isr(S), 0x00);
}

TEST_F(PicTest, AutoEoiSlaveDeliversBackToBackRequests) {
    init_like_xv6();
    raise(9);
    raise(11);
    EXPECT_EQ(pic.acknowledge(), 0x29);
    // The slave still has IRQ 11; its INT stays up, the master sees it again.
    ASSERT_TRUE(pic.intr());
    EXPECT_EQ(pic.acknowledge(), 0x2B);
    EXPECT_FALSE(pic.intr());
}

TEST_F(PicTest, Xv6SetsSpecialMaskMode) {
    init_like_xv6();
    EXPECT_TRUE(pic.chip(M).state().special_mask);
    EXPECT_FALSE(pic.chip(M).state().read_isr);
    out(0x20, 0x48);  // ESMM with SMM = 0: special mask off
    EXPECT_FALSE(pic.chip(M).state().special_mask);
    out(0x20, 0x28);  // SMM without ESMM: ignored
    EXPECT_FALSE(pic.chip(M).state().special_mask);
}

TEST_F(PicTest, SpecialMaskModeEnablesLowerLevels) {
    init_like_linux();
    raise(2 + 1);
    EXPECT_EQ(pic.acknowledge(), 0x23);
    raise(5);
    EXPECT_FALSE(pic.intr());
    out(0x20, 0x68);  // special mask mode on
    out(0x21, 0x08);  // mask the level in service
    EXPECT_TRUE(pic.intr());  // IR5 is no longer held off by IR3
    EXPECT_EQ(pic.acknowledge(), 0x25);
    out(0x20, 0x65);
    out(0x21, 0x00);
    out(0x20, 0x48);  // special mask mode off
    EXPECT_EQ(pic.isr(M), 0x08);
    raise(6);
    EXPECT_FALSE(pic.intr());
}

TEST_F(PicTest, EdgeTriggeredHoldingHighGivesOneInterrupt) {
    init_like_linux();
    raise(1);
    EXPECT_EQ(pic.acknowledge(), 0x21);
    eoi_master();
    EXPECT_FALSE(pic.intr());  // still high, no new edge
    raise(1);                  // a repeated "high" is not an edge
    EXPECT_FALSE(pic.intr());
    lower(1);
    EXPECT_FALSE(pic.intr());
    raise(1);  // a new rising edge
    EXPECT_TRUE(pic.intr());
    EXPECT_EQ(pic.acknowledge(), 0x21);
}

TEST_F(PicTest, EdgeLatchSurvivesTheLineFalling) {
    init_like_linux();
    pulse(4);  // like IrqLine::pulse(): low-high-low before INTA
    EXPECT_EQ(pic.irr(M), 0x10);
    ASSERT_TRUE(pic.intr());
    EXPECT_EQ(pic.acknowledge(), 0x24);
    eoi_master();
    pulse(4);
    pulse(4);  // two edges before INTA still make one request
    EXPECT_EQ(pic.acknowledge(), 0x24);
    eoi_master();
    EXPECT_FALSE(pic.intr());
}

TEST_F(PicTest, IrqLineDrivesThePic) {
    init_like_linux();
    IrqLine line(&pic, 12);
    line.pulse();
    EXPECT_EQ(pic.acknowledge(), 0x2C);
    eoi_slave();
    eoi_master();
    line.raise();
    EXPECT_EQ(pic.acknowledge(), 0x2C);
    eoi_slave();
    eoi_master();
    EXPECT_FALSE(pic.intr());
}

TEST_F(PicTest, LevelTriggeredModeFollowsTheLine) {
    out(0x20, 0x19);  // ICW1 with LTIM
    out(0x21, 0x20);
    out(0x21, 0x04);
    out(0x21, 0x01);
    EXPECT_TRUE(pic.chip(M).state().level_triggered);
    raise(3);
    EXPECT_EQ(pic.acknowledge(), 0x23);
    EXPECT_EQ(pic.irr(M), 0x08);  // the request stays while the line is high
    EXPECT_FALSE(pic.intr());     // ... held off by ISR
    eoi_master();
    EXPECT_TRUE(pic.intr());  // still high: again
    EXPECT_EQ(pic.acknowledge(), 0x23);
    eoi_master();
    lower(3);
    EXPECT_EQ(pic.irr(M), 0x00);
    EXPECT_FALSE(pic.intr());
    raise(5);
    lower(5);  // withdrawn before INTA: nothing pending (a real part says IRQ 7)
    EXPECT_FALSE(pic.intr());
    EXPECT_EQ(pic.acknowledge(), 0x27);
}

TEST_F(PicTest, RotateOnNonSpecificEoi) {
    init_like_linux();
    raise(1);
    EXPECT_EQ(pic.acknowledge(), 0x21);
    out(0x20, 0xA0);  // rotate on non-specific EOI: IR1 becomes lowest, IR2 highest
    EXPECT_EQ(pic.chip(M).state().highest, 2);
    EXPECT_EQ(pic.isr(M), 0x00);
    lower(1);
    raise(1);
    raise(4);
    EXPECT_EQ(pic.acknowledge(), 0x24);  // 4 now outranks 1
    out(0x20, 0x20);
    EXPECT_EQ(pic.acknowledge(), 0x21);
    out(0x20, 0x20);
}

TEST_F(PicTest, SetPriorityAndRotateOnSpecificEoi) {
    init_like_linux();
    out(0x20, 0xC4);  // set priority: IR4 lowest, IR5 highest
    EXPECT_EQ(pic.chip(M).state().highest, 5);
    raise(0);
    raise(6);
    EXPECT_EQ(pic.acknowledge(), 0x26);
    out(0x20, 0xE6);  // rotate on specific EOI for IR6: IR7 highest
    EXPECT_EQ(pic.isr(M), 0x00);
    EXPECT_EQ(pic.chip(M).state().highest, 7);
    EXPECT_EQ(pic.acknowledge(), 0x20);
    // A non-specific EOI ends the highest-priority level in service in rotated order.
    raise(7);
    EXPECT_EQ(pic.acknowledge(), 0x27);  // 7 outranks 0 now, so it nests
    EXPECT_EQ(pic.isr(M), 0x81);
    out(0x20, 0x20);
    EXPECT_EQ(pic.isr(M), 0x01);
    out(0x20, 0xC7);  // back to fixed priority
    EXPECT_EQ(pic.chip(M).state().highest, 0);
}

TEST_F(PicTest, RotateInAutoEoiMode) {
    init_like_xv6();
    out(0x20, 0x80);  // set rotate in AEOI
    EXPECT_TRUE(pic.chip(M).state().rotate_on_aeoi);
    raise(1);
    EXPECT_EQ(pic.acknowledge(), 0x21);
    EXPECT_EQ(pic.chip(M).state().highest, 2);
    out(0x20, 0x00);  // clear rotate in AEOI
    EXPECT_FALSE(pic.chip(M).state().rotate_on_aeoi);
    raise(0);
    EXPECT_EQ(pic.acknowledge(), 0x20);
    EXPECT_EQ(pic.chip(M).state().highest, 2);
}

TEST_F(PicTest, Ocw2NoOperationChangesNothing) {
    init_like_linux();
    raise(3);
    EXPECT_EQ(pic.acknowledge(), 0x23);
    out(0x20, 0x40);
    EXPECT_EQ(pic.isr(M), 0x08);
    EXPECT_EQ(pic.chip(M).state().highest, 0);
}

TEST_F(PicTest, DeviceCannotRaiseIrq2OrOutOfRange) {
    init_like_linux();
    raise(2);
    raise(16);
    raise(1000);
    EXPECT_EQ(pic.irr(M), 0x00);
    EXPECT_EQ(pic.irr(S), 0x00);
    EXPECT_FALSE(pic.intr());
}

TEST_F(PicTest, WideAccessesAreSplitIntoBytes) {
    init_like_linux(0x5A, 0xC3);
    raise(1);
    EXPECT_EQ(pic.port_read(0x20, 2), 0x5A02u);  // IRR, then IMR
    EXPECT_EQ(pic.port_read(0xA0, 4), 0xFFFFC300u);  // 0xA2/0xA3 are not ours
    pic.port_write(0x21, 2, 0x1234);  // IMR gets the low byte; 0x22 is not ours
    EXPECT_EQ(pic.imr(M), 0x34);
    pic.port_write(0xA0, 2, 0xFF0B);  // OCW3 "read ISR", then IMR = 0xFF
    EXPECT_EQ(pic.imr(S), 0xFF);
    EXPECT_TRUE(pic.chip(S).state().read_isr);
}

TEST_F(PicTest, ThroughThePortBus) {
    PortBus bus;
    ASSERT_TRUE(bus.map(Pic8259Cascade::kMasterPort, Pic8259Cascade::kPortCount, &pic).ok());
    ASSERT_TRUE(bus.map(Pic8259Cascade::kSlavePort, Pic8259Cascade::kPortCount, &pic).ok());
    bus.write(0x20, 1, 0x11);
    bus.write(0x21, 1, 0x30);
    bus.write(0x21, 1, 0x04);
    bus.write(0x21, 1, 0x01);
    bus.write(0x21, 1, 0xFE);
    EXPECT_EQ(pic.vector_base(M), 0x30);
    EXPECT_EQ(bus.read(0x21, 1), 0xFEu);
    raise(0);
    EXPECT_EQ(bus.read(0x20, 1), 0x01u);
}

TEST_F(PicTest, ResetRestoresPowerOnState) {
    init_like_xv6();
    raise(4);
    pic.reset();
    EXPECT_EQ(pic.vector_base(M), 0);
    EXPECT_FALSE(pic.chip(M).state().auto_eoi);
    EXPECT_EQ(pic.irr(M), 0);
    EXPECT_FALSE(pic.intr());
}

}  // namespace
}  // namespace forkscope

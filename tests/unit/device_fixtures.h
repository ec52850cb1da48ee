// Test fixtures for devices: a clock the test sets by hand, and an interrupt controller
// input that records the edges one IRQ line makes.
#pragma once
#include <gtest/gtest.h>

#include <cstdint>

#include "devices/clock.h"
#include "devices/irq.h"

namespace forkscope {

struct FakeClock : Clock {
    uint64_t now = 0;
    uint64_t now_ns() const override { return now; }
};

struct IrqRecorder : IrqSink {
    explicit IrqRecorder(unsigned expected_irq) : expected(expected_irq) {}
    unsigned expected;
    bool level = false;
    int rising = 0;
    void set_irq_level(unsigned irq, bool high) override {
        EXPECT_EQ(irq, expected);
        if (high && !level) ++rising;
        level = high;
    }
};

}  // namespace forkscope

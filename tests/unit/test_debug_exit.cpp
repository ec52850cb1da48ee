#include "devices/debug_exit.h"

#include <gtest/gtest.h>

#include <vector>

#include "devices/port_bus.h"

namespace forkscope {
namespace {

struct Fixture : ::testing::Test {
    std::vector<uint32_t> exits;
    DebugExit dev{[this](uint32_t v) { exits.push_back(v); }};
    PortBus bus;
    void SetUp() override {
        ASSERT_TRUE(bus.map(DebugExit::kPort, DebugExit::kPortCount, &dev).ok());
    }
};

using DebugExitTest = Fixture;

TEST_F(DebugExitTest, ByteWriteExitsWithTheValue) {
    bus.write(0xf4, 1, 0x00);
    bus.write(0xf4, 1, 0x2A);
    EXPECT_EQ(exits, (std::vector<uint32_t>{0x00, 0x2A}));
}

TEST_F(DebugExitTest, WordAndDwordWritesPassTheWholeValue) {
    bus.write(0xf4, 2, 0x1234);
    bus.write(0xf4, 4, 0x89ABCDEF);
    EXPECT_EQ(exits, (std::vector<uint32_t>{0x1234, 0x89ABCDEF}));
}

TEST_F(DebugExitTest, ValueIsMaskedToTheAccessSize) {
    bus.write(0xf4, 1, 0xFFFFFF03);
    dev.port_write(0xf4, 2, 0xFFFF0102);  // straight to the device, no bus masking
    dev.port_write(0xf4, 1, 0x1FF);
    EXPECT_EQ(exits, (std::vector<uint32_t>{0x03, 0x0102, 0xFF}));
}

TEST_F(DebugExitTest, AllFourPortsAreTheRegister) {
    for (uint16_t p = 0xf4; p < 0xf8; ++p) bus.write(p, 1, p);
    EXPECT_EQ(exits, (std::vector<uint32_t>{0xf4, 0xf5, 0xf6, 0xf7}));
    bus.write(0xf8, 1, 1);  // past iosize: not ours
    EXPECT_EQ(exits.size(), 4u);
}

TEST_F(DebugExitTest, ReadsReturnZeroLikeQemu) {
    EXPECT_EQ(bus.read(0xf4, 1), 0u);
    EXPECT_EQ(bus.read(0xf4, 2), 0u);
    EXPECT_EQ(bus.read(0xf4, 4), 0u);
    EXPECT_TRUE(exits.empty());
}

TEST(DebugExit, NameAndEmptyCallback) {
    DebugExit dev{nullptr};
    EXPECT_EQ(dev.name(), "debug-exit");
    dev.port_write(0xf4, 4, 1);  // no callback: nothing happens, nothing crashes
    EXPECT_EQ(dev.port_read(0xf4, 4), 0u);
}

}  // namespace
}  // namespace forkscope

// VirtualClock: guest time from instructions and idle time, and the conversion of a
// device deadline into an instruction budget.
#include "emulator/virtual_clock.h"

#include <gtest/gtest.h>

namespace forkscope {
namespace {

TEST(VirtualClock, FollowsInstructionsOneNanosecondEach) {
    uint64_t instructions = 0;
    VirtualClock clock(&instructions, false);
    EXPECT_EQ(clock.now_ns(), 0u);
    instructions = 1234;
    EXPECT_EQ(clock.now_ns(), 1234u * VirtualClock::kNsPerInstruction);
}

TEST(VirtualClock, IdleJumpsForwardAndIsCounted) {
    uint64_t instructions = 100;
    VirtualClock clock(&instructions, false);
    clock.idle_until(10'000);
    EXPECT_EQ(clock.now_ns(), 10'000u);
    EXPECT_EQ(clock.idle_ns(), 10'000u - 100u);
    clock.idle_until(5'000);  // already past: nothing changes
    EXPECT_EQ(clock.now_ns(), 10'000u);
    instructions += 50;
    EXPECT_EQ(clock.now_ns(), 10'050u);
}

TEST(VirtualClock, InstructionLimitReachesTheDeadline) {
    uint64_t instructions = 500;
    VirtualClock clock(&instructions, false);
    uint64_t limit = clock.instruction_limit_for(2'000);
    instructions = limit;
    EXPECT_GE(clock.now_ns(), 2'000u);
    instructions = limit - 1;
    EXPECT_LT(clock.now_ns(), 2'000u);
    instructions = 500;
    EXPECT_EQ(clock.instruction_limit_for(100), 500u);  // a past deadline: stop now
}

TEST(VirtualClock, RealtimeFollowsTheHostAndNeverGoesBack) {
    uint64_t instructions = 0;
    VirtualClock clock(&instructions, true);
    uint64_t a = clock.now_ns();
    clock.idle_until(a + 2'000'000);  // sleeps about 2 ms
    uint64_t b = clock.now_ns();
    EXPECT_GE(b, a + 2'000'000);
    // Realtime runs come back after a bounded slice to look at the host clock.
    EXPECT_GT(clock.instruction_limit_for(b + 1'000'000'000), instructions);
}

}  // namespace
}  // namespace forkscope

#include "emulator/virtual_clock.h"

#include <thread>

namespace forkscope {

// In realtime mode the run loop comes back this often (in instructions) to look at the
// host clock: about 50 µs of guest work at a few hundred MIPS.
static constexpr uint64_t kRealtimeSlice = 20'000;

VirtualClock::VirtualClock(const uint64_t* instructions, bool realtime)
    : instructions_(instructions), realtime_(realtime), start_(std::chrono::steady_clock::now()) {}

uint64_t VirtualClock::now_ns() const {
    if (realtime_) {
        auto d = std::chrono::steady_clock::now() - start_;
        return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(d).count());
    }
    return *instructions_ * kNsPerInstruction + idle_ns_;
}

uint64_t VirtualClock::instruction_limit_for(uint64_t deadline_ns) const {
    if (realtime_) return *instructions_ + kRealtimeSlice;
    uint64_t now = now_ns();
    if (deadline_ns <= now) return *instructions_;
    uint64_t delta = (deadline_ns - now + kNsPerInstruction - 1) / kNsPerInstruction;
    return *instructions_ + delta;
}

void VirtualClock::idle_until(uint64_t deadline_ns) {
    uint64_t now = now_ns();
    if (deadline_ns <= now) return;
    if (realtime_) {
        std::this_thread::sleep_for(std::chrono::nanoseconds(deadline_ns - now));
        return;
    }
    idle_ns_ += deadline_ns - now;
}

}  // namespace forkscope

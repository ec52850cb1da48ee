// VirtualClock: guest time. By default it advances with executed instructions (plus the
// time skipped while the guest idles in hlt), so the same image and input give the same
// output on every run. With realtime it follows the host's monotonic clock instead.
#pragma once
#include <chrono>
#include <cstdint>

#include "devices/clock.h"

namespace forkscope {

class VirtualClock : public Clock {
public:
    // The virtual CPU's speed: one instruction takes this long in guest time.
    static constexpr uint64_t kNsPerInstruction = 1;

    // instructions: the CPU's running count, read on every now_ns().
    VirtualClock(const uint64_t* instructions, bool realtime);

    uint64_t now_ns() const override;
    bool realtime() const { return realtime_; }

    // The instruction count at which guest time reaches deadline_ns (virtual mode), or
    // a count a little ahead of now (realtime mode: the run loop re-checks the host clock).
    uint64_t instruction_limit_for(uint64_t deadline_ns) const;

    // hlt with nothing to do: jump guest time forward to deadline_ns (virtual mode), or
    // sleep on the host until then (realtime mode). Returns immediately if it has passed.
    void idle_until(uint64_t deadline_ns);

    // Guest time spent idle (hlt), for statistics.
    uint64_t idle_ns() const { return idle_ns_; }
    // Snapshots: guest time is the instruction count plus this idle time.
    void restore_idle_ns(uint64_t ns) { idle_ns_ = ns; }

private:
    const uint64_t* instructions_;
    bool realtime_;
    uint64_t idle_ns_ = 0;
    std::chrono::steady_clock::time_point start_;
};

}  // namespace forkscope

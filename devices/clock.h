// Time as devices see it. The emulator's VirtualClock implements Clock; devices with
// timers implement TimedDevice so the run loop knows when to stop and update them.
#pragma once
#include <cstdint>
#include <optional>

namespace forkscope {

class Clock {
public:
    virtual ~Clock() = default;
    // Guest time in nanoseconds since machine reset. Monotonic.
    virtual uint64_t now_ns() const = 0;
};

class TimedDevice {
public:
    virtual ~TimedDevice() = default;
    // The next guest time (ns) at which the device must be updated to raise an IRQ
    // or change visible state, or nullopt when nothing is scheduled.
    virtual std::optional<uint64_t> next_deadline_ns() const = 0;
    // Bring the device up to guest time now_ns (>= every earlier call), raising the IRQs
    // whose events fall at or before it.
    virtual void advance_to(uint64_t now_ns) = 0;
};

}  // namespace forkscope

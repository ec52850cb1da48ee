#include "devices/debug_exit.h"

#include <spdlog/spdlog.h>

#include "base/log.h"

namespace forkscope {

namespace {

}  // namespace

DebugExit::DebugExit(std::function<void(uint32_t value)> on_exit)
    : on_exit_(std::move(on_exit)), log_(logger("io")) {}

uint32_t DebugExit::port_read(uint16_t /*port*/, unsigned /*size*/) { return 0; }

void DebugExit::port_write(uint16_t port, unsigned size, uint32_t value) {
    // Mask here too, so a direct caller gets the same value as one through the bus.
    if (size == 1) value &= 0xFF;
    if (size == 2) value &= 0xFFFF;
    log_->debug("debug-exit: guest wrote {:#x} ({} bytes) to port {:#06x}", value, size, port);
    if (on_exit_) on_exit_(value);
}

}  // namespace forkscope

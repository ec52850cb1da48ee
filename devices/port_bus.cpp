#include "devices/port_bus.h"

#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "base/log.h"

namespace forkscope {

namespace {

bool valid_size(unsigned size) { return size == 1 || size == 2 || size == 4; }

}  // namespace

PortBus::PortBus() : owner_(0x10000, nullptr), log_(logger("io")) {}

Result<void> PortBus::map(uint16_t first, uint16_t count, PortDevice* dev) {
    const uint32_t end = uint32_t{first} + count;  // one past the last port
    if (dev == nullptr) return make_error(ErrorKind::Host, "PortBus::map: null device");
    if (count == 0 || end > 0x10000) {
        return make_error(ErrorKind::Host,
                          fmt::format("PortBus::map: bad port range {:#06x}+{} for {}", first,
                                      count, dev->name()));
    }
    for (uint32_t p = first; p < end; ++p) {
        if (PortDevice* other = owner_[p]) {
            return make_error(ErrorKind::Host,
                              fmt::format("PortBus::map: port {:#06x} of {} already belongs to {}",
                                          p, dev->name(), other->name()));
        }
    }
    for (uint32_t p = first; p < end; ++p) owner_[p] = dev;
    Mapping m{first, count, dev};
    auto at = std::lower_bound(mappings_.begin(), mappings_.end(), first,
                               [](const Mapping& a, uint16_t f) { return a.first < f; });
    mappings_.insert(at, m);
    log_->debug("map ports {:#06x}-{:#06x} to {}", first, end - 1, dev->name());
    return {};
}

uint32_t PortBus::read(uint16_t port, unsigned size) {
    if (!valid_size(size)) {
        log_->warn("in from port {:#06x} with invalid size {}: returning all ones", port, size);
        return 0xFFFFFFFFu;
    }
    const uint32_t mask = port_size_mask(size);
    PortDevice* dev = owner_[port];
    if (dev == nullptr) {
        log_->trace("in{} {:#06x} -> {:#x} (unmapped)", size * 8, port, mask);
        return mask;
    }
    const uint32_t value = dev->port_read(port, size) & mask;
    log_->trace("in{} {:#06x} -> {:#x} ({})", size * 8, port, value, dev->name());
    return value;
}

void PortBus::write(uint16_t port, unsigned size, uint32_t value) {
    if (!valid_size(size)) {
        log_->warn("out to port {:#06x} with invalid size {} ignored", port, size);
        return;
    }
    value &= port_size_mask(size);
    PortDevice* dev = owner_[port];
    if (dev == nullptr) {
        log_->trace("out{} {:#06x} <- {:#x} (unmapped, ignored)", size * 8, port, value);
        return;
    }
    log_->trace("out{} {:#06x} <- {:#x} ({})", size * 8, port, value, dev->name());
    dev->port_write(port, size, value);
}

}  // namespace forkscope

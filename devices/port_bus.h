// PortBus: the x86 I/O port space (64 Ki byte ports) and which device owns each port.
//
// The CPU's IN/OUT hooks call read()/write(); the bus hands the access to the device that
// owns the *first* port, with the access size passed through unchanged (1, 2 or 4).
// Devices decide what a wide access means for them (the byte-register devices here split
// it into byte accesses at consecutive ports, like the ISA bus does).
//
// Ports nobody owns behave like an empty ISA bus: reads float high (all ones for the
// access size) and writes vanish. Both are traced on the "io" logger.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "base/result.h"
#include "devices/port_device.h"

namespace spdlog { class logger; }

namespace forkscope {

class PortBus {
public:
    // One mapped range, for listings (UI, --trace) and tests.
    struct Mapping {
        uint16_t first;
        uint16_t count;
        PortDevice* dev;
    };

    PortBus();

    // Give ports [first, first + count) to dev. Fails (ErrorKind::Host) on count 0, a
    // range past port 0xFFFF, a null device, or overlap with an existing mapping; a
    // failed map() changes nothing. The bus does not own dev.
    Result<void> map(uint16_t first, uint16_t count, PortDevice* dev);

    // size must be 1, 2 or 4. The returned value is masked to the access size.
    // Invalid sizes never reach a device: read returns 0xFFFFFFFF, write is dropped.
    uint32_t read(uint16_t port, unsigned size);
    void write(uint16_t port, unsigned size, uint32_t value);

    // The device owning port, or nullptr.
    PortDevice* device_at(uint16_t port) const { return owner_[port]; }
    const std::vector<Mapping>& mappings() const { return mappings_; }

private:
    std::vector<PortDevice*> owner_;  // 65536 entries: one lookup per access
    std::vector<Mapping> mappings_;   // sorted by first port
    std::shared_ptr<spdlog::logger> log_;
};

// All ones for an access of size bytes (0xFF, 0xFFFF, 0xFFFFFFFF).
constexpr uint32_t port_size_mask(unsigned size) {
    return size >= 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1u;
}

}  // namespace forkscope

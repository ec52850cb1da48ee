// The interface between a device and the I/O port bus. Devices know nothing of the
// CPU or of each other: they see port reads/writes, IRQ lines and the clock.
#pragma once
#include <cstdint>
#include <string_view>

namespace forkscope {

class PortDevice {
public:
    virtual ~PortDevice() = default;
    // size is 1, 2 or 4 (bytes). port is the absolute port number.
    virtual uint32_t port_read(uint16_t port, unsigned size) = 0;
    virtual void port_write(uint16_t port, unsigned size, uint32_t value) = 0;
    virtual std::string_view name() const = 0;
};

}  // namespace forkscope

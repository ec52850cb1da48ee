// DebugExit: QEMU's isa-debug-exit device (iobase=0xf4, iosize=4).
//
// Register map (offset from 0xf4; all four ports are the same register):
//   write  any size (1, 2, 4): value V ends the run. forkscope exits with status V;
//          QEMU exits with (V << 1) | 1. The value is the written one, masked to the
//          access size by the bus (outb 0x01 gives V = 1).
//   read   0, like QEMU.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "devices/port_device.h"

namespace spdlog { class logger; }

namespace forkscope {

class DebugExit : public PortDevice {
public:
    static constexpr uint16_t kPort = 0xf4;
    static constexpr uint16_t kPortCount = 4;

    // on_exit is called once per write; what "exit" means (stop the run loop and record
    // the status) is the machine's business.
    explicit DebugExit(std::function<void(uint32_t value)> on_exit);

    uint32_t port_read(uint16_t port, unsigned size) override;
    void port_write(uint16_t port, unsigned size, uint32_t value) override;
    std::string_view name() const override { return "debug-exit"; }

private:
    std::function<void(uint32_t)> on_exit_;
    std::shared_ptr<spdlog::logger> log_;
};

}  // namespace forkscope

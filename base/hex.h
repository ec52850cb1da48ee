// Numbers as the project prints addresses and values: hex(0x1f) is "0x1f" (gdb's
// print/x, Linux's %#x), hex8(0x1f) is "0x0000001f" (a 32-bit address, as QEMU and
// gdb's info registers show one).
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>

namespace forkscope {

inline std::string hex(uint64_t v) {
    char b[24];
    std::snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(v));
    return b;
}

inline std::string hex8(uint32_t v) {
    char b[16];
    std::snprintf(b, sizeof b, "0x%08x", v);
    return b;
}

}  // namespace forkscope

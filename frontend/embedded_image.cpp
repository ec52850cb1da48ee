#include "frontend/embedded_image.h"

extern "C" {
extern const unsigned char forkscope_kernel_elf[];
extern const unsigned long forkscope_kernel_elf_size;
}

namespace forkscope {

std::span<const uint8_t> embedded_kernel() {
    return {reinterpret_cast<const uint8_t*>(forkscope_kernel_elf), forkscope_kernel_elf_size};
}

}  // namespace forkscope

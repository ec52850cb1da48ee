// The default guest image built into the forkscope binary, so `forkscope run` works
// from any folder.
#pragma once
#include <cstdint>
#include <span>

namespace forkscope {

std::span<const uint8_t> embedded_kernel();

}  // namespace forkscope

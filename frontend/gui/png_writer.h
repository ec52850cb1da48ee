// Writes RGBA pixels as a PNG file with libpng (the --screenshot of the window).
#pragma once
#include <cstdint>
#include <span>
#include <string>

#include "base/result.h"

namespace forkscope::gui {

// rgba: width * height * 4 bytes, top row first. Errors (ErrorKind::Host): the file
// cannot be written.
Result<void> write_png(const std::string& path, std::span<const uint8_t> rgba, int width, int height);

}  // namespace forkscope::gui

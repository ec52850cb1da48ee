// The UI state as JSON, written with a screenshot: which panels were drawn, the selected
// task, the highlighted source line, the stack, and where the memory grid's cells lie
// with the palette, so a test can check the picture's pixels against the kernel's own
// frame map (forkscope frames) rather than against a stored image.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include "frontend/gui/live_machine.h"
#include "frontend/gui/panels.h"

namespace forkscope::gui {

nlohmann::json ui_state_json(const LiveView& view, const UiState& ui, int width, int height);

}  // namespace forkscope::gui

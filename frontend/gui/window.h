// The forkscope window: SDL2 with an OpenGL context, Dear ImGui's SDL and OpenGL3
// backends, the panels (panels.h) drawn at up to 40 frames a second from the views a
// LiveMachine publishes. It asks the live machine for a fresh view every 200 ms while
// the guest runs. F5 continues or pauses, F10 steps over, F11 into, Shift+F11 out, F9
// toggles a breakpoint at the current line. Without a display (or with
// SDL_VIDEODRIVER=offscreen) it renders off screen, which is what --screenshot uses.
#pragma once
#include <string>
#include <vector>

#include "base/result.h"
#include "frontend/gui/console_buffer.h"
#include "frontend/gui/live_machine.h"
#include "frontend/gui/window_script.h"

namespace forkscope::gui {

struct WindowOptions {
    int width = 1600, height = 1000;
    bool start_running = true;  // continue at once (to the first breakpoint, or on)
    // Render once at the first stop (a breakpoint, --at, or the guest's end), write the
    // picture as a PNG here, and close.
    std::string screenshot;
    std::string ui_state;       // with screenshot: the UI state as JSON (ui_state.h)
    // Drive the window by these lines (window_script.h) instead of starting the run,
    // off screen; then write screenshot and ui_state, if given, and close.
    std::vector<ScriptLine> script;
    int input_fd = -1;          // the console's typed keys go here (the guest's UART)
    // At the end, one line on stderr: frames drawn, their time (mean, worst), the views
    // the guest published, and the guest's instructions.
    bool stats = false;
};

// Runs until the window is closed (or the screenshot is written). Errors
// (ErrorKind::Host): no display and no way to render off screen, a GL context refused,
// the screenshot not written.
Result<void> run_window(LiveMachine& live, ConsoleBuffer& console, const WindowOptions& options);

}  // namespace forkscope::gui

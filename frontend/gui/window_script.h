// Driving the window by a script (forkscope gui --script FILE), as a person would with
// the mouse and keys, one line at a time, each after the last one's effect is drawn:
//
//   continue | step | next | finish | stepi | reverse-step | reverse-next | reverse-continue
//                          the Controls buttons; the line ends at the guest's next stop
//   run-to EVENT           fork, cow, exec or exit: the Controls' "Next ..." buttons
//   goto-event NAME        goes to a Timeline event (fork#2, cow#1, exit#1, end#1), as a
//                          click on its tick; the line ends when the machine is there
//   speed max|FACTOR       how fast the guest runs: as fast as it can, or FACTOR guest
//                          seconds per wall second (1: real time), as the Controls' choice
//   break LOC              toggles a breakpoint (as a click in Source's gutter)
//   select PID             selects a task (as a click in Tasks)
//   select-address ADDR    selects a user page of the selected task (a click in Address
//                          space or Page tables), and the frame it maps
//   select-frame PFN       selects a frame (a click in Physical memory)
//   explain read|write     what Page tables explains for the selected address
//   screenshot FILE        writes the window as a PNG
//   ui-state FILE          writes the UI state as JSON (ui_state.h)
//
// Blank lines and lines starting with # are skipped.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "frontend/gui/live_machine.h"
#include "frontend/gui/panels.h"

namespace forkscope::gui {

struct ScriptLine {
    int number = 0;  // in the file, for messages
    std::string command;
    std::string argument;
};

// Errors (ErrorKind::Usage): "script line N: ..." for an unknown command or a missing
// argument.
Result<std::vector<ScriptLine>> parse_window_script(const std::vector<std::string>& lines);

// What a script line asks of the window.
struct ScriptStep {
    std::optional<LiveCommand> command;  // for the live machine; the line waits for its view
    std::optional<int> select;           // a task to select
    std::optional<uint32_t> address;     // a page to select
    std::optional<uint32_t> frame;       // a frame to select
    std::optional<bool> explain_write;
    std::optional<double> speed;         // 0: as fast as it can
    std::string goto_event;              // a Timeline event to go to (the window finds its position)
    std::string screenshot, ui_state;    // files to write now
};
ScriptStep script_step(const ScriptLine& line);

}  // namespace forkscope::gui

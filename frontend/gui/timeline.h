// The Timeline panel: the guest's forks, execs, exits and COW faults as ticks on lanes,
// and page faults, interrupts, system calls and free memory as plots, over the guest's
// instructions; a yellow line where the machine is. With history on, clicking a tick or
// a point of the plots goes there (Debugger::goto_position).
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "frontend/gui/live_machine.h"
#include "frontend/gui/panels.h"

namespace forkscope::gui {

// "fork", "cow", "exec", "exit", "end".
std::string_view event_kind_name(StopKind kind);
// "fork#2", "exit#1": the event's name on the timeline (and in --script's goto-event).
std::string event_name(const GuestEvent& e);
// The event so named, or null.
const GuestEvent* find_event(const EventLog& events, std::string_view name);

// The counters at each view and each event, in position order (one per position).
std::vector<TimelineSample> timeline_points(const LiveView& v);
// The first instruction the timeline spans: its first point, or where the machine is.
uint64_t timeline_start(const LiveView& v);
// The last instruction the timeline spans: where the machine is, has been, or an event.
uint64_t timeline_end(const LiveView& v);

void timeline_panel(const LiveView& v, UiState& ui, PanelActions& out);

}  // namespace forkscope::gui

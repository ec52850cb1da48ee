// The window's panels, drawn with Dear ImGui from one published LiveView, so every panel
// shows the same moment: Controls, Tasks, Address space, CPU, Stack, Source,
// Disassembly, Page tables, Physical memory, Timeline and Console. Selecting a task in
// Tasks selects it everywhere (its frames are outlined in the memory grid, its address
// space and page tables shown); selecting a page or a frame selects it in every memory
// panel. What a panel asks for (a step, a breakpoint, typed keys) comes back as actions
// for the window to pass on.
#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "frontend/gui/live_machine.h"
#include "frontend/gui/memory_grid.h"
#include "frontend/gui/task_memory.h"

namespace forkscope::gui {

// What the Timeline draws for one view: its points, the events per lane, one tick per
// lane and pixel column (the column, the first event's index there), and the plots'
// lines, one point per column.
struct TimelineCache {
    uint64_t serial = 0;
    int width = -1;
    std::vector<TimelineSample> points;
    std::array<size_t, 4> counts{};
    std::array<std::vector<std::pair<int, size_t>>, 4> ticks;
    int lines_width = -1;
    std::array<std::vector<std::pair<int, float>>, 4> lines;  // per plot: (column, height 0..1)
};

struct UiState {
    int selected_pid = -1;   // the task selected in Tasks (-1: the one running)
    std::string message;     // the last command's error, shown in Controls
    // What the last frame drew where: the UI state a test reads (ui_state.h).
    std::vector<std::string> panels;
    float grid_x = 0, grid_y = 0;  // the memory grid's top-left pixel in the window
    GridGeometry grid;
    size_t grid_frames = 0;
    std::optional<SourceLocation> source_line;  // the line Source highlights
    int shown_pid = -1;                         // the task whose frames are outlined
    std::optional<uint32_t> selected_address;   // a user address of the shown task
    std::optional<uint32_t> selected_frame;     // a pfn
    bool explain_write = true;                  // Page tables explains a write (else a read)
    bool differences_only = false;              // Page tables hides pages equal to the parent's
    bool animate = true;                        // on screen: changed frames flash (not in pictures)
    std::vector<uint32_t> changed;              // frames whose owner or count changed in the last view
    // Tasks: when each pid was first seen, and the tasks gone since, for marking them.
    std::map<int, double> task_first_seen;
    std::map<int, std::string> task_names;                      // the last view's
    std::map<int, std::pair<std::string, double>> tasks_gone;  // pid -> comm, when
    uint64_t tasks_serial = 0;
    // The grid's cells as a texture (one texel a frame), remade for each new view.
    unsigned grid_texture = 0;
    uint64_t grid_serial = 0;
    std::vector<FrameState> last_frames;  // the last view's frame map, for the flashes
    std::vector<double> flash_start;      // by pfn: when it last changed (-1: never)
    // Caches for one view (serial) and task.
    std::optional<PageTableView> tables;
    uint64_t tables_serial = 0;
    int tables_pid = -1;
    std::string explain_key, explain_text;
    TimelineCache timeline;
    uint64_t source_serial = 0;  // the view Source last scrolled to its line for
    uint64_t disassembly_serial = 0;  // and Disassembly to EIP
    std::map<std::string, std::vector<std::string>> source_files;  // read once
    std::array<char, 256> console_line{};                          // what is typed in Console
};

struct PanelActions {
    std::vector<LiveCommand> commands;
    std::optional<double> speed;  // LiveMachine::set_speed
    std::string typed;  // keys for the guest's console
};

// Draws every panel into a window of width x height pixels.
void draw_panels(const LiveView& view, const std::string& console, UiState& ui, PanelActions& actions, int width,
                 int height);

// Source paths as the panels show them: from the project's top folder on.
std::string shown_source_path(const std::string& path);

}  // namespace forkscope::gui

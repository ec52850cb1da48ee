#include "frontend/gui/ui_state.h"

#include "base/hex.h"

namespace forkscope::gui {

nlohmann::json ui_state_json(const LiveView& view, const UiState& ui, int width, int height) {
    using nlohmann::json;
    json j;
    j["window"] = {{"width", width}, {"height", height}};
    j["status"] = view.status;
    j["running"] = view.running;
    j["ended"] = view.ended;
    j["instructions"] = view.instructions;
    j["eip"] = hex8(view.regs.eip);
    j["function"] = view.function;
    j["panels"] = ui.panels;
    j["selected_pid"] = ui.shown_pid;
    json tasks = json::array();
    if (view.snapshot)
        for (const TaskState& t : view.snapshot->tasks)
            tasks.push_back({{"pid", t.pid}, {"ppid", t.ppid}, {"comm", t.comm}, {"state", std::string(1, t.state)},
                             {"current", t.current}});
    j["tasks"] = tasks;
    j["source"] = ui.source_line ? json{{"file", shown_source_path(ui.source_line->file)}, {"line", ui.source_line->line}}
                                 : json(nullptr);
    json stack = json::array();
    for (const StackFrame& f : view.stack)
        stack.push_back(f.line ? f.function + " at " + shown_source_path(f.line->file) + ":" + std::to_string(f.line->line)
                               : f.function);
    j["stack"] = stack;
    j["disassembly"] = view.disassembly.empty() ? json(nullptr) : json(hex8(view.disassembly.front().address));
    json palette;
    for (size_t c = 0; c < static_cast<size_t>(CellClass::Count); ++c) {
        const auto rgb = cell_colour(static_cast<CellClass>(c));
        palette[std::string(cell_class_name(static_cast<CellClass>(c)))] = {rgb[0], rgb[1], rgb[2]};
    }
    j["grid"] = {{"x", ui.grid_x}, {"y", ui.grid_y}, {"cell", ui.grid.cell}, {"columns", ui.grid.columns},
                 {"frames", ui.grid_frames}, {"palette", palette}};
    json breakpoints = json::array();
    for (const Breakpoint& b : view.breakpoints) breakpoints.push_back(b.location);
    j["breakpoints"] = breakpoints;
    json gutter = json::array();  // the source lines the gutter marks
    for (const SourceLocation& l : view.breakpoint_lines)
        gutter.push_back(shown_source_path(l.file) + ":" + std::to_string(l.line));
    j["breakpoint_lines"] = gutter;
    return j;
}

}  // namespace forkscope::gui

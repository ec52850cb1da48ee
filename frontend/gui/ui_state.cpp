#include "frontend/gui/ui_state.h"

#include "base/hex.h"
#include "frontend/gui/memory_panels.h"
#include "frontend/gui/timeline.h"

namespace forkscope::gui {

nlohmann::json ui_state_json(const LiveView& view, const UiState& ui, int width, int height) {
    using nlohmann::json;
    json j;
    j["window"] = {{"width", width}, {"height", height}};
    j["status"] = view.status;
    j["running"] = view.running;
    j["ended"] = view.ended;
    j["instructions"] = view.instructions;
    j["guest_ns"] = view.guest_ns;
    j["speed"] = view.speed;
    j["eip"] = hex8(view.regs.eip);
    j["function"] = view.function;
    j["panels"] = ui.panels;
    j["selected_pid"] = ui.shown_pid;
    json tasks = json::array(), tree = json::array();
    if (view.snapshot) {
        const KernelSnapshot& s = *view.snapshot;
        for (const TaskState& t : s.tasks) {
            json task = {{"pid", t.pid}, {"ppid", t.ppid}, {"comm", t.comm}, {"state", std::string(1, t.state)},
                         {"current", t.current}};
            if (const MmState* mm = s.mm_of(t)) {
                task["mm_users"] = mm->users;
                task["rss"] = mm->rss;
                task["cow_shared"] = format::detail::cow_shared(s, *mm);
            }
            tasks.push_back(task);
        }
        for (const auto& [t, depth] : format::detail::forest(s)) tree.push_back({t->pid, depth});  // as Tasks lists them
    }
    j["tasks"] = tasks;
    j["task_tree"] = tree;
    j["source"] = ui.source_line ? json{{"file", shown_source_path(ui.source_line->file)}, {"line", ui.source_line->line}}
                                 : json(nullptr);
    json stack = json::array();
    for (const StackFrame& f : view.stack)
        stack.push_back(f.line ? f.function + " at " + shown_source_path(f.line->file) + ":" + std::to_string(f.line->line)
                               : f.function);
    j["stack"] = stack;
    json arguments = json::array();
    for (const auto& a : view.stack_arguments) arguments.push_back(a ? json(*a) : json(nullptr));
    j["stack_arguments"] = arguments;
    json code = json::array();
    for (const Instruction& i : view.disassembly) code.push_back({{"address", hex8(i.address)}, {"text", i.text()}});
    j["disassembly"] = code;
    // Each class's colour at each shade level (memory_grid.h).
    json palette;
    for (size_t c = 0; c < static_cast<size_t>(CellClass::Count); ++c) {
        json levels = json::array();
        for (int level = 0; level < static_cast<int>(std::size(kShades)); ++level) {
            const auto rgb = shaded(cell_colour(static_cast<CellClass>(c)), level);
            levels.push_back({rgb[0], rgb[1], rgb[2]});
        }
        palette[std::string(cell_class_name(static_cast<CellClass>(c)))] = levels;
    }
    auto ranges = [](const std::vector<uint32_t>& pfns) {  // [first, last] pfn ranges
        json out = json::array();
        for (uint32_t pfn : pfns) {
            if (!out.empty() && out.back()[1].get<uint32_t>() + 1 == pfn) out.back()[1] = pfn;
            else out.push_back({pfn, pfn});
        }
        return out;
    };
    j["grid"] = {{"x", ui.grid_x}, {"y", ui.grid_y}, {"cell", ui.grid.cell}, {"columns", ui.grid.columns},
                 {"frames", ui.grid_frames}, {"palette", palette}, {"changed", ranges(ui.changed)},
                 {"written", ranges(view.written)}, {"written_tracked", view.written_tracked}};
    j["selected_address"] = ui.selected_address ? json(hex8(*ui.selected_address)) : json(nullptr);
    j["selected_frame"] = ui.selected_frame ? json(*ui.selected_frame) : json(nullptr);
    // The Address space and Page tables panels, as drawn for the shown task.
    json vmas = json::array(), rows = json::array();
    std::string header;
    if (view.snapshot) {
        const TaskState* t = view.snapshot->find_task(ui.shown_pid);
        if (const MmState* mm = t ? view.snapshot->mm_of(*t) : nullptr)
            for (const VmaPages& vp : vma_pages(*view.snapshot, *mm))
                vmas.push_back({{"range", range_text(vp.vma->start, vp.vma->end)},
                                {"perms", format::detail::vma_perms(*vp.vma)},
                                {"name", format::detail::vma_name(*vp.vma)},
                                {"pages", vp.frames.size()},
                                {"resident", vp.resident()}});
        if (auto pt = page_table_view(*view.snapshot, ui.shown_pid)) {
            header = pt->header;
            for (const format::detail::CompareRow& r : pt->rows)
                rows.push_back({{"range", range_text(r.vaddr, r.end)},
                                {"status", as_here_and_parent(r.status)},
                                {"this", r.left ? format::detail::side_text(*r.left, r.end - r.vaddr) : "-"},
                                {"note", as_here_and_parent(r.note)}});
        }
    }
    j["address_space"] = vmas;
    j["page_tables"] = {{"header", header}, {"rows", rows}};
    j["explain"] = ui.explain_text;
    json events = json::array();
    for (const GuestEvent& e : view.events)
        events.push_back({{"name", event_name(e)}, {"text", e.text}, {"pid", e.pid}, {"instructions", e.at.instructions}});
    j["timeline"] = {{"position", view.position.instructions},
                     {"start", timeline_start(view)},
                     {"end", timeline_end(view)},
                     {"history", view.history ? json{view.history->first.instructions, view.history->second.instructions}
                                              : json(nullptr)},
                     {"samples", timeline_points(view).size()},
                     {"events", events}};
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

#include "frontend/gui/panels.h"

#include <SDL2/SDL_opengl.h>
#include <imgui.h>

#include <algorithm>
#include <fstream>

#include "base/hex.h"
#include "frontend/format/common.h"
#include "frontend/gui/memory_panels.h"
#include "frontend/gui/timeline.h"

namespace forkscope::gui {

namespace {

// The fixed layout (fractions of the window): panels do not move, so a screenshot of one
// moment always looks the same.
struct Place {
    const char* title;
    float x, y, w, h;
};
constexpr float kBar = 0.08f;  // two lines: the buttons, then where the guest is
constexpr float kLeft = 0.28f, kMiddle = 0.38f, kRight = 1.0f - kLeft - kMiddle;  // column widths
constexpr Place kControls{"Controls", 0.0f, 0.0f, 1.0f, kBar};
constexpr Place kTasks{"Tasks", 0.0f, kBar, kLeft, 0.22f};
constexpr Place kAddressSpace{"Address space", 0.0f, kBar + 0.22f, kLeft, 0.24f};
constexpr Place kCpu{"CPU", 0.0f, kBar + 0.46f, kLeft, 0.24f};
constexpr Place kStack{"Stack", 0.0f, kBar + 0.70f, kLeft, 1.0f - kBar - 0.70f};
constexpr Place kSource{"Source", kLeft, kBar, kMiddle, 0.40f};
constexpr Place kDisassembly{"Disassembly", kLeft, kBar + 0.40f, kMiddle, 0.17f};
constexpr Place kPageTables{"Page tables", kLeft, kBar + 0.57f, kMiddle, 1.0f - kBar - 0.57f};
constexpr Place kMemory{"Physical memory", kLeft + kMiddle, kBar, kRight, 0.42f};
constexpr Place kTimeline{"Timeline", kLeft + kMiddle, kBar + 0.42f, kRight, 0.24f};
constexpr Place kConsole{"Console", kLeft + kMiddle, kBar + 0.66f, kRight, 1.0f - kBar - 0.66f};

bool begin(const Place& p, UiState& ui, int width, int height) {
    ImGui::SetNextWindowPos(ImVec2(p.x * static_cast<float>(width), p.y * static_cast<float>(height)), ImGuiCond_Always);
    ImGui::SetNextWindowSize(ImVec2(p.w * static_cast<float>(width), p.h * static_cast<float>(height)), ImGuiCond_Always);
    ui.panels.push_back(p.title);
    // No background: the window's clear colour is the panels' (run_window).
    return ImGui::Begin(p.title, nullptr,
                        ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoCollapse |
                            ImGuiWindowFlags_NoBackground);
}

const TaskState* task_of(const KernelSnapshot& snap, int pid) {
    for (const TaskState& t : snap.tasks)
        if (t.pid == pid) return &t;
    return nullptr;
}

void controls(const LiveView& v, UiState& ui, PanelActions& out) {
    auto button = [&](const char* label, LiveAction a) {
        if (ImGui::Button(label)) out.commands.push_back(LiveCommand{a, ""});
        ImGui::SameLine();
    };
    if (v.running) button("Pause (F5)", LiveAction::Pause);
    else button("Continue (F5)", LiveAction::Continue);
    button("Step over (F10)", LiveAction::Next);
    button("Step into (F11)", LiveAction::Step);
    button("Step out (Shift+F11)", LiveAction::Finish);
    button("Step instruction", LiveAction::StepInstruction);
    button("Reverse step", LiveAction::ReverseStep);
    button("Reverse next", LiveAction::ReverseNext);
    button("Reverse continue", LiveAction::ReverseContinue);
    for (const char* event : {"fork", "cow", "exec", "exit"}) {
        if (ImGui::Button((std::string("Next ") + event).c_str())) out.commands.push_back(LiveCommand{LiveAction::RunTo, event});
        ImGui::SameLine();
    }
    // How fast the guest runs, in guest seconds per wall second.
    static const std::pair<double, const char*> speeds[] = {{0, "as fast as it can"}, {1, "real time"},
                                                            {0.1, "1/10 real time"}};
    const char* shown = "as fast as it can";
    for (const auto& [speed, name] : speeds)
        if (speed == v.speed) shown = name;
    ImGui::SetNextItemWidth(150);
    if (ImGui::BeginCombo("speed", shown)) {
        for (const auto& [speed, name] : speeds)
            if (ImGui::Selectable(name, speed == v.speed)) out.speed = speed;
        ImGui::EndCombo();
    }
    ImGui::Text("%s%s | %llu instructions, guest time %.3f s", v.status.c_str(), v.ended ? " (ended)" : "",
                static_cast<unsigned long long>(v.instructions), static_cast<double>(v.guest_ns) / 1e9);
    if (!ui.message.empty()) {
        ImGui::SameLine();
        ImGui::TextColored(ImVec4(1, 0.4f, 0.4f, 1), "| %s", ui.message.c_str());
    }
}

constexpr double kMarkSeconds = 2.0;  // how long new and gone tasks stay marked

// New tasks are marked for a while, and the tasks gone since the last view stay listed
// (greyed) for as long.
void track_tasks(const KernelSnapshot& s, uint64_t serial, UiState& ui) {
    if (ui.tasks_serial == serial) return;
    const double now = ImGui::GetTime();
    const bool first = ui.tasks_serial == 0;
    ui.tasks_serial = serial;
    std::map<int, double> seen;
    for (const TaskState& t : s.tasks) {
        auto it = ui.task_first_seen.find(t.pid);
        seen[t.pid] = it != ui.task_first_seen.end() ? it->second : first ? -kMarkSeconds : now;
        ui.tasks_gone.erase(t.pid);
    }
    for (const auto& [pid, when] : ui.task_first_seen)
        if (!seen.count(pid)) ui.tasks_gone[pid] = {ui.task_names[pid], now};
    ui.task_first_seen = std::move(seen);
    ui.task_names.clear();
    for (const TaskState& t : s.tasks) ui.task_names[t.pid] = t.comm;
}

void tasks(const LiveView& v, UiState& ui) {
    auto tree_name = [](const TaskState& t, int depth) {
        return depth > 0 ? std::string(static_cast<size_t>(depth - 1) * 2, ' ') + "\\_ " + t.comm : t.comm;
    };
    if (!v.snapshot) {
        ImGui::TextWrapped("%s", v.snapshot_error.c_str());
        return;
    }
    const KernelSnapshot& s = *v.snapshot;
    track_tasks(s, v.serial, ui);
    const double now = ImGui::GetTime();
    if (!ImGui::BeginTable("tasks", 7, ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY)) return;
    for (const char* h : {"PID", "PPID", "NAME", "ST", "MM-USERS", "RSS", "COW-SHARED"}) ImGui::TableSetupColumn(h);
    ImGui::TableHeadersRow();
    // The process tree, as ps --tree draws it.
    for (const auto& [task, depth] : format::detail::forest(s)) {
        const TaskState& t = *task;
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        const bool selected = t.pid == ui.shown_pid;
        const bool fresh = now - ui.task_first_seen[t.pid] < kMarkSeconds;
        const std::string label = std::to_string(t.pid) + (t.current ? "*" : "") + (fresh ? " new" : "");
        if (fresh) ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(0.4f, 1, 0.4f, 1));
        if (t.state == 'Z' || t.state == 'X') ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1, 0.45f, 0.45f, 1));
        if (ImGui::Selectable(label.c_str(), selected, ImGuiSelectableFlags_SpanAllColumns) && t.pid != ui.shown_pid) {
            ui.selected_pid = t.pid;
            ui.selected_address.reset();
            ui.selected_frame.reset();
        }
        if (t.state == 'Z' || t.state == 'X') ImGui::PopStyleColor();
        if (fresh) ImGui::PopStyleColor();
        ImGui::TableNextColumn();
        ImGui::Text("%d", t.ppid);
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(tree_name(t, depth).c_str());
        ImGui::TableNextColumn();
        ImGui::Text("%c", t.state);
        const MmState* mm = s.mm_of(t);
        ImGui::TableNextColumn();
        if (mm) ImGui::Text("%d", mm->users); else ImGui::TextUnformatted("-");
        ImGui::TableNextColumn();
        if (mm) ImGui::Text("%u", mm->rss); else ImGui::TextUnformatted("-");
        ImGui::TableNextColumn();  // as ps counts them: present read-only pages a write would copy
        if (mm) ImGui::Text("%u", format::detail::cow_shared(s, *mm)); else ImGui::TextUnformatted("-");
    }
    for (auto it = ui.tasks_gone.begin(); it != ui.tasks_gone.end();) {
        if (now - it->second.second >= kMarkSeconds) {
            it = ui.tasks_gone.erase(it);
            continue;
        }
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::TextDisabled("%d gone", it->first);
        ImGui::TableNextColumn();
        ImGui::TableNextColumn();
        ImGui::TextDisabled("%s", it->second.first.c_str());
        ++it;
    }
    ImGui::EndTable();
}

void cpu(const LiveView& v) {
    const CpuRegisters& r = v.regs;
    const std::pair<const char*, uint32_t> regs[] = {{"eax", r.eax}, {"ecx", r.ecx}, {"edx", r.edx}, {"ebx", r.ebx},
                                                     {"esp", r.esp}, {"ebp", r.ebp}, {"esi", r.esi}, {"edi", r.edi},
                                                     {"eip", r.eip}, {"eflags", r.eflags}, {"cr0", r.cr0},
                                                     {"cr2", r.cr2}, {"cr3", r.cr3}, {"cr4", r.cr4}};
    for (size_t i = 0; i < std::size(regs); ++i) {
        ImGui::Text("%-6s %08x", regs[i].first, regs[i].second);
        if (i % 2 == 0) ImGui::SameLine(180);
    }
    ImGui::Text("cs %04x ss %04x ds %04x es %04x fs %04x gs %04x", r.cs, r.ss, r.ds, r.es, r.fs, r.gs);
    static const std::pair<int, const char*> flags[] = {{0, "CF"}, {2, "PF"}, {4, "AF"}, {6, "ZF"}, {7, "SF"},
                                                        {8, "TF"}, {9, "IF"}, {10, "DF"}, {11, "OF"}};
    std::string f;
    for (auto [bit, name] : flags)
        if (r.eflags & (1u << bit)) f += std::string(name) + " ";
    ImGui::Text("flags [ %s] CPL %u", f.c_str(), r.cs & 3u);
    if (v.snapshot)
        for (const TaskState& t : v.snapshot->tasks)
            if (t.current) ImGui::Text("current: pid %d %s", t.pid, t.comm.c_str());
    if (!v.function.empty()) ImGui::Text("in %s", v.function.c_str());
}

void stack(const LiveView& v) {
    for (size_t i = 0; i < v.stack.size(); ++i) {
        const StackFrame& f = v.stack[i];
        std::string line = "#" + std::to_string(i) + " " + f.function;
        if (i < v.stack_arguments.size() && v.stack_arguments[i]) line += " (" + *v.stack_arguments[i] + ")";
        if (f.line) line += " at " + shown_source_path(f.line->file) + ":" + std::to_string(f.line->line);
        ImGui::TextWrapped("%s", line.c_str());
    }
}

const std::vector<std::string>& source_file(UiState& ui, const std::string& path) {
    auto it = ui.source_files.find(path);
    if (it != ui.source_files.end()) return it->second;
    std::vector<std::string> lines;
    std::ifstream f(path);
    for (std::string l; std::getline(f, l);) lines.push_back(l);
    return ui.source_files.emplace(path, std::move(lines)).first->second;
}

bool has_breakpoint(const LiveView& v, const std::string& file, int line) {
    return std::any_of(v.breakpoint_lines.begin(), v.breakpoint_lines.end(),
                       [&](const SourceLocation& l) { return l.line == line && l.file == file; });
}

void source(const LiveView& v, UiState& ui, PanelActions& out) {
    ui.source_line = v.line;
    if (!v.line) {
        ImGui::TextWrapped("No source lines at %s.", v.function.empty() ? hex8(v.regs.eip).c_str() : v.function.c_str());
        return;
    }
    ImGui::TextUnformatted((shown_source_path(v.line->file) + ":" + std::to_string(v.line->line)).c_str());
    ImGui::Separator();
    const auto& lines = source_file(ui, v.line->file);
    ImGui::BeginChild("lines");
    const int first = std::max(1, v.line->line - 12), last = std::min(static_cast<int>(lines.size()), v.line->line + 30);
    for (int n = first; n <= last; ++n) {
        const bool here = n == v.line->line;
        const bool bp = has_breakpoint(v, v.line->file, n);
        ImGui::PushID(n);
        // The gutter: a click on the line number toggles a breakpoint there.
        if (ImGui::Selectable((std::string(bp ? "o " : "  ") + std::to_string(n)).c_str(), false, 0, ImVec2(60, 0)))
            out.commands.push_back(LiveCommand{LiveAction::Break, v.line->file + ":" + std::to_string(n)});
        ImGui::PopID();
        ImGui::SameLine();
        const std::string& text = lines[static_cast<size_t>(n - 1)];
        if (here) ImGui::TextColored(ImVec4(1, 0.9f, 0.3f, 1), "=> %s", text.c_str());
        else ImGui::Text("   %s", text.c_str());
        if (here && v.serial != ui.source_serial) ImGui::SetScrollHereY(0.3f);
    }
    ui.source_serial = v.serial;
    ImGui::EndChild();
}

// The code around EIP; a click in the gutter toggles a breakpoint at that instruction.
void disassembly(const LiveView& v, UiState& ui, PanelActions& out) {
    for (const Instruction& i : v.disassembly) {
        const bool here = i.address == v.regs.eip;
        const bool bp = std::any_of(v.breakpoints.begin(), v.breakpoints.end(), [&](const Breakpoint& b) {
            return std::find(b.addresses.begin(), b.addresses.end(), i.address) != b.addresses.end();
        });
        ImGui::PushID(static_cast<int>(i.address));
        if (ImGui::Selectable(bp ? "o" : " ", false, 0, ImVec2(14, 0)))
            out.commands.push_back(LiveCommand{LiveAction::Break, "*" + hex8(i.address)});
        ImGui::PopID();
        ImGui::SameLine();
        const std::string text = hex8(i.address) + "  " + i.text();
        if (here) ImGui::TextColored(ImVec4(1, 0.9f, 0.3f, 1), "=> %s", text.c_str());
        else ImGui::Text("   %s", text.c_str());
        if (here && v.serial != ui.disassembly_serial) ImGui::SetScrollHereY(0.4f);
    }
    ui.disassembly_serial = v.serial;
}

void console_panel(const std::string& text, UiState& ui, PanelActions& out) {
    ImGui::BeginChild("console", ImVec2(0, -ImGui::GetFrameHeightWithSpacing()));
    ImGui::TextUnformatted(text.c_str());
    if (ImGui::GetScrollY() >= ImGui::GetScrollMaxY()) ImGui::SetScrollHereY(1.0f);
    ImGui::EndChild();
    if (ImGui::InputText("input", ui.console_line.data(), ui.console_line.size(), ImGuiInputTextFlags_EnterReturnsTrue)) {
        out.typed += std::string(ui.console_line.data()) + "\n";
        ui.console_line[0] = 0;
    }
}

}  // namespace

std::string shown_source_path(const std::string& path) {
    for (const char* top : {"/guestkernel/", "/images/", "/tests/"})
        if (auto at = path.rfind(top); at != std::string::npos) return path.substr(at + 1);
    return path;
}

void draw_panels(const LiveView& view, const std::string& console, UiState& ui, PanelActions& actions, int width,
                 int height) {
    ui.panels.clear();
    // The task every panel shows: the one selected while it exists, else the running one.
    if (view.snapshot) {
        const KernelSnapshot& s = *view.snapshot;
        const TaskState* shown = ui.selected_pid >= 0 ? task_of(s, ui.selected_pid) : nullptr;
        if (!shown) shown = s.current_task();
        const int pid = shown ? shown->pid : -1;
        if (pid != ui.shown_pid) {
            ui.selected_address.reset();
            ui.selected_frame.reset();
        }
        ui.shown_pid = pid;
    }
    if (begin(kControls, ui, width, height)) controls(view, ui, actions);
    ImGui::End();
    if (begin(kTasks, ui, width, height)) tasks(view, ui);
    ImGui::End();
    if (begin(kAddressSpace, ui, width, height)) address_space_panel(view, ui);
    ImGui::End();
    if (begin(kCpu, ui, width, height)) cpu(view);
    ImGui::End();
    if (begin(kStack, ui, width, height)) stack(view);
    ImGui::End();
    if (begin(kSource, ui, width, height)) source(view, ui, actions);
    ImGui::End();
    if (begin(kDisassembly, ui, width, height)) disassembly(view, ui, actions);
    ImGui::End();
    if (begin(kPageTables, ui, width, height)) page_tables_panel(view, ui);
    ImGui::End();
    if (begin(kMemory, ui, width, height)) memory_grid_panel(view, ui);
    ImGui::End();
    if (begin(kTimeline, ui, width, height)) timeline_panel(view, ui, actions);
    ImGui::End();
    if (begin(kConsole, ui, width, height)) console_panel(console, ui, actions);
    ImGui::End();
}

}  // namespace forkscope::gui

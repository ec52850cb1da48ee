#include "frontend/gui/timeline.h"

#include <imgui.h>

#include <algorithm>
#include <cmath>

namespace forkscope::gui {

namespace {

// The lanes, top to bottom, and their ticks' colours.
struct Lane {
    const char* label;
    StopKind kinds[2];
    ImU32 colour;
};
const Lane kLanes[] = {
    {"fork", {StopKind::Fork, StopKind::Fork}, IM_COL32(90, 220, 100, 255)},
    {"exec", {StopKind::Exec, StopKind::Exec}, IM_COL32(90, 160, 255, 255)},
    {"exit", {StopKind::Exit, StopKind::End}, IM_COL32(255, 100, 100, 255)},
    {"cow", {StopKind::Cow, StopKind::Cow}, IM_COL32(230, 70, 200, 255)},
};
constexpr float kLaneHeight = 14.0f, kLabelWidth = 44.0f, kPick = 4.0f;

struct Plot {
    const char* label;
    ImU32 colour;
    uint64_t (*value)(const TimelineSample&);
};
const Plot kPlots[] = {
    {"free pages", IM_COL32(200, 200, 200, 255), [](const TimelineSample& s) { return uint64_t(s.free_pages); }},
    {"page faults", IM_COL32(230, 160, 40, 255), [](const TimelineSample& s) { return s.page_faults; }},
    {"system calls", IM_COL32(90, 200, 220, 255), [](const TimelineSample& s) { return s.system_calls; }},
    {"interrupts", IM_COL32(160, 120, 230, 255), [](const TimelineSample& s) { return s.interrupts; }},
};

bool in_lane(const Lane& lane, StopKind k) { return lane.kinds[0] == k || lane.kinds[1] == k; }

}  // namespace

std::string_view event_kind_name(StopKind kind) {
    switch (kind) {
        case StopKind::Fork: return "fork";
        case StopKind::Cow: return "cow";
        case StopKind::Exec: return "exec";
        case StopKind::Exit: return "exit";
        case StopKind::End: return "end";
        default: return "event";
    }
}

std::string event_name(const GuestEvent& e) { return std::string(event_kind_name(e.kind)) + "#" + std::to_string(e.n); }

const GuestEvent* find_event(const EventLog& events, std::string_view name) {
    for (const GuestEvent& e : events)
        if (event_name(e) == name) return &e;
    return nullptr;
}

std::vector<TimelineSample> timeline_points(const LiveView& v) {
    std::vector<TimelineSample> points = v.samples;
    for (const GuestEvent& e : v.events)
        points.push_back(TimelineSample{e.at, e.free_pages, e.page_faults, e.interrupts, e.system_calls});
    std::stable_sort(points.begin(), points.end(), [](const auto& a, const auto& b) { return a.at < b.at; });
    points.erase(std::unique(points.begin(), points.end(), [](const auto& a, const auto& b) { return a.at == b.at; }),
                 points.end());
    return points;
}

uint64_t timeline_start(const LiveView& v) {
    uint64_t start = v.position.instructions;
    if (!v.events.empty()) start = std::min(start, v.events.front().at.instructions);
    if (!v.samples.empty()) start = std::min(start, v.samples.front().at.instructions);
    return start;
}

uint64_t timeline_end(const LiveView& v) {
    uint64_t end = v.position.instructions;
    if (v.history) end = std::max(end, v.history->second.instructions);
    if (!v.events.empty()) end = std::max(end, v.events.back().at.instructions);
    if (!v.samples.empty()) end = std::max(end, v.samples.back().at.instructions);
    return std::max<uint64_t>(end, 1);
}

void timeline_panel(const LiveView& v, UiState& ui, PanelActions& out) {
    TimelineCache& c = ui.timeline;
    if (c.serial != v.serial) {  // the points and counts, once per view
        c.serial = v.serial;
        c.points = timeline_points(v);
        c.counts.fill(0);
        for (const GuestEvent& e : v.events)
            for (size_t l = 0; l < std::size(kLanes); ++l) c.counts[l] += in_lane(kLanes[l], e.kind);
        c.width = -1;
        c.lines_width = -1;
    }
    ImGui::Text("forks %zu, execs %zu, exits %zu, cow faults %zu%s", c.counts[0], c.counts[1], c.counts[2], c.counts[3],
                v.history ? "; click to go there" : "; no history (--history-mb 0): nothing to go back to");
    const ImVec2 o = ImGui::GetCursorScreenPos();
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const float width = std::max(avail.x - kLabelWidth, 10.0f);
    const float left = o.x + kLabelWidth;
    const float plot_top = o.y + kLaneHeight * static_cast<float>(std::size(kLanes)) + 4;
    const float plot_height = std::max(avail.y - (plot_top - o.y) - ImGui::GetTextLineHeightWithSpacing(), 20.0f);
    // From the first point on (boot before the kernel has tasks shows nothing).
    const double start = static_cast<double>(timeline_start(v));
    const double span = std::max(static_cast<double>(timeline_end(v)) - start, 1.0);
    auto column_of = [&](uint64_t instructions) {
        return static_cast<int>(std::clamp((static_cast<double>(instructions) - start) / span, 0.0, 1.0) * width);
    };
    auto x_of = [&](uint64_t instructions) { return left + static_cast<float>(column_of(instructions)); };
    // One tick per lane and pixel column, however many events fall there: the first.
    if (c.width != static_cast<int>(width)) {
        c.width = static_cast<int>(width);
        for (auto& lane : c.ticks) lane.clear();
        for (size_t i = 0; i < v.events.size(); ++i)
            for (size_t l = 0; l < std::size(kLanes); ++l) {
                if (!in_lane(kLanes[l], v.events[i].kind)) continue;
                const int column = column_of(v.events[i].at.instructions);
                if (c.ticks[l].empty() || c.ticks[l].back().first != column) c.ticks[l].emplace_back(column, i);
            }
    }
    ImDrawList* dl = ImGui::GetWindowDrawList();
    // The part of the past the history still holds.
    if (v.history)
        dl->AddRectFilled(ImVec2(x_of(v.history->first.instructions), o.y),
                          ImVec2(x_of(v.history->second.instructions), plot_top + plot_height), IM_COL32(60, 60, 80, 255));
    const GuestEvent* hovered = nullptr;
    const ImVec2 mouse = ImGui::GetMousePos();
    for (size_t l = 0; l < std::size(kLanes); ++l) {
        const float y = o.y + kLaneHeight * static_cast<float>(l);
        dl->AddText(ImVec2(o.x, y), IM_COL32(200, 200, 200, 255), kLanes[l].label);
        for (const auto& [column, index] : c.ticks[l]) {
            const float x = left + static_cast<float>(column);
            dl->AddLine(ImVec2(x, y + 2), ImVec2(x, y + kLaneHeight - 2), kLanes[l].colour, 2.0f);
            if (mouse.y >= y && mouse.y < y + kLaneHeight && std::fabs(mouse.x - x) <= kPick) hovered = &v.events[index];
        }
    }
    const std::vector<TimelineSample>& points = c.points;
    // The plots, each scaled from its own smallest value to its largest, one point per
    // pixel column (the last there): heights as fractions, made once per view and width.
    if (c.lines_width != c.width) {
        c.lines_width = c.width;
        for (size_t k = 0; k < std::size(kPlots); ++k) {
            const Plot& p = kPlots[k];
            uint64_t low = UINT64_MAX, high = 0;
            for (const TimelineSample& s : points) low = std::min(low, p.value(s)), high = std::max(high, p.value(s));
            const double range = std::max<double>(static_cast<double>(high) - static_cast<double>(low), 1.0);
            auto& line = c.lines[k];
            line.clear();
            for (const TimelineSample& s : points) {
                const int column = column_of(s.at.instructions);
                const float height = static_cast<float>(static_cast<double>(p.value(s) - low) / range);
                if (!line.empty() && line.back().first == column) line.back().second = height;
                else line.emplace_back(column, height);
            }
        }
    }
    std::vector<ImVec2> line;
    for (size_t k = 0; k < std::size(kPlots); ++k) {
        line.clear();
        for (const auto& [column, height] : c.lines[k])
            line.emplace_back(left + static_cast<float>(column), plot_top + 2 + (plot_height - 4) * (1.0f - height));
        if (line.size() >= 2) dl->AddPolyline(line.data(), static_cast<int>(line.size()), kPlots[k].colour, 0, 1.5f);
    }
    dl->AddRect(ImVec2(left, plot_top), ImVec2(left + width, plot_top + plot_height), IM_COL32(90, 90, 90, 255));
    const float now = x_of(v.position.instructions);
    dl->AddLine(ImVec2(now, o.y), ImVec2(now, plot_top + plot_height), IM_COL32(255, 230, 60, 255), 2.0f);
    ImGui::InvisibleButton("timeline", ImVec2(avail.x, plot_top + plot_height - o.y));
    const bool clicked = ImGui::IsItemClicked();
    if (ImGui::IsItemHovered()) {
        if (hovered) {
            ImGui::SetTooltip("%s: %s, pid %d, at instruction %llu", event_name(*hovered).c_str(), hovered->text.c_str(),
                              hovered->pid, static_cast<unsigned long long>(hovered->at.instructions));
            if (clicked) out.commands.push_back(LiveCommand{LiveAction::Goto, "", hovered->at});
        } else if (mouse.x >= left && !points.empty()) {
            // The last point at or before the mouse.
            const auto at = static_cast<uint64_t>(std::max(0.0, start + (mouse.x - left) / width * span));
            auto it = std::upper_bound(points.begin(), points.end(), at,
                                       [](uint64_t a, const TimelineSample& s) { return a < s.at.instructions; });
            if (it != points.begin()) {
                const TimelineSample& s = *std::prev(it);
                ImGui::SetTooltip("instruction %llu: %u free pages, %llu page faults, %llu system calls, %llu interrupts",
                                  static_cast<unsigned long long>(s.at.instructions), s.free_pages,
                                  static_cast<unsigned long long>(s.page_faults),
                                  static_cast<unsigned long long>(s.system_calls),
                                  static_cast<unsigned long long>(s.interrupts));
                if (clicked) out.commands.push_back(LiveCommand{LiveAction::Goto, "", s.at});
            }
        }
    }
    // The legend.
    for (const Plot& p : kPlots) {
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(p.colour), "%s", p.label);
        ImGui::SameLine();
    }
    ImGui::NewLine();
}

}  // namespace forkscope::gui

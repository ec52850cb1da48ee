#include "frontend/gui/memory_panels.h"

#include <SDL2/SDL_opengl.h>
#include <imgui.h>

#include <algorithm>

#include "base/hex.h"
#include "frontend/format/format.h"
#include "frontend/gui/memory_grid.h"
#include "frontend/gui/task_memory.h"

namespace forkscope::gui {

namespace {

constexpr ImU32 kSelected = IM_COL32(255, 230, 60, 255);  // the selected frame or page
constexpr double kFlashSeconds = 1.0;

ImU32 cell_colour_u32(const FrameState& f) {
    const auto rgb = cell_rgb(f);
    return IM_COL32(rgb[0], rgb[1], rgb[2], 255);
}

// The grid's texture (one texel a frame), remade for each new view; the frames written,
// or whose owner or count changed, since the last view start flashing.
void update_grid(const LiveView& v, const KernelSnapshot& s, int columns, int rows, UiState& ui) {
    if (ui.grid_serial == v.serial && ui.grid_texture) return;
    const double now = ImGui::GetTime();
    ui.flash_start.resize(s.frames.size(), -1.0);
    ui.changed = frames_changed(ui.last_frames, s.frames);
    for (uint32_t pfn : ui.changed) ui.flash_start[pfn] = now;
    for (uint32_t pfn : v.written)
        if (pfn < ui.flash_start.size()) ui.flash_start[pfn] = now;
    ui.last_frames = s.frames;
    std::vector<uint8_t> texels(static_cast<size_t>(columns) * static_cast<size_t>(rows) * 4, 0);
    for (size_t pfn = 0; pfn < s.frames.size(); ++pfn) {
        const auto rgb = cell_rgb(s.frames[pfn]);
        std::copy(rgb.begin(), rgb.end(), texels.begin() + static_cast<std::ptrdiff_t>(pfn * 4));
        texels[pfn * 4 + 3] = 255;
    }
    if (!ui.grid_texture) glGenTextures(1, &ui.grid_texture);
    glBindTexture(GL_TEXTURE_2D, ui.grid_texture);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA, columns, rows, 0, GL_RGBA, GL_UNSIGNED_BYTE, texels.data());
    ui.grid_serial = v.serial;
}

const PageTableView* table_view(const LiveView& v, UiState& ui) {
    if (!v.snapshot) return nullptr;
    if (ui.tables_serial != v.serial || ui.tables_pid != ui.shown_pid) {
        ui.tables = page_table_view(*v.snapshot, ui.shown_pid);
        ui.tables_serial = v.serial;
        ui.tables_pid = ui.shown_pid;
    }
    return ui.tables ? &*ui.tables : nullptr;
}

}  // namespace

std::string as_here_and_parent(std::string text) {
    for (auto [from, to] : {std::pair<std::string, std::string>{"in A", "here"}, {"in B", "in parent"}})
        for (size_t at; (at = text.find(from)) != std::string::npos;) text.replace(at, from.size(), to);
    return text;
}

void select_address(UiState& ui, const KernelSnapshot& snap, uint32_t vaddr) {
    ui.selected_address = vaddr;
    ui.selected_frame = frame_mapped(snap, ui.shown_pid, vaddr);
}

void select_frame(UiState& ui, const KernelSnapshot& snap, uint32_t pfn) {
    ui.selected_frame = pfn;
    ui.selected_address = address_of_frame(snap, ui.shown_pid, pfn);
}

const std::string& explanation(const LiveView& v, UiState& ui) {
    const std::string key = std::to_string(v.serial) + "/" + std::to_string(ui.shown_pid) + "/" +
                            (ui.selected_address ? hex8(*ui.selected_address) : "-") + (ui.explain_write ? "w" : "r");
    if (key == ui.explain_key) return ui.explain_text;
    ui.explain_key = key;
    ui.explain_text.clear();
    if (v.snapshot && ui.selected_address) {
        auto e = format::pt_explain(*v.snapshot, ui.shown_pid, *ui.selected_address, ui.explain_write, false);
        ui.explain_text = e ? *e : e.error().message;
    }
    return ui.explain_text;
}

// The cells as a texture, drawn scaled (nearest) to the cell size.
void memory_grid_panel(const LiveView& v, UiState& ui) {
    if (!v.snapshot || v.snapshot->frames.empty()) {
        ImGui::TextWrapped("%s", v.snapshot ? "no frame map" : v.snapshot_error.c_str());
        return;
    }
    const KernelSnapshot& s = *v.snapshot;
    ImGui::Text("%zu frames, %u free; outlined: pid %d; %zu written since the last view%s", s.frames.size(),
                s.nr_free_pages, ui.shown_pid, v.written.size(), v.written_tracked ? "" : " (too many to track)");
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    ui.grid = grid_geometry(s.frames.size(), avail.x, avail.y);
    ui.grid_x = origin.x;
    ui.grid_y = origin.y;
    ui.grid_frames = s.frames.size();
    const int columns = ui.grid.columns;
    const int rows = static_cast<int>((s.frames.size() + static_cast<size_t>(columns) - 1) / static_cast<size_t>(columns));
    update_grid(v, s, columns, rows, ui);
    const float cell = static_cast<float>(ui.grid.cell);
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->AddImage(reinterpret_cast<ImTextureID>(static_cast<intptr_t>(ui.grid_texture)), origin,
                 ImVec2(origin.x + cell * static_cast<float>(columns), origin.y + cell * static_cast<float>(rows)));
    auto corner = [&](uint32_t pfn) {
        return ImVec2(origin.x + cell * static_cast<float>(pfn % static_cast<uint32_t>(columns)),
                      origin.y + cell * static_cast<float>(pfn / static_cast<uint32_t>(columns)));
    };
    // Frames that just changed: a white veil that fades (on screen only: a picture shows
    // the frames as they are).
    const double now = ImGui::GetTime();
    for (size_t pfn = 0; ui.animate && pfn < ui.flash_start.size(); ++pfn) {
        if (ui.flash_start[pfn] < 0 || now - ui.flash_start[pfn] > kFlashSeconds) continue;
        const auto alpha = static_cast<int>(200.0 * (1.0 - (now - ui.flash_start[pfn]) / kFlashSeconds));
        const ImVec2 c = corner(static_cast<uint32_t>(pfn));
        dl->AddRectFilled(c, ImVec2(c.x + cell, c.y + cell), IM_COL32(255, 255, 255, alpha));
    }
    // The shown task's frames, outlined where cells are big enough to keep their centre.
    if (ui.grid.cell >= 5)
        for (uint32_t pfn : frames_of(s, ui.shown_pid)) {
            const ImVec2 c = corner(pfn);
            dl->AddRect(c, ImVec2(c.x + cell, c.y + cell), IM_COL32(255, 255, 255, 255));
        }
    if (ui.selected_frame && *ui.selected_frame < s.frames.size()) {
        const ImVec2 c = corner(*ui.selected_frame);
        dl->AddRect(ImVec2(c.x - 2, c.y - 2), ImVec2(c.x + cell + 2, c.y + cell + 2), kSelected, 0, 0, 2.0f);
    }
    ImGui::InvisibleButton("grid", ImVec2(cell * static_cast<float>(columns), cell * static_cast<float>(rows)));
    const bool clicked = ImGui::IsItemClicked();
    if (ImGui::IsItemHovered()) {
        const ImVec2 m = ImGui::GetMousePos();
        const size_t pfn = static_cast<size_t>((m.y - origin.y) / cell) * static_cast<size_t>(columns) +
                           static_cast<size_t>((m.x - origin.x) / cell);
        if (pfn < s.frames.size()) {
            if (clicked) select_frame(ui, s, static_cast<uint32_t>(pfn));
            auto users = format::frame_users(s, static_cast<uint32_t>(pfn), {});
            ImGui::SetTooltip("%s", users ? users->c_str() : users.error().message.c_str());
        }
    }
}

// Each VMA a line of text and a bar of its pages: resident pages in their frame's colour,
// the others dark; a click selects the page.
void address_space_panel(const LiveView& v, UiState& ui) {
    const TaskState* t = v.snapshot ? v.snapshot->find_task(ui.shown_pid) : nullptr;
    const MmState* mm = t ? v.snapshot->mm_of(*t) : nullptr;
    if (!mm) {
        ImGui::TextWrapped("%s", !v.snapshot ? v.snapshot_error.c_str()
                                             : t ? "this task has no address space of its own" : "no task selected");
        return;
    }
    const KernelSnapshot& s = *v.snapshot;
    ImGui::Text("pid %d (%s): %zu VMAs, %u pages resident", t->pid, t->comm.c_str(), mm->vmas.size(), mm->rss);
    ImGui::BeginChild("vmas");
    ImDrawList* dl = ImGui::GetWindowDrawList();
    for (const VmaPages& vp : vma_pages(s, *mm)) {
        const VmaState& vma = *vp.vma;
        ImGui::Text("%s %s %s  %zu/%zu", range_text(vma.start, vma.end).c_str(), format::detail::vma_perms(vma).c_str(),
                    format::detail::vma_name(vma).c_str(), vp.resident(), vp.frames.size());
        // Pages as cells up to 8 px wide; beyond the width, several pages share a pixel.
        const float width = std::max(ImGui::GetContentRegionAvail().x, 10.0f);
        const float per = std::clamp(width / static_cast<float>(vp.frames.size()), 0.25f, 8.0f);
        const ImVec2 o = ImGui::GetCursorScreenPos();
        const float bar = per * static_cast<float>(vp.frames.size());
        dl->AddRectFilled(o, ImVec2(o.x + std::min(bar, width), o.y + 10), IM_COL32(50, 50, 58, 255));
        for (size_t i = 0; i < vp.frames.size(); ++i) {
            if (!vp.frames[i] || *vp.frames[i] >= s.frames.size()) continue;
            const float x = o.x + per * static_cast<float>(i);
            dl->AddRectFilled(ImVec2(x, o.y), ImVec2(x + std::max(per - (per >= 3 ? 1.0f : 0.0f), 1.0f), o.y + 10),
                              cell_colour_u32(s.frames[*vp.frames[i]]));
        }
        if (ui.selected_address && *ui.selected_address >= vma.start && *ui.selected_address < vma.end) {
            const float x = o.x + per * static_cast<float>((*ui.selected_address - vma.start) / 4096);
            dl->AddRect(ImVec2(x - 1, o.y - 1), ImVec2(x + std::max(per, 2.0f) + 1, o.y + 11), kSelected, 0, 0, 2.0f);
        }
        ImGui::PushID(static_cast<int>(vma.start));
        ImGui::InvisibleButton("bar", ImVec2(std::min(bar, width), 10));
        if (ImGui::IsItemHovered()) {
            const auto page = static_cast<size_t>((ImGui::GetMousePos().x - o.x) / per);
            if (page < vp.frames.size()) {
                const uint32_t a = vma.start + static_cast<uint32_t>(page) * 4096;
                if (ImGui::IsItemClicked()) select_address(ui, s, a);
                if (vp.frames[page]) ImGui::SetTooltip("%s -> frame %s", hex8(a).c_str(), hex8(*vp.frames[page] << 12).c_str());
                else ImGui::SetTooltip("%s: not resident", hex8(a).c_str());
            }
        }
        ImGui::PopID();
        ImGui::Spacing();
    }
    ImGui::EndChild();
}

// The user page tables, directory entry by directory entry, each run of entries against
// the parent's; below, what a user access to the selected address would do.
void page_tables_panel(const LiveView& v, UiState& ui) {
    const PageTableView* pt = table_view(v, ui);
    if (!pt) {
        ImGui::TextWrapped("%s", v.snapshot ? "no task selected" : v.snapshot_error.c_str());
        return;
    }
    ImGui::TextUnformatted(pt->header.c_str());
    if (!pt->mm) return;
    ImGui::Checkbox("differences only", &ui.differences_only);
    ImGui::SameLine();
    ImGui::Checkbox("explain a write", &ui.explain_write);
    const std::string& explain = explanation(v, ui);
    const float explain_height = explain.empty() ? 0.0f : ImGui::GetTextLineHeightWithSpacing() * 9;
    const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY | ImGuiTableFlags_SizingFixedFit;
    if (ImGui::BeginTable("pt", 5, flags, ImVec2(0, -explain_height))) {
        ImGui::TableSetupScrollFreeze(0, 1);
        for (const char* h : {"VIRTUAL", pt->parent ? "VS PARENT" : "", "THIS TASK", "NOTE", "VMA"}) ImGui::TableSetupColumn(h);
        ImGui::TableHeadersRow();
        uint32_t last_pde = ~0u;
        for (const format::detail::CompareRow& r : pt->rows) {
            if (ui.differences_only && r.status == "same frame" && r.note.empty()) continue;
            const uint32_t pde = r.vaddr >> 22;
            if (pde != last_pde) {  // the directory entry above the rows that follow
                last_pde = pde;
                ImGui::TableNextRow();
                ImGui::TableNextColumn();
                uint32_t entry = 0;
                for (const PdeState& d : pt->mm->pdes)
                    if (d.index == pde) entry = d.entry;
                const ImVec4 blue(0.6f, 0.75f, 1, 1);
                ImGui::TextColored(blue, "PDE %u = %s", pde, hex8(entry).c_str());
                ImGui::TableNextColumn();
                ImGui::TableNextColumn();
                ImGui::TextColored(blue, "table %s %s", hex8(entry & ~0xfffu).c_str(),
                                   format::detail::flag_names(entry).c_str());
            }
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            const bool selected = ui.selected_address && *ui.selected_address >= r.vaddr && *ui.selected_address < r.end;
            if (ImGui::Selectable(range_text(r.vaddr, r.end).c_str(), selected, ImGuiSelectableFlags_SpanAllColumns))
                select_address(ui, *v.snapshot, r.vaddr);
            if (ImGui::IsItemHovered() && pt->parent)
                ImGui::SetTooltip("parent: %s", r.right ? format::detail::side_text(*r.right, r.end - r.vaddr).c_str()
                                                        : "not mapped");
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(as_here_and_parent(r.status).c_str());
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(r.left ? format::detail::side_text(*r.left, r.end - r.vaddr).c_str() : "-");
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(as_here_and_parent(r.note).c_str());
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(r.vma ? format::detail::vma_name(*r.vma).c_str() : "");
        }
        ImGui::EndTable();
    }
    if (!explain.empty()) {
        ImGui::BeginChild("explain", ImVec2(0, 0), true);
        ImGui::TextUnformatted(explain.c_str());
        ImGui::EndChild();
    }
}

}  // namespace forkscope::gui

#include "frontend/gui/memory_grid.h"

#include <algorithm>
#include <cmath>

namespace forkscope::gui {

CellClass cell_class(const FrameState& f) {
    switch (f.kind) {
        case FrameKind::Free: return CellClass::Free;
        case FrameKind::Reserved: return CellClass::Reserved;
        case FrameKind::Kernel: return CellClass::Kernel;
        case FrameKind::PageTable: return CellClass::PageTable;
        case FrameKind::Cache: return CellClass::Cache;
        case FrameKind::Anon: return f.count > 1 ? CellClass::Shared : CellClass::Anon;
        case FrameKind::Unknown: return CellClass::Unknown;
    }
    return CellClass::Unknown;
}

std::string_view cell_class_name(CellClass c) {
    static constexpr std::string_view names[] = {"free", "reserved", "kernel", "pagetable",
                                                 "cache", "anon", "shared", "unknown"};
    return c < CellClass::Count ? names[static_cast<size_t>(c)] : "unknown";
}

std::array<uint8_t, 3> cell_colour(CellClass c) {
    static constexpr std::array<uint8_t, 3> palette[] = {
        {40, 40, 48},    // free: near the background
        {90, 90, 90},    // reserved: grey
        {70, 110, 200},  // kernel: blue
        {200, 160, 40},  // page table: amber
        {60, 170, 170},  // page cache: teal
        {70, 180, 80},   // user private: green
        {230, 70, 200},  // shared copy-on-write: magenta
        {160, 60, 60},   // unknown: dull red
    };
    return c < CellClass::Count ? palette[static_cast<size_t>(c)] : palette[7];
}

int shade_level(const FrameState& f) { return std::clamp(f.count, 1, 4) - 1; }

std::array<uint8_t, 3> shaded(std::array<uint8_t, 3> rgb, int level) {
    const float shade = kShades[std::clamp(level, 0, static_cast<int>(std::size(kShades)) - 1)];
    for (uint8_t& c : rgb) c = static_cast<uint8_t>(std::min(255.0f, std::round(static_cast<float>(c) * shade)));
    return rgb;
}

std::array<uint8_t, 3> cell_rgb(const FrameState& f) { return shaded(cell_colour(cell_class(f)), shade_level(f)); }

bool frame_changed(const FrameState& before, const FrameState& after) {
    return before.kind != after.kind || before.count != after.count;
}

std::vector<uint32_t> frames_changed(const std::vector<FrameState>& before, const std::vector<FrameState>& after) {
    std::vector<uint32_t> out;
    for (size_t pfn = 0; pfn < after.size() && pfn < before.size(); ++pfn)
        if (frame_changed(before[pfn], after[pfn])) out.push_back(static_cast<uint32_t>(pfn));
    return out;
}

GridGeometry grid_geometry(size_t frames, float width, float height) {
    GridGeometry g;
    if (frames == 0 || width < 1 || height < 1) return g;
    // The largest square cell that fits every frame in the rectangle.
    int cell = std::max(1, static_cast<int>(std::sqrt(width * height / static_cast<float>(frames))));
    while (cell > 1) {
        const int columns = std::max(1, static_cast<int>(width) / cell);
        const size_t rows = (frames + static_cast<size_t>(columns) - 1) / static_cast<size_t>(columns);
        if (static_cast<float>(rows) * static_cast<float>(cell) <= height) break;
        --cell;
    }
    g.cell = cell;
    g.columns = std::max(1, static_cast<int>(width) / cell);
    return g;
}

std::set<uint32_t> frames_of(const KernelSnapshot& snap, int pid) {
    std::set<uint32_t> pfns;
    for (const TaskState& t : snap.tasks) {
        if (t.pid != pid || !t.mm) continue;
        auto mm = snap.mms.find(t.mm);
        if (mm == snap.mms.end()) continue;
        for (const PageMapping& p : mm->second.pages)
            for (uint32_t off = 0; off < p.size; off += 4096) pfns.insert((p.paddr + off) >> 12);
    }
    return pfns;
}

}  // namespace forkscope::gui

// The physical memory grid: every frame a cell, coloured by what holds it. The colour
// classes and their palette are fixed and listed in the UI state (ui_state.h), so a
// test can check a screenshot's cells against the kernel's own frame map.
#pragma once
#include <array>
#include <cstdint>
#include <set>
#include <string_view>
#include <vector>

#include "emulator/introspect/kernel_state.h"

namespace forkscope::gui {

// A frame's colour class: its FrameKind, except that an anonymous frame mapped more
// than once (count > 1: shared copy-on-write after a fork) is Shared.
enum class CellClass : uint8_t { Free, Reserved, Kernel, PageTable, Cache, Anon, Shared, Unknown, Count };

CellClass cell_class(const FrameState& f);
std::string_view cell_class_name(CellClass c);      // "free", "kernel", "shared", ...
std::array<uint8_t, 3> cell_colour(CellClass c);    // RGB

// Cells are shaded by reference count: a frame's shade level is min(max(count, 1), 4) - 1,
// and its colour its class's colour times kShades[level] (rounded, at most 255), so a
// frame four tasks map is brighter than one only one maps.
inline constexpr float kShades[] = {0.7f, 0.85f, 1.0f, 1.15f};
int shade_level(const FrameState& f);
std::array<uint8_t, 3> shaded(std::array<uint8_t, 3> rgb, int level);
std::array<uint8_t, 3> cell_rgb(const FrameState& f);
// The frame's owner or count changed (the grid flashes it).
bool frame_changed(const FrameState& before, const FrameState& after);
// The pfns whose frames changed from one frame map to the next (none the first time).
std::vector<uint32_t> frames_changed(const std::vector<FrameState>& before, const std::vector<FrameState>& after);

// Where the cells lie in a rectangle of width x height pixels: square cells of `cell`
// pixels, `columns` to a row, frame pfn at column pfn % columns, row pfn / columns.
struct GridGeometry {
    int cell = 1;
    int columns = 1;
};
GridGeometry grid_geometry(size_t frames, float width, float height);

// The frames a task's address space maps (its user pages), for highlighting.
std::set<uint32_t> frames_of(const KernelSnapshot& snap, int pid);

}  // namespace forkscope::gui

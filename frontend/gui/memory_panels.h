// The panels that show memory, drawn from one LiveView: Physical memory (the frame
// grid), Address space (the selected task's VMAs as bars of pages) and Page tables (its
// user tables against its parent's, and `pt --explain` for the selected address).
// Clicking a page or a frame in any of them selects it in all three.
#pragma once
#include "frontend/gui/live_machine.h"
#include "frontend/gui/panels.h"

namespace forkscope::gui {

void memory_grid_panel(const LiveView& v, UiState& ui);
void address_space_panel(const LiveView& v, UiState& ui);
void page_tables_panel(const LiveView& v, UiState& ui);

// Selecting an address selects the frame the shown task maps there, and the other way
// round (the frame's first address in the shown task, if it maps it).
void select_address(UiState& ui, const KernelSnapshot& snap, uint32_t vaddr);
void select_frame(UiState& ui, const KernelSnapshot& snap, uint32_t pfn);

// pt --diff's words for a row (A: this task, B: its parent) as the panel says them:
// "only in A" is "only here", "W only in B" is "W only in parent".
std::string as_here_and_parent(std::string text);

// What the Explain part shows for the selected address (cached for the view).
const std::string& explanation(const LiveView& v, UiState& ui);

}  // namespace forkscope::gui

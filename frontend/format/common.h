// What the formats share: colours, aligned tables, entry flags, frame counts, the VMA
// of a mapping, the COW test, finding tasks, and merging page table entries into runs.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "emulator/introspect/kernel_state.h"
#include "frontend/format/format.h"

namespace forkscope::format::detail {

constexpr uint32_t kPageSize = 4096;
constexpr uint32_t kLargePageSize = 4u << 20;

enum class Colour { None, Bold, Dim, Red, Green, Yellow, Blue, Magenta, Cyan };

// text in ANSI colour when `on`, as it is otherwise.
std::string paint(std::string_view text, Colour c, bool on);

// Rows of cells, each column as wide as its widest cell (widths count the text, not
// the colour codes); the last column is not padded.
struct Cell {
    std::string text;
    Colour colour = Colour::None;
    bool right = false;  // right-aligned (numbers)
};
class Table {
public:
    void add(std::vector<Cell> row) { rows_.push_back(std::move(row)); }
    std::string render(bool colour, std::string_view indent = "") const;

private:
    std::vector<std::vector<Cell>> rows_;
};

std::string hex8(uint32_t v);   // 0x0804a000
std::string hexn(uint64_t v, int digits);  // no prefix, zero-padded

// The flag bits an entry maps with: the PTE's, or the PDE's for a 4 MiB page.
uint32_t entry_flags(const PageMapping& m);
// "P W U A D G PS PWT PCD", each absent one as dashes of its width (fixed width).
std::string flag_columns(uint32_t entry);
// Only the set ones, "P W U A" (for prose).
std::string flag_names(uint32_t entry);

// mem_map[pfn].count of the frame at paddr, or nullopt beyond the frame map.
std::optional<int32_t> frame_count(const KernelSnapshot& snap, uint32_t paddr);
const FrameState* frame_at(const KernelSnapshot& snap, uint32_t paddr);

// "08048000-0804a000 r-xp /bin/init" (the maps fields that name it).
std::string vma_perms(const VmaState& v);
std::string vma_name(const VmaState& v);
std::string vma_text(const VmaState& v);

// A copy-on-write page: read-only in a private writable VMA, its frame shared
// (count > 1): the next write copies it (do_wp_page -> do_cow_page).
bool is_cow(const KernelSnapshot& snap, const VmaState* vma, const PageMapping& m);

// Present pages of mm that are copy-on-write (is_cow): ps's COW-SHARED.
uint32_t cow_shared(const KernelSnapshot& snap, const MmState& mm);

// Tasks in forest order (ps --tree) with their depth: a task whose parent is in the
// snapshot (and is not pid 0, the idle task every orphan and init hang from) comes
// under it.
std::vector<std::pair<const TaskState*, int>> forest(const KernelSnapshot& snap);

// The task with `pid`, or an Error naming the pids that exist.
Result<const TaskState*> find_task(const KernelSnapshot& snap, int pid);
std::string pid_list(const KernelSnapshot& snap);

// The tasks using each mm, in pid order of their first task; kernel threads apart.
struct AddressSpace {
    const MmState* mm = nullptr;  // null: kernel threads (no user tables)
    std::vector<const TaskState*> tasks;
};
std::vector<AddressSpace> address_spaces(const KernelSnapshot& snap);
// "pid 1 (init)" or "pids 1 (init), 3 (init)".
std::string tasks_text(const std::vector<const TaskState*>& tasks);

// The page directory a task runs on: its mm's, or for a kernel thread the one it
// borrows (active_mm: init_mm, whose directory is swapper_pg_dir), with every present
// mapping of the whole address space (user half, then the kernel half) in address order.
struct PageDirectory {
    uint32_t cr3 = 0;
    const MmState* mm = nullptr;
    std::vector<PageMapping> pages;
};
Result<PageDirectory> page_directory_of(const KernelSnapshot& snap, int pid);

// Consecutive mappings with equal flags, contiguous frames, in one page table (or one
// 4 MiB page), in the same VMA with the same COW mark, as one run.
struct Run {
    uint32_t vaddr = 0;
    uint64_t end = 0;  // exclusive
    uint32_t paddr = 0;
    uint32_t flags = 0;
    uint32_t pages = 0;  // entries merged
    uint32_t size = kPageSize;
    bool counted = false;  // every frame is in the frame map
    int32_t count_min = 0, count_max = 0;
    bool cow = false;
    const VmaState* vma = nullptr;
    const PageMapping* first = nullptr;
};
std::vector<Run> merge_runs(const KernelSnapshot& snap, const MmState* mm,
                            std::span<const PageMapping> pages, const AddressRange& range,
                            bool no_merge);
// "2", "1-3" or "?".
std::string count_text(const Run& r);

// One 4 KiB page of a mapping, for comparing tables page by page (--diff, --since).
struct PageView {
    uint32_t paddr = 0;
    uint32_t flags = 0;
    std::optional<int32_t> count;
};
// Each present user page of mm in range, by virtual address (4 MiB pages split).
std::map<uint32_t, PageView> pages_by_address(const KernelSnapshot& snap, const MmState& mm,
                                              const AddressRange& range);

// A row of a page-by-page comparison: a run of pages with the same status whose
// frames on each side follow on.
struct CompareRow {
    uint32_t vaddr = 0;
    uint64_t end = 0;
    std::string status;
    Colour colour = Colour::None;
    std::optional<PageView> left, right;  // the first page's
    std::string note;
    const VmaState* vma = nullptr;
};
// Appends row to rows, or extends the last row when row continues it.
void add_compare_row(std::vector<CompareRow>& rows, CompareRow row, bool no_merge);
// a's user pages in range against b's, page by page, as pt --diff compares them. Without
// b: a's pages alone, with an empty status (and the "cow" note).
std::vector<CompareRow> compare_mms(const KernelSnapshot& snap, const MmState& a, const MmState* b,
                                    const AddressRange& range, bool no_merge);
// VIRTUAL STATUS LEFT RIGHT NOTE VMA, aligned.
std::string render_compare(const std::vector<CompareRow>& rows, const char* left_title,
                           const char* right_title, bool colour);
// "0x00412000 ro U A D count 2" (frames of a run: 0x00412000-0x00413fff).
std::string side_text(const PageView& p, uint64_t bytes);

// Every user page table entry that maps each frame, by pfn, in mm then address order.
struct FrameUser {
    const MmState* mm;
    uint32_t vaddr;
    const PageMapping* m;
};
std::map<uint32_t, std::vector<FrameUser>> user_mappings(const KernelSnapshot& snap);

Error usage(std::string message);

}  // namespace forkscope::format::detail

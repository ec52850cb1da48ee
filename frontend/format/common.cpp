#include "frontend/format/common.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "emulator/page_walker.h"

namespace forkscope::format::detail {

std::string paint(std::string_view text, Colour c, bool on) {
    static constexpr const char* kCodes[] = {"", "1", "2", "31", "32", "33", "34", "35", "36"};
    if (!on || c == Colour::None || text.empty()) return std::string(text);
    return fmt::format("\x1b[{}m{}\x1b[0m", kCodes[static_cast<int>(c)], text);
}

std::string Table::render(bool colour, std::string_view indent) const {
    std::vector<size_t> width;
    for (const auto& row : rows_) {
        if (width.size() < row.size()) width.resize(row.size(), 0);
        for (size_t i = 0; i < row.size(); i++) width[i] = std::max(width[i], row[i].text.size());
    }
    std::string out;
    for (const auto& row : rows_) {
        std::string line(indent);
        for (size_t i = 0; i < row.size(); i++) {
            const Cell& c = row[i];
            const bool last = i + 1 == row.size();
            const std::string pad(width[i] - c.text.size(), ' ');
            if (i) line += ' ';
            if (c.right) line += pad;
            line += paint(c.text, c.colour, colour);
            if (!c.right && !last) line += pad;
        }
        while (!line.empty() && line.back() == ' ') line.pop_back();
        out += line + '\n';
    }
    return out;
}

std::string hex8(uint32_t v) { return fmt::format("0x{:08x}", v); }
std::string hexn(uint64_t v, int digits) { return fmt::format("{:0{}x}", v, digits); }

uint32_t entry_flags(const PageMapping& m) { return (m.size == kPageSize ? m.pte : m.pde) & 0x1ff; }

namespace {
struct FlagName {
    uint32_t bit;
    const char* name;
};
constexpr FlagName kFlags[] = {
    {pte::kPresent, "P"},   {pte::kWritable, "W"},     {pte::kUser, "U"},
    {pte::kAccessed, "A"},  {pte::kDirty, "D"},        {pte::kGlobal, "G"},
    {pte::kLargePage, "PS"}, {pte::kWriteThrough, "PWT"}, {pte::kCacheDisable, "PCD"},
};
}  // namespace

std::string flag_columns(uint32_t entry) {
    std::string s;
    for (const FlagName& f : kFlags) {
        if (!s.empty()) s += ' ';
        s += (entry & f.bit) ? std::string(f.name) : std::string(std::string_view(f.name).size(), '-');
    }
    return s;
}

std::string flag_names(uint32_t entry) {
    std::string s;
    for (const FlagName& f : kFlags) {
        if (!(entry & f.bit)) continue;
        if (!s.empty()) s += ' ';
        s += f.name;
    }
    return s.empty() ? "none" : s;
}

const FrameState* frame_at(const KernelSnapshot& snap, uint32_t paddr) {
    const uint32_t pfn = paddr / kPageSize;
    return pfn < snap.frames.size() ? &snap.frames[pfn] : nullptr;
}

std::optional<int32_t> frame_count(const KernelSnapshot& snap, uint32_t paddr) {
    const FrameState* f = frame_at(snap, paddr);
    return f ? std::optional<int32_t>(f->count) : std::nullopt;
}

std::string vma_perms(const VmaState& v) {
    std::string p = "----";
    if (v.flags & vm::kRead) p[0] = 'r';
    if (v.flags & vm::kWrite) p[1] = 'w';
    if (v.flags & vm::kExec) p[2] = 'x';
    p[3] = (v.flags & vm::kMayShare) ? 's' : 'p';
    return p;
}

std::string vma_name(const VmaState& v) {
    if (v.has_file) return v.file;
    return v.label.empty() ? "[anon]" : v.label;
}

std::string vma_text(const VmaState& v) {
    return fmt::format("{:08x}-{:08x} {} {}", v.start, v.end, vma_perms(v), vma_name(v));
}

bool is_cow(const KernelSnapshot& snap, const VmaState* vma, const PageMapping& m) {
    if (!vma || !vma->private_writable() || (entry_flags(m) & pte::kWritable)) return false;
    auto count = frame_count(snap, m.paddr);
    return count && *count > 1;
}

uint32_t cow_shared(const KernelSnapshot& snap, const MmState& mm) {
    uint32_t n = 0;
    for (const PageMapping& m : mm.pages)
        if (is_cow(snap, mm.find_vma(m.vaddr), m)) n++;
    return n;
}

std::string pid_list(const KernelSnapshot& snap) {
    std::string s;
    for (const TaskState& t : snap.tasks) s += (s.empty() ? "" : " ") + std::to_string(t.pid);
    return s;
}

Result<const TaskState*> find_task(const KernelSnapshot& snap, int pid) {
    if (const TaskState* t = snap.find_task(pid)) return t;
    return usage(fmt::format("no task with pid {} (pids: {})", pid, pid_list(snap)));
}

std::vector<AddressSpace> address_spaces(const KernelSnapshot& snap) {
    std::vector<AddressSpace> spaces;
    std::map<uint32_t, size_t> index;  // mm address -> spaces[i]
    AddressSpace kernel_threads;
    for (const TaskState& t : snap.tasks) {
        const MmState* mm = snap.mm_of(t);
        if (!mm) {
            kernel_threads.tasks.push_back(&t);
            continue;
        }
        auto [it, added] = index.emplace(t.mm, spaces.size());
        if (added) spaces.push_back(AddressSpace{mm, {}});
        spaces[it->second].tasks.push_back(&t);
    }
    if (!kernel_threads.tasks.empty()) spaces.push_back(kernel_threads);
    return spaces;
}

std::string tasks_text(const std::vector<const TaskState*>& tasks) {
    std::string s = tasks.size() == 1 ? "pid " : "pids ";
    for (size_t i = 0; i < tasks.size(); i++)
        s += fmt::format("{}{} ({})", i ? ", " : "", tasks[i]->pid, tasks[i]->comm);
    return s;
}

Result<PageDirectory> page_directory_of(const KernelSnapshot& snap, int pid) {
    auto t = find_task(snap, pid);
    if (!t) return t.error();
    const MmState* mm = snap.mm_of(**t);
    if (!mm) {
        auto it = snap.mms.find((*t)->active_mm);
        if ((*t)->active_mm == 0 || it == snap.mms.end())
            return usage(fmt::format("pid {} ({}) has no page directory in the snapshot (no mm, no active_mm)",
                                     pid, (*t)->comm));
        mm = &it->second;
    }
    PageDirectory pd{mm->pgd, mm, mm->pages};
    pd.pages.insert(pd.pages.end(), snap.kernel_pages.begin(), snap.kernel_pages.end());
    std::stable_sort(pd.pages.begin(), pd.pages.end(),
                     [](const PageMapping& a, const PageMapping& b) { return a.vaddr < b.vaddr; });
    return pd;
}

namespace {
Run run_of(const KernelSnapshot& snap, const MmState* mm, const PageMapping& m) {
    Run r;
    r.vaddr = m.vaddr;
    r.end = uint64_t(m.vaddr) + m.size;
    r.paddr = m.paddr;
    r.flags = entry_flags(m);
    r.pages = 1;
    r.size = m.size;
    r.vma = mm ? mm->find_vma(m.vaddr) : nullptr;
    r.cow = is_cow(snap, r.vma, m);
    r.first = &m;
    // A 4 MiB page covers 1024 frames: their counts' range.
    r.counted = true;
    for (uint32_t off = 0; off < m.size; off += kPageSize) {
        auto c = frame_count(snap, m.paddr + off);
        if (!c) {
            r.counted = false;
            break;
        }
        r.count_min = off ? std::min(r.count_min, *c) : *c;
        r.count_max = off ? std::max(r.count_max, *c) : *c;
    }
    return r;
}

bool joins(const Run& prev, const Run& next) {
    return prev.size == kPageSize && next.size == kPageSize && prev.end == next.vaddr &&
           (prev.vaddr >> 22) == (next.vaddr >> 22) && prev.paddr + (prev.end - prev.vaddr) == next.paddr &&
           prev.flags == next.flags && prev.vma == next.vma && prev.cow == next.cow &&
           prev.counted && next.counted;
}
}  // namespace

std::vector<Run> merge_runs(const KernelSnapshot& snap, const MmState* mm,
                            std::span<const PageMapping> pages, const AddressRange& range,
                            bool no_merge) {
    std::vector<Run> runs;
    for (const PageMapping& m : pages) {
        if (!range.overlaps(m.vaddr, uint64_t(m.vaddr) + m.size)) continue;
        Run r = run_of(snap, mm, m);
        if (!no_merge && !runs.empty() && joins(runs.back(), r)) {
            Run& prev = runs.back();
            prev.end = r.end;
            prev.pages++;
            prev.count_min = std::min(prev.count_min, r.count_min);
            prev.count_max = std::max(prev.count_max, r.count_max);
            continue;
        }
        runs.push_back(r);
    }
    return runs;
}

std::string count_text(const Run& r) {
    if (!r.counted) return "?";
    if (r.count_min == r.count_max) return std::to_string(r.count_min);
    return fmt::format("{}-{}", r.count_min, r.count_max);
}

std::map<uint32_t, PageView> pages_by_address(const KernelSnapshot& snap, const MmState& mm,
                                              const AddressRange& range) {
    std::map<uint32_t, PageView> pages;
    for (const PageMapping& m : mm.pages)
        for (uint32_t off = 0; off < m.size; off += kPageSize)
            if (range.contains(m.vaddr + off))
                pages[m.vaddr + off] = {m.paddr + off, entry_flags(m), frame_count(snap, m.paddr + off)};
    return pages;
}

namespace {
bool side_continues(const std::optional<PageView>& first, const std::optional<PageView>& next, uint32_t offset) {
    if (!first || !next) return !first && !next;
    return first->paddr + offset == next->paddr && first->flags == next->flags && first->count == next->count;
}
}  // namespace

void add_compare_row(std::vector<CompareRow>& rows, CompareRow row, bool no_merge) {
    if (!no_merge && !rows.empty()) {
        CompareRow& last = rows.back();
        const uint32_t offset = static_cast<uint32_t>(last.end - last.vaddr);
        if (last.end == row.vaddr && last.status == row.status && last.note == row.note && last.vma == row.vma &&
            side_continues(last.left, row.left, offset) && side_continues(last.right, row.right, offset)) {
            last.end = row.end;
            return;
        }
    }
    rows.push_back(std::move(row));
}

std::string side_text(const PageView& p, uint64_t bytes) {
    std::string frames = bytes > kPageSize ? fmt::format("{}-{}", hex8(p.paddr), hex8(uint32_t(p.paddr + bytes - 1)))
                                           : hex8(p.paddr);
    std::string s = frames + ((p.flags & pte::kWritable) ? " rw" : " ro");
    for (auto [bit, name] : {std::pair{pte::kUser, "U"}, {pte::kAccessed, "A"}, {pte::kDirty, "D"},
                             {pte::kGlobal, "G"}, {pte::kWriteThrough, "PWT"}, {pte::kCacheDisable, "PCD"}})
        if (p.flags & bit) s += std::string(" ") + name;
    return s + " count " + (p.count ? std::to_string(*p.count) : "?");
}

std::string render_compare(const std::vector<CompareRow>& rows, const char* left_title, const char* right_title,
                           bool colour) {
    Table t;
    t.add({{"VIRTUAL", Colour::Bold}, {"STATUS", Colour::Bold}, {left_title, Colour::Bold},
           {right_title, Colour::Bold}, {"NOTE", Colour::Bold}, {"VMA", Colour::Bold}});
    for (const CompareRow& r : rows) {
        const uint64_t bytes = r.end - r.vaddr;
        t.add({{fmt::format("{}-{}", hex8(r.vaddr), hex8(uint32_t(r.end - 1)))},
               {r.status, r.colour},
               {r.left ? side_text(*r.left, bytes) : "-"},
               {r.right ? side_text(*r.right, bytes) : "-"},
               {r.note.empty() ? "-" : r.note, r.note.empty() ? Colour::None : Colour::Yellow},
               {r.vma ? vma_text(*r.vma) : "(in no VMA)", r.vma ? Colour::None : Colour::Red}});
    }
    return t.render(colour);
}

std::map<uint32_t, std::vector<FrameUser>> user_mappings(const KernelSnapshot& snap) {
    std::map<uint32_t, std::vector<FrameUser>> users;
    for (const auto& [addr, mm] : snap.mms)
        for (const PageMapping& m : mm.pages)
            for (uint32_t off = 0; off < m.size; off += kPageSize)
                users[(m.paddr + off) / kPageSize].push_back({&mm, m.vaddr + off, &m});
    return users;
}

Error usage(std::string message) { return make_error(ErrorKind::Usage, std::move(message)); }

}  // namespace forkscope::format::detail
